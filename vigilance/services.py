"""Duplicate detection and decisions: real time for one identity, full scans by blocks, CIV decisions.

Writes follow the identities services: keyword-only arguments, the acting
user, and the IdentityEvent in the same transaction. Logs carry ids and
counts, never traits.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from identities.models import IdentityEvent, PatientIdentity
from identities.rules.coherence import nir_trait_warnings
from identities.rules.nir import NirError, parse_nir
from identities.services.identities import event_record
from vigilance.matching import (
    BUCKETS,
    LINK_MIN,
    MAX_BLOCK,
    MAX_GROUP,
    TRAIT_KEYS,
    WORKLIST_THRESHOLD,
    Observation,
    Parameters,
    Prepared,
    Record,
    Score,
    Table,
    block_pairs,
    blocking_keys,
    estimate,
    kinded_pairs,
    linked_pairs,
    linked_score,
    observations,
    prepare,
    random_vectors,
    score_pair,
    score_pairs,
)
from vigilance.models import (
    CandidateState,
    CollisionSignal,
    DuplicateCandidate,
    MatchingParameters,
    MatchKey,
    ScanRun,
)
from vigilance.records import (
    block_members,
    identity_index,
    index_missing,
    parameters,
    record_of,
    records_by_id,
    table_of,
    worker_pool,
)

logger = logging.getLogger(__name__)
_ESTIMATION_PAIRS = 300_000
_RANDOM_SAMPLE, _RANDOM_PAIRS = 5_000, 100_000  # u from random pairs of a random sample
_CHUNK_PAIRS = 500_000  # pairs compared at once: bounds the memory of the level arrays
_MIN_ESTIMATION_PAIRS = 2_000  # below this, EM has too little to learn from: keep the priors
_FAR_EDIT = 0.01  # below this probability, old and new traits look like two different persons


@dataclass(frozen=True)
class ScoredPair:
    a: int
    b: int
    score: Score


def _reasons_json(score: Score) -> list[dict[str, object]]:
    return [{"field": r.field, "level": r.level, "weight": round(r.weight, 2)} for r in score.reasons]


def _priority(score: Score) -> int:
    return 1 if score.probability >= 0.999 else 2 if score.probability >= 0.98 else 3


def candidate_ids_for_keys(keys: list[str], exclude: int | None = None) -> set[int]:
    """Identities sharing a key, skipping keys too common to mean anything."""
    members: dict[str, list[int]] = defaultdict(list)
    for key, identity_id in MatchKey.objects.filter(key__in=keys).values_list("key", "identity_id"):
        members[key].append(identity_id)
    return {i for ids in members.values() if len(ids) <= MAX_BLOCK for i in ids if i != exclude}


def score_against(p: Prepared, *, exclude: int | None = None, params: Parameters | None = None
                  ) -> list[tuple[Record, Score]]:
    """Score one prepared record against the active identities sharing a blocking key, best first."""
    others = list(records_by_id(candidate_ids_for_keys(blocking_keys(p), exclude)).values())
    table = Table.of([p.record, *others])
    scored = score_pairs(table, np.zeros(len(others), np.int64), np.arange(1, len(others) + 1),
                         params or parameters())
    return sorted(((others[k], score) for k, score in scored), key=lambda pair: -pair[1].weight)


def candidates_for_identity(*, identity: PatientIdentity, record: bool = True,
                            params: Parameters | None = None) -> list[ScoredPair]:
    """Real-time detection: pairs of this identity at or above the worklist threshold (recorded if asked).

    Recorded, a strong pair also brings the pairs it links through other identities (`link_groups`).
    """
    found = [ScoredPair(*sorted((identity.pk, o.id)), s)
             for o, s in score_against(prepare(record_of(identity)), exclude=identity.pk, params=params)
             if s.probability >= WORKLIST_THRESHOLD]
    if record:
        record_candidates(found)
        if any(p.score.probability >= LINK_MIN for p in found):
            found += link_groups([identity.pk], params=params)
    return found


def record_candidates(pairs: Iterable[ScoredPair], scan_id: int | None = None) -> int:
    """Put new pairs on the worklist and refresh the score of open ones; decided pairs stay as decided."""
    pairs = sorted(pairs, key=lambda p: (p.a, p.b))  # one lock order: blocks of one scan upsert concurrently
    if not pairs:
        return 0
    decided = set(DuplicateCandidate.objects.filter(identity_a__in={p.a for p in pairs})
                  .exclude(state=CandidateState.OPEN).values_list("identity_a", "identity_b"))
    rows = [DuplicateCandidate(identity_a_id=p.a, identity_b_id=p.b, score=p.score.probability,
                               weight=p.score.weight, reasons=_reasons_json(p.score), priority=_priority(p.score),
                               found_by_scan_id=scan_id)
            for p in pairs if (p.a, p.b) not in decided]
    DuplicateCandidate.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                                           unique_fields=["identity_a", "identity_b"],
                                           update_fields=["score", "weight", "reasons", "priority",
                                                          *(["found_by_scan"] if scan_id else [])])
    return len(rows)


def _strong_links(around: Iterable[int] | None) -> dict[tuple[int, int], float]:
    """Open pairs of active identities at or above LINK_MIN: all of them, or the groups of `around`."""
    links = (DuplicateCandidate.objects.filter(state=CandidateState.OPEN, score__gte=LINK_MIN,
                                               identity_a__is_active=True, identity_b__is_active=True)
             .values_list("identity_a", "identity_b", "score"))
    if around is None:
        return {(a, b): p for a, b, p in links.iterator(chunk_size=20000)}
    found: dict[tuple[int, int], float] = {}
    members, frontier = set(around), set(around)
    while frontier and len(members) <= MAX_GROUP:  # one query per step away from the seeds
        step = links.filter(Q(identity_a__in=frontier) | Q(identity_b__in=frontier))
        found.update(((a, b), p) for a, b, p in step)
        frontier = {i for pair in found for i in pair} - members
        members |= frontier
    return found


def link_groups(around: Iterable[int] | None = None, *, params: Parameters | None = None,
                scan_id: int | None = None) -> list[ScoredPair]:
    """Record the pairs linked through other identities by strong pairs (matching.clusters), never a decided one.

    Without `around`, every group of the worklist (end of a full scan); with it, the groups of those identities.
    """
    linked = [(a, b, path) for a, b, path in linked_pairs(_strong_links(around))]
    if not linked:
        return []
    known = set(DuplicateCandidate.objects.filter(identity_a__in={a for a, _, _ in linked})
                .values_list("identity_a", "identity_b"))
    linked = [(a, b, path) for a, b, path in linked if (a, b) not in known]
    if not linked:
        return []
    table = table_of({i for a, b, _ in linked for i in (a, b)})
    a, b, paths = (np.array(column) for column in zip(*linked, strict=True))
    kept = np.flatnonzero(table.has(a) & table.has(b))
    params = params or parameters()
    found = [ScoredPair(int(a[kept[k]]), int(b[kept[k]]), score) for k, direct in
             score_pairs(table, table.rows(a[kept]), table.rows(b[kept]), params)
             for score in [linked_score(direct, float(paths[kept[k]]), params)]
             if score.probability >= WORKLIST_THRESHOLD]
    record_candidates(found, scan_id)
    return found


# --- Full scan -----------------------------------------------------------------------------------------------


def scan_start(*, acting_user=None, table: Table | None = None) -> ScanRun:
    """Index identities that lack keys, estimate m/u unless overridden; `table`: the whole base, if loaded."""
    if table is None:
        index_missing()
    run = ScanRun.objects.create(blocks_total=BUCKETS, started_by=acting_user)
    row, _ = MatchingParameters.objects.get_or_create(pk=1)
    if not row.overridden:
        params, pairs = _estimate(table)
        row.data, row.pairs_used, row.estimated_at = params.as_dict(), pairs, timezone.now()
        row.save()
    logger.info("duplicate scan %s started", run.pk)
    return run


def _rows(table: Table | None, a: np.ndarray, b: np.ndarray) -> tuple[Table, np.ndarray, np.ndarray, np.ndarray]:
    """The table of the pairs' identities (loaded unless given), their rows, and which pairs are both active."""
    table = table if table is not None else table_of(np.union1d(a, b).tolist())
    kept = np.flatnonzero(table.has(a) & table.has(b))
    return table, table.rows(a[kept]), table.rows(b[kept]), kept


