"""The result of an INSi request shown beside the local traits, differences flagged."""

from __future__ import annotations

from dataclasses import dataclass

from identities.models import InsiRequest, PatientIdentity

_COMPARED = [
    ("birth_name", "Nom de naissance"), ("first_names", "Prénoms de naissance"), ("sex", "Sexe"),
    ("birth_date", "Date de naissance"), ("birth_place", "Lieu de naissance"),
    ("ins_matricule", "Matricule INS"), ("ins_oid", "OID"),
]
# Names the INSi developer may use for the returned matricule.
_ALIASES = {"ins_matricule": ("ins_matricule", "matricule", "ins"), "ins_oid": ("ins_oid", "oid")}


@dataclass(frozen=True)
class ComparedTrait:
    label: str
    local: str
    returned: str

    @property
    def differs(self) -> bool:
        return bool(self.returned) and self.local.upper() != self.returned.upper()


def _returned_traits(result: dict) -> dict:
    """The returned identity of the request's result: top-level INS plus its "traits" block."""
    traits = result.get("traits") if isinstance(result.get("traits"), dict) else {}
    return {**result, **traits}


def insi_comparison(identity: PatientIdentity, request: InsiRequest) -> list[ComparedTrait]:
    """Rows (label, local value before the call, INSi value); empty when the request returned no identity."""
    result = request.result or {}
    returned = _returned_traits(result)
    before = result.get("differences") if isinstance(result.get("differences"), dict) else {}
    rows = []
    for name, label in _COMPARED:
        value = next((returned[a] for a in _ALIASES.get(name, (name,)) if returned.get(a)), "")
        if isinstance(value, list):
            value = " ".join(value)
        local = before[name].get("local", "") if isinstance(before.get(name), dict) else getattr(identity, name)
        rows.append(ComparedTrait(label, str(local or ""), str(value or "")))
    return rows if any(row.returned for row in rows) else []
