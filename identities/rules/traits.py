"""Trait normalisation to the form INSi accepts, and validation of sex and birth date.

INSi accepts uppercase A-Z separated by a single space, an ASCII apostrophe, or
one or two hyphens (reference §2.3; CNDA test 2.03). Normalising removes
diacritics, expands Æ/Œ, turns typographic apostrophes into ' and collapses
spaces; whatever still falls outside the allowed set is refused with the
offending characters named.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

NAME_PATTERN = re.compile(r"^[A-Z]+(?:(?:-{1,2}|[' ])[A-Z]+)*$")
FIRST_NAME_PATTERN = re.compile(r"^[A-Z]+(?:(?:-{1,2}|')[A-Z]+)*$")
_LIGATURES = {"Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "ß": "SS"}
_APOSTROPHES = "’‘`´ʼ′"
_HYPHENS = "‐‑‒–—"
MAX_NAME_LENGTH = 100
MAX_FIRST_NAMES_LENGTH = 100


class TraitError(ValueError):
    """A trait that cannot be accepted; the message says what to fix."""


def _fold(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "")
    for char, replacement in _LIGATURES.items():
        text = text.replace(char, replacement)
    for char in _APOSTROPHES:
        text = text.replace(char, "'")
    for char in _HYPHENS:
        text = text.replace(char, "-")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(text.upper().split())


def _refuse(label: str, value: str) -> TraitError:
    bad = sorted({c for c in value if not ("A" <= c <= "Z" or c in " '-")})
    if bad:
        shown = " ".join(f"« {c} »" for c in bad)
        return TraitError(f"{label} contient des caractères refusés par l'INSi : {shown}. "
                          "Seuls les lettres, l'espace, l'apostrophe et le trait d'union sont admis.")
    return TraitError(f"{label} « {value} » est mal formé : pas de séparateur en début ou en fin, "
                      "ni deux séparateurs à la suite (sauf le double trait d'union).")


def normalize_name(raw: str, *, label: str = "Le nom") -> str:
    """A birth or used name in INSi form ("" stays ""). Raises TraitError."""
    value = _fold(raw)
    if not value:
        return ""
    if len(value) > MAX_NAME_LENGTH:
        raise TraitError(f"{label} dépasse {MAX_NAME_LENGTH} caractères.")
    if not NAME_PATTERN.match(value):
        raise _refuse(label, value)
    return value


def normalize_first_names(raw: str) -> list[str]:
    """The birth first names, space-separated, each in INSi form. Raises TraitError."""
    value = _fold(raw)
    if len(value) > MAX_FIRST_NAMES_LENGTH:
        raise TraitError(f"Les prénoms dépassent {MAX_FIRST_NAMES_LENGTH} caractères.")
    names = value.split()
    for name in names:
        if not FIRST_NAME_PATTERN.match(name):
            raise _refuse(f"Le prénom « {name} »", name)
    return names


def normalize_sex(raw: str) -> str:
    """M, F, I (indéterminé) or "" (not given). Raises TraitError."""
    value = (raw or "").strip().upper()
    aliases = {"H": "M", "1": "M", "2": "F", "U": "", "INCONNU": ""}
    value = aliases.get(value, value)
    if value not in {"M", "F", "I", ""}:
        raise TraitError(f"Le sexe « {raw} » n'est pas reconnu : indiquez M, F ou I (indéterminé).")
    return value


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})$"),
)


def normalize_birth_date(raw: str, *, today: dt.date | None = None) -> str:
    """A birth date as AAAA-MM-JJ, day or month 00 when unknown (lunar date). Raises TraitError.

    Accepts AAAA-MM-JJ and JJ/MM/AAAA. A complete date must exist and not lie
    in the future; a year before 1850 is refused as a typing error.
    """
    value = (raw or "").strip()
    if not value:
        return ""
    match = next((m for f in _DATE_FORMATS if (m := f.match(value))), None)
    if not match:
        raise TraitError(f"La date de naissance « {value} » n'est pas au format AAAA-MM-JJ ou JJ/MM/AAAA.")
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    today = today or dt.date.today()  # noqa: DTZ011 (a birth date is a civil date, not an instant)
    if not 1850 <= year <= today.year:
        raise TraitError(f"L'année de naissance {year} n'est pas plausible.")
    if month > 12:
        raise TraitError(f"Le mois de naissance {month:02d} n'existe pas (01-12, ou 00 si inconnu).")
    if month == 0 and day != 0:
        raise TraitError("Le jour est connu mais pas le mois : saisissez 00 pour le jour aussi.")
    if month and day > calendar.monthrange(year, month)[1]:
        raise TraitError(f"Le {day:02d}/{month:02d}/{year} n'existe pas.")
    if month and day and dt.date(year, month, day) > today:
        raise TraitError("La date de naissance est dans le futur.")
    return f"{year:04d}-{month:02d}-{day:02d}"


def birth_date_is_complete(value: str) -> bool:
    return bool(value) and not value.endswith("-00") and "-00-" not in value
