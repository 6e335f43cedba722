"""Benchmark: the CIV dashboard on 1,000,000 identities with 5 years of history, in PostgreSQL.

    .venv/bin/python bench/dashboard_1m.py [--identities 1000000] [--database insportal_bench_dash] [--runs 30]
        [--reuse [--rebuild-snapshots]]

Creates a fresh database, bulk-loads with COPY identities (4 facilities, 12 admission services,
statuses and attributes), their history rows (creation, then the status change or the merge,
spread over 5 years), duplicate candidates, merges, collisions and INSi calls; rebuilds the daily
snapshots from the history (`compute_indicators --backfill-from`), then times warm GET /dashboard/
with Django's test client (signed-in referent) and prints p50/p95 per scenario. With --reuse it
first refreshes today's snapshot, as the periodic task does every 10 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEARS = 5
FACILITIES = ("CHU-A", "CH-B", "CH-C", "CLIN-D")
SERVICES = ("URGENCES", "MATERNITE", "CARDIOLOGIE", "PEDIATRIE", "ONCOLOGIE", "CHIRURGIE", "CONSULTATIONS",
            "RADIOLOGIE", "GERIATRIE", "PSYCHIATRIE", "REANIMATION", "")
STATUSES = (("PROV", 0.30), ("RECUP", 0.10), ("VALI", 0.15), ("QUAL", 0.45))


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def copy(model, fields: list[str], rows) -> int:
    from django.db import connection

    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def load(count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from identities.models import Facility, InsiCall, PatientIdentity
    from vigilance.models import CollisionSignal, DuplicateCandidate, IdentityMerge

    now = timezone.now()
    span = YEARS * 365 * 86400
    facilities = [Facility.objects.create(code=c, name=f"Établissement {c}").pk for c in FACILITIES]
    statuses, weights = zip(*STATUSES, strict=True)
    people = []  # (pk, facility, service, status, created, changed, active, merged_into, doubtful, homonym)
    for pk in range(1, count + 1):
        created = now - dt.timedelta(seconds=rng.randrange(span))
        status = rng.choices(statuses, weights)[0]
        doubtful = status == "PROV" and rng.random() < 0.03
        active = rng.random() >= 0.02 or pk == 1
        changed = created + (now - created) * rng.random()
        people.append((pk, rng.choice(facilities), rng.choice(SERVICES), status, created, changed, active,
                       pk - 1 if not active else None, doubtful, rng.random() < 0.005))
    t = time.perf_counter()
    copy(PatientIdentity, [*IDENTITY_FIELDS, "updated_at"], ((*_identity(p, final=True), p[5]) for p in people))
    print(f"identities: {count:,} in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    history = PatientIdentity.history.model
    rows = copy(history, [*IDENTITY_FIELDS, "history_date", "history_type"],
                (row for p in people for row in _history_rows(p)))
    print(f"history rows: {rows:,} in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    pairs = [(pk, pk + 1) for pk in rng.sample(range(2, count - 1), min(20_000, count // 50))]
    pairs = list(dict.fromkeys(pairs))
    copy(DuplicateCandidate, ["identity_a", "identity_b", "score", "weight", "reasons", "state", "priority",
                              "created_at", "updated_at", "decided_at", "decision_reason"],
         ((a, b, 0.9, 10.0, "[]", st, rng.choice((1, 2, 2, 3)), c, c, None if st == "open" else c, "")
          for a, b in pairs for st, c in [(rng.choice(("open", "open", "dismissed", "merged")),
                                           now - dt.timedelta(seconds=rng.randrange(span)))]))
    merged = [p for p in people if not p[6]]
    copy(IdentityMerge, ["public_id", "survivor", "merged", "reason", "trait_choices", "snapshot", "merged_at",
                         "undo_reason"],
         ((uuid.uuid4(), p[7], p[0], "bench", "{}", "{}", p[5], "") for p in merged))
    copy(CollisionSignal, ["identity", "kind", "details", "is_open", "created_at"],
         ((rng.randrange(1, count), "same_ins", "{}", rng.random() < 0.3, now - dt.timedelta(days=rng.randrange(900)))
          for _ in range(2_000)))
    calls = count // 2
    outcomes = ("00",) * 75 + ("01",) * 20 + ("02",) + ("temporary",) * 3 + ("rejected",)
    copy(InsiCall, ["identity", "message_id", "operation", "started_at", "duration_ms", "outcome", "fault_code",
                    "fault_detail", "error"],
         ((rng.randrange(1, count), f"bench-{n}", "search", now - dt.timedelta(seconds=rng.randrange(span)),
           rng.randrange(80, 900), rng.choice(outcomes), "", "", "") for n in range(calls)))
    print(f"candidates {len(pairs):,}, merges {len(merged):,}, INSi calls {calls:,} in "
          f"{time.perf_counter() - t:.0f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("identities_patientidentity", "vigilance_duplicatecandidate", "vigilance_identitymerge"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


IDENTITY_FIELDS = ["id", "public_id", "facility", "source_id", "birth_name", "first_names", "first_name",
                   "birth_date", "sex", "birth_place", "used_name", "used_first_name", "address", "postcode", "city",
                   "nir", "ins_matricule", "ins_oid", "insi_queried_at", "traits_from_insi", "admission_service",
                   "collection_method", "status", "is_doubtful", "is_fictitious", "is_homonym", "is_active",
                   "merged_into", "version", "created_at"]


def _identity(p, *, final: bool) -> tuple:
    """The identity's columns, as it is now (final) or as it was created (provisional, active)."""
    pk, facility, service, status, created, changed, active, merged_into, doubtful, homonym = p
    if not final:
        status, active, merged_into, doubtful, homonym = "PROV", True, None, False, False
    with_ins = status in ("RECUP", "QUAL")
    return (pk, PUBLIC_IDS[pk % len(PUBLIC_IDS)] if not final else uuid.uuid4(), facility, f"B{pk:08d}", "MARTIN",
            "CLAIRE", "CLAIRE", "1980-01-01", "F", "63113", "", "", "", "", "", "", f"{pk:013d}" if with_ins else "",
            "", changed if with_ins else None, with_ins, service, "SM", status, doubtful, False, homonym, active,
            merged_into, 1 if not final else 2, created)


