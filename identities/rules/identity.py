"""Validation of a whole identity entry: every field through its rule, errors collected per field.

One entry point for forms, the API and the CSV import, so that each of them
says the same thing about the same mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .coherence import nir_trait_warnings
from .nir import NirError, parse_nir
from .traits import TraitError, normalize_birth_date, normalize_first_names, normalize_name, normalize_sex

STRICT_TRAITS = ("birth_name", "first_names", "first_name", "birth_date", "sex", "birth_place")
TEXT_FIELDS = ("address", "postcode", "city")
_MAX_TEXT = {"address": 200, "postcode": 10, "city": 100}


@dataclass(frozen=True)
class CleanIdentity:
    birth_name: str = ""
    first_names: str = ""
    first_name: str = ""
    birth_date: str = ""
    sex: str = ""
    birth_place: str = ""
    used_name: str = ""
    used_first_name: str = ""
    nir: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""

    def as_fields(self) -> dict[str, str]:
        return asdict(self)


class IdentityInvalid(ValueError):
    """The entry cannot be accepted; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))


@dataclass
class _Collector:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def run(self, name: str, rule, value):
        try:
            return rule(value)
        except (TraitError, NirError) as exc:
            self.errors.setdefault(name, []).append(str(exc))
            return ""


def clean_identity(raw: Mapping[str, str | None]) -> tuple[CleanIdentity, list[str]]:
    """Normalise and validate an entry; return it with its coherence warnings. Raises IdentityInvalid."""
    from identities.referential import birth_place_exists

    get = lambda name: (raw.get(name) or "").strip()  # noqa: E731
    check = _Collector()
    first_names = check.run("first_names", normalize_first_names, get("first_names"))
    first_name = check.run("first_name", lambda v: " ".join(normalize_first_names(v)), get("first_name"))
    if first_names and first_name and first_names[: len(first_name.split())] != first_name.split():
        check.errors.setdefault("first_name", []).append(
            "Le premier prénom doit être le début de la liste des prénoms de naissance.")
    place = get("birth_place").upper()
    if place and not birth_place_exists(place):
        check.errors.setdefault("birth_place", []).append(
            f"Le code INSEE « {place} » n'est ni une commune ni un pays connus (99999 si le lieu est inconnu).")
    clean = CleanIdentity(
        birth_name=check.run("birth_name", lambda v: normalize_name(v, label="Le nom de naissance"), get("birth_name")),
        first_names=" ".join(first_names or []),
        first_name=first_name or (first_names[0] if first_names else ""),
        birth_date=check.run("birth_date", normalize_birth_date, get("birth_date")),
        sex=check.run("sex", normalize_sex, get("sex")),
        birth_place=place,
        used_name=check.run("used_name", lambda v: normalize_name(v, label="Le nom utilisé"), get("used_name")),
        used_first_name=check.run("used_first_name", lambda v: " ".join(normalize_first_names(v)),
                                  get("used_first_name")),
        nir=check.run("nir", lambda v: parse_nir(v).value if v else "", get("nir")),
        **{name: _text(check, name, get(name)) for name in TEXT_FIELDS},
    )
    if check.errors:
        raise IdentityInvalid(check.errors)
    return clean, _warnings(clean)


def _text(check: _Collector, name: str, value: str) -> str:
    if len(value) > _MAX_TEXT[name]:
        check.errors.setdefault(name, []).append(f"Ce champ dépasse {_MAX_TEXT[name]} caractères.")
    return value[: _MAX_TEXT[name]]


def _warnings(clean: CleanIdentity) -> list[str]:
    if not clean.nir:
        return []
    return nir_trait_warnings(parse_nir(clean.nir), sex=clean.sex, birth_date=clean.birth_date,
                              birth_place=clean.birth_place)
