"""Writes of identities: creation, trait updates with RNIV demotion, attributes, proofs, status.

Every write takes the acting user (None for system actions), records its
IdentityEvent in the same transaction, and tells listeners after commit.
"""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identities.exceptions import IdentityConflict, IdentityLocked
from identities.models import CollectionMethod, Facility, IdentityEvent, IdentityProof, PatientIdentity
from identities.rules.identity import STRICT_TRAITS, CleanIdentity
from identities.rules.status import StatusFacts, check_attributes, derive_status
from identities.signals import identity_traits_changed, traits_signal_is_muted


def event_record(*, identity: PatientIdentity, kind: str, actor=None, reason: str = "", **data) -> IdentityEvent:
    """Append a business event to the identity's timeline (call inside the writing transaction)."""
    return IdentityEvent.objects.create(identity=identity, kind=kind, actor=actor, reason=reason, data=data)


def _notify_traits_changed(identity: PatientIdentity, *, created: bool) -> None:
    if traits_signal_is_muted():
        return
    transaction.on_commit(lambda: identity_traits_changed.send(
        sender=PatientIdentity, identity_ids=[identity.pk], created=created))


def has_high_trust_proof(identity: PatientIdentity) -> bool:
    return identity.proofs.filter(is_active=True, high_trust=True).exists()


def _save(identity: PatientIdentity, acting_user) -> None:
    identity.version += 1
    identity._history_user = acting_user
    identity.save()


def identity_refresh_status(*, identity: PatientIdentity, acting_user=None, reason: str = "") -> str:
    """Recompute the RNIV status from the facts; record an event when it changes. Does not save."""
    new = derive_status(StatusFacts(
        traits_from_insi=identity.traits_from_insi,
        has_high_trust_proof=identity.pk is not None and has_high_trust_proof(identity),
        is_doubtful=identity.is_doubtful, is_fictitious=identity.is_fictitious,
        collection_method=identity.collection_method))
    old, identity.status = identity.status, new
    if identity.pk and old != new:
        event_record(identity=identity, kind=IdentityEvent.Kind.STATUS_CHANGED, actor=acting_user,
                     reason=reason, before=old, after=new)
    return new


def new_source_id() -> str:
    """An IPP for an identity created without one."""
    return "P" + uuid4().hex[:11].upper()


@transaction.atomic
def identity_create(*, facility: Facility, data: CleanIdentity, acting_user=None, source_id: str = "",
                    collection_method: str = CollectionMethod.MANUAL, admission_service: str = "") -> PatientIdentity:
    """Create an identity from validated traits (status PROV until INSi or a document says more).

    `admission_service` is the service that admitted the patient: the dashboard counts per service.
    """
    identity = PatientIdentity(facility=facility, source_id=source_id or new_source_id(),
                               collection_method=collection_method, admission_service=admission_service,
                               created_by=acting_user, **data.as_fields())
    identity_refresh_status(identity=identity)
    identity._history_user = acting_user
    identity.save()
    event_record(identity=identity, kind=IdentityEvent.Kind.CREATED, actor=acting_user,
                 collection_method=collection_method)
    _notify_traits_changed(identity, created=True)
    return identity


