"""Phonetic search by traits: a misspelt entry finds the existing identity."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/possible-identities/"


def test_a_phonetic_spelling_finds_the_existing_identity(agent, make_identity, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the matching keys are written after commit
        make_identity(source_id="IPP001")
    response = bearer_client(agent).get(URL, {"birth_name": "MARTAIN", "first_names": "JEANNE",
                                              "birth_date": "1985-03-21", "sex": "F"})
    assert response.status_code == 200, response.json()
    assert [p["identity"]["source_id"] for p in response.json()] == ["IPP001"]
    assert 0 < response.json()[0]["probability"] <= 1


def test_bad_traits_are_a_400(agent):
    response = bearer_client(agent).get(URL, {"birth_date": "1985-13-45"})
    assert response.status_code == 400
    assert "birth_date" in response.json()["errors"]


@pytest.mark.parametrize(("persona", "expected"), [("agent", 200), ("auditor", 200), ("outsider", 403), (None, 401)])
def test_permissions(request, identity, persona, expected):
    client = bearer_client(request.getfixturevalue(persona) if persona else None)
    assert client.get(URL, {"birth_name": "MARTIN"}).status_code == expected
