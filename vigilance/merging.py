"""Merge and unmerge of identities, and the other CIV decisions on a pair, each in one transaction.

A merge loses nothing: the merged identity is deactivated (not deleted) with
`merged_into` set, so its IPP stays an old identifier of the survivor; its INS
is kept in the survivor's INS history; proofs, INSi requests and calls follow
the survivor. The `IdentityMerge` row keeps a snapshot of both identities and
of every row moved or created, so that `identity_unmerge` restores both exactly.
Both rows are locked first, so a double submit or two referents deciding the
same pair never merge twice: the second gets an `IdentityStateError`.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from identities.exceptions import IdentityStateError
from identities.models import IdentityEvent, IdentityProof, InsHistory, InsiCall, InsiRequest, PatientIdentity
from identities.rules.identity import STRICT_TRAITS, CleanIdentity
from identities.services.identities import event_record, identity_create, identity_refresh_status
from identities.services.identities import identity_set_attributes as _set_attributes
from identities.signals import identity_traits_changed
from vigilance.models import CandidateState, DuplicateCandidate, IdentityMerge

# Traits the referent chooses one by one (the INS goes with the strict traits, see _take_ins).
MERGEABLE_TRAITS = (*STRICT_TRAITS, "used_name", "used_first_name", "nir", "address", "postcode", "city")
_INS_FIELDS = ("ins_matricule", "ins_oid", "ins_obtained_at", "insi_queried_at", "traits_from_insi")
SNAPSHOT_FIELDS = (*MERGEABLE_TRAITS, *_INS_FIELDS, "collection_method", "status", "is_doubtful",
                   "is_fictitious", "is_homonym", "is_active", "merged_into_id")
_DATETIMES = ("ins_obtained_at", "insi_queried_at")
# Rows that follow the survivor: (model, field pointing at the identity).
_LINKED = {"proofs": (IdentityProof, "identity"), "insi_requests": (InsiRequest, "identity"),
           "insi_calls": (InsiCall, "identity"), "ins_history": (InsHistory, "identity"),
           "merged_identities": (PatientIdentity, "merged_into")}


class MergeRefused(IdentityStateError):
    """The merge or its undoing cannot happen; the message says why, in French."""


def _snapshot(identity: PatientIdentity) -> dict:
    return {name: getattr(identity, name) for name in SNAPSHOT_FIELDS}


def _restore(identity: PatientIdentity, values: dict) -> None:
    for name, value in values.items():
        setattr(identity, name, parse_datetime(value) if name in _DATETIMES and value else value)


def _stored(values: dict) -> dict:
    """Values as the snapshot's JSON stores them, for comparisons with a stored snapshot."""
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _restore_merge_changes(survivor: PatientIdentity, before: dict, after: dict | None) -> None:
    """Undo what the merge changed on the survivor; a value changed again since the merge is kept."""
    if after is None:
        _restore(survivor, before)
        return
    now = _stored(_snapshot(survivor))
    _restore(survivor, {name: value for name, value in before.items() if now[name] == after[name]})


def _lock_pair(first: PatientIdentity, second: PatientIdentity) -> tuple[PatientIdentity, PatientIdentity]:
    """Lock both rows in primary-key order (no deadlock between two referents)."""
    rows = {i.pk: i for i in PatientIdentity.objects.select_for_update().filter(pk__in=[first.pk, second.pk])
            .order_by("pk")}
    return rows[first.pk], rows[second.pk]


def _save(identity: PatientIdentity, acting_user, reason: str) -> None:
    identity.version += 1
    identity._history_user = acting_user
    identity._change_reason = reason
    identity.save()


def _check_mergeable(survivor: PatientIdentity, merged: PatientIdentity) -> None:
    if survivor.pk == merged.pk:
        raise MergeRefused("Une identité ne peut pas être fusionnée avec elle-même.")
    if not merged.is_active or not survivor.is_active:
        raise MergeRefused("L'une des deux identités est déjà fusionnée ou désactivée : "
                           "cette fusion a sans doute déjà été faite.")
    if survivor.ins_matricule and merged.ins_matricule and survivor.ins_matricule != merged.ins_matricule:
        raise MergeRefused("Les deux identités portent des INS différents : ce ne peut pas être la même personne. "
                           "Signalez plutôt une collision.")


def _check_choices(trait_choices: dict[str, str]) -> None:
    unknown = set(trait_choices) - set(MERGEABLE_TRAITS)
    bad = {k for k, v in trait_choices.items() if v not in ("survivor", "merged")}
    if unknown or bad:
        raise MergeRefused(f"Choix de traits invalide : {', '.join(sorted(unknown | bad))}.")


def _apply_choices(survivor: PatientIdentity, merged: PatientIdentity, trait_choices: dict[str, str]) -> None:
    for name, side in trait_choices.items():
        if side == "merged":
            setattr(survivor, name, getattr(merged, name))


