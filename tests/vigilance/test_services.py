"""Detection on the database: real-time hook, full scan, command, decisions, collision signals."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command

from identities.models import IdentityEvent, PatientIdentity
from identities.rules.identity import CleanIdentity
from identities.services.identities import identity_create, identity_update
from vigilance import services, tasks
from vigilance.models import CandidateState, CollisionSignal, DuplicateCandidate, MatchKey, ScanRun
from vigilance.selectors import possible_existing_identities, worklist

pytestmark = pytest.mark.django_db

JEAN = dict(birth_name="GAUTHIER", first_names="JEAN PIERRE", first_name="JEAN", birth_date="1980-05-12",
            sex="M", birth_place="75056", postcode="75011")


def make(facility, source_id, **traits):
    return identity_create(facility=facility, data=CleanIdentity(**traits), source_id=source_id)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return run


def test_a_new_duplicate_lands_on_the_worklist_in_real_time(facility, run_on_commit):
    first = run_on_commit(make, facility, "A1", **JEAN)
    assert MatchKey.objects.filter(identity=first).exists()
    second = run_on_commit(make, facility, "A2", **{**JEAN, "birth_name": "GOTIER", "birth_date": "1980-12-05"})
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.identity_a, candidate.identity_b) == (first, second)
    assert candidate.state == CandidateState.OPEN
    assert candidate.score >= 0.9
    assert {"field": "birth_date", "level": "swapped"} in [{k: r[k] for k in ("field", "level")}
                                                            for r in candidate.reasons]


def test_twins_do_not_land_on_the_worklist(facility, run_on_commit):
    run_on_commit(make, facility, "T1", **JEAN)
    run_on_commit(make, facility, "T2", **{**JEAN, "first_names": "PAUL", "first_name": "PAUL"})
    assert not DuplicateCandidate.objects.exists()


def test_a_dismissed_pair_never_comes_back(facility, run_on_commit, referent):
    a = run_on_commit(make, facility, "D1", **JEAN)
    b = run_on_commit(make, facility, "D2", **{**JEAN, "first_names": "JEAN"})
    candidate = DuplicateCandidate.objects.get()
    services.duplicate_candidate_dismiss(candidate=candidate, acting_user=referent, reason="Deux frères")
    assert IdentityEvent.objects.filter(kind=IdentityEvent.Kind.DUPLICATE_DISMISSED).count() == 2
    run_on_commit(identity_update, identity=b, data=CleanIdentity(**{**JEAN, "first_names": "JEAN", "city": "X"}))
    services.candidates_for_identity(identity=a)
    services.duplicate_scan()
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.DISMISSED
    assert not worklist().exists()


def _base(facility):
    rows = [("P1", JEAN), ("P2", {**JEAN, "birth_name": "GAUTIER", "first_names": "JEAN"}),
            ("P3", {**JEAN, "first_names": "PAUL", "first_name": "PAUL"}),  # twin
            ("P4", {**JEAN, "birth_date": "2011-05-12", "first_names": "JEAN"}),  # son
            ("P5", dict(birth_name="MARTIN", first_names="MARIE", birth_date="1975-02-03", sex="F")),
            ("P6", dict(birth_name="DURAND", first_names="MARIE", birth_date="1975-02-03", sex="F",
                        used_name="MARTIN")),
            ("P7", dict(birth_name="LEFEBVRE", first_names="ALICE", birth_date="1990-01-01", sex="F"))]
    PatientIdentity.objects.bulk_create(PatientIdentity(facility=facility, source_id=s, **t) for s, t in rows)


def test_find_duplicates_scans_the_base_and_writes_the_contract_csv(facility, tmp_path):
    _base(facility)
    output = tmp_path / "pairs.csv"
    call_command("find_duplicates", output=str(output), verbosity=0)
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["source_id_a", "source_id_b", "score", "reasons"]
    assert {(r["source_id_a"], r["source_id_b"]) for r in rows} == {("P1", "P2"), ("P5", "P6")}
    assert all(float(r["score"]) >= 0.9 and r["reasons"] for r in rows)
    run = ScanRun.objects.get()
    assert run.state == ScanRun.State.DONE
    assert run.progress == 1.0


def test_the_celery_scan_runs_block_by_block(facility):
    _base(facility)
    run = ScanRun.objects.get(pk=tasks.duplicate_scan.delay().get())
    assert (run.blocks_done, run.state) == (run.blocks_total, ScanRun.State.DONE)
    assert DuplicateCandidate.objects.count() == 2


def test_possible_existing_identities_before_creation(facility):
    _base(facility)
    entry = CleanIdentity(birth_name="GAUTHIER", first_names="JEAN", first_name="JEAN", birth_date="1980-12-05",
                          sex="M")
    services.duplicate_scan()
    found = possible_existing_identities(entry, facility=facility)
    assert [p.identity.source_id for p in found][:2] in (["P1", "P2"], ["P2", "P1"])
    assert all(p.probability >= 0.5 for p in found)
    assert "P3" not in [p.identity.source_id for p in found]


def test_same_ins_on_two_identities_is_a_collision(facility, run_on_commit):
    ins = "180057505612345"
    a = run_on_commit(make, facility, "C1", **JEAN)
    b = run_on_commit(make, facility, "C2", **dict(JEAN, birth_name="DUPONT", first_names="LUC"))
    PatientIdentity.objects.filter(pk__in=[a.pk, b.pk]).update(ins_matricule=ins)
    kinds = services.collisions_for_identity(identity=PatientIdentity.objects.get(pk=b.pk))
    assert CollisionSignal.Kind.SAME_INS in kinds
    assert IdentityEvent.objects.filter(identity=b, kind=IdentityEvent.Kind.COLLISION_FLAGGED).exists()


def test_traits_edited_far_away_raise_a_signal(facility, run_on_commit):
    a = run_on_commit(make, facility, "E1", **JEAN)
    other = dict(birth_name="NGUYEN", first_names="THI", first_name="THI", birth_date="1950-09-30", sex="F",
                 birth_place="99243")
    run_on_commit(identity_update, identity=a, data=CleanIdentity(**other))
    assert CollisionSignal.objects.filter(identity=a, kind=CollisionSignal.Kind.FAR_EDIT, is_open=True).exists()


def test_incoherent_nir_is_signalled(facility, run_on_commit):
    a = run_on_commit(make, facility, "N1", **dict(JEAN, nir="280057505612389"))
    kinds = CollisionSignal.objects.filter(identity=a).values_list("kind", flat=True)
    assert CollisionSignal.Kind.NIR_TRAITS in kinds


MARIE = dict(first_names="MARIE", first_name="MARIE", sex="F", birth_place="75056")
HOME = dict(address="12 RUE DE LA GARE", postcode="75011", city="PARIS")
MARRIED = dict(birth_name="DURAND", birth_date="1975-02-03", **MARIE)  # married name typed as birth name
FULL = dict(birth_name="MARTIN", used_name="DURAND", birth_date="1975-02-03", **MARIE, **HOME)
SWAPPED = dict(birth_name="MARTIN", birth_date="1975-03-02", **MARIE, **HOME)  # day and month swapped


def _pairs():
    return {(c.identity_a.source_id, c.identity_b.source_id): c for c in DuplicateCandidate.objects.select_related(
        "identity_a", "identity_b")}


def test_the_full_scan_links_records_that_share_no_key_through_a_third(facility):
    PatientIdentity.objects.bulk_create(PatientIdentity(facility=facility, source_id=s, **t)
                                        for s, t in (("L1", MARRIED), ("L2", FULL), ("L3", SWAPPED)))
    run = services.duplicate_scan()
    pairs = _pairs()
    assert set(pairs) == {("L1", "L2"), ("L2", "L3"), ("L1", "L3")}
    assert [r["level"] for r in pairs["L1", "L3"].reasons if r["field"] == "rule"] == ["linked"]
    assert run.candidates_found == 3
    assert ScanRun.objects.get().state == ScanRun.State.DONE


def test_a_new_record_brings_the_pair_it_links_in_real_time(facility, run_on_commit):
    run_on_commit(make, facility, "L1", **MARRIED)
    run_on_commit(make, facility, "L3", **SWAPPED)
    assert not DuplicateCandidate.objects.exists()
    run_on_commit(make, facility, "L2", **FULL)
    assert set(_pairs()) == {("L1", "L2"), ("L1", "L3"), ("L3", "L2")}  # pairs ordered by id


def test_a_linked_pair_judged_not_a_duplicate_never_comes_back(facility, referent):
    PatientIdentity.objects.bulk_create(PatientIdentity(facility=facility, source_id=s, **t)
                                        for s, t in (("L1", MARRIED), ("L2", FULL), ("L3", SWAPPED)))
    services.duplicate_scan()
    services.duplicate_candidate_dismiss(candidate=_pairs()["L1", "L3"], acting_user=referent, reason="Deux soeurs")
    services.duplicate_scan()
    assert _pairs()["L1", "L3"].state == CandidateState.DISMISSED


def test_block_members_from_postgresql_match_the_keys(facility):
    _base(facility)
    services.index_missing()
    from vigilance.records import _block_members_in_python, block_members

    def blocks(members):
        block, ids, kinds = members
        grouped = {}
        for n, i, kind in zip(block.tolist(), ids.tolist(), kinds.tolist(), strict=True):
            grouped.setdefault(n, (kind, set()))[1].add(i)
        return sorted((kind, sorted(ids)) for kind, ids in grouped.values())

    expected = blocks(_block_members_in_python(None, None))
    assert expected  # the base shares keys
    assert blocks(block_members()) == expected
    assert blocks(block_members(kinds=frozenset("E"))) == [b for b in expected if b[0] == "E"]


def test_keys_with_copy_separators_are_stored_as_computed(facility):
    hostile = dict(JEAN, address="12 RUE\\DU\tPONT", postcode="75\\011")
    identity = PatientIdentity.objects.create(facility=facility, source_id="K1", **hostile)
    services.index_missing()
    from vigilance.matching import blocking_keys, prepare
    from vigilance.records import record_of

    stored = set(MatchKey.objects.filter(identity=identity).values_list("key", flat=True))
    assert stored == set(blocking_keys(prepare(record_of(identity))))
    assert any("\\" in key for key in stored)


@pytest.mark.django_db(transaction=True)
def test_the_scan_in_several_processes_finds_what_one_process_finds(facility):
    _base(facility)
    one = services.duplicate_scan(processes=1)
    found_once = set(DuplicateCandidate.objects.values_list("identity_a", "identity_b", "score"))
    DuplicateCandidate.objects.all().delete()
    two = services.duplicate_scan(processes=2)
    assert set(DuplicateCandidate.objects.values_list("identity_a", "identity_b", "score")) == found_once
    assert (two.pairs_scored, two.candidates_found) == (one.pairs_scored, one.candidates_found) != (0, 0)
    assert two.state == ScanRun.State.DONE


@pytest.mark.django_db(transaction=True)
def test_a_first_bulk_keying_rebuilds_the_key_indexes(facility, monkeypatch):
    from django.db import connection

    from vigilance import records

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are dropped and rebuilt around COPY on PostgreSQL only")
    monkeypatch.setattr(records, "_BULK", 1)  # any base counts as bulk-loaded
    _base(facility)
    assert records.index_missing(processes=2) == 7
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, MatchKey._meta.db_table))
    assert {"matchkey_key", "matchkey_bucket_key"} <= names
    assert MatchKey.objects.filter(identity__source_id="P1").count() == len(
        services.blocking_keys(services.prepare(records.record_of(PatientIdentity.objects.get(source_id="P1")))))
