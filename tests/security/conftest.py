"""Security fixtures: identities made through the services, bearer clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from identities.models import PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.api_tokens import api_token_issue
from identities.services.identities import identity_create

TRAITS = {"birth_name": "MARTIN", "first_names": "JEANNE", "birth_date": "1985-03-21", "sex": "F",
          "birth_place": "75056"}


@pytest.fixture
def make_identity(facility):
    def make(source_id: str = "", **traits) -> PatientIdentity:
        data, _ = clean_identity({**TRAITS, **traits})
        return identity_create(facility=facility, data=data, source_id=source_id)
    return make


@pytest.fixture
def identity(make_identity) -> PatientIdentity:
    return make_identity(source_id="SEC001")


@pytest.fixture
def bearer():
    def client_for(user) -> APIClient:
        client = APIClient()
        _, raw = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client
    return client_for
