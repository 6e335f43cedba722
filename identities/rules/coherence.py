"""Coherence of a NIR with the strict traits: warnings a person can see, not refusals.

A NIR can legitimately disagree with today's traits (sex change, commune
renamed or merged since birth, NIA), so these are shown to the agent rather
than blocking the entry.
"""

from __future__ import annotations

from .nir import FEMALE_DIGITS, MALE_DIGITS, Nir

# Departments used in NIRs for births in Algeria, Morocco and Tunisia before independence.
_FORMER_NORTH_AFRICA = {"91", "92", "93", "94", "95", "96"}


def nir_trait_warnings(nir: Nir, *, sex: str, birth_date: str, birth_place: str) -> list[str]:
    warnings = []
    if (sex == "M" and nir.sex_digit in FEMALE_DIGITS) or (sex == "F" and nir.sex_digit in MALE_DIGITS):
        warnings.append(f"Le NIR indique un sexe {'féminin' if sex == 'M' else 'masculin'}, "
                        f"l'identité un sexe {'masculin' if sex == 'M' else 'féminin'}.")
    if birth_date:
        year, month = birth_date[2:4], int(birth_date[5:7])
        if year != nir.year:
            warnings.append(f"Le NIR indique une naissance en « {nir.year} », la date de naissance en « {year} ».")
        if month and nir.real_month and month != nir.real_month:
            warnings.append(f"Le NIR indique le mois {nir.real_month:02d}, la date de naissance le mois {month:02d}.")
    if birth_place and birth_place != "99999":
        warning = _place_warning(nir, birth_place)
        if warning:
            warnings.append(warning)
    return warnings


def _place_warning(nir: Nir, birth_place: str) -> str | None:
    abroad = birth_place.startswith("99")
    if abroad and nir.born_abroad:
        if nir.place[2:] != birth_place[2:]:
            return f"Le NIR indique le pays {nir.place}, le lieu de naissance {birth_place}."
        return None
    if abroad and nir.place[:2] in _FORMER_NORTH_AFRICA:
        return None  # born in Algeria, Morocco or Tunisia before independence
    if abroad != nir.born_abroad:
        where = "à l'étranger" if nir.born_abroad else "en France"
        return f"Le NIR indique une naissance {where}, le lieu de naissance {birth_place} non."
    if nir.place != birth_place:
        return (f"Le NIR indique la commune {nir.place}, le lieu de naissance {birth_place} "
                "(normal si la commune a changé de code depuis la naissance).")
    return None