PUBLIC_IDS = [uuid.uuid4() for _ in range(1000)]  # history rows do not need unique public ids


def _history_rows(p):
    created, changed = p[4], p[5]
    yield (*_identity(p, final=False), created, "+")
    if _identity(p, final=True)[22:27] != _identity(p, final=False)[22:27]:
        yield (*_identity(p, final=True), changed, "~")


def measure(runs: int) -> list[tuple[str, bool, float, float]]:
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django.utils import timezone

    from insportal import roles

    user, _ = User.objects.get_or_create(username="bench-referent")
    user.groups.add(Group.objects.get(name=roles.REFERENT))
    client = Client()
    client.force_login(user)
    scenarios = [("30 derniers jours, tous établissements", {}),
                 ("30 jours, un établissement", {"facility": "CHU-A"}),
                 ("30 jours, un service", {"service": "URGENCES"}),
                 ("12 mois, tous établissements", {"start": str(timezone.localdate() - dt.timedelta(days=364))})]
    from django.core.cache import cache

    out = []
    for label, params in scenarios:
        for _ in range(3):  # warm-up
            status = client.get("/dashboard/", params, secure=True).status_code  # HTTPS, as behind the proxy
            assert status == 200, status
        for cached in (False, True):  # figures computed on every view, then from the one-minute cache
            times = []
            for _ in range(runs):
                if not cached:
                    cache.clear()
                t = time.perf_counter()
                client.get("/dashboard/", params, secure=True)
                times.append((time.perf_counter() - t) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            out.append((label, cached, statistics.median(times), p95))
            print(f"{label} ({'cache' if cached else 'calculé'}): p50 {statistics.median(times):.0f} ms, "
                  f"p95 {p95:.0f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=1_000_000)
    parser.add_argument("--database", default="insportal_bench_dash")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure only, on an already loaded database")
    parser.add_argument("--rebuild-snapshots", action="store_true",
                        help="with --reuse: rebuild the snapshots from the history (after a schema change)")
    args = parser.parse_args()
    os.environ.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
                       "DJANGO_SECRET_KEY": "bench", "DJANGO_SETTINGS_MODULE": "insportal.settings",
                       "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"})
    if not args.reuse:
        psql(f"DROP DATABASE IF EXISTS {args.database}")
        psql(f"CREATE DATABASE {args.database}")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    if not args.reuse:
        load(args.identities, random.Random(2026))
    if args.reuse and not args.rebuild_snapshots:
        t = time.perf_counter()
        call_command("compute_indicators")  # today's snapshot, as the periodic task every 10 minutes
        print(f"counts refreshed (compute_indicators) in {time.perf_counter() - t:.1f} s", flush=True)
    else:
        t = time.perf_counter()
        call_command("compute_indicators", backfill_from=timezone.localdate() - dt.timedelta(days=YEARS * 365))
        print(f"snapshots rebuilt from history in {time.perf_counter() - t:.0f} s", flush=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", args.database, "-qc", "VACUUM ANALYZE"],
                       check=True)
    measure(args.runs)


if __name__ == "__main__":
    main()
