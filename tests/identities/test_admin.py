"""The Django admin stays the administrators' tool: lists with search and filters, history, no side doors."""

import pytest

from identities.rules.identity import clean_identity
from identities.services.identities import identity_create


@pytest.fixture
def identity(facility, agent):
    traits, _ = clean_identity({"birth_name": "Corse", "first_names": "Anthony", "birth_date": "1980-03-02",
                                "sex": "M", "birth_place": "2B020"})
    return identity_create(facility=facility, data=traits, acting_user=agent)


def test_admin_lists_searches_and_shows_history(client, admin_user, identity):
    client.force_login(admin_user)
    listing = client.get("/admin/identities/patientidentity/", {"q": "CORSE", "status__exact": "PROV"})
    assert listing.status_code == 200
    assert identity.source_id in listing.content.decode()
    history = client.get(f"/admin/identities/patientidentity/{identity.pk}/history/")
    assert history.status_code == 200
    assert "agent" in history.content.decode()
    assert client.get("/admin/identities/identityevent/").status_code == 200


def test_admin_cannot_delete_or_edit_identities(client, admin_user, identity):
    client.force_login(admin_user)
    assert client.post(f"/admin/identities/patientidentity/{identity.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/identities/patientidentity/{identity.pk}/change/", {"birth_name": "X"}
                       ).status_code == 403
    identity.refresh_from_db()
    assert identity.birth_name == "CORSE"


@pytest.mark.parametrize("persona", ["agent", "auditor", "outsider"])
def test_non_staff_personas_are_sent_to_the_admin_login(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/identities/patientidentity/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