def _random_sample(size: int, seed: int = 1) -> Table:
    """About `size` random active identities, drawn by id (no ORDER BY random() over the whole table)."""
    bounds = PatientIdentity.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return table_of([])
    ids = range(bounds["lo"], bounds["hi"] + 1)
    return table_of(random.Random(seed).sample(ids, min(size, len(ids))))


def _estimate(table: Table | None = None) -> tuple[Parameters, int]:
    """EM on blocked pairs sharing a trait key (m, lambda), u from random pairs, from enough buckets.

    Only the trait-key blocks are read: they are small, so estimation costs little even on a large base.
    """
    observed: Counter[Observation] = Counter()
    scanned = 0
    for bucket in range(BUCKETS):
        a, b, kinds = kinded_pairs(*block_members(bucket, TRAIT_KEYS))
        bucket_table, ia, ib, kept = _rows(table, a, b)
        observed.update(observations(bucket_table, ia, ib, [kinds[k] for k in kept.tolist()]))
        scanned += 1
        if observed.total() >= _ESTIMATION_PAIRS:
            break
    if observed.total() < _MIN_ESTIMATION_PAIRS:
        return Parameters(), observed.total()
    count = PatientIdentity.objects.active().count()
    # Pairs seen in `scanned` buckets stand for that share of all pairs.
    total_pairs = int(count * (count - 1) / 2 * scanned / BUCKETS)
    u_pairs = random_vectors(_random_sample(_RANDOM_SAMPLE), _RANDOM_PAIRS)
    return estimate(observed, u_pairs, total_pairs), observed.total()


