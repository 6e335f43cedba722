"""INSi searches and verifications of identities: asked by agents or campaigns, run by a task.

`insi_request_search` / `insi_request_verify` check the identity can be sent,
record the request with its event, and enqueue the task after commit.
`insi_request_run` (what the task calls) makes the calls through the approved
calling strategy and applies the answer in one transaction. Every SOAP call is
recorded as an InsiCall (no traits). A malformed or unexpected answer changes
nothing on the identity.
"""

from __future__ import annotations

import datetime as dt
import re
import time

from django.db import transaction
from django.utils import timezone

from identities.exceptions import IdentityStateError
from identities.insi import get_insi_client, guard, strategy
from identities.insi.client import InsiClient
from identities.insi.errors import InsiError, InsiTemporaryError
from identities.insi.types import (
    CHANGED,
    CONFIRMED,
    FOUND,
    MISMATCH,
    SEARCH_OPERATION,
    SEVERAL,
    VITALE_OPERATION,
    CallRecord,
    InsiIdentity,
    SearchResult,
    TraitsQuery,
    VitaleQuery,
)
from identities.models import (
    CollectionMethod,
    IdentityEvent,
    InsHistory,
    InsiCall,
    InsiRequest,
    PatientIdentity,
)
from identities.rules.nir import nir_key
from identities.rules.traits import FIRST_NAME_PATTERN, NAME_PATTERN
from identities.services.identities import event_record, identity_refresh_status
from identities.signals import identity_traits_changed

Kind, State = InsiRequest.Kind, InsiRequest.State
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COMPARED_TRAITS = ("birth_name", "first_names", "sex", "birth_date", "birth_place")
MESSAGES = {
    "00": "INS récupéré : comparez les traits renvoyés par l'INSi avec la pièce d'identité de la personne.",
    "01": "Aucune identité trouvée par l'INSi : vérifiez le nom de naissance (et non le nom d'usage), "
          "les prénoms de naissance, le sexe et la date de naissance.",
    "02": "Plusieurs identités trouvées par l'INSi : renseignez le lieu de naissance ou les autres prénoms.",
    CONFIRMED: "INS confirmé par l'INSi.",
    CHANGED: "L'INSi a remplacé le matricule : le nouvel INS est enregistré, l'ancien est conservé dans l'historique.",
    MISMATCH: "L'INSi connaît ces traits sous un autre INS : un référent doit vérifier l'identité.",
    "not_found": "L'INSi ne retrouve plus cet INS avec les traits enregistrés : un référent doit vérifier l'identité.",
}


# --- Sendability -------------------------------------------------------------

def _bad_characters(value: str) -> str:
    bad = sorted({c for c in value if not ("A" <= c <= "Z" or c in " '-")})
    return " ".join(f"« {c} »" for c in bad)


def _refusal(label: str, value: str) -> str:
    bad = _bad_characters(value)
    if bad:
        return f"{label} contient des caractères refusés par l'INSi : {bad}."
    return f"{label} « {value} » est mal formé (séparateur en début, en fin ou doublé)."


def traits_query_for(identity: PatientIdentity) -> TraitsQuery:
    """The traits to send, as stored (never silently transliterated). Raises IdentityStateError with the reason."""
    if identity.insi_forbidden:
        raise IdentityStateError("Une identité douteuse ou fictive ne doit jamais être envoyée à l'INSi.")
    problems = []
    if not identity.birth_name:
        problems.append("Le nom de naissance est absent.")
    elif not NAME_PATTERN.match(identity.birth_name):
        problems.append(_refusal("Le nom de naissance", identity.birth_name))
    names = identity.first_names.split() or identity.first_name.split()
    if not names:
        problems.append("Aucun prénom de naissance n'est renseigné.")
    problems += [_refusal(f"Le prénom « {n} »", n) for n in names if not FIRST_NAME_PATTERN.match(n)]
    if identity.sex not in {"M", "F"}:
        problems.append("Le sexe doit être M ou F pour interroger l'INSi.")
    if not _DATE.match(identity.birth_date or ""):
        problems.append("La date de naissance est absente ou mal formée (AAAA-MM-JJ).")
    if identity.birth_place and not re.match(r"^[0-9A-Za-z]{5}$", identity.birth_place):
        problems.append("Le lieu de naissance doit être un code INSEE à 5 caractères.")
    if problems:
        raise IdentityStateError("Impossible d'interroger l'INSi : " + " ".join(problems))
    return TraitsQuery(birth_name=identity.birth_name, first_names=tuple(names), sex=identity.sex,
                       birth_date=identity.birth_date, birth_place=identity.birth_place)


