"""Every CNDA case of the reference, end to end: service → task → zeep → SOAP 1.2 simulator → identity."""

from __future__ import annotations

import pytest

from identities.exceptions import IdentityStateError
from identities.models import CollectionMethod, IdentityEvent, InsHistory, InsiCall, InsiRequest
from identities.services.identities import proof_record
from identities.services.insi import insi_request_search, insi_request_verify

pytestmark = pytest.mark.django_db(transaction=False)


def _search(identity, user, capture, kind="search"):
    with capture(execute=True):
        request = insi_request_search(identity=identity, acting_user=user, kind=kind)
    request.refresh_from_db()
    identity.refresh_from_db()
    return request


@pytest.mark.parametrize(("traits", "ins"), [
    (("ADRTROIS", "DOMINIQUE", "F", "1997-02-26"), "297022A02077878"),
    (("ADRTROIS", "TOUSSAINT", "M", "1960-01-01"), "160012B02077713"),
    (("D'ARTAGNAN DE L'HERAULT", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2001-06-17"), "101066322075460"),
])
def test_found_identity_gets_ins_traits_and_status_recup(simulator, make_identity, agent, traits, ins,
                                                         django_capture_on_commit_callbacks):
    identity = make_identity(*traits)
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert (request.state, request.outcome) == ("done", "00")
    assert identity.ins_matricule == ins
    assert identity.ins_oid == "1.2.250.1.213.1.4.8"
    assert identity.status == "RECUP"
    assert identity.traits_from_insi
    assert identity.collection_method == CollectionMethod.INSI
    assert identity.insi_queried_at
    call = InsiCall.objects.get(request=request)
    assert call.outcome == "00"
    assert call.message_id.startswith("uuid:")
    assert call.user == agent
    assert identity.events.filter(kind=IdentityEvent.Kind.INSI_SUCCEEDED).exists()


def test_corsica_2b_birth_place_returned(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("ADRTROIS", "TOUSSAINT", "M", "1960-01-01")
    _search(identity, agent, django_capture_on_commit_callbacks)
    assert identity.birth_place == "2B020"


def test_de_vinci_02_without_birth_place(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("DE VINCI", "LEONARDO", "M", "2014-02-01")
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert request.outcome == "02"
    assert "lieu de naissance" in request.message
    assert identity.status == "PROV"
    assert not identity.ins_matricule
    assert identity.events.filter(kind=IdentityEvent.Kind.INSI_SEVERAL).exists()


def test_de_vinci_00_with_birth_place_after_02(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("DE VINCI", "LEONARDO", "M", "2014-02-01", "63220")
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert request.outcome == "00"
    assert request.result["attempts"] == 2
    assert [c.outcome for c in request.calls.order_by("started_at")] == ["02", "00"]
    assert identity.status == "RECUP"
    assert identity.ins_matricule.startswith("1140263220")


def test_tchitchi_first_name_iteration(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("TCHITCHI", "OLA CATARINA", "F", "1936-06-21")
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert [c.outcome for c in request.calls.order_by("started_at")] == ["01", "00"]
    assert identity.ins_matricule == "236066322083656"
    assert identity.status == "RECUP"
    # INSi traits replace the local ones; the differences are kept for the agent.
    assert identity.first_names == "CATARINA BELLA"
    assert identity.first_name == "CATARINA"
    assert request.result["differences"]["first_names"] == {"local": "OLA CATARINA", "insi": "CATARINA BELLA"}


def test_houilles_01_for_every_first_name_and_all_together(simulator, make_identity, agent,
                                                             django_capture_on_commit_callbacks):
    identity = make_identity("HOUILLES", "PIERRE PAUL JACQUES", "M", "1993-01-27")
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert request.outcome == "01"
    assert request.calls.count() == 4
    assert simulator.last_request.count(b"PIERRE PAUL JACQUES") == 1
    assert identity.status == "PROV"
    assert identity.insi_queried_at


def test_ecetinsi_history_kept(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14")
    _search(identity, agent, django_capture_on_commit_callbacks)
    assert identity.ins_matricule == "109076322083489"
    history = {h.matricule: h for h in identity.ins_history.all()}
    assert set(history) == {"209076322083439", "209066322012355"}
    odd = history["209076322083439"]
    assert odd.origin == InsHistory.Origin.INSI_HISTORY
    assert odd.valid_from > odd.valid_until


def test_corse_history_repeating_active_ins_is_not_history(simulator, make_identity, agent,
                                                           django_capture_on_commit_callbacks):
    identity = make_identity("CORSE", "ANTHONY", "M", "1980-03-02")
    _search(identity, agent, django_capture_on_commit_callbacks)
    assert identity.ins_matricule == "180032B02040123"
    assert not identity.ins_history.exists()


def test_provisoire_nia(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("PROVISOIRE", "MATRICULE", "M", "2009-07-01")
    _search(identity, agent, django_capture_on_commit_callbacks)
    assert identity.ins_matricule == "109076322088835"
    assert identity.ins_oid == "1.2.250.1.213.1.4.9"
    assert identity.status == "RECUP"


def test_found_with_high_trust_document_is_qualified(simulator, make_identity, agent,
                                                     django_capture_on_commit_callbacks):
    identity = make_identity("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    proof_record(identity=identity, document_type="PA", acting_user=agent)
    identity.refresh_from_db()
    assert identity.status == "VALI"
    _search(identity, agent, django_capture_on_commit_callbacks)
    assert identity.status == "QUAL"


def test_invalid_characters_refused_before_any_call(simulator, make_identity, agent):
    identity = make_identity("D’ÆION", "CŒUR", "M", "1987-01-01", "2B020")
    before = simulator.counters["requests"]
    with pytest.raises(IdentityStateError, match="caractères refusés") as excinfo:
        insi_request_search(identity=identity, acting_user=agent)
    assert "« ’ »" in str(excinfo.value)
    assert "« Æ »" in str(excinfo.value)
    assert "« Œ »" in str(excinfo.value)
    assert simulator.counters["requests"] == before
    assert not InsiRequest.objects.exists()


@pytest.mark.parametrize(("changes", "reason"), [
    ({"sex": ""}, "sexe"), ({"sex": "I"}, "sexe"), ({"birth_date": ""}, "date de naissance"),
    ({"is_doubtful": True}, "douteuse"), ({"is_fictitious": True}, "fictive"),
])
def test_unsendable_identity_refused_with_reason(simulator, make_identity, agent, changes, reason):
    traits = {"birth_name": "ADRTROIS", "first_names": "DOMINIQUE", "sex": "F", "birth_date": "1997-02-26"} | changes
    identity = make_identity(**traits)
    before = simulator.counters["requests"]
    with pytest.raises(IdentityStateError, match=reason):
        insi_request_search(identity=identity, acting_user=agent)
    assert simulator.counters["requests"] == before
    assert not InsiRequest.objects.exists()


def test_hermann_wrong_key_is_a_failed_call_and_changes_nothing(simulator, make_identity, agent,
                                                                django_capture_on_commit_callbacks):
    identity = make_identity("HERMANN", "GATIEN", "M", "1981-03-24")
    request = _search(identity, agent, django_capture_on_commit_callbacks)
    assert (request.state, request.outcome) == ("failed", "invalid")
    assert "clé" in request.message
    assert identity.status == "PROV"
    assert not identity.ins_matricule
    assert identity.version == 1
    assert InsiCall.objects.get(request=request).outcome == "invalid"


def test_verify_confirmed(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("CORSE", "ANTHONY", "M", "1980-03-02", "2B020", ins_matricule="180032B02040123",
                             ins_oid="1.2.250.1.213.1.4.8", traits_from_insi=True, status="RECUP")
    with django_capture_on_commit_callbacks(execute=True):
        request = insi_request_verify(identity=identity, acting_user=agent)
    request.refresh_from_db()
    identity.refresh_from_db()
    assert request.outcome == "confirmed"
    assert identity.status == "RECUP"
    assert identity.events.filter(kind=IdentityEvent.Kind.INSI_VERIFIED).exists()


def test_verify_nia_replaced_by_nir_moves_old_to_history(simulator, make_identity, agent,
                                                         django_capture_on_commit_callbacks):
    identity = make_identity("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14", "63220",
                             ins_matricule="209066322012355", ins_oid="1.2.250.1.213.1.4.9", traits_from_insi=True,
                             status="RECUP")
    with django_capture_on_commit_callbacks(execute=True):
        request = insi_request_verify(identity=identity, acting_user=agent)
    request.refresh_from_db()
    identity.refresh_from_db()
    assert request.outcome == "changed"
    assert identity.ins_matricule == "109076322083489"
    assert identity.ins_oid == "1.2.250.1.213.1.4.8"
    replaced = identity.ins_history.get(matricule="209066322012355")
    assert replaced.origin == InsHistory.Origin.REPLACED
    assert identity.ins_history.count() == 2
    assert identity.events.filter(kind=IdentityEvent.Kind.INS_CHANGED).exists()


def test_verify_not_found_keeps_identity(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("HOUILLES", "PIERRE", "M", "1993-01-27", ins_matricule="193017511100128",
                             ins_oid="1.2.250.1.213.1.4.8", traits_from_insi=True, status="RECUP")
    with django_capture_on_commit_callbacks(execute=True):
        request = insi_request_verify(identity=identity, acting_user=agent)
    request.refresh_from_db()
    identity.refresh_from_db()
    assert request.outcome == "not_found"
    assert identity.status == "RECUP"
    assert identity.ins_matricule == "193017511100128"


def test_vitale_search(simulator, make_identity, agent, django_capture_on_commit_callbacks):
    identity = make_identity("NESSI", "NATHALIE", "F", "1977-07-14", nir="277076322082910")
    request = _search(identity, agent, django_capture_on_commit_callbacks, kind="vitale")
    assert request.outcome == "00"
    assert identity.ins_matricule == "277076322082910"
    assert InsiCall.objects.get(request=request).operation == "rechercherInsAvecCarteVitale"
