"""Birth-date comparison that knows the usual entry errors.

Dates are 'YYYY-MM-DD' strings whose day or month may be '00' (unknown,
"lunar" dates). Levels, best first: exact; compatible (one side only partly
known); day and month swapped; one digit wrong or two adjacent digits
transposed; a default date (01/01 or 31/12) against a real one of the same
year; different.
"""

from __future__ import annotations

from enum import StrEnum

from rapidfuzz.distance import Hamming

DEFAULT_DAYS = frozenset({"01-01", "12-31"})


class DateLevel(StrEnum):
    EXACT = "exact"
    COMPATIBLE = "compatible"
    SWAPPED = "swapped"
    TYPO = "typo"
    DEFAULT = "default"
    DIFFERENT = "different"
    MISSING = "missing"


def compare_dates(a: str, b: str) -> DateLevel:
    if len(a) != 10 or len(b) != 10:
        return DateLevel.MISSING
    if a == b:
        return DateLevel.COMPATIBLE if "-00" in a else DateLevel.EXACT
    ya, ma, da = a[:4], a[5:7], a[8:]
    yb, mb, db = b[:4], b[5:7], b[8:]
    if ya == yb and _compatible(ma, mb) and _compatible(da, db):
        return DateLevel.COMPATIBLE
    if ya == yb and ma == db and da == mb:
        return DateLevel.SWAPPED
    if one_typo(a.replace("-", ""), b.replace("-", "")):
        return DateLevel.TYPO
    if ya == yb and (a[5:] in DEFAULT_DAYS or b[5:] in DEFAULT_DAYS):
        return DateLevel.DEFAULT
    return DateLevel.DIFFERENT


def _compatible(x: str, y: str) -> bool:
    return x == y or x == "00" or y == "00"


def one_typo(a: str, b: str) -> bool:
    """Same length and one character wrong, or two adjacent characters transposed."""
    if len(a) != len(b) or a == b:
        return False
    distance = Hamming.distance(a, b)  # in C: most pairs differ in many places and stop here
    if distance != 2:
        return distance == 1
    i, j = (k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    return j == i + 1 and a[i] == b[j] and a[j] == b[i]


def year_gap(a: str, b: str) -> int | None:
    """Whole years between two birth years, or None when one is unknown."""
    if len(a) != 10 or len(b) != 10:
        return None
    return abs(int(a[:4]) - int(b[:4]))
