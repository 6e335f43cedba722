"""FHIR FR Core Patient: profiles, INS gating, merged identities, search; every resource validates."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from identities.fhir import PROFILE_PATIENT, PROFILE_PATIENT_INS
from identities.models import IdentityStatus, InsHistory, InsOid, PatientIdentity
from identities.services.identities import proof_record
from tests.api.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def _read(api, identity) -> dict:
    response = api.get(f"/fhir/Patient/{identity.public_id}", HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    Patient.model_validate(body)
    return body


def _ext(resource: dict, url_end: str) -> dict:
    return next(e for e in resource["extension"] if e["url"].endswith(url_end))


def test_provisional_identity_is_plain_fr_core_patient_without_matricule(api, identity):
    PatientIdentity.objects.filter(pk=identity.pk).update(ins_matricule="160017505600113", ins_oid=InsOid.NIR,
                                                          status=IdentityStatus.RETRIEVED, traits_from_insi=True)
    body = _read(api, identity)
    assert body["meta"]["profile"] == [PROFILE_PATIENT]
    assert "160017505600113" not in str(body)
    assert [i["value"] for i in body["identifier"]] == ["IPP001"]
    status = _ext(body, "fr-core-identity-reliability")["extension"][0]
    assert status == {"url": "identityStatus", "valueCoding": {
        "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status", "code": "RECUP"}}


def test_qualified_identity_uses_the_ins_profile_with_the_nir_slice(api, qualified):
    proof_record(identity=qualified, document_type="PA")
    InsHistory.objects.create(identity=qualified, matricule="160017505600199"[:13] + "00", oid=InsOid.NIR,
                              origin=InsHistory.Origin.INSI_HISTORY)
    body = _read(api, qualified)
    assert body["meta"]["profile"] == [PROFILE_PATIENT_INS]
    ins = [i for i in body["identifier"] if i["system"] == "urn:oid:1.2.250.1.213.1.4.8"]
    assert ins[0] == {"use": "official", "system": "urn:oid:1.2.250.1.213.1.4.8", "value": "160017505600113",
                      "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                           "code": "INS-NIR"}]}}
    assert ins[1]["use"] == "old"
    reliability = {e["url"]: e for e in _ext(body, "fr-core-identity-reliability")["extension"]}
    assert reliability["identityStatus"]["valueCoding"]["code"] == "QUAL"
    assert reliability["validationMode"]["valueCoding"]["code"] == "PA"
    assert "validationDate" in reliability
    official = body["name"][0]
    assert official["use"] == "official"
    assert official["family"] == "DUPONT"
    assert official["given"] == ["PIERRE"]
    assert _ext(body, "patient-birthPlace")["valueAddress"]["extension"][0]["valueCoding"]["code"] == "75056"
    assert body["gender"] == "male"
    assert body["birthDate"] == "1960-01-15"


@pytest.mark.parametrize(("oid", "slice_code"), [(InsOid.NIA, "INS-NIA"), (InsOid.NIR_TEST, "INS-NIR-TEST"),
                                                  (InsOid.NIR_DEMO, "INS-NIR-DEMO")])
def test_other_ins_slices(api, qualified, oid, slice_code):
    PatientIdentity.objects.filter(pk=qualified.pk).update(ins_oid=oid)
    body = _read(api, qualified)
    ins = next(i for i in body["identifier"] if i["system"] == f"urn:oid:{oid}")
    assert ins["type"]["coding"][0]["code"] == slice_code


def test_attributes_and_lunar_birth_date(api, make_identity):
    identity = make_identity(source_id="L1", birth_date="1950-00-00", sex="")
    PatientIdentity.objects.filter(pk=identity.pk).update(is_doubtful=True, is_homonym=True)
    body = _read(api, identity)
    assert body["birthDate"] == "1950"
    assert body["gender"] == "unknown"
    comments = [e["valueCodeableConcept"]["coding"][0]["code"]
                for e in _ext(body, "fr-core-identity-reliability")["extension"] if e["url"] == "comment"]
    assert comments == ["DOUT", "HOMA"]


def test_almost_empty_identity_still_validates(api, make_identity):
    identity = make_identity(source_id="E1", birth_name="", first_names="", birth_date="", sex="", birth_place="",
                             used_name="", address="", postcode="", city="")
    body = _read(api, identity)
    assert "name" not in body


def test_merged_identity_answers_with_a_link_to_the_survivor(api, identity, make_identity):
    survivor = make_identity(source_id="IPP-SURV")
    PatientIdentity.objects.filter(pk=identity.pk).update(is_active=False, merged_into=survivor)
    body = _read(api, identity)
    assert body["active"] is False
    assert body["link"] == [{"other": {"reference": f"Patient/{survivor.public_id}"}, "type": "replaced-by"}]
    assert body["identifier"][0]["use"] == "old"
    survivor_body = _read(api, survivor)
    assert {"other": {"reference": f"Patient/{identity.public_id}"}, "type": "replaces"} in survivor_body["link"]
    assert {"use": "old", "value": "IPP001"}.items() <= survivor_body["identifier"][1].items()


def _search(api, **params) -> dict:
    response = api.get("/fhir/Patient", params)
    assert response.status_code == 200, response.content
    Bundle.model_validate(response.json())
    return response.json()


def test_search_by_identifier_and_traits(api, identity, qualified, make_identity):
    make_identity(source_id="IPP3", birth_name="MARTINEAU", used_name="", birth_date="1990-01-01")
    assert _search(api, identifier="IPP001")["total"] == 1
    assert _search(api, identifier="urn:insportal:ipp:CHU01|IPP001")["total"] == 1
    assert _search(api, identifier="urn:oid:1.2.250.1.213.1.4.8|160017505600113")["total"] == 1
    assert _search(api, identifier="urn:oid:1.2.250.1.213.1.4.9|160017505600113")["total"] == 0
    assert _search(api, identifier="http://other|IPP001")["total"] == 0
    assert _search(api, family="martin")["total"] == 2
    assert _search(api, family="martin", given="marie", birthdate="1985-03-21", gender="female")["total"] == 1
    paged = _search(api, family="martin", _count=1)
    assert len(paged["entry"]) == 1
    assert paged["link"][1]["relation"] == "next"


def test_unqualified_ins_is_not_searchable(api, identity):
    PatientIdentity.objects.filter(pk=identity.pk).update(ins_matricule="160017505600113", ins_oid=InsOid.NIR)
    assert _search(api, identifier="160017505600113")["total"] == 0


@pytest.mark.parametrize("params", [{}, {"birthdate": "21/13/1985"}, {"gender": "x"}, {"family": "!!"},
                                    {"family": "A", "_count": "-1"}])
def test_bad_searches_are_400_operation_outcomes(api, params):
    response = api.get("/fhir/Patient", params)
    assert response.status_code == 400
    OperationOutcome.model_validate(response.json())


@pytest.mark.parametrize(("persona", "expected"), [("agent", 200), ("auditor", 200), ("referent", 200),
                                                    ("outsider", 403), (None, 401)])
def test_fhir_permissions(request, identity, persona, expected):
    api = bearer_client(request.getfixturevalue(persona) if persona else None)
    for url in (f"/fhir/Patient/{identity.public_id}", "/fhir/Patient?family=MARTIN"):
        response = api.get(url)
        assert response.status_code == expected
        if expected != 200:
            OperationOutcome.model_validate(response.json())


def test_missing_patient_is_a_404_operation_outcome(api):
    for bad in ("00000000-0000-0000-0000-000000000000", "nope"):
        response = api.get(f"/fhir/Patient/{bad}")
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
