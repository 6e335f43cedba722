"""Reads of identities: every read starts from `identity_queryset_for`, which scopes to the user's rights."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from identities.models import PatientIdentity
from identities.rules.nir import clean_nir_input
from identities.rules.traits import TraitError, normalize_birth_date, normalize_name


def identity_queryset_for(*, user) -> QuerySet[PatientIdentity]:
    """Identities the user may see: all of them with the view permission, none otherwise.

    Views fetch with `get_object_or_404(identity_queryset_for(user=u), public_id=...)` so
    that a hidden identity and a missing one look the same.
    """
    if user is None or not user.is_authenticated or not user.has_perm("identities.view_patientidentity"):
        return PatientIdentity.objects.none()
    return PatientIdentity.objects.select_related("facility")


_IPP_OR_NIR = re.compile(r"^[0-9A-Za-z\-]+$")


def identity_search(*, user, query: str = "", birth_date: str = "", include_inactive: bool = False
                    ) -> QuerySet[PatientIdentity]:
    """Search by name (birth or used, prefix), birth date, INS/NIR (13 or 15 chars) or IPP."""
    qs = identity_queryset_for(user=user)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    query = (query or "").strip()
    if query:
        qs = qs.filter(_text_filter(query))
    if birth_date:
        try:
            qs = qs.filter(birth_date=normalize_birth_date(birth_date))
        except TraitError:
            return qs.none()
    return qs


def _text_filter(query: str) -> Q:
    compact = clean_nir_input(query)
    if compact.isdigit() or (len(compact) in (13, 15) and compact[:5].isdigit()):
        if len(compact) >= 13:
            return Q(ins_matricule__startswith=compact) | Q(nir__startswith=compact) | Q(
                ins_history__matricule__startswith=compact)
        return Q(source_id=query)
    if _IPP_OR_NIR.match(query) and any(c.isdigit() for c in query):
        return Q(source_id=query)
    try:
        name = normalize_name(query)
    except TraitError:
        return Q(pk__in=[])
    parts = name.split(" ", 1)
    q = Q(birth_name__startswith=name) | Q(used_name__startswith=name)
    if len(parts) == 2:  # "NAME FIRSTNAME"
        q |= (Q(birth_name=parts[0]) | Q(used_name=parts[0])) & Q(first_names__startswith=parts[1])
    return q
