"""French name normalisation and a French phonetic key, for matching only (never for storage).

Names are compared on a "compact" form: folded to A-Z, particles (DE, DU,
LE, LA, D'...) dropped, separators removed, so that "DE LA FONTAINE",
"Delafontaine" and "LA FONTAINE" compare equal. The phonetic key groups the
spellings French admission desks produce for the same sound
(GAUTHIER/GAUTIER/GOTHIER, DUPOND/DUPONT, LEFEBVRE/LEFEVRE).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = {"Æ": "AE", "Œ": "OE", "ß": "SS"}
_SEPARATORS = re.compile(r"[^A-Z]+")
PARTICLES = frozenset({"DE", "DU", "DES", "LE", "LA", "LES", "D", "L", "DI", "DA", "DEL", "DELLA", "VAN", "VON",
                       "DER", "DEN", "Y", "ET"})


@lru_cache(maxsize=65536)
def fold(raw: str) -> str:
    """Uppercase A-Z with single spaces: accents stripped, ligatures expanded, other characters as spaces."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    for char, replacement in _LIGATURES.items():
        text = text.replace(char, replacement)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", text).split())


@lru_cache(maxsize=1 << 17)  # a base of millions holds a few hundred thousand distinct names
def tokens(raw: str) -> tuple[str, ...]:
    """The words of a name without its particles (all of them kept if the name is only particles)."""
    # Folded word by word (the same as folding the whole: whitespace is a separator either way), so that
    # "JEAN PIERRE PAUL" reuses the folded JEAN, PIERRE and PAUL.
    words = tuple(w for part in (raw or "").split() for w in fold(part).split())
    kept = tuple(w for w in words if w not in PARTICLES)
    return kept or words


@lru_cache(maxsize=1 << 17)
def compact(raw: str) -> str:
    """The comparison form of a name: its words without particles, glued together."""
    return "".join(tokens(raw))


# Ordered rewrite rules: each maps a written form to the sound French readers give it.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"(.)\1+", r"\1"),                      # doubled letters
    (r"AULT$|AUD$|AUT$|AUX$|EAUX?$", "O"),
    (r"SCH|SH|CH", "#"),                     # the "ch" sound
    (r"PH", "F"), (r"TH", "T"), (r"GH", "G"), (r"BV", "V"),
    (r"GN", "NI"),
    (r"GU(?=[EIY])", "g"), (r"GE(?=[AOU])", "J"), (r"G(?=[EIY])", "J"), (r"g", "G"),
    (r"QU|Q|CK|K", "K"), (r"C(?=[EIY])", "S"), (r"C", "K"),
    (r"X$", ""), (r"X", "KS"),
    (r"H", ""), (r"W", "V"), (r"Y", "I"), (r"Z", "S"),
    (r"EAU|AU", "O"), (r"OU", "U"),
    (r"(?:[AE]?I|U)[NM](?=[^AEIOUNM]|$)", "2"),  # nasal in/ain/ein/un
    (r"[AE]I", "E"),
    (r"(?<=.)(?:ER|EZ|ET)$", "E"),
    (r"[AE][NM](?=[^AEIOUNM]|$)", "1"),     # nasal an/en/am/em
    (r"O[NM](?=[^AEIOUNM]|$)", "3"),        # nasal on/om
    (r"(?<=.)[ESTDPX]+$", ""),               # silent final letters
    (r"(.)\1+", r"\1"),
))


def phonetic(raw: str) -> str:
    """A French phonetic key of a name or first name ("" for an empty name)."""
    return _sound(compact(raw))


@lru_cache(maxsize=1 << 17)  # by compact form: "Le Goff", "LE GOFF" and "LEGOFF" are rewritten once
def _sound(key: str) -> str:
    for pattern, replacement in _RULES:
        key = pattern.sub(replacement, key)
    return key
