"""Duplicate detection and decisions: real time for one identity, full scans by blocks, CIV decisions.

Writes follow the identities services: keyword-only arguments, the acting
user, and the IdentityEvent in the same transaction. Logs carry ids and
counts, never traits.
"""

from __future__ import annotations

import logging
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
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
    WORKLIST_THRESHOLD,
    Parameters,
    Prepared,
    Score,
    block_pairs,
    blocking_keys,
    estimate,
    linked_pairs,
    linked_score,
    observe,
    prepare,
    random_vectors,
    score_pair,
)
from vigilance.matching.blocking import TRAIT_KEYS
from vigilance.matching.model import Observation
from vigilance.models import (
    CandidateState,
    CollisionSignal,
    DuplicateCandidate,
    MatchingParameters,
    MatchKey,
    ScanRun,
)
from vigilance.records import identity_index, index_missing, parameters, prepared_by_id, record_of, worker_pool

logger = logging.getLogger(__name__)
_ESTIMATION_PAIRS = 300_000
_RANDOM_SAMPLE, _RANDOM_PAIRS = 5_000, 100_000  # u from random pairs of a random sample
_CACHE_MAX = 400_000  # prepared identities kept between buckets (about 1 KiB each)
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
                  ) -> list[tuple[Prepared, Score]]:
    """Score one prepared record against the active identities sharing a blocking key, best first."""
    params = params or parameters()
    others = prepared_by_id(candidate_ids_for_keys(blocking_keys(p), exclude))
    scored = [(o, score_pair(p, o, params)) for o in others.values()]
    return sorted(scored, key=lambda pair: -pair[1].weight)


def candidates_for_identity(*, identity: PatientIdentity, record: bool = True,
                            params: Parameters | None = None) -> list[ScoredPair]:
    """Real-time detection: pairs of this identity at or above the worklist threshold (recorded if asked).

    Recorded, a strong pair also brings the pairs it links through other identities (`link_groups`).
    """
    found = [ScoredPair(*sorted((identity.pk, o.record.id)), s)
             for o, s in score_against(prepare(record_of(identity)), exclude=identity.pk, params=params)
             if s.probability >= WORKLIST_THRESHOLD]
    if record:
        record_candidates(found)
        if any(p.score.probability >= LINK_MIN for p in found):
            found += link_groups([identity.pk], params=params)
    return found


def record_candidates(pairs: Iterable[ScoredPair]) -> int:
    """Put new pairs on the worklist and refresh the score of open ones; decided pairs stay as decided."""
    pairs = list(pairs)
    if not pairs:
        return 0
    decided = set(DuplicateCandidate.objects.filter(identity_a__in={p.a for p in pairs})
                  .exclude(state=CandidateState.OPEN).values_list("identity_a", "identity_b"))
    rows = [DuplicateCandidate(identity_a_id=p.a, identity_b_id=p.b, score=p.score.probability,
                               weight=p.score.weight, reasons=_reasons_json(p.score), priority=_priority(p.score))
            for p in pairs if (p.a, p.b) not in decided]
    DuplicateCandidate.objects.bulk_create(rows, batch_size=2000, update_conflicts=True,
                                           unique_fields=["identity_a", "identity_b"],
                                           update_fields=["score", "weight", "reasons", "priority"])
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


def link_groups(around: Iterable[int] | None = None, *, params: Parameters | None = None) -> list[ScoredPair]:
    """Record the pairs linked through other identities by strong pairs (matching.clusters), never a decided one.

    Without `around`, every group of the worklist (end of a full scan); with it, the groups of those identities.
    """
    linked = [(a, b, path) for a, b, path in linked_pairs(_strong_links(around))]
    if not linked:
        return []
    known = set(DuplicateCandidate.objects.filter(identity_a__in={a for a, _, _ in linked})
                .values_list("identity_a", "identity_b"))
    linked = [(a, b, path) for a, b, path in linked if (a, b) not in known]
    prepared = prepared_by_id({i for a, b, _ in linked for i in (a, b)})
    params = params or parameters()
    found = [ScoredPair(a, b, score) for a, b, path in linked if a in prepared and b in prepared
             for score in [linked_score(score_pair(prepared[a], prepared[b], params), path, params)]
             if score.probability >= WORKLIST_THRESHOLD]
    record_candidates(found)
    return found


# --- Full scan -----------------------------------------------------------------------------------------------


