"""CSV import of identities per the contract (architecture.md, "Identity CSV").

A bad row is not imported: it goes to the report with its line number and the
reason. Valid rows are written in batches, each batch in one transaction with
its history rows and events, so nothing half-written stays. Re-importing the
same file creates nothing twice: an IPP already known in the facility is skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history

from identities.csv_safety import csv_safe
from identities.models import ADMISSION_SERVICE_MAX, CollectionMethod, Facility, IdentityEvent, PatientIdentity
from identities.rules.identity import CleanIdentity, IdentityInvalid, clean_identity
from identities.rules.status import StatusFacts, derive_status
from identities.signals import identities_imported

CSV_COLUMNS = ("source_id", "birth_name", "first_names", "sex", "birth_date", "birth_place", "used_name",
               "used_first_name", "nir", "address", "postcode", "city")
BATCH_SIZE = 2000
CHANGE_REASON = "Import CSV"
MAX_FIELD = 10_000
# Optional extra column (the contract ignores unknown columns): the service that admitted the patient.
SERVICE_COLUMN = "admission_service"
csv.field_size_limit(MAX_FIELD * 10)


@dataclass(frozen=True)
class RefusedRow:
    line: int
    source_id: str
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    already_present: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (no header, no source_id column)."""


def _decoded_lines(raw: Iterable[bytes]) -> Iterator[str]:
    # surrogateescape keeps bytes that are not UTF-8 so that the row holding them is refused, not the file.
    for number, line in enumerate(raw):
        text = line.decode("utf-8", errors="surrogateescape")
        yield text.removeprefix("\ufeff") if number == 0 else text


def _row_problem(row: dict, header_len: int) -> str | None:
    if None in row:
        return f"trop de colonnes : {header_len + len(row[None])} au lieu de {header_len}"
    missing = [name for name, value in row.items() if value is None]
    if missing:
        return f"colonnes manquantes dans la ligne : {', '.join(missing)}"
    if any(len(value) > MAX_FIELD for value in row.values()):
        return f"un champ dépasse {MAX_FIELD} caractères"
    if any("\udc80" <= c <= "\udcff" for value in row.values() for c in value):
        return "caractères qui ne sont pas en UTF-8 : enregistrez le fichier en UTF-8"
    if not (row.get("source_id") or "").strip():
        return "source_id (IPP) manquant"
    if len((row.get(SERVICE_COLUMN) or "").strip()) > ADMISSION_SERVICE_MAX:
        return f"{SERVICE_COLUMN} : {ADMISSION_SERVICE_MAX} caractères au plus"
    return None


def _reason(exc: IdentityInvalid) -> str:
    return " ; ".join(f"{name} : {' '.join(messages)}" for name, messages in exc.errors.items())


def _new_identity(facility: Facility, source_id: str, clean: CleanIdentity, service: str) -> PatientIdentity:
    identity = PatientIdentity(facility=facility, source_id=source_id, collection_method=CollectionMethod.IMPORT,
                               admission_service=service, **clean.as_fields())
    identity.status = derive_status(StatusFacts(traits_from_insi=False, has_high_trust_proof=False))
    return identity


UNREADABLE_ROW = f"Ligne illisible : un champ dépasse {MAX_FIELD * 10} caractères ou le CSV est mal formé."


def _rows(reader: csv.DictReader) -> Iterator[dict | None]:
    """The file's rows; None for a row the csv module refuses (found by fuzzing: a 200 kB field crashed the import)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield None


def import_identities(raw: Iterable[bytes], *, facility: Facility, acting_user=None,
                      progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import identities from CSV bytes (one item per line). Raises ImportFileError for an unusable header."""
    reader = csv.DictReader(_decoded_lines(raw))
    try:
        header = reader.fieldnames or []
    except csv.Error:  # e.g. a stray carriage return inside the header (found by fuzzing)
        header = []
    if "source_id" not in header:
        raise ImportFileError("La première ligne doit être l'en-tête et contenir la colonne source_id "
                              f"(colonnes attendues : {', '.join(CSV_COLUMNS)}).")
    report, batch, seen = ImportReport(), [], set()
    previous_line = 1
    for row in _rows(reader):
        if row is None:  # unreadable by the csv module: refuse that line, go on with the next
            previous_line += 1
            report.refused.append(RefusedRow(previous_line, "", UNREADABLE_ROW))
            continue
        line, previous_line = previous_line + 1, reader.line_num
        source_id = (row.get("source_id") or "").strip()
        problem = _row_problem(row, len(header)) or ("IPP en double dans le fichier" if source_id in seen else None)
        if problem is None:
            try:
                clean, _warnings = clean_identity({k: v for k, v in row.items() if k in CSV_COLUMNS})
                service = (row.get(SERVICE_COLUMN) or "").strip()
                batch.append((line, _new_identity(facility, source_id, clean, service)))
                seen.add(source_id)
            except IdentityInvalid as exc:
                problem = _reason(exc)
        if problem:
            report.refused.append(RefusedRow(line, source_id[:64], problem))
        if len(batch) >= BATCH_SIZE:
            _write_batch(batch, facility, acting_user, report)
            batch = []
        if progress:
            progress(1)
    _write_batch(batch, facility, acting_user, report)
    return report


