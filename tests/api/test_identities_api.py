"""Identity endpoints: behaviour, errors and optimistic concurrency."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identities.models import ApiToken, IdentityEvent, PatientIdentity
from tests.api.conftest import bearer_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/identities/"


@pytest.fixture
def api(agent):
    return bearer_client(agent)


def test_create_answers_201_with_csv_field_names_and_assigns_an_ipp(api, facility):
    response = api.post(URL, {"birth_name": "Lefèvre", "first_names": "Jean-Pierre Louis", "birth_date": "1970-00-00",
                              "sex": "M"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["birth_name"] == "LEFEVRE"
    assert body["first_name"] == "JEAN-PIERRE"
    assert body["source_id"]  # assigned
    assert body["status"] == "PROV"
    assert body["version"] == 1
    assert body["facility"] == "CHU01"
    identity = PatientIdentity.objects.get(public_id=body["id"])
    assert identity.created_by.username == "agent"
    assert identity.events.filter(kind=IdentityEvent.Kind.CREATED).exists()


def test_create_records_the_admission_service_and_refuses_a_too_long_one(api, facility):
    response = api.post(URL, {"birth_name": "Martin", "admission_service": "URGENCES"}, format="json")
    assert response.status_code == 201
    assert response.json()["admission_service"] == "URGENCES"
    assert PatientIdentity.objects.get(public_id=response.json()["id"]).admission_service == "URGENCES"
    response = api.post(URL, {"birth_name": "Martin", "admission_service": "X" * 65}, format="json")
    assert response.status_code == 400
    assert "admission_service" in response.json()["errors"]


def test_create_with_bad_traits_gives_400_per_field(api, facility):
    response = api.post(URL, {"birth_name": "M@rtin", "birth_date": "2099-13-45", "nir": "123"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) >= {"birth_name", "birth_date", "nir"}
    assert all(isinstance(m, str) and m for msgs in body["errors"].values() for m in msgs)


def test_create_with_an_existing_ipp_is_a_409(api, identity):
    response = api.post(URL, {"source_id": "IPP001", "birth_name": "AUTRE"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "ipp_exists"


def test_create_with_unknown_facility_is_a_400(api, facility):
    response = api.post(URL, {"facility": "NOPE", "birth_name": "AUTRE"}, format="json")
    assert response.status_code == 400
    assert "facility" in response.json()["errors"]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"birth_name": 12345678901234567890}', '{"sex": null}'])
def test_malformed_bodies_are_4xx_never_500(api, facility, body):
    response = api.post(URL, body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json()["message"]


def test_read_hides_the_matricule_unless_qualified(api, identity, qualified):
    assert api.get(f"{URL}{identity.public_id}/").json()["ins"] is None
    body = api.get(f"{URL}{qualified.public_id}/").json()
    assert body["ins"] == "160017505600113"
    assert body["ins_oid"] == "1.2.250.1.213.1.4.8"


@pytest.mark.parametrize("bad_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_or_malformed_id_is_a_json_404(api, bad_id):
    response = api.get(f"{URL}{bad_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_search_by_traits_ins_and_ipp(api, identity, qualified, make_identity):
    make_identity(source_id="IPP002", birth_name="MARTINEZ", first_names="LUC", sex="M", used_name="")

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return {row["source_id"] for row in response.json()["results"]}

    assert ids(birth_name="martin", birth_date="1985-03-21") == {"IPP001"}
    assert ids(q="MARTIN") == {"IPP001", "IPP002"}
    assert ids(first_name="marie") == {"IPP001"}
    assert ids(source_id="IPP002") == {"IPP002"}
    assert ids(ins="1 60 01 75 056 001 13") == {"IPPQ"}
    assert ids(sex="M", status="QUAL") == {"IPPQ"}
    assert ids(q="DURAND") == {"IPP001"}


def test_ins_search_does_not_reveal_an_unqualified_ins(api, identity):
    PatientIdentity.objects.filter(pk=identity.pk).update(ins_matricule="160017505600113")
    assert api.get(URL, {"ins": "160017505600113"}).json()["count"] == 0


@pytest.mark.parametrize(("params", "expected"), [
    ({"birth_date": "31/02/2020"}, 400), ({"birth_name": "!!!"}, 400), ({"sex": "X"}, 400),
    ({"status": "NOPE"}, 400), ({"include_inactive": "maybe"}, 400), ({"page": "999"}, 404),
    ({"page_size": "abc"}, 200),
])
def test_bad_search_parameters_are_4xx(api, identity, params, expected):
    response = api.get(URL, params)
    assert response.status_code == expected
    if expected == 400:
        assert list(response.json()["errors"]) == list(params)


def test_list_is_paginated(api, make_identity):
    for n in range(3):
        make_identity(source_id=f"P{n}")
    body = api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    last = api.get(URL, {"page_size": 2, "page": 2}).json()
    assert (last["count"], len(last["results"]), last["next"]) == (3, 1, None)


def test_a_first_page_that_is_not_full_is_counted_without_a_count_query(api, make_identity):
    for n in range(3):
        make_identity(source_id=f"P{n}")
    with CaptureQueriesContext(connection) as queries:
        body = api.get(URL, {"page_size": 5}).json()
    assert (body["count"], len(body["results"]), body["next"], body["previous"]) == (3, 3, None, None)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_update_with_the_version_read_succeeds_and_bumps_it(api, identity):
    response = api.patch(f"{URL}{identity.public_id}/", {"version": 1, "used_name": "Bernard"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["used_name"] == "BERNARD"
    assert response.json()["version"] == 2


def test_update_with_a_stale_version_is_refused_with_409(api, identity):
    assert api.patch(f"{URL}{identity.public_id}/", {"version": 1, "city": "LYON"}, format="json").status_code == 200
    response = api.patch(f"{URL}{identity.public_id}/", {"version": 1, "city": "NANTES"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    identity.refresh_from_db()
    assert identity.city == "LYON"  # never silently overwritten


def test_update_without_version_is_a_400(api, identity):
    response = api.patch(f"{URL}{identity.public_id}/", {"city": "LYON"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_strict_traits_of_a_qualified_identity_are_locked(api, qualified):
    response = api.patch(f"{URL}{qualified.public_id}/", {"version": qualified.version, "birth_name": "DUPOND"},
                         format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "identity_locked"


def test_referent_unlocks_and_the_identity_is_demoted(referent, qualified):
    api = bearer_client(referent)
    response = api.patch(f"{URL}{qualified.public_id}/", {"version": qualified.version, "birth_name": "DUPOND",
                                                           "unlock": True, "reason": "Erreur de saisie"},
                         format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "PROV"
    assert response.json()["ins"] is None


def test_changing_first_names_derives_the_first_name_again(api, identity):
    response = api.patch(f"{URL}{identity.public_id}/", {"version": 1, "first_names": "ANNE SOPHIE"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["first_name"] == "ANNE"


def test_attributes_doubtful_and_fictitious_together_is_409(referent, identity):
    response = bearer_client(referent).post(
        f"{URL}{identity.public_id}/attributes/",
        {"is_doubtful": True, "is_fictitious": True, "is_homonym": False, "version": 1}, format="json")
    assert response.status_code == 409


def test_attributes_set_doubtful(referent, identity):
    response = bearer_client(referent).post(
        f"{URL}{identity.public_id}/attributes/",
        {"is_doubtful": True, "is_fictitious": False, "is_homonym": True, "version": 1, "reason": "Doute"},
        format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["attributes"] == ["DOUT", "HOMA"]


def test_recording_a_passport_validates_the_identity(api, identity):
    response = api.post(f"{URL}{identity.public_id}/proofs/", {"document_type": "PA"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["high_trust"] is True
    assert api.get(f"{URL}{identity.public_id}/").json()["status"] == "VALI"
    assert len(api.get(f"{URL}{identity.public_id}/proofs/").json()) == 1


def test_events_lists_the_timeline(referent, identity):
    body = bearer_client(referent).get(f"{URL}{identity.public_id}/events/").json()
    assert [e["kind"] for e in body["results"]] == ["identity.created"]


def test_session_authentication_works_for_pages(client, agent, identity):
    client.force_login(agent)
    assert client.get(f"{URL}{identity.public_id}/").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer insp_unknown", "Basic Zm9vOmJhcg=="])
def test_bad_credentials_are_401(identity, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["message"]


def test_issue_api_token_prints_a_working_token_and_revocation_stops_it(agent, identity, capsys):
    call_command("issue_api_token", "agent", "--name", "DPI")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert raw not in token.key_hash
    assert token.prefix == raw[:12]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(URL).status_code == 200
    call_command("revoke_api_token", raw[:12])
    assert client.get(URL).status_code == 401


def test_deactivated_user_token_is_refused(agent, identity):
    api = bearer_client(agent)
    agent.is_active = False
    agent.save()
    assert api.get(URL).status_code == 401


def test_schema_is_openapi_3_and_docs_use_local_assets(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/identities/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()


def test_insi_search_answers_202_with_a_link_to_follow(api, identity):
    response = api.post(f"{URL}{identity.public_id}/insi-search/")
    assert response.status_code == 202, response.json()
    assert response.json()["state"] == "queued"
    assert response.json()["kind"] == "search"
    follow = api.get(response["Location"])
    assert follow.status_code == 200
    assert follow.json()["id"] == response.json()["id"]


def test_insi_is_refused_for_a_doubtful_identity(api, identity):
    PatientIdentity.objects.filter(pk=identity.pk).update(is_doubtful=True)
    response = api.post(f"{URL}{identity.public_id}/insi-search/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_insi_verify_without_an_ins_is_a_409(api, identity):
    assert api.post(f"{URL}{identity.public_id}/insi-verify/").status_code == 409


def test_insi_verify_of_a_qualified_identity_is_accepted(api, qualified):
    response = api.post(f"{URL}{qualified.public_id}/insi-verify/")
    assert response.status_code == 202
    assert response.json()["kind"] == "verify"


def test_unknown_insi_request_is_a_404(api):
    assert api.get("/api/v1/insi-requests/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_role_removed_reaches_the_token_after_the_permissions_delay(agent, identity):
    from django.core.cache import cache

    api = bearer_client(agent)
    assert api.get(URL).status_code == 200
    agent.groups.clear()
    cache.clear()  # stands for the PERMISSIONS_TTL seconds passing
    assert api.get(URL).status_code == 403


@pytest.mark.parametrize("url", [f"{URL}?source_id=a%00b", "/api/v1/events/?cursor=%00", "/api/v1/duplicates/?x%00=1"])
def test_nul_characters_are_refused_before_any_query(api, url):
    response = api.get(url)
    assert response.status_code == 400
