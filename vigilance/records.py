"""From the register to the engine: identities read as plain matching records, keys kept in the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from identities.models import PatientIdentity
from vigilance.matching import Parameters, Prepared, Record, blocking_keys, bucket_of, prepare
from vigilance.models import MatchingParameters, MatchKey

# Column names in the order of Record's fields; "ins" is the INS matricule.
COLUMNS = ("id", "birth_name", "first_names", "first_name", "birth_date", "sex", "birth_place", "used_name",
           "used_first_name", "nir", "ins_matricule", "address", "postcode", "city")
_CHUNK = 5000


def record_of(identity: PatientIdentity) -> Record:
    return Record(identity.pk or 0, *(getattr(identity, c) or "" for c in COLUMNS[1:]))


def prepared_by_id(ids: Iterable[int]) -> dict[int, Prepared]:
    """Active identities among `ids`, prepared for comparison."""
    ids = list(ids)
    out: dict[int, Prepared] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = PatientIdentity.objects.filter(pk__in=ids[start:start + _CHUNK], is_active=True).values_list(*COLUMNS)
        out.update((row[0], prepare(Record(row[0], *(v or "" for v in row[1:])))) for row in rows)
    return out


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


def index_missing(batch: int = 20000) -> int:
    """Index active identities that have no key yet (bulk loads, imports that bypass services)."""
    done, last = 0, 0
    # NOT EXISTS, walked by id: PostgreSQL answers each batch from the indexes instead of joining all keys.
    missing = PatientIdentity.objects.filter(~Exists(MatchKey.objects.filter(identity=OuterRef("pk"))),
                                             is_active=True)
    while True:
        rows = list(missing.filter(pk__gt=last).order_by("pk").values_list(*COLUMNS)[:batch])
        if not rows:
            return done
        _keys_write([(row[0], prepare(Record(row[0], *(v or "" for v in row[1:])))) for row in rows])
        done, last = done + len(rows), rows[-1][0]


def _keys_write(prepared: list[tuple[int, Prepared]]) -> None:
    if connection.vendor != "postgresql":
        MatchKey.objects.bulk_create([row for i, p in prepared for row in keys_rows(i, p)], batch_size=5000,
                                     ignore_conflicts=True)
        return
    # COPY: a first scan of a bulk-loaded base writes about ten keys per identity.
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {MatchKey._meta.db_table} (identity_id, key, bucket) FROM STDIN") as copy:
        for i, p in prepared:
            for key in blocking_keys(p):
                copy.write_row((i, key, bucket_of(key)))


def parameters() -> Parameters:
    row = MatchingParameters.objects.filter(pk=1).first()
    return Parameters.from_dict(row.data) if row and row.data else Parameters()
