"""Record every successful read of an identity, whatever view answered it.

Keyed on URL names, so that the pages, the API and FHIR need no code of their own:
a new identity read view is traced by adding its name here.
"""

from __future__ import annotations

from uuid import UUID

from insportal.security.models import AccessChannel, AccessLog

# URL name -> channel. Each of these views takes the identity's `public_id` in the URL.
TRACED_VIEWS = {
    "identities:detail": AccessChannel.PAGE,
    "identities:timeline": AccessChannel.PAGE,
    "identities:attributes": AccessChannel.PAGE,
    "identities:update": AccessChannel.PAGE,
    "security:patient_export": AccessChannel.PAGE,
    "identity-detail": AccessChannel.API,
    "identity-events": AccessChannel.API,
    "identity-proofs": AccessChannel.API,
    "fhir-patient-read": AccessChannel.FHIR,
}
# Views answering several identities: each entry's resource is traced.
FHIR_SEARCH = "fhir-patient-search"


def _identity_ids(request, response) -> list[str]:
    match = request.resolver_match
    if match.view_name == FHIR_SEARCH:
        data = getattr(response, "data", None) or {}
        return [entry["resource"]["id"] for entry in data.get("entry", [])]
    return [match.kwargs.get("public_id", "")]


def _valid_uuids(values: list[str]) -> list[UUID]:
    uuids = []
    for value in values:
        try:
            uuids.append(UUID(str(value)))
        except ValueError:
            continue
    return uuids


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or match is None:
            return response
        channel = AccessChannel.FHIR if match.view_name == FHIR_SEARCH else TRACED_VIEWS.get(match.view_name)
        if channel is None:
            return response
        user = request.user if request.user.is_authenticated else None
        logs = [AccessLog(user=user, username=user.get_username() if user else "", identity_public_id=public_id,
                          channel=channel, view_name=match.view_name, ip_address=request.META.get("REMOTE_ADDR"))
                for public_id in _valid_uuids(_identity_ids(request, response))]
        # No try/except: a read that cannot be traced must not be served silently (the error is a 500).
        # One read, one row: a plain INSERT, committed on its own (autocommit) without the transaction
        # that bulk_create opens; a FHIR search traces its results in one multi-row INSERT.
        if len(logs) == 1:
            logs[0].save(force_insert=True)
        elif logs:
            AccessLog.objects.bulk_create(logs)
        return response
