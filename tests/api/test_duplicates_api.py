"""Duplicate candidates, decisions, merges and unmerges through the API."""

from __future__ import annotations

import pytest

from identities.models import PatientIdentity
from tests.api.conftest import bearer_client
from vigilance.models import CandidateState, DuplicateCandidate

pytestmark = pytest.mark.django_db
DUP, MERGES = "/api/v1/duplicates/", "/api/v1/merges/"
REASON = {"reason": "Même personne, pièce vérifiée"}


@pytest.fixture
def pair(identity, make_identity) -> DuplicateCandidate:
    other = make_identity(source_id="IPP002", birth_name="MARTIN", first_names="JEANE")
    return DuplicateCandidate.objects.create(identity_a=identity, identity_b=other, score=0.97,
                                             reasons=[{"field": "birth_name", "level": "exact", "weight": 4.2}])


@pytest.fixture
def api(referent):
    return bearer_client(referent)


def _pair_url(pair, suffix=""):
    return f"{DUP}{pair.identity_a.public_id}.{pair.identity_b.public_id}/{suffix}"


def test_worklist_lists_open_pairs_by_public_ids(api, pair):
    body = api.get(DUP).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == f"{pair.identity_a.public_id}.{pair.identity_b.public_id}"
    assert row["reasons"][0]["field"] == "birth_name"
    assert api.get(DUP, {"state": "dismissed"}).json()["count"] == 0
    assert api.get(DUP, {"identity": str(pair.identity_b.public_id)}).json()["count"] == 1
    assert api.get(_pair_url(pair)).status_code == 200


def test_dismiss_then_a_second_decision_is_a_409(api, pair):
    response = api.post(_pair_url(pair, "dismiss/"), REASON, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "dismissed"
    again = api.post(_pair_url(pair, "collision/"), REASON, format="json")
    assert again.status_code == 409


def test_homonyms_flags_both_identities(api, pair):
    assert api.post(_pair_url(pair, "homonyms/"), REASON, format="json").status_code == 200
    assert set(PatientIdentity.objects.values_list("is_homonym", flat=True)) == {True}


def test_merge_the_pair_then_undo_it(api, pair):
    a, b = pair.identity_a, pair.identity_b
    response = api.post(_pair_url(pair, "merge/"), {"survivor": str(a.public_id), **REASON}, format="json")
    assert response.status_code == 201, response.json()
    merge = response.json()
    assert (merge["survivor"], merge["merged"]) == (str(a.public_id), str(b.public_id))
    b.refresh_from_db()
    assert not b.is_active
    assert b.merged_into == a
    pair.refresh_from_db()
    assert pair.state == CandidateState.MERGED
    assert api.get(f"{MERGES}{merge['id']}/").status_code == 200
    undo = api.post(f"{MERGES}{merge['id']}/undo/", {"reason": "Erreur"}, format="json")
    assert undo.status_code == 200, undo.json()
    assert undo.json()["undone_at"]
    b.refresh_from_db()
    assert b.is_active
    assert api.post(f"{MERGES}{merge['id']}/undo/", {"reason": "Encore"}, format="json").status_code == 409


def test_merge_outside_the_worklist(api, identity, make_identity):
    other = make_identity(source_id="IPP7")
    response = api.post(MERGES, {"survivor": str(identity.public_id), "merged": str(other.public_id),
                                 "trait_choices": {"city": "merged"}, **REASON}, format="json")
    assert response.status_code == 201, response.json()
    assert api.get(MERGES).json()["count"] == 1


def test_merge_errors(api, pair, identity):
    outside = "00000000-0000-0000-0000-000000000000"
    assert api.post(_pair_url(pair, "merge/"), {"survivor": outside, **REASON}, format="json").status_code == 400
    assert api.post(_pair_url(pair, "merge/"), {"survivor": str(identity.public_id)},
                    format="json").status_code == 400  # reason required
    assert api.post(MERGES, {"survivor": str(identity.public_id), "merged": str(identity.public_id), **REASON},
                    format="json").status_code == 409
    assert api.post(MERGES, {"survivor": str(identity.public_id), "merged": outside, **REASON},
                    format="json").status_code == 404
    assert api.post(_pair_url(pair, "merge/"), {"survivor": str(identity.public_id), "trait_choices": {"x": "y"},
                                                **REASON}, format="json").status_code == 400


ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("bad", ["nope", "1.2", f"{ZERO}.{ZERO}"])
def test_unknown_pairs_are_404(api, bad):
    assert api.get(f"{DUP}{bad}/").status_code == 404


@pytest.mark.parametrize(("persona", "read", "decide"), [
    ("referent", 200, 200), ("admin_user", 200, 200), ("auditor", 200, 403), ("agent", 403, 403),
    ("outsider", 403, 403), (None, 401, 401)])
def test_duplicate_and_merge_permissions(request, pair, persona, read, decide):
    client = bearer_client(request.getfixturevalue(persona) if persona else None)
    assert client.get(DUP).status_code == read
    assert client.get(_pair_url(pair)).status_code == read
    assert client.get(MERGES).status_code == read
    merge_status = 201 if decide == 200 else decide
    body = {"survivor": str(pair.identity_a.public_id), **REASON}
    assert client.post(_pair_url(pair, "merge/"), body, format="json").status_code == merge_status
    if decide == 200:
        merge = client.get(MERGES).json()["results"][0]["id"]
        assert client.post(f"{MERGES}{merge}/undo/", REASON, format="json").status_code == 200
        assert client.post(_pair_url(pair, "dismiss/"), REASON, format="json").status_code == 200
    else:
        assert client.post(_pair_url(pair, "dismiss/"), REASON, format="json").status_code == decide