def _take_ins(survivor: PatientIdentity, merged: PatientIdentity, before: dict) -> None:
    """The survivor keeps its INS, or takes the merged one's; INSi traits stay 'from INSi' only if unchanged."""
    strict_now = {name: getattr(survivor, name) for name in STRICT_TRAITS}
    if not survivor.ins_matricule and merged.ins_matricule:
        for name in _INS_FIELDS:
            setattr(survivor, name, getattr(merged, name))
        survivor.traits_from_insi = merged.traits_from_insi and all(
            strict_now[n] == getattr(merged, n) for n in STRICT_TRAITS)
    elif survivor.traits_from_insi:
        survivor.traits_from_insi = all(strict_now[n] == before[n] for n in STRICT_TRAITS)


def _move_linked(source: PatientIdentity, target: PatientIdentity) -> dict[str, list[int]]:
    moved = {}
    for key, (model, field) in _LINKED.items():
        rows = model.objects.filter(**{field: source})
        moved[key] = list(rows.values_list("pk", flat=True))
        rows.update(**{field: target})
    return moved


def _keep_old_ins(survivor: PatientIdentity, merged: PatientIdentity) -> list[int]:
    if not merged.ins_matricule:
        return []
    row, created = InsHistory.objects.get_or_create(
        identity=survivor, matricule=merged.ins_matricule, oid=merged.ins_oid or survivor.ins_oid,
        defaults={"origin": InsHistory.Origin.MERGE})
    return [row.pk] if created else []


def _lock_candidate(candidate: DuplicateCandidate | None) -> DuplicateCandidate | None:
    if candidate is None:
        return None
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.state != CandidateState.OPEN:
        who = f" par {candidate.decided_by}" if candidate.decided_by else ""
        raise MergeRefused(f"Cette paire a déjà été traitée{who} : « {candidate.get_state_display()} ».")
    return candidate


def _notify(*identities: PatientIdentity) -> None:
    ids = [i.pk for i in identities]
    transaction.on_commit(lambda: identity_traits_changed.send(sender=PatientIdentity, identity_ids=ids,
                                                               created=False))


@transaction.atomic
def identity_merge(*, survivor: PatientIdentity, merged: PatientIdentity, acting_user, trait_choices: dict[str, str],
                   reason: str, candidate: DuplicateCandidate | None = None) -> IdentityMerge:
    """Merge `merged` into `survivor`, taking each trait named in `trait_choices` ("survivor"/"merged").

    Raises MergeRefused (an IdentityStateError) when already merged, when the pair was already
    decided, when the INS differ, or without a reason.
    """
    if not reason.strip():
        raise MergeRefused("Indiquez le motif de la fusion.")
    _check_choices(trait_choices)
    candidate = _lock_candidate(candidate)
    survivor, merged = _lock_pair(survivor, merged)
    _check_mergeable(survivor, merged)
    snapshot = {"survivor": _snapshot(survivor), "merged": _snapshot(merged),
                "candidate_state": candidate.state if candidate else None}
    _apply_choices(survivor, merged, trait_choices)
    _take_ins(survivor, merged, snapshot["survivor"])
    snapshot["moved"] = _move_linked(merged, survivor)
    snapshot["ins_history_created"] = _keep_old_ins(survivor, merged)
    merged.is_active, merged.merged_into = False, survivor
    identity_refresh_status(identity=survivor, acting_user=acting_user, reason="Fusion d'identités")
    snapshot["survivor_after"] = _stored(_snapshot(survivor))
    _save(merged, acting_user, reason)
    _save(survivor, acting_user, reason)
    record = IdentityMerge.objects.create(survivor=survivor, merged=merged, candidate=candidate, reason=reason,
                                          trait_choices=trait_choices, snapshot=snapshot, merged_by=acting_user)
    _record_events(record, IdentityEvent.Kind.MERGED, acting_user, reason)
    if candidate is not None:
        _close_candidate(candidate, CandidateState.MERGED, acting_user, reason)
    _notify(survivor, merged)
    return record


def _record_events(record: IdentityMerge, kind: str, acting_user, reason: str) -> None:
    data = {"merge": str(record.public_id), "survivor": str(record.survivor.public_id),
            "merged": str(record.merged.public_id), "survivor_ipp": record.survivor.source_id,
            "merged_ipp": record.merged.source_id}
    for identity in (record.survivor, record.merged):
        event_record(identity=identity, kind=kind, actor=acting_user, reason=reason, **data)


def _close_candidate(candidate: DuplicateCandidate, state: str, acting_user, reason: str) -> None:
    candidate.state, candidate.decided_by, candidate.decided_at = state, acting_user, timezone.now()
    candidate.decision_reason = reason[:500]
    candidate.save()


