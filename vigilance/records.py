"""From the register to the engine: identities read as plain matching records, keys kept in the database."""

from __future__ import annotations

import gc
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

import numpy as np
from asgiref.local import Local
from django.db import connection, connections, transaction
from django.db.models import Exists, Max, Min, OuterRef

from identities.models import PatientIdentity
from vigilance.matching import MAX_BLOCK, Parameters, Prepared, Record, Table, blocking_keys, bucket_of, prepare
from vigilance.models import MatchingParameters, MatchKey

# Column names in the order of Record's fields; "ins" is the INS matricule.
COLUMNS = ("id", "birth_name", "first_names", "first_name", "birth_date", "sex", "birth_place", "used_name",
           "used_first_name", "nir", "ins_matricule", "address", "postcode", "city")
_CHUNK = 5000


def record_of(identity: PatientIdentity) -> Record:
    return Record(identity.pk or 0, *(getattr(identity, c) or "" for c in COLUMNS[1:]))


def _record(row: tuple) -> Record:
    return Record(row[0], *(v or "" for v in row[1:]))


def _active_rows(ids: Iterable[int]) -> Iterator[tuple]:
    """The matching columns of the active identities among `ids`, in id order."""
    ids = sorted(ids)
    rows = PatientIdentity.objects.filter(is_active=True).order_by("pk").values_list(*COLUMNS)
    for start in range(0, len(ids), _CHUNK):
        yield from rows.filter(pk__in=ids[start:start + _CHUNK])


def records_by_id(ids: Iterable[int]) -> dict[int, Record]:
    """Active identities among `ids`, as matching records."""
    return {row[0]: _record(row) for row in _active_rows(ids)}


def prepared_by_id(ids: Iterable[int]) -> dict[int, Prepared]:
    """Active identities among `ids`, prepared for their blocking keys."""
    return {i: prepare(r) for i, r in records_by_id(ids).items()}


def table_of(ids: Iterable[int] | None = None, processes: int = 1) -> Table:
    """Active identities (all of them, or those among `ids`) as a comparison table in id order.

    With `processes` > 1, the forms of distinct names are computed in that many processes.
    """
    if ids is not None:
        return Table.of_rows(list(_active_rows(ids)))
    rows = PatientIdentity.objects.filter(is_active=True).order_by("pk").values_list(*COLUMNS)
    rows = list(rows.iterator(chunk_size=20000))
    pool = worker_pool(processes)
    if pool is None:
        return Table.of_rows(rows)
    with pool:
        return Table.of_rows(rows, starmap=partial(pool.starmap, chunksize=5000))


def keys_rows(identity_id: int, p: Prepared) -> Iterator[MatchKey]:
    for key in blocking_keys(p):
        yield MatchKey(identity_id=identity_id, key=key, bucket=bucket_of(key))


@transaction.atomic
def identity_index(identity_ids: Iterable[int]) -> None:
    """Recompute the blocking keys of these identities (inactive ones lose theirs)."""
    ids = list(identity_ids)
    MatchKey.objects.filter(identity_id__in=ids).delete()
    prepared = prepared_by_id(ids)
    MatchKey.objects.bulk_create([row for i, p in prepared.items() for row in keys_rows(i, p)], batch_size=2000)


