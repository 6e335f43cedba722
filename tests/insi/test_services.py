"""Service rules with the fake client: idempotency, traceability without traits, stale identities."""

from __future__ import annotations

import logging

import pytest

from identities.exceptions import IdentityStateError
from identities.insi.fake import FakeInsiClient
from identities.insi.types import Ins, InsiIdentity, SearchResult
from identities.models import InsiCall, InsiRequest
from identities.services.insi import insi_request_run, insi_request_search, insi_request_verify

pytestmark = pytest.mark.django_db

FOUND = SearchResult("00", identity=InsiIdentity(Ins("297022A020778", "78", "1.2.250.1.213.1.4.8"), (),
                                                 "ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020"))


@pytest.fixture
def queued(make_identity, agent, settings):
    settings.INSI_RATE_LIMIT = 0
    identity = make_identity("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    return insi_request_search(identity=identity, acting_user=agent)  # on_commit never fires in this test


def test_run_is_idempotent(queued):
    client = FakeInsiClient(FOUND)
    assert insi_request_run(request_id=queued.pk, client=client).outcome == "00"
    assert insi_request_run(request_id=queued.pk, client=client).outcome == "00"
    assert len(client.queries) == 1
    assert InsiCall.objects.count() == 1


def test_same_pending_request_is_not_duplicated(queued, agent):
    again = insi_request_search(identity=queued.identity, acting_user=agent)
    assert again.pk == queued.pk
    assert InsiRequest.objects.count() == 1


def test_no_traits_in_logs_or_call_trace(queued, caplog):
    with caplog.at_level(logging.DEBUG):
        insi_request_run(request_id=queued.pk, client=FakeInsiClient(FOUND))
    call = InsiCall.objects.get()
    traced = " ".join(str(getattr(call, f.attname)) for f in InsiCall._meta.concrete_fields)
    for trait in ("ADRTROIS", "DOMINIQUE", "1997-02-26"):
        assert trait not in caplog.text
        assert trait not in traced


def test_identity_changed_during_call_is_not_overwritten(queued):
    def edit_meanwhile(query):
        type(queued.identity).objects.filter(pk=queued.identity_id).update(version=99)
        return FOUND

    request = insi_request_run(request_id=queued.pk, client=FakeInsiClient(edit_meanwhile))
    assert (request.state, request.outcome) == ("failed", "stale")
    queued.identity.refresh_from_db()
    assert not queued.identity.ins_matricule


def test_verify_needs_an_ins(make_identity, agent):
    identity = make_identity("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    with pytest.raises(IdentityStateError, match="pas d'INS"):
        insi_request_verify(identity=identity, acting_user=agent)


def test_vitale_needs_the_card_nir(make_identity, agent):
    identity = make_identity("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    with pytest.raises(IdentityStateError, match="carte Vitale"):
        insi_request_search(identity=identity, acting_user=agent, kind="vitale")
