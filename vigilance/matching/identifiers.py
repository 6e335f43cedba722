"""NIR and INS comparison: equality, one typo, and a NIR that belongs to someone else (a parent).

A declared NIR is often a parent's (children are "ayants droit" on a parent's
card): it then disagrees with the identity's sex or birth year. Such a NIR is
not evidence about the person, so it is set aside rather than compared. An INS
comes from INSi and is trusted: two different INS mean two different persons.
"""

from __future__ import annotations

from enum import StrEnum

from .dates import one_typo

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


def compare_ids(a_ins: str, a_nirs: tuple[str, ...], a_foreign: str,
                b_ins: str, b_nirs: tuple[str, ...], b_foreign: str) -> IdLevel:
    """Compare 13-character matricules: INS, own NIRs (INS included) and a foreign (parent's) NIR."""
    if a_ins and b_ins:
        return IdLevel.INS_SAME if a_ins == b_ins else IdLevel.INS_DIFFERENT
    if set(a_nirs) & set(b_nirs):
        return IdLevel.SAME
    if a_nirs and b_nirs:
        if any(one_typo(x, y) for x in a_nirs for y in b_nirs):
            return IdLevel.TYPO
        return IdLevel.DIFFERENT
    if (a_foreign and a_foreign in (*b_nirs, b_foreign)) or (b_foreign and b_foreign in a_nirs):
        return IdLevel.PARENT
    return IdLevel.MISSING
