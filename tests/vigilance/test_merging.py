"""Merge and unmerge: nothing lost, everything restored, never twice."""

from __future__ import annotations

import pytest

from identities.models import IdentityEvent, IdentityStatus, InsHistory, PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.identities import identity_create, proof_record
from vigilance.merging import (
    MergeRefused,
    candidate_dismiss,
    candidate_homonyms,
    identity_merge,
    identity_split,
    identity_unmerge,
)
from vigilance.models import CandidateState, DuplicateCandidate, IdentityMerge

pytestmark = pytest.mark.django_db


def make(facility, **traits) -> PatientIdentity:
    base = {"birth_name": "MARTIN", "first_names": "Claire", "birth_date": "1984-03-12", "sex": "F"}
    clean, _ = clean_identity({**base, **traits})
    return identity_create(facility=facility, data=clean)


def pair(a, b, **extra) -> DuplicateCandidate:
    a, b = sorted([a, b], key=lambda i: i.pk)
    return DuplicateCandidate.objects.create(identity_a=a, identity_b=b, score=0.97, **extra)


@pytest.fixture
def two(facility):
    survivor = make(facility)
    merged = make(facility, first_names="Claire Marie", used_name="DURAND")
    PatientIdentity.objects.filter(pk=merged.pk).update(ins_matricule="284037505612345", ins_oid="1.2.250.1.213.1.4.8")
    merged.refresh_from_db()
    proof_record(identity=merged, document_type="PA")
    merged.refresh_from_db()
    return survivor, merged


def test_merge_keeps_everything(two, referent):
    survivor, merged = two
    record = identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="Même patiente",
                            trait_choices={"first_names": "merged", "used_name": "merged"})
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert not merged.is_active
    assert merged.merged_into == survivor
    assert list(survivor.merged_identities.all()) == [merged]  # the merged IPP stays findable
    assert survivor.first_names == "CLAIRE MARIE"
    assert survivor.used_name == "DURAND"
    assert survivor.ins_matricule == "284037505612345"
    assert survivor.ins_history.filter(origin=InsHistory.Origin.MERGE).exists()
    assert survivor.proofs.count() == 1
    assert survivor.status == IdentityStatus.VALIDATED
    assert record.merged_by == referent
    for identity in (survivor, merged):
        assert identity.events.filter(kind=IdentityEvent.Kind.MERGED, reason="Même patiente").exists()


def test_unmerge_restores_both_exactly(two, referent):
    survivor, merged = two
    before = {i.pk: {f: getattr(i, f) for f in ("first_names", "used_name", "ins_matricule", "status",
                                                "is_active", "merged_into_id")} for i in two}
    proofs_before = {i.pk: set(i.proofs.values_list("pk", flat=True)) for i in two}
    identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="Même patiente",
                   trait_choices={"first_names": "merged", "used_name": "merged"})
    identity_unmerge(merged=merged, acting_user=referent, reason="Erreur de fusion")
    for identity in two:
        identity.refresh_from_db()
        assert {f: getattr(identity, f) for f in before[identity.pk]} == before[identity.pk]
        assert set(identity.proofs.values_list("pk", flat=True)) == proofs_before[identity.pk]
        assert identity.events.filter(kind=IdentityEvent.Kind.UNMERGED).exists()
    assert not survivor.ins_history.exists()
    assert IdentityMerge.objects.get().undone_by == referent


def test_merge_twice_is_refused(two, referent):
    survivor, merged = two
    identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="x", trait_choices={})
    with pytest.raises(MergeRefused, match="déjà fusionnée"):
        identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="x", trait_choices={})
    assert IdentityMerge.objects.count() == 1


def test_two_referents_on_the_same_pair(two, referent, admin_user):
    survivor, merged = two
    candidate = pair(survivor, merged)
    identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="x", trait_choices={},
                   candidate=candidate)
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.MERGED
    with pytest.raises(MergeRefused, match="déjà été traitée"):
        identity_merge(survivor=merged, merged=survivor, acting_user=admin_user, reason="y", trait_choices={},
                       candidate=candidate)
    with pytest.raises(MergeRefused, match="déjà été traitée"):
        candidate_dismiss(candidate=candidate, acting_user=admin_user, reason="y")


def test_unmerge_twice_is_refused_and_reopens_candidate(two, referent):
    survivor, merged = two
    candidate = pair(survivor, merged)
    identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="x", trait_choices={},
                   candidate=candidate)
    identity_unmerge(merged=merged, acting_user=referent, reason="erreur")
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.OPEN
    with pytest.raises(MergeRefused, match="déjà été annulée"):
        identity_unmerge(merged=merged, acting_user=referent, reason="erreur")


def test_different_ins_is_a_collision_not_a_merge(facility, referent):
    a, b = make(facility), make(facility)
    PatientIdentity.objects.filter(pk=a.pk).update(ins_matricule="284037505612345")
    PatientIdentity.objects.filter(pk=b.pk).update(ins_matricule="184037505612345")
    a.refresh_from_db()
    b.refresh_from_db()
    with pytest.raises(MergeRefused, match="INS différents"):
        identity_merge(survivor=a, merged=b, acting_user=referent, reason="x", trait_choices={})


@pytest.mark.parametrize("choices", [{"version": "merged"}, {"birth_name": "both"}])
def test_bad_trait_choices_are_refused(two, referent, choices):
    with pytest.raises(MergeRefused):
        identity_merge(survivor=two[0], merged=two[1], acting_user=referent, reason="x", trait_choices=choices)


def test_reason_is_required(two, referent):
    with pytest.raises(MergeRefused, match="motif"):
        identity_merge(survivor=two[0], merged=two[1], acting_user=referent, reason=" ", trait_choices={})


def test_homonyms_flags_both(facility, referent):
    a, b = make(facility), make(facility, first_names="Claire Anne")
    candidate = candidate_homonyms(candidate=pair(a, b), acting_user=referent, reason="Deux sœurs")
    assert candidate.state == CandidateState.DISMISSED
    for identity in (a, b):
        identity.refresh_from_db()
        assert identity.is_homonym


def test_split_creates_second_identity_and_moves_proofs(two, referent):
    _, mixed = two
    proof = mixed.proofs.get()
    clean, _ = clean_identity({"birth_name": "MARTIN", "first_names": "Julie", "birth_date": "1990-01-01",
                               "sex": "F"})
    other = identity_split(identity=mixed, data=clean, acting_user=referent, reason="Deux sœurs dans un dossier",
                           proof_ids=[proof.pk])
    assert other.proofs.get() == proof
    mixed.refresh_from_db()
    assert mixed.status == IdentityStatus.PROVISIONAL
    assert mixed.events.filter(kind=IdentityEvent.Kind.COLLISION_FLAGGED).exists()


def test_unmerge_keeps_changes_made_to_the_survivor_after_the_merge(two, referent):
    from identities.services.identities import identity_update

    survivor, merged = two
    identity_merge(survivor=survivor, merged=merged, acting_user=referent, reason="Même patiente",
                   trait_choices={"first_names": "merged"})
    survivor.refresh_from_db()
    fields = {name: getattr(survivor, name) for name in ("birth_name", "first_names", "birth_date", "sex")}
    identity_update(identity=survivor, data=clean_identity({**fields, "city": "Riom"})[0], acting_user=referent)
    identity_unmerge(merged=merged, acting_user=referent, reason="Erreur")
    survivor.refresh_from_db()
    assert survivor.first_names == "CLAIRE"  # the merge's choice is undone
    assert survivor.city == "Riom"  # the later change is not lost
    assert survivor.status == IdentityStatus.PROVISIONAL  # the passport went back with the merged identity
