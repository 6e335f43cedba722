"""Hostile strings typed into forms are stored exactly as typed and shown escaped, never run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from identities.models import PatientIdentity

HOSTILE = [
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "'; DROP TABLE identities_patientidentity; --",
    "1' OR '1'='1",
    "{{ request.user }} {% debug %}",
]
TRAITS = {"birth_name": "MARTIN", "first_names": "JEANNE", "birth_date": "1985-03-21", "sex": "F",
          "birth_place": "75056"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_address_is_stored_verbatim_and_shown_escaped(client, agent, facility, hostile):
    client.force_login(agent)
    response = client.post(reverse("identities:create"), {"facility": facility.pk, "source_id": "", **TRAITS,
                                                          "address": hostile, "city": hostile})
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    identity = PatientIdentity.objects.get()
    assert (identity.address, identity.city) == (hostile, hostile)  # verbatim: no stripping, no SQL effect
    body = client.get(reverse("identities:detail", args=[identity.public_id])).content.decode()
    assert escape(hostile) in body  # shown as text (template syntax too: not evaluated)
    assert "<script>alert" not in body
    assert "onerror=alert(1)>" not in body


def test_hostile_search_text_is_harmless(client, agent, facility):
    client.force_login(agent)
    for hostile in HOSTILE:
        response = client.get(reverse("home"), {"q": hostile})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()


def test_hostile_name_is_refused_with_a_message_not_stored(client, agent, facility):
    client.force_login(agent)
    response = client.post(reverse("identities:create"), {"facility": facility.pk, "source_id": "", **TRAITS,
                                                          "birth_name": HOSTILE[0]})
    assert response.status_code == 200
    assert "birth_name" in response.context["form"].errors
    assert "<script>alert" not in response.content.decode()
    assert not PatientIdentity.objects.exists()
