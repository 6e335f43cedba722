"""NIR and INS comparison: equality, one typo, and a NIR that belongs to someone else (a parent).

A declared NIR is often a parent's (children are "ayants droit" on a parent's
card): it then disagrees with the identity's sex or birth year. Such a NIR is
not evidence about the person, so it is set aside rather than compared. An INS
comes from INSi and is trusted: two different INS mean two different persons.
"""

from __future__ import annotations

from enum import StrEnum

MALE_DIGITS = frozenset("137")
FEMALE_DIGITS = frozenset("248")


class IdLevel(StrEnum):
    INS_SAME = "ins_same"
    SAME = "same"
    TYPO = "typo"
    PARENT = "parent"
    INS_DIFFERENT = "ins_different"
    DIFFERENT = "different"
    MISSING = "missing"


def nir_fits(nir: str, *, sex: str, birth_date: str) -> bool:
    """Whether a NIR's sex digit and birth year agree with the identity (unknown traits agree)."""
    if len(nir) < 13:
        return False
    if (sex == "M" and nir[0] in FEMALE_DIGITS) or (sex == "F" and nir[0] in MALE_DIGITS):
        return False
    return not (len(birth_date) == 10 and birth_date[2:4] != nir[1:3])