def _lock(identity: PatientIdentity, expected_version: int | None) -> PatientIdentity:
    locked = PatientIdentity.objects.select_for_update().get(pk=identity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise IdentityConflict("Cette identité a été modifiée par quelqu'un d'autre entre-temps : "
                               "rechargez-la et refaites votre modification.")
    return locked


@transaction.atomic
def identity_update(*, identity: PatientIdentity, data: CleanIdentity, acting_user=None,
                    expected_version: int | None = None, reason: str = "", unlock: bool = False) -> PatientIdentity:
    """Change traits. Editing a strict trait deactivates the INSi source: QUAL→VALI, RECUP→PROV.

    The strict traits of a qualified identity are locked: changing them needs
    `unlock` with a reason, by a user holding the unlock permission.
    Raises IdentityConflict (stale version) or IdentityLocked.
    """
    identity = _lock(identity, expected_version)
    new = data.as_fields()
    changes = {name: [getattr(identity, name), value] for name, value in new.items()
               if getattr(identity, name) != value}
    if not changes:
        return identity
    strict_changed = [name for name in changes if name in STRICT_TRAITS]
    if strict_changed and identity.is_qualified:
        _check_unlock(identity, acting_user, unlock, reason)
    for name, (_, value) in changes.items():
        setattr(identity, name, value)
    if strict_changed and identity.traits_from_insi:
        identity.traits_from_insi = False
    event_record(identity=identity, kind=IdentityEvent.Kind.TRAITS_CHANGED, actor=acting_user, reason=reason,
                 changes=changes)
    identity_refresh_status(identity=identity, acting_user=acting_user,
                            reason="Modification d'un trait strict" if strict_changed else reason)
    _save(identity, acting_user)
    if strict_changed or {"used_name", "used_first_name", "nir"} & changes.keys():
        _notify_traits_changed(identity, created=False)
    return identity


def _check_unlock(identity: PatientIdentity, acting_user, unlock: bool, reason: str) -> None:
    if not unlock:
        raise IdentityLocked("Les traits stricts d'une identité qualifiée sont verrouillés : "
                             "un référent doit les déverrouiller en donnant un motif.")
    if acting_user is None or not acting_user.has_perm("identities.unlock_patientidentity"):
        raise IdentityLocked("Seul un référent en identitovigilance peut déverrouiller une identité qualifiée.")
    if not reason.strip():
        raise IdentityLocked("Indiquez le motif du déverrouillage des traits stricts.")
    event_record(identity=identity, kind=IdentityEvent.Kind.UNLOCKED, actor=acting_user, reason=reason)


@transaction.atomic
def identity_set_attributes(*, identity: PatientIdentity, is_doubtful: bool, is_fictitious: bool, is_homonym: bool,
                            acting_user=None, reason: str = "", expected_version: int | None = None
                            ) -> PatientIdentity:
    """Set douteuse / fictive / homonyme. Douteuse or fictive force PROV (and forbid INSi)."""
    try:
        check_attributes(is_doubtful=is_doubtful, is_fictitious=is_fictitious)
    except ValueError as exc:
        raise IdentityLocked(str(exc)) from None
    identity = _lock(identity, expected_version)
    before = identity.attributes
    identity.is_doubtful, identity.is_fictitious, identity.is_homonym = is_doubtful, is_fictitious, is_homonym
    if before == identity.attributes:
        return identity
    event_record(identity=identity, kind=IdentityEvent.Kind.ATTRIBUTES_CHANGED, actor=acting_user, reason=reason,
                 before=before, after=identity.attributes)
    identity_refresh_status(identity=identity, acting_user=acting_user, reason=reason)
    _save(identity, acting_user)
    return identity


@transaction.atomic
def proof_record(*, identity: PatientIdentity, document_type: str, acting_user=None,
                 expires_on: dt.date | None = None, comment: str = "") -> IdentityProof:
    """Record an identity document checked against the traits; a high-trust one validates the identity.

    An expired document is recorded but does not count as high trust.
    """
    identity = _lock(identity, None)
    now = timezone.now()
    valid = expires_on is None or expires_on >= timezone.localdate(now)
    proof = IdentityProof(identity=identity, document_type=document_type, expires_on=expires_on,
                          high_trust=valid and document_type in settings.HIGH_TRUST_DOCUMENTS,
                          checked_by=acting_user, checked_at=now, comment=comment)
    proof._history_user = acting_user
    proof.save()
    event_record(identity=identity, kind=IdentityEvent.Kind.PROOF_RECORDED, actor=acting_user,
                 document_type=document_type, high_trust=proof.high_trust,
                 expires_on=expires_on.isoformat() if expires_on else None)
    identity_refresh_status(identity=identity, acting_user=acting_user, reason="Pièce d'identité vérifiée")
    _save(identity, acting_user)
    return proof
