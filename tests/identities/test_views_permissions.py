"""Role by page matrix: every identity page checks its permission; an outsider sees nothing."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from identities.rules.identity import clean_identity
from identities.services.identities import identity_create

pytestmark = pytest.mark.django_db

ALLOWED, FORBIDDEN, NOT_FOUND = 200, 403, 404

# page name -> expected status for agent, referent, auditor, outsider (GET).
MATRIX = {
    "identities:detail": (ALLOWED, ALLOWED, ALLOWED, NOT_FOUND),
    "identities:update": (ALLOWED, ALLOWED, FORBIDDEN, NOT_FOUND),
    "identities:proof_create": (ALLOWED, ALLOWED, FORBIDDEN, NOT_FOUND),
    "identities:attributes": (FORBIDDEN, ALLOWED, FORBIDDEN, NOT_FOUND),
    "identities:timeline": (FORBIDDEN, ALLOWED, ALLOWED, NOT_FOUND),
}
PERSONAS = ("agent", "referent", "auditor", "outsider")


@pytest.fixture
def identity(facility):
    clean, _ = clean_identity({"birth_name": "LEROY", "first_names": "Paul", "birth_date": "1970-01-01", "sex": "M"})
    return identity_create(facility=facility, data=clean)


@pytest.mark.parametrize("page", MATRIX)
@pytest.mark.parametrize("persona", PERSONAS)
def test_identity_pages_by_role(client, request, identity, page, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(page, args=[identity.public_id]))
    assert response.status_code == MATRIX[page][PERSONAS.index(persona)]


@pytest.mark.parametrize("page", MATRIX)
def test_outsider_cannot_tell_hidden_from_missing(client, outsider, identity, page):
    client.force_login(outsider)
    hidden = client.get(reverse(page, args=[identity.public_id]))
    missing = client.get(reverse(page, args=[uuid.uuid4()]))
    assert hidden.status_code == missing.status_code == NOT_FOUND


@pytest.mark.parametrize("page", MATRIX)
def test_signed_out_is_sent_to_login(client, identity, page):
    response = client.get(reverse(page, args=[identity.public_id]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("persona", "expected"), [("agent", 200), ("referent", 200), ("auditor", 403),
                                                   ("outsider", 403)])
def test_create_page_by_role(client, request, facility, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("identities:create")).status_code == expected


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_insi_and_writes_refused_without_role(client, request, identity, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("identities:insi_search", args=[identity.public_id]))
    assert response.status_code in (403, 404)
    identity.refresh_from_db()
    assert not identity.insi_requests.exists()


def test_outsider_home_shows_no_identity(client, outsider, identity):
    client.force_login(outsider)
    response = client.get(reverse("home"), {"q": "LEROY"})
    assert response.status_code == 200
    assert identity.source_id not in response.content.decode()
    assert "aucun rôle" in response.content.decode()


def test_home_redirects_to_login_when_signed_out(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_login_page_is_french(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Connexion" in response.content.decode()