def scan_start(*, acting_user=None, processes: int = 1) -> ScanRun:
    """Index identities that lack keys, note the oversized keys, estimate m/u unless overridden."""
    index_missing(processes=processes)
    oversized = list(MatchKey.objects.values("key").annotate(n=Count("id")).filter(n__gt=MAX_BLOCK)
                     .values_list("key", flat=True))
    run = ScanRun.objects.create(blocks_total=BUCKETS, started_by=acting_user)
    _oversized_cache[run.pk] = set(oversized)
    row, _ = MatchingParameters.objects.get_or_create(pk=1)
    if not row.overridden:
        params, pairs = _estimate(set(oversized), processes)
        row.data, row.pairs_used, row.estimated_at = params.as_dict(), pairs, timezone.now()
        row.save()
    logger.info("duplicate scan %s started: %d oversized keys", run.pk, len(oversized))
    return run


# Oversized keys per run, for blocks running in this process; other workers recompute them.
_oversized_cache: dict[int, set[str]] = {}


def _oversized(run_id: int) -> set[str]:
    if run_id not in _oversized_cache:
        _oversized_cache[run_id] = set(MatchKey.objects.values("key").annotate(n=Count("id"))
                                       .filter(n__gt=MAX_BLOCK).values_list("key", flat=True))
    return _oversized_cache[run_id]


def _blocks(bucket: int, skip: set[str]) -> dict[str, list[int]]:
    """The keys of a bucket shared by 2 to MAX_BLOCK identities, with their members."""
    if connection.vendor == "postgresql":
        # Grouped in the database: most keys belong to one identity and never reach Python.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key, array_agg(identity_id) FROM {MatchKey._meta.db_table} WHERE bucket = %s "
                           "GROUP BY key HAVING count(*) BETWEEN 2 AND %s", [bucket, MAX_BLOCK])
            return {key: ids for key, ids in cursor.fetchall() if key not in skip}
    blocks: dict[str, list[int]] = defaultdict(list)
    for key, identity_id in (MatchKey.objects.filter(bucket=bucket).order_by("key")
                             .values_list("key", "identity_id").iterator(chunk_size=20000)):
        blocks[key].append(identity_id)
    return {k: v for k, v in blocks.items() if 2 <= len(v) <= MAX_BLOCK and k not in skip}


# Prepared identities with their keys, kept between buckets: an identity is in the blocks of several.
_Cache = dict[int, tuple[Prepared, frozenset[str]]]


def _block_pairs(bucket: int, skip: set[str], cache: _Cache | None = None, kinds: frozenset[str] | None = None
                 ) -> tuple[list[tuple[int, int]], dict[int, Prepared]]:
    """Pairs owned by a bucket and their prepared records (taken from `cache` when given, which it fills).

    With `kinds`, only keys of those kinds count, for blocks and for which key owns a pair.
    """
    blocks = _blocks(bucket, skip)
    if kinds is not None:
        blocks = {key: ids for key, ids in blocks.items() if key[0] in kinds}
    members = {i for ids in blocks.values() for i in ids}
    cache = cache if cache is not None else {}
    cache.update((i, (p, frozenset(blocking_keys(p)))) for i, p in prepared_by_id(members - cache.keys()).items())
    keys_of = {i: cache[i][1] for i in members if i in cache}
    if kinds is not None:
        keys_of = {i: frozenset(k for k in keys if k[0] in kinds) for i, keys in keys_of.items()}
    pairs = [pair for key, ids in blocks.items()
             for pair in block_pairs(key, [i for i in ids if i in keys_of], keys_of, skip)]
    return pairs, {i: cache[i][0] for i in keys_of}


def _random_sample(size: int, seed: int = 1) -> list[Prepared]:
    """About `size` random active identities, drawn by id (no ORDER BY random() over the whole table)."""
    bounds = PatientIdentity.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    ids = range(bounds["lo"], bounds["hi"] + 1)
    return list(prepared_by_id(random.Random(seed).sample(ids, min(size, len(ids)))).values())


