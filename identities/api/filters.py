"""Identity list filters: validated query parameters applied on top of the scoped selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from identities.models import IdentityStatus, PatientIdentity
from identities.rules.nir import clean_nir_input
from identities.rules.traits import TraitError, normalize_birth_date, normalize_first_names, normalize_name
from identities.selectors import identity_search


def _normalised(name: str, rule, value: str) -> str:
    try:
        return rule(value)
    except TraitError as exc:
        raise ValidationError({name: [str(exc)]}) from None


def identity_filter(*, user, params: dict) -> QuerySet[PatientIdentity]:
    """Scoped identities matching every given parameter (see IdentityFilterSerializer). Raises ValidationError."""
    birth_date = params.get("birth_date", "")
    if birth_date:
        birth_date = _normalised("birth_date", normalize_birth_date, birth_date)
    qs = identity_search(user=user, query=params.get("q", ""), birth_date=birth_date,
                         include_inactive=params.get("include_inactive", False))
    if params.get("birth_name"):
        qs = qs.filter(birth_name=_normalised("birth_name", normalize_name, params["birth_name"]))
    if params.get("first_name"):
        first = " ".join(_normalised("first_name", normalize_first_names, params["first_name"]))
        qs = qs.filter(first_names__contains=first)
    if params.get("ins"):
        # The matricule is only shared for qualified identities (RNIV; reference §3.3).
        qs = qs.filter(ins_matricule=clean_nir_input(params["ins"]), status=IdentityStatus.QUALIFIED)
    exact = {"sex": "sex", "source_id": "source_id", "facility": "facility__code", "status": "status"}
    for param, lookup in exact.items():
        if params.get(param):
            qs = qs.filter(**{lookup: params[param]})
    return qs
