"""Blocking keys: pairs are only compared when they share a key, so work follows true candidates.

Several keys per identity, each tolerant to a different error, so that a
duplicate with one wrong trait still shares at least one key:
  E  birth date + sex + initial of any phonetic name  (typos after the first letter, a name replaced,
                                                   swaps; sex halves the pairs of a big base)
  P  both phonetic names, sorted, + birth year     (day/month errors, swapped names)
  D  both phonetic names, sorted, + day and month sorted (year errors, swaps)
  A  2 letters of phonetic name + first initial + postcode  (date errors and name typos, same town)
  B  birth date + postcode                        (both names wrong)
  H  a name or the first name + house number and street (date errors, same home)
  W  house number + first word naming the street + postcode  (both names wrong, words added to the address)
  C  both phonetic names, sorted, any date         (date entirely wrong)
  S  matricule (INS or declared NIR)              (any trait error)
Keys are stored and indexed; a key shared by too many identities is skipped
by the scan (a common name in a big town), the others still cover those pairs.
"""

from __future__ import annotations

import zlib

from .names import PARTICLES
from .record import Prepared

MAX_BLOCK = 400
# Keys on identity traits. EM learns m only from pairs sharing one of them: pairs found
# through an address alone are mostly households, which EM would otherwise take for "same person".
# C (names, any date) is the one kind of key that lets EM see dates of true pairs disagree.
TRAIT_KEYS = frozenset("EPDBCS")
BUCKETS = 64


def _date_digits(date: str) -> str:
    return date.replace("-", "") if len(date) == 10 else ""


def address_key(address: str) -> str:
    """House number and the start of the longest street word: survives most typos in an address."""
    words = address.split()
    if not words or not words[0].isdigit() or len(words) < 2:
        return ""
    return f"{words[0]}{max(words[1:], key=len)[:4]}"


# Words that open a French street name without naming it ("12 RUE DE LA GARE" is on GARE).
_STREET_WORDS = frozenset({"RUE", "AVENUE", "AV", "BOULEVARD", "BD", "PLACE", "CHEMIN", "ALLEE", "IMPASSE", "ROUTE",
                           "QUAI", "COURS", "SQUARE", "PASSAGE", "RESIDENCE", "LIEU", "DIT", "HAMEAU", "CITE"})


def street_key(address: str) -> str:
    """House number and the start of the first word naming the street: survives words added after it."""
    words = address.split()
    if len(words) < 2 or not words[0].isdigit():
        return ""
    named = [w for w in words[1:] if len(w) >= 4 and w not in _STREET_WORDS and w not in PARTICLES]
    return f"{words[0]}{named[0][:4]}" if named else ""


def blocking_keys(p: Prepared) -> list[str]:
    r = p.record
    date = _date_digits(r.birth_date)
    names = [n for n in dict.fromkeys((p.name_phon, p.used_phon)) if n]
    # Initials of the phonetic names (first letters are rarely mistyped), sorted: a swap keeps them.
    initials = sorted({n[:1] for n in (*names, p.first_phon) if n})
    keys = []
    if date:
        keys += [f"E{i}|{r.sex}|{date}" for i in initials]
    for name in names:
        if p.first_phon:
            pair = "|".join(sorted((name, p.first_phon)))
            if date:
                keys.append(f"P{pair}|{date[:4]}")
                if date[4:] != "0000":
                    keys.append(f"D{pair}|{''.join(sorted((date[4:6], date[6:])))}")
            keys.append(f"C{pair}")
    if r.postcode:  # two letters of the name: one letter is not selective in a big town
        keys += [f"A{n[:2]}|{p.first_phon[:1]}|{r.postcode}" for n in names]
    if date and r.postcode:
        keys.append(f"B{date}|{r.postcode}")
    home = address_key(p.address)
    if home:
        keys += [f"H{n}|{home}" for n in (*names, p.first_phon) if n]
    street = street_key(p.address)
    if street and r.postcode:  # no name: finds a home whose names were both mistyped or replaced
        keys.append(f"W{street}|{r.postcode}")
    keys += [f"S{m}" for m in p.nirs]  # not a parent's NIR: it would block a whole family together
    return [k[:64] for k in dict.fromkeys(keys)]


# The traits each kind of trait key holds equal (or nearly) in its blocks: EM learns a trait's m only
# from pairs that shared a key without it, since blocked pairs agree on their key's traits by construction.
KEY_TRAITS = {
    "E": frozenset({"birth_date", "birth_name", "first_name"}),
    "P": frozenset({"birth_name", "first_name", "birth_date"}),
    "D": frozenset({"birth_name", "first_name", "birth_date"}),
    "B": frozenset({"birth_date", "home"}),
    "C": frozenset({"birth_name", "first_name"}),
    "S": frozenset({"identifier", "sex", "birth_date", "birth_place"}),  # the NIR holds sex, birth month and place
}


def bucket_of(key: str) -> int:
    """Which block of the full scan owns a key (stable across processes)."""
    return zlib.crc32(key.encode()) % BUCKETS
