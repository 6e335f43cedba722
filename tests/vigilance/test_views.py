"""CIV pages: worklist, pair decisions, merge and unmerge through the pages, split, role matrix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from identities.models import PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.identities import identity_create
from vigilance.models import CandidateState, DuplicateCandidate, IdentityMerge

pytestmark = pytest.mark.django_db


def make(facility, **traits) -> PatientIdentity:
    base = {"birth_name": "MARTIN", "first_names": "Claire", "birth_date": "1984-03-12", "sex": "F"}
    clean, _ = clean_identity({**base, **traits})
    return identity_create(facility=facility, data=clean)


@pytest.fixture
def candidate(facility) -> DuplicateCandidate:
    a, b = make(facility), make(facility, first_names="Claire Marie", used_name="DURAND")
    return DuplicateCandidate.objects.create(identity_a=a, identity_b=b, score=0.95,
                                             reasons=[{"field": "birth_name", "level": "agree", "weight": 3.2}])


def url(name, c):
    return reverse(name, args=[c.identity_a.public_id, c.identity_b.public_id])


@pytest.mark.parametrize(("persona", "expected"), [("agent", 403), ("referent", 200), ("auditor", 200),
                                                   ("outsider", 403)])
def test_worklist_by_role(client, request, candidate, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("vigilance:worklist"))
    assert response.status_code == expected
    if expected == 200:
        assert url("vigilance:candidate", candidate) in response.content.decode()


@pytest.mark.parametrize(("persona", "expected"), [("agent", 403), ("referent", 200), ("auditor", 200),
                                                   ("outsider", 404)])
def test_pair_page_by_role(client, request, candidate, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("vigilance:candidate", candidate)).status_code == expected


def test_worklist_filters_and_bad_filter(client, referent, candidate):
    client.force_login(referent)
    assert not client.get(reverse("vigilance:worklist"), {"min_score": "0.99"}).context["items"]
    assert client.get(reverse("vigilance:worklist"), {"min_score": "abc"}).status_code == 200
    assert client.get(reverse("vigilance:worklist"), {"state": "dismissed"}).context["items"] == []


def test_pair_page_highlights_differences_and_reasons(client, referent, candidate):
    client.force_login(referent)
    response = client.get(url("vigilance:candidate", candidate))
    rows = {r.name: r for r in response.context["rows"]}
    assert rows["first_names"].differs
    assert not rows["birth_name"].differs
    assert response.context["reasons"][0].level == "identique"


def test_pair_page_says_in_french_why_a_rule_moved_the_score(client, referent, candidate):
    candidate.reasons = [{"field": "home", "level": "street", "weight": 2.0},
                         {"field": "rule", "level": "linked", "weight": 16.6}]
    candidate.save()
    client.force_login(referent)
    body = client.get(url("vigilance:candidate", candidate)).content.decode()
    assert "Adresse : même rue" in body
    assert "Règle : reliées par d&#x27;autres identités" in body


def test_merge_through_page_then_unmerge(client, referent, candidate):
    client.force_login(referent)
    a, b = candidate.identity_a, candidate.identity_b
    response = client.post(url("vigilance:merge", candidate), {"survivor": "a", "trait_first_names": "b",
                                                                "trait_used_name": "b", "reason": "Même patiente"})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.first_names == "CLAIRE MARIE"
    assert not b.is_active
    again = client.post(url("vigilance:merge", candidate), {"survivor": "a", "reason": "double clic"}, follow=True)
    assert "déjà" in " ".join(str(m) for m in again.context["messages"])
    assert IdentityMerge.objects.count() == 1
    response = client.post(reverse("vigilance:unmerge", args=[b.public_id]), {"reason": "Erreur"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.is_active
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.OPEN


def test_merge_without_reason_is_a_field_error(client, referent, candidate):
    client.force_login(referent)
    response = client.post(url("vigilance:merge", candidate), {"survivor": "a", "reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["merge_form"].errors
    assert not IdentityMerge.objects.exists()


@pytest.mark.parametrize(("decision", "state"), [("dismiss", CandidateState.DISMISSED),
                                                 ("homonyms", CandidateState.DISMISSED),
                                                 ("collision", CandidateState.COLLISION)])
def test_decisions(client, referent, candidate, decision, state):
    client.force_login(referent)
    response = client.post(url("vigilance:decide", candidate), {"decision": decision, "reason": "Vu en CIV"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == state
    if decision == "homonyms":
        assert PatientIdentity.objects.filter(is_homonym=True).count() == 2


def test_take_in_hand(client, referent, candidate):
    client.force_login(referent)
    client.post(url("vigilance:take", candidate))
    candidate.refresh_from_db()
    assert candidate.owner == referent


@pytest.mark.parametrize("persona", ["agent", "auditor"])
def test_decisions_refused_without_role(client, request, candidate, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url("vigilance:merge", candidate), {"survivor": "a", "reason": "x"}).status_code == 403
    assert client.post(url("vigilance:decide", candidate), {"decision": "dismiss", "reason": "x"}).status_code == 403
    assert client.get(url("vigilance:merge", candidate)).status_code in (403, 405)


def test_split_page(client, referent, facility):
    mixed = make(facility)
    client.force_login(referent)
    response = client.post(reverse("vigilance:split", args=[mixed.public_id]),
                           {"birth_name": "MARTIN", "first_names": "Julie", "birth_date": "1990-01-01", "sex": "F",
                            "reason": "Deux sœurs"})
    assert response.status_code == 302
    assert PatientIdentity.objects.count() == 2


def test_split_bad_input_is_field_error(client, referent, facility):
    mixed = make(facility)
    client.force_login(referent)
    response = client.post(reverse("vigilance:split", args=[mixed.public_id]), {"birth_date": "32/13/2000"})
    assert response.status_code == 200
    assert {"birth_date", "reason"} <= set(response.context["form"].errors)


@pytest.mark.parametrize(("persona", "expected"), [("agent", 403), ("referent", 200), ("auditor", 200),
                                                   ("outsider", 403)])
def test_merge_list_by_role(client, request, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("vigilance:merge_list")).status_code == expected
