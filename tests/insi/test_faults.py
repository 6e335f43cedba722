"""Injected faults, end to end through the task: each ends with the identity in the right status."""

from __future__ import annotations

import pytest

from identities.insi.errors import InsiInvalidAnswerError, InsiRejectedError, InsiTemporaryError
from identities.insi.types import TraitsQuery
from identities.insi.zeep_client import ZeepInsiClient
from identities.models import IdentityEvent, InsiCall
from identities.services.insi import insi_request_search

pytestmark = pytest.mark.django_db
ADRTROIS = ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")


def _run(make_identity, agent, capture):
    identity = make_identity(*ADRTROIS)
    with capture(execute=True):
        request = insi_request_search(identity=identity, acting_user=agent)
    request.refresh_from_db()
    identity.refresh_from_db()
    return identity, request, list(InsiCall.objects.filter(request=request).order_by("started_at", "id"))


def test_latency_is_only_slower(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    simulator.configure(latency_ms=150)
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert request.outcome == "00"
    assert identity.status == "RECUP"
    assert calls[0].duration_ms >= 150


@pytest.mark.parametrize(("fault", "fault_code", "fault_detail"), [
    ("unavailable", "siram_40", "insi_102"), ("http500", "", ""), ("timeout", "", ""),
])
def test_temporary_fault_is_retried_then_succeeds(simulator, make_identity, agent, settings, fault, fault_code,
                                                  fault_detail, django_capture_on_commit_callbacks):
    settings.INSI_TIMEOUT = 0.5
    simulator.configure(fault=fault, fault_count=1, timeout_s=1.5)
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert [c.outcome for c in calls] == ["temporary", "00"]
    assert (calls[0].fault_code, calls[0].fault_detail) == (fault_code, fault_detail)
    assert request.state == "done"
    assert identity.status == "RECUP"


def test_service_down_gives_up_after_retries(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    simulator.configure(fault="unavailable")
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert len(calls) == 3  # first call + INSI_MAX_RETRIES (2)
    assert (request.state, request.outcome) == ("failed", "temporary")
    assert "Abandon" in request.message
    assert identity.status == "PROV"
    assert not identity.ins_matricule
    assert identity.events.filter(kind=IdentityEvent.Kind.INSI_FAILED).exists()


def test_circuit_breaker_stops_calling(simulator, make_identity, agent, settings,
                                       django_capture_on_commit_callbacks):
    settings.INSI_BREAKER_THRESHOLD, settings.INSI_MAX_RETRIES = 2, 5
    simulator.configure(fault="unavailable")
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert len(calls) == 2
    assert request.state == "failed"
    assert "indisponible" in request.message
    assert identity.status == "PROV"


def test_unknown_idam_is_final_not_retried(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    simulator.configure(fault="unknown_idam")
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert [(c.outcome, c.fault_code, c.fault_detail) for c in calls] == [("rejected", "siram_100", "desir_550")]
    assert (request.state, request.outcome) == ("failed", "rejected")
    assert "IDAM" in request.message
    assert identity.status == "PROV"


def test_idam_not_in_known_list_is_refused(simulator, settings):
    simulator.configure(known_idams=["OTHER"])
    client = ZeepInsiClient(endpoint=settings.INSI_ENDPOINT, timeout=2)
    with pytest.raises(InsiRejectedError) as excinfo:
        client.search_by_traits(TraitsQuery(*ADRTROIS[:1], (ADRTROIS[1],), *ADRTROIS[2:]))
    assert excinfo.value.fault_detail == "desir_550"


@pytest.mark.parametrize("fault", ["malformed", "unexpected"])
def test_bad_answer_is_failed_call_and_changes_nothing(simulator, make_identity, agent, fault,
                                                       django_capture_on_commit_callbacks):
    simulator.configure(fault=fault)
    identity, request, calls = _run(make_identity, agent, django_capture_on_commit_callbacks)
    assert [c.outcome for c in calls] == ["invalid"]
    assert calls[0].error
    assert (request.state, request.outcome) == ("failed", "invalid")
    assert identity.status == "PROV"
    assert not identity.ins_matricule
    assert identity.version == 1


@pytest.mark.parametrize(("fault", "error"), [
    ("unavailable", InsiTemporaryError), ("http500", InsiTemporaryError), ("timeout", InsiTemporaryError),
    ("unknown_idam", InsiRejectedError), ("malformed", InsiInvalidAnswerError),
])
def test_client_maps_faults(simulator, settings, fault, error):
    simulator.configure(fault=fault, fault_count=1, timeout_s=1.0)
    client = ZeepInsiClient(endpoint=settings.INSI_ENDPOINT, timeout=0.3)
    with pytest.raises(error) as excinfo:
        client.search_by_traits(TraitsQuery("ADRTROIS", ("DOMINIQUE",), "F", "1997-02-26"))
    assert excinfo.value.message_id.startswith("uuid:")