def vitale_query_for(identity: PatientIdentity) -> VitaleQuery:
    """The Vitale search needs the beneficiary's NIR read from the card (declared NIR). Raises IdentityStateError."""
    traits_query_for(identity)
    nir = identity.nir
    if len(nir) != 15 or nir_key(nir[:13]) != nir[13:]:
        raise IdentityStateError("La recherche par carte Vitale demande le NIR lu sur la carte (15 caractères).")
    return VitaleQuery(matricule=nir, insured_matricule=nir, birth_name=identity.birth_name,
                       birth_date=identity.birth_date)


def _check_sendable(identity: PatientIdentity, kind: str) -> None:
    if kind == Kind.VITALE:
        vitale_query_for(identity)
    else:
        traits_query_for(identity)
    if kind == Kind.VERIFY and not identity.ins_matricule:
        raise IdentityStateError("Cette identité n'a pas d'INS à vérifier : lancez d'abord une recherche INSi.")


# --- Asking --------------------------------------------------------------------

@transaction.atomic
def insi_request_search(*, identity: PatientIdentity, acting_user, kind: str = Kind.SEARCH,
                        campaign: str = "") -> InsiRequest:
    """Ask for an INSi search (traits or Vitale) or verification, run after commit by a task.

    An identical request still waiting is returned instead of a new one.
    Raises IdentityStateError (French message) when the identity cannot be sent.
    """
    if kind not in Kind.values:
        raise IdentityStateError(f"Type de demande INSi inconnu : {kind}.")
    identity = PatientIdentity.objects.select_for_update().get(pk=identity.pk)
    _check_sendable(identity, kind)
    pending = identity.insi_requests.filter(kind=kind, state__in=[State.QUEUED, State.RUNNING]).first()
    if pending:
        return pending
    request = InsiRequest.objects.create(identity=identity, kind=kind, requested_by=acting_user, campaign=campaign)
    event_record(identity=identity, kind=IdentityEvent.Kind.INSI_REQUESTED, actor=acting_user,
                 request=str(request.public_id), request_kind=kind, campaign=campaign)
    from identities.tasks import insi_request_run_task

    insi_request_run_task.delay_on_commit(request.pk)
    return request


def insi_request_verify(*, identity: PatientIdentity, acting_user, campaign: str = "") -> InsiRequest:
    """Ask for the verification of the stored INS (a re-search compared with it). Raises IdentityStateError."""
    return insi_request_search(identity=identity, acting_user=acting_user, kind=Kind.VERIFY, campaign=campaign)


# --- Running -------------------------------------------------------------------

class _TracedClient:
    """Wraps the client: rate limit and circuit breaker before each call, an InsiCall row after it."""

    def __init__(self, client: InsiClient, request: InsiRequest):
        self.client, self.request = client, request
        self.client_seconds = 0.0

    def search_by_traits(self, query: TraitsQuery) -> SearchResult:
        return self._call(SEARCH_OPERATION, self.client.search_by_traits, query)

    def search_by_vitale(self, query: VitaleQuery) -> SearchResult:
        return self._call(VITALE_OPERATION, self.client.search_by_vitale, query)

    def _call(self, operation, method, query) -> SearchResult:
        guard.before_call()
        started, clock = timezone.now(), time.perf_counter()
        try:
            result = method(query)
        except InsiError as exc:
            guard.after_call(temporary_failure=isinstance(exc, InsiTemporaryError))
            self._record(started, clock, CallRecord(exc.message_id, operation, 0, exc.outcome, exc.fault_code,
                                                    exc.fault_detail, exc.message[:300]))
            raise
        guard.after_call(temporary_failure=False)
        self._record(started, clock, CallRecord(result.message_id, operation, 0, result.code))
        return result

    def _record(self, started, clock, call: CallRecord) -> None:
        seconds = time.perf_counter() - clock
        self.client_seconds += seconds
        InsiCall.objects.create(
            request=self.request, identity_id=self.request.identity_id, user_id=self.request.requested_by_id,
            message_id=call.message_id or f"none:{self.request.pk}:{time.time_ns()}", operation=call.operation,
            started_at=started, duration_ms=int(seconds * 1000), outcome=call.outcome,
            fault_code=call.fault_code, fault_detail=call.fault_detail, error=call.error)