def _write_batch(batch: list[tuple[int, PatientIdentity]], facility, acting_user, report: ImportReport) -> None:
    if not batch:
        return
    known = set(PatientIdentity.objects.filter(facility=facility, source_id__in=[i.source_id for _, i in batch])
                .values_list("source_id", flat=True))
    new = [(line, identity) for line, identity in batch if identity.source_id not in known]
    report.already_present += len(batch) - len(new)
    try:
        _insert([identity for _, identity in new], acting_user, report)
    except IntegrityError:
        # Someone created one of these IPPs meanwhile: fall back to one transaction per row.
        for line, identity in new:
            try:
                _insert([identity], acting_user, report)
            except IntegrityError:
                report.refused.append(RefusedRow(line, identity.source_id, "IPP déjà présent (créé entre-temps)"))


@transaction.atomic
def _insert(identities: list[PatientIdentity], acting_user, report: ImportReport) -> None:
    now = timezone.now()
    for identity in identities:
        identity.pk = None
        identity.created_by = acting_user
        identity.created_at = identity.updated_at = now
    if connection.vendor == "postgresql":
        created = _copy_with_history(identities, acting_user, now)
    else:
        created = bulk_create_with_history(identities, PatientIdentity, batch_size=BATCH_SIZE,
                                           default_user=acting_user, default_change_reason=CHANGE_REASON)
        IdentityEvent.objects.bulk_create(
            [IdentityEvent(identity=i, kind=IdentityEvent.Kind.IMPORTED, actor=acting_user) for i in created],
            batch_size=BATCH_SIZE)
    identities_imported.send(sender=PatientIdentity, identities=created)
    report.created += len(created)
    report.created_ids += [i.pk for i in created]


def _copy_with_history(identities: list[PatientIdentity], acting_user, now) -> list[PatientIdentity]:
    """PostgreSQL COPY of identities, their history rows and events: the ORM's per-field work is the bottleneck."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [PatientIdentity._meta.db_table, len(identities)])
        for identity, (pk,) in zip(identities, cursor.fetchall(), strict=True):
            identity.pk = pk
    history = PatientIdentity.history.model
    user_id = acting_user.pk if acting_user else None
    extra = {"history_date": now, "history_type": "+", "history_user_id": user_id,
             "history_change_reason": CHANGE_REASON}
    _copy(PatientIdentity, [lambda i, f=f: getattr(i, f.attname) for f in _columns(PatientIdentity)], identities)
    history_fields = _columns(history, skip_auto=True)
    _copy(history, [(lambda i, v=extra[f.attname]: v) if f.attname in extra else
                    (lambda i, a=f.attname: getattr(i, a)) for f in history_fields], identities)
    event_values = {"identity_id": lambda i: i.pk, "kind": lambda i: IdentityEvent.Kind.IMPORTED,
                    "actor_id": lambda i: user_id, "reason": lambda i: "", "data": lambda i: Jsonb({}),
                    "created_at": lambda i: now}
    _copy(IdentityEvent, [event_values[f.attname] for f in _columns(IdentityEvent, skip_auto=True)], identities)
    return identities


def _columns(model, *, skip_auto: bool = False) -> list:
    return [f for f in model._meta.concrete_fields if not (skip_auto and f.primary_key)]


def _copy(model, getters: list, rows: list) -> None:
    fields = _columns(model, skip_auto=len(getters) < len(_columns(model)))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([get(row) for get in getters])


def write_report(refused: list[RefusedRow], stream: io.TextIOBase) -> None:
    writer = csv.writer(stream)
    writer.writerow(["line", "source_id", "reason"])
    # source_id and reason may echo the file's content: neutralise formulas before a spreadsheet opens it.
    writer.writerows((row.line, csv_safe(row.source_id), csv_safe(row.reason)) for row in refused)
