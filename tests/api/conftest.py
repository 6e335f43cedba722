"""API fixtures: a bearer-token client per persona and a few identities made through the services."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from identities.models import IdentityStatus, InsOid, PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.api_tokens import api_token_issue
from identities.services.identities import identity_create

TRAITS = {"birth_name": "MARTIN", "first_names": "JEANNE MARIE", "birth_date": "1985-03-21", "sex": "F",
          "birth_place": "75056", "used_name": "DURAND", "address": "1 rue de la Paix", "postcode": "75002",
          "city": "PARIS"}


def bearer_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _, raw = api_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def make_identity(facility):
    def make(**traits) -> PatientIdentity:
        source_id = traits.pop("source_id", "")
        data, _ = clean_identity({**TRAITS, **traits})
        return identity_create(facility=facility, data=data, source_id=source_id)
    return make


@pytest.fixture
def identity(make_identity) -> PatientIdentity:
    return make_identity(source_id="IPP001")


@pytest.fixture
def qualified(make_identity) -> PatientIdentity:
    """A qualified identity, set up directly: the INSi and proof services are tested elsewhere."""
    identity = make_identity(source_id="IPPQ", birth_name="DUPONT", first_names="PIERRE", sex="M",
                             birth_date="1960-01-15", nir="160017505600113", used_name="")
    PatientIdentity.objects.filter(pk=identity.pk).update(
        status=IdentityStatus.QUALIFIED, ins_matricule="160017505600113", ins_oid=InsOid.NIR, traits_from_insi=True)
    identity.refresh_from_db()
    return identity
