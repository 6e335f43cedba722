"""Role by endpoint matrix: every API endpoint, every persona, including the outsider and no credentials."""

from __future__ import annotations

import pytest

from identities.services.insi import insi_request_search
from tests.api.conftest import bearer_client

pytestmark = pytest.mark.django_db

PERSONAS = ["agent", "referent", "auditor", "admin_user", "outsider", "anonymous"]
ALL_ROLES = {"agent", "referent", "auditor", "admin_user"}
WRITERS = {"agent", "referent", "admin_user"}
REFERENTS = {"referent", "admin_user"}
HISTORY = {"referent", "auditor", "admin_user"}

# name: (method, path, body, who may, success status)
ENDPOINTS = {
    "identity-list": ("get", "/api/v1/identities/", None, ALL_ROLES, 200),
    "identity-read": ("get", "/api/v1/identities/{id}/", None, ALL_ROLES, 200),
    "identity-create": ("post", "/api/v1/identities/", {"birth_name": "NOUVEAU", "facility": "CHU01"}, WRITERS, 201),
    "identity-update": ("patch", "/api/v1/identities/{id}/", {"version": 1, "city": "LYON"}, WRITERS, 200),
    "identity-attributes": ("post", "/api/v1/identities/{id}/attributes/",
                            {"is_doubtful": False, "is_fictitious": False, "is_homonym": True, "version": 1},
                            REFERENTS, 200),
    "proof-list": ("get", "/api/v1/identities/{id}/proofs/", None, ALL_ROLES, 200),
    "proof-create": ("post", "/api/v1/identities/{id}/proofs/", {"document_type": "CN"}, WRITERS, 201),
    "identity-events": ("get", "/api/v1/identities/{id}/events/", None, HISTORY, 200),
    "insi-search": ("post", "/api/v1/identities/{id}/insi-search/", None, WRITERS, 202),
    "insi-request-read": ("get", "/api/v1/insi-requests/{req}/", None, ALL_ROLES, 200),
    "event-feed": ("get", "/api/v1/events/", None, HISTORY, 200),
}


def _persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(request, identity, persona, endpoint):
    method, path, body, allowed, success = ENDPOINTS[endpoint]
    client = bearer_client(_persona(request, persona))
    insi_request = insi_request_search(identity=identity, acting_user=None)
    url = path.format(id=identity.public_id, req=insi_request.public_id)
    response = getattr(client, method)(url, body, format="json")
    expected = 401 if persona == "anonymous" else success if persona in allowed else 403
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"code", "message", "errors"}


@pytest.mark.parametrize("endpoint", [name for name, spec in ENDPOINTS.items() if "{" in spec[1]])
def test_outsider_cannot_tell_a_hidden_identity_from_a_missing_one(outsider, identity, endpoint):
    method, path, body, _, _ = ENDPOINTS[endpoint]
    client = bearer_client(outsider)
    insi_request = insi_request_search(identity=identity, acting_user=None)
    hidden = getattr(client, method)(path.format(id=identity.public_id, req=insi_request.public_id), body,
                                     format="json")
    unknown = "00000000-0000-0000-0000-000000000000"
    missing = getattr(client, method)(path.format(id=unknown, req=unknown), body, format="json")
    assert hidden.status_code == missing.status_code
    assert hidden.json() == missing.json()