def block_members(bucket: int | None = None, kinds: frozenset[str] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members of the keys (of a bucket, of some kinds) shared by 2 to MAX_BLOCK identities, one row each:
    block number, identity id, the key's kind (its letter).

    A key shared by more (a common name in a big town) says nothing: the other keys cover its pairs.
    """
    letters = sorted(kinds) if kinds is not None else None
    if connection.vendor != "postgresql":
        return _block_members_in_python(bucket, letters)
    where = " AND ".join(["TRUE", *(["bucket = %s"] if bucket is not None else []),
                          *(["left(key, 1) = ANY(%s)"] if letters else [])])
    args = [*([bucket] if bucket is not None else []), *([letters] if letters else []), MAX_BLOCK]
    # Grouped in the database and copied out in binary: most keys belong to one identity and never leave
    # it, and a million blocks arrive as one buffer rather than a million Python lists.
    query = (f"SELECT n::int4, ascii(kind)::int4, unnest(ids)::int8 FROM (SELECT row_number() OVER () AS n, "
             f"left(key, 1) AS kind, array_agg(identity_id) AS ids FROM {MatchKey._meta.db_table} WHERE {where} "
             "GROUP BY key HAVING count(*) BETWEEN 2 AND %s) AS blocks")
    # (A larger work_mem was measured slower: 15 s against 10 s for 10.8 M keys, spilling batches to disk.)
    data = bytearray()
    with transaction.atomic(), connection.cursor() as cursor:
        if bucket is None:  # the whole table: walking the key index in key order took 34 s against 10 s
            cursor.execute("SET LOCAL enable_indexscan = off")
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)", args) as copy:
            for chunk in copy:
                data += chunk
    rows = np.frombuffer(bytes(data[_COPY_HEADER:-_COPY_TRAILER]), dtype=_MEMBER_ROW)
    return rows["block"], rows["id"], rows["kind"].astype(np.uint8).view("S1").astype(str)


# PostgreSQL's binary COPY: a 19-byte header, rows of (field count, then length and value of each field), a
# 2-byte trailer; integers big-endian.
_COPY_HEADER, _COPY_TRAILER = 19, 2
_MEMBER_ROW = np.dtype([("fields", ">i2"), ("_1", ">i4"), ("block", ">i4"), ("_2", ">i4"), ("kind", ">i4"),
                        ("_3", ">i4"), ("id", ">i8")])


def _block_members_in_python(bucket: int | None, letters: list[str] | None
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys = MatchKey.objects.all() if bucket is None else MatchKey.objects.filter(bucket=bucket)
    blocks: dict[str, list[int]] = defaultdict(list)
    for key, identity_id in keys.values_list("key", "identity_id").iterator(chunk_size=20000):
        if letters is None or key[0] in letters:
            blocks[key].append(identity_id)
    kept = [(key, ids) for key, ids in blocks.items() if 2 <= len(ids) <= MAX_BLOCK]
    return (np.array([n for n, (_, ids) in enumerate(kept) for _ in ids], np.int64),
            np.array([i for _, ids in kept for i in ids], np.int64),
            np.array([key[0] for key, ids in kept for _ in ids], dtype="<U1"))


def identities_key(identities: Iterable[PatientIdentity]) -> None:
    """Keys of identities just written in bulk (an import's batch), without reading them back."""
    _keys_write([(identity.pk, prepare(record_of(identity))) for identity in identities])


def worker_pool(processes: int):
    """A pool of forked processes for bulk work, or None when work must stay in this process.

    Only on PostgreSQL (each child opens its own connection; an in-memory SQLite base would not
    be shared), outside a transaction (children would not see its rows) and outside a daemon
    process: a Celery worker cannot fork, its tasks split the work.
    """
    if processes < 2 or connection.vendor != "postgresql" or connection.in_atomic_block \
            or multiprocessing.current_process().daemon:
        return None
    connections.close_all()  # a forked child must not share the parent's socket
    return multiprocessing.get_context("fork").Pool(processes, initializer=_child_start)


_inherited: list = []  # in a forked child: the parent's connection objects, kept so they are never finalized


def _child_start() -> None:
    """A forked child opens connections of its own: one inherited from a thread or context the parent could
    not close shares the parent's socket (seen after browser tests, whose event loop holds a context).
    What it inherited is frozen: collections walk only its own work."""
    _inherited.append(connections._connections)
    connections._connections = Local(connections.thread_critical)
    gc.freeze()


def index_missing(batch: int = 20000, processes: int = 1) -> int:
    """Index active identities that have no key yet (bulk loads, imports that bypass services).

    Preparing names is CPU work (tens of microseconds an identity): with `processes` > 1 id ranges
    are keyed in parallel.
    """
    bounds = PatientIdentity.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    with _key_indexes_built_after(_first_indexing(bounds)):
        pool = worker_pool(processes) if bounds["lo"] is not None else None
        if pool is None:
            return _index_range(0, None, batch)
        step = (bounds["hi"] - bounds["lo"]) // processes + 1
        ranges = [(bounds["lo"] + n * step - 1, bounds["lo"] + (n + 1) * step - 1, batch) for n in range(processes)]
        with pool:
            done = sum(pool.starmap(_index_range_child, ranges))
            pool.close()
            pool.join()
        return done


_BULK = 100_000  # from this many identities without any key, the key indexes are built after the COPY


def _first_indexing(bounds: dict) -> bool:
    """A large bulk-loaded base that no scan has keyed yet (ids span is a cheap upper bound of its size)."""
    return (connection.vendor == "postgresql" and not connection.in_atomic_block and bounds["lo"] is not None
            and bounds["hi"] - bounds["lo"] >= _BULK and not MatchKey.objects.exists()
            and PatientIdentity.objects.count() >= _BULK)


@contextmanager
def _key_indexes_built_after(drop: bool):
    """Drop the two indexes on the key text and the foreign key while about ten keys per identity are
    copied, then build them again (PostgreSQL's advice for populating a table).

    Ten million inserts in random key order cost far more than one sorted build of each index, and
    the foreign key checks each copied row on its own (10 s for 3 M keys) where validating it after
    is one join. Until they are back, a real-time look-up by key reads the whole table: only the
    first keying of a bulk-loaded base does this.
    """
    if not drop:
        yield
        return
    indexes = [i for i in MatchKey._meta.indexes if "key" in i.fields]
    table, foreign_key = MatchKey._meta.db_table, _foreign_key_name()
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(MatchKey, index)
        editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {foreign_key}")
    try:
        yield
    finally:
        target = PatientIdentity._meta
        with connection.schema_editor() as editor:
            editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {foreign_key} FOREIGN KEY (identity_id) REFERENCES "
                           f"{target.db_table} ({target.pk.column}) DEFERRABLE INITIALLY DEFERRED NOT VALID")
            editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {foreign_key}")
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")  # plans for the real-time look-ups and the scan's reads
        names = [index.name for index in indexes]
        pool = worker_pool(len(names))
        if pool is None:
            for name in names:
                _index_add(name)
        else:
            with pool:  # one index per process: each build is mostly one sort
                pool.map(_index_add, names)


def _foreign_key_name() -> str:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, MatchKey._meta.db_table)
    return next(name for name, c in constraints.items() if c["foreign_key"] and c["columns"] == ["identity_id"])