def _estimate(skip: set[str], processes: int = 1) -> tuple[Parameters, int]:
    """EM on blocked pairs sharing a trait key (m, lambda), u from random pairs, from enough buckets."""
    observations: Counter[Observation] = Counter()
    scanned = 0
    pool = worker_pool(processes)
    tasks = [(bucket, skip) for bucket in range(BUCKETS)]
    with pool or nullcontext():
        for found in (pool.imap(_observe_bucket, tasks) if pool else map(_observe_bucket, tasks)):
            observations.update(found)
            scanned += 1
            if observations.total() >= _ESTIMATION_PAIRS:
                break  # leaving the pool stops its unfinished buckets
    if observations.total() < _MIN_ESTIMATION_PAIRS:
        return Parameters(), observations.total()
    count = PatientIdentity.objects.active().count()
    # Pairs seen in `scanned` buckets stand for that share of all pairs.
    total_pairs = int(count * (count - 1) / 2 * scanned / BUCKETS)
    u_pairs = random_vectors(_random_sample(_RANDOM_SAMPLE), _RANDOM_PAIRS)
    return estimate(observations, u_pairs, total_pairs), observations.total()


def _observe_bucket(task: tuple[int, set[str]]) -> Counter[Observation]:
    """Comparison observations of a bucket's pairs sharing a trait key, each pair owned by its least trait key.

    Only the trait-key blocks are read: they are small, so estimation costs little even on a large base.
    """
    bucket, skip = task
    pairs, prepared = _block_pairs(bucket, skip, kinds=TRAIT_KEYS)
    return Counter(observe(prepared[a], prepared[b]) for a, b in pairs)


def scan_block(*, run_id: int, bucket: int, params: Parameters | None = None,
               cache: _Cache | None = None) -> list[ScoredPair]:
    """Score one bucket of keys and record its candidates; the last block closes the run."""
    params = params or parameters()
    pairs, prepared = _block_pairs(bucket, _oversized(run_id), cache)
    found = []
    for a, b in pairs:
        score = score_pair(prepared[a], prepared[b], params)
        if score.probability >= WORKLIST_THRESHOLD:
            found.append(ScoredPair(a, b, score))
    record_candidates(found)
    ScanRun.objects.filter(pk=run_id).update(blocks_done=F("blocks_done") + 1, pairs_scored=F("pairs_scored")
                                             + len(pairs), candidates_found=F("candidates_found") + len(found))
    if ScanRun.objects.filter(pk=run_id, blocks_done__gte=F("blocks_total"), state=ScanRun.State.RUNNING).exists():
        found += _scan_finish(run_id, params)
    return found


def _scan_finish(run_id: int, params: Parameters) -> list[ScoredPair]:
    """After the last block: the pairs linked through other identities, then the run is done (once)."""
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(pk=run_id)
        if run.state != ScanRun.State.RUNNING:
            return []
        linked = link_groups(params=params)
        ScanRun.objects.filter(pk=run_id).update(candidates_found=F("candidates_found") + len(linked),
                                                 state=ScanRun.State.DONE, finished_at=timezone.now())
    return linked


def duplicate_scan(*, acting_user=None, progress: Callable[[int], None] | None = None,
                   processes: int = 1) -> ScanRun:
    """The whole scan from this process (the command; Celery splits it in tasks).

    With `processes` > 1 on PostgreSQL, buckets are scored in that many forked processes: scoring
    pairs is pure Python, bound to one core per process.
    """
    run = scan_start(acting_user=acting_user, processes=processes)
    _worker_state.update(params=parameters(), cache={})
    pool = worker_pool(processes)
    if pool is None:
        for bucket in range(BUCKETS):
            _scan_block_in_worker((run.pk, bucket))
            if progress:
                progress(bucket + 1)
    else:
        with pool:
            for done, _ in enumerate(pool.imap_unordered(_scan_block_in_worker, [(run.pk, b) for b in range(BUCKETS)]),
                                     start=1):
                if progress:
                    progress(done)
            pool.close()
            pool.join()
    _worker_state.clear()
    run.refresh_from_db()
    logger.info("duplicate scan %s done: %d pairs scored, %d candidates", run.pk, run.pairs_scored,
                run.candidates_found)
    return run


# What a scan's blocks share in one process (inherited by forked children): the parameters, whose
# scores are memoised per comparison vector, and the prepared identities.
_worker_state: dict = {}


def _scan_block_in_worker(task: tuple[int, int]) -> int:
    run_id, bucket = task
    cache = _worker_state["cache"]
    if len(cache) > _CACHE_MAX:
        cache.clear()
    return len(scan_block(run_id=run_id, bucket=bucket, params=_worker_state["params"], cache=cache))


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
        score = score_pair(prepare(previous), prepare(record_of(identity)), parameters())
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
