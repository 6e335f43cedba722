"""The event feed: cursor polling, kinds, no traits or matricules, settle delay, permissions."""

from __future__ import annotations

import pytest

from identities.models import IdentityEvent
from identities.services.identities import event_record, proof_record
from tests.api.conftest import bearer_client
from vigilance.api import feed

pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"


@pytest.fixture(autouse=True)
def no_settle_delay(monkeypatch):
    monkeypatch.setattr(feed, "FEED_SETTLE_SECONDS", 0)


@pytest.fixture
def api(auditor):
    return bearer_client(auditor)


def test_poll_with_the_cursor_returns_each_event_once(api, identity, make_identity):
    proof_record(identity=identity, document_type="PA")  # PROV -> VALI
    first = api.get(URL).json()
    assert [(e["kind"], e["data"]) for e in first["results"]] == [
        ("identity.status_changed", {"before": "PROV", "after": "VALI"})]
    assert first["results"][0]["identity"] == str(identity.public_id)
    again = api.get(URL, {"cursor": first["next_cursor"]}).json()
    assert again["results"] == []
    assert again["next_cursor"] == first["next_cursor"]  # keep polling with the same cursor
    other = make_identity(source_id="IPP9")
    proof_record(identity=other, document_type="CN")
    later = api.get(URL, {"cursor": again["next_cursor"]}).json()
    assert [e["identity"] for e in later["results"]] == [str(other.public_id)]


def test_ins_change_never_carries_the_matricule(api, identity):
    event_record(identity=identity, kind=IdentityEvent.Kind.INS_CHANGED, before="160017505600113",
                 after="260017505600110")
    body = api.get(URL, {"kind": "ins.changed"}).json()
    assert body["results"][0]["data"] == {}
    assert "1600175056" not in str(body)


def test_limit_and_has_more(api, make_identity):
    for n in range(3):
        proof_record(identity=make_identity(source_id=f"L{n}"), document_type="PA")
    page = api.get(URL, {"limit": 2}).json()
    assert len(page["results"]) == 2
    assert page["has_more"] is True
    rest = api.get(URL, {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(rest["results"]) == 1
    assert rest["has_more"] is False


def test_recent_events_wait_for_the_settle_delay(api, identity, monkeypatch):
    monkeypatch.setattr(feed, "FEED_SETTLE_SECONDS", 3600)
    proof_record(identity=identity, document_type="PA")
    assert api.get(URL).json()["results"] == []


@pytest.mark.parametrize("cursor", ["garbage", "ZXg", "!!", "e"])
def test_bad_cursor_is_a_400(api, cursor):
    response = api.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(("persona", "expected"), [("referent", 200), ("auditor", 200), ("admin_user", 200),
                                                    ("agent", 403), ("outsider", 403), (None, 401)])
def test_feed_permissions(request, persona, expected):
    client = bearer_client(request.getfixturevalue(persona) if persona else None)
    assert client.get(URL).status_code == expected