def scan_block(*, run_id: int, bucket: int, params: Parameters | None = None) -> list[ScoredPair]:
    """Score the pairs of one bucket of keys (a Celery task); the last block closes the run.

    A pair sharing keys of two buckets is scored in both (a few percent of pairs): recording is idempotent.
    """
    a, b = block_pairs(*block_members(bucket)[:2])
    return _scan_pairs(run_id, a, b, params or parameters())


def _scan_pairs(run_id: int, a: np.ndarray, b: np.ndarray, params: Parameters, table: Table | None = None
                ) -> list[ScoredPair]:
    """Score pairs of identity ids and record the candidates: one block of a scan, closing it if the last."""
    table, ia, ib, kept = _rows(table, a, b)
    found = []
    for start in range(0, len(kept), _CHUNK_PAIRS):
        chunk = slice(start, start + _CHUNK_PAIRS)
        found += [ScoredPair(int(a[kept[start + k]]), int(b[kept[start + k]]), score) for k, score
                  in score_pairs(table, ia[chunk], ib[chunk], params, WORKLIST_THRESHOLD)]
    record_candidates(found, run_id)
    ScanRun.objects.filter(pk=run_id).update(blocks_done=F("blocks_done") + 1,
                                             pairs_scored=F("pairs_scored") + len(kept))
    if ScanRun.objects.filter(pk=run_id, blocks_done__gte=F("blocks_total"), state=ScanRun.State.RUNNING).exists():
        found += _scan_finish(run_id, params)
    return found


def _scan_finish(run_id: int, params: Parameters) -> list[ScoredPair]:
    """After the last block: the pairs linked through other identities, then the run is done (once)."""
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(pk=run_id)
        if run.state != ScanRun.State.RUNNING:
            return []
        linked = link_groups(params=params, scan_id=run_id)
        ScanRun.objects.filter(pk=run_id).update(candidates_found=run.candidates.count(),
                                                 state=ScanRun.State.DONE, finished_at=timezone.now())
    return linked


def duplicate_scan(*, acting_user=None, progress: Callable[[int, int], None] | None = None,
                   processes: int = 1) -> ScanRun:
    """The whole scan from this process (the command; Celery splits it in tasks by bucket of keys).

    The base is loaded once as a comparison table and every block is read in one pass, so each
    pair is scored once; with `processes` > 1 on PostgreSQL, slices of the pairs are scored in
    that many forked processes, which share the table and the pairs.
    """
    clock = _Clock()
    index_missing(processes=processes)
    clock.lap("keys")
    table = table_of(processes=processes)
    clock.lap("table")
    run = scan_start(acting_user=acting_user, table=table)
    clock.lap("estimation")
    a, b = block_pairs(*block_members()[:2])
    clock.lap("pairs")
    slices = [slice(start, start + _SLICE_PAIRS) for start in range(0, len(a), _SLICE_PAIRS)] or [slice(0, 0)]
    ScanRun.objects.filter(pk=run.pk).update(blocks_total=len(slices))
    _worker_state.update(run_id=run.pk, params=parameters(), table=table, a=a, b=b)
    pool = worker_pool(processes)
    with pool or nullcontext():
        for done, _ in enumerate(pool.imap_unordered(_scan_slice, slices) if pool else map(_scan_slice, slices),
                                 start=1):
            if progress:
                progress(done, len(slices))
    _worker_state.clear()
    clock.lap("scoring")
    run.refresh_from_db()
    logger.info("duplicate scan %s done: %d pairs scored, %d candidates (seconds: %s)", run.pk, run.pairs_scored,
                run.candidates_found, clock)
    return run