def _index_add(name: str) -> None:
    try:
        with connection.schema_editor() as editor:
            editor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sort in memory, not in temporary files
            editor.add_index(MatchKey, next(i for i in MatchKey._meta.indexes if i.name == name))
    finally:
        connection.close()


def _index_range_child(after: int, until: int, batch: int) -> int:
    try:
        return _index_range(after, until, batch)
    finally:
        connection.close()


def _index_range(after: int, until: int | None, batch: int) -> int:
    """Key the identities without keys whose id is in (after, until], batch after batch (each one committed)."""
    done, last = 0, after
    # NOT EXISTS, walked by id: PostgreSQL answers each batch from the indexes instead of joining all keys.
    missing = PatientIdentity.objects.filter(~Exists(MatchKey.objects.filter(identity=OuterRef("pk"))),
                                             is_active=True)
    if until is not None:
        missing = missing.filter(pk__lte=until)
    while True:
        rows = list(missing.filter(pk__gt=last).order_by("pk").values_list(*COLUMNS)[:batch])
        if not rows:
            return done
        _keys_write([(row[0], prepare(_record(row))) for row in rows])
        done, last = done + len(rows), rows[-1][0]


def _keys_write(prepared: list[tuple[int, Prepared]]) -> None:
    if connection.vendor != "postgresql":
        MatchKey.objects.bulk_create([row for i, p in prepared for row in keys_rows(i, p)], batch_size=5000,
                                     ignore_conflicts=True)
        return
    # COPY of one text buffer: a first scan of a bulk-loaded base writes about ten keys per identity.
    rows = "".join(f"{i}\t{_copy_text(key)}\t{bucket_of(key)}\n" for i, p in prepared for key in blocking_keys(p))
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {MatchKey._meta.db_table} (identity_id, key, bucket) FROM STDIN") as copy:
        copy.write(rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A value in COPY's text format: its separators and escape character escaped."""
    return value.translate(_COPY_ESCAPES)


def parameters() -> Parameters:
    row = MatchingParameters.objects.filter(pk=1).first()
    return Parameters.from_dict(row.data) if row and row.data else Parameters()
