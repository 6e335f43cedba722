"""Birth-date levels and the typing errors they know (compared in `compare.date_levels`).

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


def one_typo(a: str, b: str) -> bool:
    """Same length and one character wrong, or two adjacent characters transposed."""
    if len(a) != len(b) or a == b:
        return False
    distance = Hamming.distance(a, b)  # in C: most pairs differ in many places and stop here
    if distance != 2:
        return distance == 1
    i, j = (k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    return j == i + 1 and a[i] == b[j] and a[j] == b[i]