def insi_request_run(*, request_id: int, client: InsiClient | None = None) -> InsiRequest:
    """Run a queued request: calls, then the answer applied to the identity. Idempotent.

    A finished request is returned as is. Temporary errors leave it queued and
    are raised again (the task retries); final errors and bad answers end it failed.
    """
    request = _start(request_id)
    if request.state != State.RUNNING:
        return request
    identity = request.identity
    try:
        query = vitale_query_for(identity) if request.kind == Kind.VITALE else traits_query_for(identity)
    except IdentityStateError as exc:
        return _finish_failed(request, "refused", str(exc))
    traced = _TracedClient(client or get_insi_client(), request)
    try:
        if request.kind == Kind.VERIFY:
            outcome = strategy.verify(traced, query, identity.ins_matricule)
            found, attempts, verdict = outcome.search, outcome.attempts, outcome.outcome
        elif request.kind == Kind.VITALE:
            found, attempts, verdict = traced.search_by_vitale(query), 1, ""
        else:
            run = strategy.search(traced, query)
            found, attempts, verdict = run.result, run.attempts, ""
    except InsiTemporaryError as exc:
        InsiRequest.objects.filter(pk=request.pk).update(state=State.QUEUED, message=exc.message[:500])
        raise
    except InsiError as exc:
        return _finish_failed(request, exc.outcome, exc.message)
    return _apply(request, identity.version, found, attempts, verdict)


def _start(request_id: int) -> InsiRequest:
    with transaction.atomic():
        request = InsiRequest.objects.select_for_update().select_related("identity").get(pk=request_id)
        if request.state in (State.QUEUED, State.RUNNING):
            # RUNNING again means a worker died mid-call (acks_late redelivery): run it again.
            request.state = State.RUNNING
            request.save(update_fields=["state"])
        return request


def insi_request_give_up(*, request_id: int, message: str) -> InsiRequest:
    """End a request whose temporary errors outlived the retries."""
    request = InsiRequest.objects.select_related("identity").get(pk=request_id)
    if request.state in (State.DONE, State.FAILED):
        return request
    return _finish_failed(request, "temporary", f"{message} Abandon après plusieurs tentatives.")


@transaction.atomic
def _finish_failed(request: InsiRequest, outcome: str, message: str) -> InsiRequest:
    request.state, request.outcome, request.message = State.FAILED, outcome, message[:500]
    request.finished_at = timezone.now()
    request.save(update_fields=["state", "outcome", "message", "finished_at"])
    event_record(identity=request.identity, kind=IdentityEvent.Kind.INSI_FAILED, actor=request.requested_by,
                 reason=message[:500], request=str(request.public_id), outcome=outcome)
    return request


# --- Applying ------------------------------------------------------------------

def _returned(found: InsiIdentity) -> dict:
    return {"ins": found.ins.value, "oid": found.ins.oid,
            "history": [{"ins": h.value, "oid": h.oid, "from": h.valid_from, "until": h.valid_until}
                        for h in found.history],
            "traits": {"birth_name": found.birth_name, "first_names": found.first_names, "sex": found.sex,
                       "birth_date": found.birth_date, "birth_place": found.birth_place}}


def _differences(identity: PatientIdentity, found: InsiIdentity) -> dict:
    returned = _returned(found)["traits"]
    return {name: {"local": getattr(identity, name), "insi": returned[name]}
            for name in COMPARED_TRAITS if getattr(identity, name) != returned[name]}