class _Clock:
    """Seconds spent in each step of a scan, for its log line."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps[step], self.last = round(now - self.last, 1), now

    def __str__(self) -> str:
        return ", ".join(f"{step} {seconds}" for step, seconds in self.steps.items())


_SLICE_PAIRS = 1_000_000  # pairs per block of the command's scan: its progress step
# What the slices of a scan share in one process (inherited by forked children): the parameters, whose
# scores are memoised per comparison vector, the table of the whole base and the pairs.
_worker_state: dict = {}


def _scan_slice(part: slice) -> int:
    state = _worker_state
    return len(_scan_pairs(state["run_id"], state["a"][part], state["b"][part], state["params"], state["table"]))


# --- Decisions -----------------------------------------------------------------------------------------------


def _decide(candidate: DuplicateCandidate, state: str, acting_user, reason: str, kind: str) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    candidate.state, candidate.decided_by, candidate.decided_at = state, acting_user, timezone.now()
    candidate.decision_reason = reason
    candidate.save()
    for identity_id, other in ((candidate.identity_a_id, candidate.identity_b_id),
                               (candidate.identity_b_id, candidate.identity_a_id)):
        event_record(identity=PatientIdentity(pk=identity_id), kind=kind, actor=acting_user, reason=reason,
                     other_identity=other, candidate=candidate.pk)
    return candidate


@transaction.atomic
def duplicate_candidate_dismiss(*, candidate: DuplicateCandidate, acting_user=None, reason: str = ""
                                ) -> DuplicateCandidate:
    """"Not a duplicate": the pair stays recorded as such and is never proposed again."""
    return _decide(candidate, CandidateState.DISMISSED, acting_user, reason, IdentityEvent.Kind.DUPLICATE_DISMISSED)


@transaction.atomic
def duplicate_candidate_flag_collision(*, candidate: DuplicateCandidate, acting_user=None, reason: str = ""
                                       ) -> DuplicateCandidate:
    """The pair is not one person in two records but records mixing persons: a collision to resolve."""
    return _decide(candidate, CandidateState.COLLISION, acting_user, reason, IdentityEvent.Kind.COLLISION_FLAGGED)


@transaction.atomic
def duplicate_candidate_assign(*, candidate: DuplicateCandidate, owner, acting_user=None) -> DuplicateCandidate:
    candidate.owner = owner
    candidate.save(update_fields=["owner", "updated_at"])
    return candidate


# --- Collision signals -------------------------------------------------------------------------------------


def _signal(identity: PatientIdentity, kind: str, other: PatientIdentity | None = None, **details: object) -> bool:
    """Record an open signal unless the same one is already open; True when recorded."""
    _, created = CollisionSignal.objects.get_or_create(identity=identity, other=other, kind=kind, is_open=True,
                                                       defaults={"details": details})
    if created:
        event_record(identity=identity, kind=IdentityEvent.Kind.COLLISION_FLAGGED, signal=kind,
                     other_identity=other.pk if other else None)
    return created


def _trait_warnings(identity: PatientIdentity, value: str) -> list[str]:
    try:
        nir = parse_nir(value)
    except NirError:
        return []
    return nir_trait_warnings(nir, sex=identity.sex, birth_date=identity.birth_date,
                              birth_place=identity.birth_place)


@transaction.atomic
def collisions_for_identity(*, identity: PatientIdentity) -> list[str]:
    """Collision signals of one identity after a write; returns the kinds newly recorded."""
    found = []
    if identity.ins_matricule:
        same = PatientIdentity.objects.active().filter(ins_matricule=identity.ins_matricule).exclude(pk=identity.pk)
        found += [CollisionSignal.Kind.SAME_INS for other in same
                  if _signal(identity, CollisionSignal.Kind.SAME_INS, other)]
        warnings = _trait_warnings(identity, identity.ins_matricule)
        if warnings and _signal(identity, CollisionSignal.Kind.INS_TRAITS, warnings=warnings):
            found.append(CollisionSignal.Kind.INS_TRAITS)
    if identity.nir and identity.nir != identity.ins_matricule:
        warnings = _trait_warnings(identity, identity.nir)
        if warnings and _signal(identity, CollisionSignal.Kind.NIR_TRAITS, warnings=warnings):
            found.append(CollisionSignal.Kind.NIR_TRAITS)
    previous = _previous_traits(identity)
    if previous is not None:
        score = score_pair(previous, record_of(identity), parameters())
        if score.probability < _FAR_EDIT and _signal(identity, CollisionSignal.Kind.FAR_EDIT,
                                                     reasons=[r.code for r in score.reasons]):
            found.append(CollisionSignal.Kind.FAR_EDIT)
    return found


def _previous_traits(identity: PatientIdentity):
    """The traits before the last change, from the identity's history (None for a new identity)."""
    versions = list(identity.history.order_by("-history_date", "-history_id")[:2])
    if len(versions) < 2:
        return None
    return record_of(versions[1].instance)


def detect_for_identities(identity_ids: Iterable[int]) -> None:
    """After a write: refresh keys, find duplicate candidates and collision signals (task body)."""
    ids = list(identity_ids)
    identity_index(ids)
    for identity in PatientIdentity.objects.filter(pk__in=ids, is_active=True):
        candidates_for_identity(identity=identity)
        collisions_for_identity(identity=identity)
    logger.info("real-time detection done for %d identities", len(ids))
