"""Blocking keys: pairs are only compared when they share a key, so work follows true candidates.

Several keys per identity, each tolerant to a different error, so that a
duplicate with one wrong trait still shares at least one key:
  N  phonetic name (birth or used) + birth date   (first-name errors)
  F  phonetic first name + birth date             (name changes and typos)
  P  both phonetic names, sorted, + birth year     (day/month errors, swapped names)
  D  both phonetic names, sorted, + day and month sorted (year errors, swaps)
  A  phonetic name + first initial + postcode     (date errors with a known address)
  S  matricule (INS or declared NIR)              (any trait error)
Keys are stored and indexed; a key shared by too many identities is skipped
by the scan (a common name in a big town), the others still cover those pairs.
"""

from __future__ import annotations

import zlib

from .compare import Prepared

MAX_BLOCK = 400
BUCKETS = 64


def _date_digits(date: str) -> str:
    return date.replace("-", "") if len(date) == 10 else ""


def blocking_keys(p: Prepared) -> list[str]:
    r = p.record
    date = _date_digits(r.birth_date)
    names = [n for n in dict.fromkeys((p.name_phon, p.used_phon)) if n]
    keys = []
    for name in names:
        if date:
            keys.append(f"N{name}|{date}")
        if r.postcode:
            keys.append(f"A{name}|{p.first_phon[:1]}|{r.postcode}")
        if p.first_phon:
            pair = "|".join(sorted((name, p.first_phon)))
            if date:
                keys.append(f"P{pair}|{date[:4]}")
                if date[4:] != "0000":
                    keys.append(f"D{pair}|{''.join(sorted((date[4:6], date[6:])))}")
    if p.first_phon and date:
        keys.append(f"F{p.first_phon}|{date}")
    keys += [f"S{m}" for m in dict.fromkeys((*p.nirs, p.foreign_nir)) if m]
    return [k[:64] for k in dict.fromkeys(keys)]


def bucket_of(key: str) -> int:
    """Which block of the full scan owns a key (stable across processes)."""
    return zlib.crc32(key.encode()) % BUCKETS