@transaction.atomic
def _apply(request: InsiRequest, version: int, found: SearchResult, attempts: int, verdict: str) -> InsiRequest:
    identity = PatientIdentity.objects.select_for_update().get(pk=request.identity_id)
    if identity.version != version or identity.insi_forbidden:
        return _finish_failed(request, "stale", "L'identité a été modifiée pendant l'interrogation INSi : "
                                                "relancez la demande.")
    now = timezone.now()
    result = {"code": found.code, "label": found.label, "attempts": attempts}
    if found.identity:
        result.update(_returned(found.identity), differences=_differences(identity, found.identity))
    kind = IdentityEvent.Kind.INSI_VERIFIED if verdict else {
        FOUND: IdentityEvent.Kind.INSI_SUCCEEDED, SEVERAL: IdentityEvent.Kind.INSI_SEVERAL,
    }.get(found.code, IdentityEvent.Kind.INSI_NOT_FOUND)
    changes_identity = found.identity is not None and verdict in ("", CHANGED)
    if changes_identity:
        _store_ins(identity, found.identity, request.requested_by, now)
    else:
        PatientIdentity.objects.filter(pk=identity.pk).update(insi_queried_at=now)
    request.state, request.outcome = State.DONE, verdict or found.code
    request.message = MESSAGES[verdict or found.code][:500]
    request.result, request.finished_at = result, now
    request.save(update_fields=["state", "outcome", "message", "result", "finished_at"])
    event_record(identity=identity, kind=kind, actor=request.requested_by, request=str(request.public_id),
                 outcome=request.outcome, differences=sorted(result.get("differences", {})))
    return request


def _store_ins(identity: PatientIdentity, found: InsiIdentity, acting_user, now: dt.datetime) -> None:
    """Store the INS, its history and the INSi traits; the status follows (RECUP, or QUAL with a document)."""
    old_ins, old_oid = identity.ins_matricule, identity.ins_oid
    replaced = old_ins if old_ins and old_ins != found.ins.value else ""
    known = set(identity.ins_history.values_list("matricule", flat=True))
    for ins in found.history:
        if ins.value not in known:
            InsHistory.objects.create(identity=identity, matricule=ins.value, oid=ins.oid,
                                      valid_from=_day(ins.valid_from), valid_until=_day(ins.valid_until),
                                      origin=InsHistory.Origin.REPLACED if ins.value == replaced
                                      else InsHistory.Origin.INSI_HISTORY)
    if replaced:
        # e.g. a NIA replaced by the definitive NIR: the old matricule stays findable, once.
        if replaced not in known | {ins.value for ins in found.history}:
            InsHistory.objects.create(identity=identity, matricule=replaced, oid=old_oid or found.ins.oid,
                                      origin=InsHistory.Origin.REPLACED)
        event_record(identity=identity, kind=IdentityEvent.Kind.INS_CHANGED, actor=acting_user,
                     reason="Matricule remplacé par l'INSi", before=old_ins, after=found.ins.value)
    if old_ins != found.ins.value:
        identity.ins_obtained_at = now
    identity.ins_matricule, identity.ins_oid, identity.insi_queried_at = found.ins.value, found.ins.oid, now
    traits_changed = any(getattr(identity, name) != value for name, value in _traits(found).items())
    for name, value in _traits(found).items():
        setattr(identity, name, value)
    identity.traits_from_insi, identity.collection_method = True, CollectionMethod.INSI
    identity_refresh_status(identity=identity, acting_user=acting_user, reason="Traits récupérés par l'INSi")
    identity.version += 1
    identity._history_user = acting_user
    identity.save()
    if traits_changed:
        transaction.on_commit(lambda: identity_traits_changed.send(
            sender=PatientIdentity, identity_ids=[identity.pk], created=False))


def _traits(found: InsiIdentity) -> dict[str, str]:
    return {"birth_name": found.birth_name, "first_names": found.first_names, "first_name": found.first_name,
            "sex": found.sex, "birth_date": found.birth_date, "birth_place": found.birth_place}


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