@transaction.atomic
def identity_unmerge(*, merged: PatientIdentity, acting_user, reason: str) -> IdentityMerge:
    """Undo the standing merge of `merged`: both identities and every moved row return as they were.

    Raises MergeRefused when there is no standing merge (already undone), when the survivor
    was itself merged since (undo that first), or without a reason.
    """
    if not reason.strip():
        raise MergeRefused("Indiquez le motif de l'annulation de la fusion.")
    record = (IdentityMerge.objects.select_for_update().select_related("survivor", "merged")
              .filter(merged=merged, undone_at__isnull=True).first())
    if record is None:
        raise MergeRefused("Cette identité n'est pas fusionnée : la fusion a peut-être déjà été annulée.")
    survivor, merged = _lock_pair(record.survivor, record.merged)
    if not survivor.is_active:
        raise MergeRefused("L'identité conservée a depuis été fusionnée à son tour : annulez d'abord cette fusion-là.")
    snapshot = record.snapshot
    _move_back(snapshot, merged)
    _restore_merge_changes(survivor, snapshot["survivor"], snapshot.get("survivor_after"))
    _restore(merged, snapshot["merged"])
    for identity in (survivor, merged):  # proofs moved back: the status follows the facts again
        identity_refresh_status(identity=identity, acting_user=acting_user, reason="Annulation de fusion")
    _save(survivor, acting_user, reason)
    _save(merged, acting_user, reason)
    record.survivor, record.merged = survivor, merged
    record.undone_at, record.undone_by, record.undo_reason = timezone.now(), acting_user, reason[:500]
    record.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    _record_events(record, IdentityEvent.Kind.UNMERGED, acting_user, reason)
    if record.candidate_id and snapshot.get("candidate_state"):
        DuplicateCandidate.objects.filter(pk=record.candidate_id).update(
            state=snapshot["candidate_state"], decided_by=None, decided_at=None, decision_reason="")
    _notify(survivor, merged)
    return record


def _move_back(snapshot: dict, merged: PatientIdentity) -> None:
    InsHistory.objects.filter(pk__in=snapshot.get("ins_history_created", [])).delete()
    for key, (model, field) in _LINKED.items():
        model.objects.filter(pk__in=snapshot["moved"].get(key, [])).update(**{field: merged})


# --- Other decisions on a pair ------------------------------------------------------------------------------

@transaction.atomic
def candidate_dismiss(*, candidate: DuplicateCandidate, acting_user, reason: str) -> DuplicateCandidate:
    """"Not a duplicate", remembered. Raises MergeRefused if the pair was already decided."""
    from vigilance.services import duplicate_candidate_dismiss

    candidate = _lock_candidate(candidate)
    return duplicate_candidate_dismiss(candidate=candidate, acting_user=acting_user, reason=reason)


@transaction.atomic
def candidate_homonyms(*, candidate: DuplicateCandidate, acting_user, reason: str) -> DuplicateCandidate:
    """Two different persons who look alike: not a duplicate, and both flagged homonyme (HOMA)."""
    candidate = candidate_dismiss(candidate=candidate, acting_user=acting_user, reason=reason or "Homonymes")
    for identity in (candidate.identity_a, candidate.identity_b):
        identity.refresh_from_db()
        _set_attributes(identity=identity, is_doubtful=identity.is_doubtful, is_fictitious=identity.is_fictitious,
                        is_homonym=True, acting_user=acting_user, reason=reason or "Homonymes")
    return candidate


@transaction.atomic
def candidate_flag_collision(*, candidate: DuplicateCandidate, acting_user, reason: str) -> DuplicateCandidate:
    """The pair reveals records mixing persons: flagged collision, to be split. Raises MergeRefused."""
    from vigilance.services import duplicate_candidate_flag_collision

    if not reason.strip():
        raise MergeRefused("Indiquez le motif du signalement de collision.")
    candidate = _lock_candidate(candidate)
    return duplicate_candidate_flag_collision(candidate=candidate, acting_user=acting_user, reason=reason)


@transaction.atomic
def identity_split(*, identity: PatientIdentity, data: CleanIdentity, acting_user, reason: str,
                   proof_ids: list[int] = ()) -> PatientIdentity:
    """Resolve a collision: create the second person's identity and move to it the proofs that are theirs.

    Raises MergeRefused without a reason or on an inactive identity.
    """
    if not reason.strip():
        raise MergeRefused("Indiquez le motif de la séparation des identités.")
    identity = PatientIdentity.objects.select_for_update().get(pk=identity.pk)
    if not identity.is_active:
        raise MergeRefused("Cette identité est désactivée : elle ne peut pas être scindée.")
    other = identity_create(facility=identity.facility, data=data, acting_user=acting_user)
    moved = list(identity.proofs.filter(pk__in=proof_ids).values_list("pk", flat=True))
    IdentityProof.objects.filter(pk__in=moved).update(identity=other)
    for one in (identity, other):
        event_record(identity=one, kind=IdentityEvent.Kind.COLLISION_FLAGGED, actor=acting_user, reason=reason,
                     split_from=str(identity.public_id), split_into=str(other.public_id), proofs_moved=len(moved))
        identity_refresh_status(identity=one, acting_user=acting_user, reason="Séparation d'une collision")
        _save(one, acting_user, reason)
    return other
