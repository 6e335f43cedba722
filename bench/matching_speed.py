"""Duplicate detection speed on 1,000,000 identities in PostgreSQL, with Splink on the same data.

    .venv/bin/python bench/matching_speed.py [--identities 1000000] [--database insportal_bench_match]
        [--reuse] [--load-only] [--skip-scratch] [--skip-scan] [--queries 200] [--splink-rows 1000000]
        [--splink-timeout 1800]

Bulk-loads identities with COPY (French-like names: a long tail of surnames as in the
INSEE register, households, about 3 % typed again with admission errors), then measures:
real-time search for one new identity (`vigilance.services.score_against`, the search
behind "possible existing identity" and real-time detection) p50/p95 over `--queries`
entries, and the plan of its key look-up; the full scan (`manage.py find_duplicates`) wall time
and peak memory, once from a base without keys (the scan builds them) and once on the keyed
base (keys kept, as every write through the services, every CSV import and every scan leave
them; this bulk load by COPY leaves none); Splink 4 (DuckDB, the configuration
of bench/matching_quality.py) on the first `--splink-rows` identities, wall time and peak
memory, in a child process stopped after `--splink-timeout` seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from itertools import accumulate
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from french_base import FEMALE, MALE, PLACES, STREETS, SURNAMES, phonetic_variant, typo  # noqa: E402

SYLLABLES = ("BA BE BO BOU BRI CA CHA CHE CO DA DE DU FA FON GA GAU GE GI GO GUI HA JA JO LA LE LI LO LU MA ME MI "
             "MO MOU NA NE NI NO PA PE PI PO RA RE RI RO ROU SA SE SI SO TA TE TI TO VA VE VI VO").split()
ENDINGS = ("RD UD ND NT T L LLE RT RE Y X S N NE T TTE RON RIN ZE SSE ULT UX GEOT LLOT CHON").split()


def surname_pool(rng: random.Random, size: int = 120_000) -> list[str]:
    """The benchmark's frequent names first, then invented French-sounding names (the long tail)."""
    pool = dict.fromkeys(s.replace("_", " ") for s in SURNAMES)
    while len(pool) < size:
        pool[("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3)))) + rng.choice(ENDINGS))] = None
    return list(pool)


class Population:
    """Identities as tuples of the matching columns; surnames follow a Zipf-like law."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.surnames = surname_pool(self.rng)
        self.cumulative = list(accumulate(1 / (rank + 10) for rank in range(len(self.surnames))))
        self.towns = [(f"{d:02d}{n:03d}", f"VILLE{d:02d}{n:03d}") for d in range(1, 96) for n in range(0, 100, 5)]

    def person(self) -> dict[str, str]:
        rng = self.rng
        sex = rng.choice("MF")
        firsts = rng.sample(MALE if sex == "M" else FEMALE, rng.choice((1, 1, 2, 3)))
        date = f"{rng.randint(1925, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        place = rng.choice(PLACES)
        name = rng.choices(self.surnames, cum_weights=self.cumulative)[0]
        postcode, city = rng.choice(self.towns)
        nir = f"{1 if sex == 'M' else 2}{date[2:4]}{date[5:7]}{place}{rng.randint(1, 999):03d}"
        nir = "" if rng.random() < 0.15 else nir
        return {"birth_name": name, "first_names": " ".join(firsts), "first_name": firsts[0], "birth_date": date,
                "sex": sex, "birth_place": place, "used_name": "", "nir": nir,
                "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", "postcode": postcode, "city": city}

    def duplicate(self, p: dict[str, str]) -> dict[str, str]:
        rng, d = self.rng, dict(p)
        error = rng.randrange(5)
        if error == 0:
            d["birth_name"] = typo(rng, d["birth_name"])
        elif error == 1:
            d["birth_name"] = phonetic_variant(rng, d["birth_name"])
        elif error == 2:
            d["first_names"] = d["first_name"] = typo(rng, d["first_name"])
        elif error == 3:
            d["birth_date"] = d["birth_date"][:4] + "-01-01"
        else:
            d["nir"] = ""
        return d

    def rows(self, count: int):
        recent: list[dict[str, str]] = []
        for _ in range(count):
            if recent and self.rng.random() < 0.03:
                yield self.duplicate(self.rng.choice(recent))
                continue
            p = self.person()
            recent = [*recent[-999:], p]
            yield p


FIELDS = ["public_id", "facility", "source_id", "birth_name", "first_names", "first_name", "birth_date", "sex",
          "birth_place", "used_name", "used_first_name", "address", "postcode", "city", "nir", "ins_matricule",
          "ins_oid", "traits_from_insi", "admission_service", "collection_method", "status", "is_doubtful",
          "is_fictitious", "is_homonym", "is_active", "version", "created_at", "updated_at"]


def load(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from identities.models import Facility, PatientIdentity

    facility = Facility.objects.create(code="BENCH", name="Établissement de test").pk
    now = timezone.now()
    columns = ", ".join(connection.ops.quote_name(PatientIdentity._meta.get_field(f).column) for f in FIELDS)
    t = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {PatientIdentity._meta.db_table} ({columns}) FROM STDIN") as copy:
        for n, r in enumerate(Population().rows(count)):
            copy.write_row((uuid.uuid4(), facility, f"S{n:08d}", r["birth_name"], r["first_names"], r["first_name"],
                            r["birth_date"], r["sex"], r["birth_place"], r["used_name"], "", r["address"],
                            r["postcode"], r["city"], r["nir"], "", "", False, "", "", "PROV", False, False, False,
                            True, 1, now, now))
    print(f"identities: {count:,} loaded in {time.perf_counter() - t:.0f} s", flush=True)


def peak_memory(process: psutil.Process, stop: threading.Event, out: list[tuple[int, int]]) -> None:
    """Peak memory of a process and its children, polled every 0.2 s: the sum of their proportional set
    sizes (PSS: a page shared by forked processes counts once, split between them: the memory the machine
    gives them) and the sum of their resident sizes (RSS: a shared page counts in every process)."""
    pss = rss = 0
    while not stop.is_set():
        try:
            memory = [p.memory_full_info() for p in (process, *process.children(recursive=True))]
            pss, rss = max(pss, sum(m.pss for m in memory)), max(rss, sum(m.rss for m in memory))
        except psutil.NoSuchProcess:
            pass
        stop.wait(0.2)
    out.append((pss, rss))


def timed(command: list[str], env: dict[str, str], timeout: float | None = None
          ) -> tuple[float, float, float, bool]:
    """Wall seconds, peak memory (GiB, PSS and RSS sums) of a child process and its children, and whether it
    finished in time."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, start_new_session=True)
    stop, out = threading.Event(), []
    watcher = threading.Thread(target=peak_memory, args=(psutil.Process(child.pid), stop, out))
    watcher.start()
    try:
        if child.wait(timeout):
            raise SystemExit(f"{command} failed")
        finished = True
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)  # its own session: the child and whatever it started, nothing else
        child.wait()
        finished = False
    stop.set()
    watcher.join()
    return time.perf_counter() - start, out[0][0] / 2**30, out[0][1] / 2**30, finished


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def truncate(tables: str, database: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", f"TRUNCATE {tables} CASCADE",
                    "-c", "VACUUM ANALYZE"], check=True)


def realtime(queries: int) -> tuple[float, float, int]:
    from vigilance.matching import Record, prepare
    from vigilance.services import score_against

    population = Population(seed=99)
    population.rng.random()
    existing = list(Population().rows(2000))
    entries = [population.duplicate(p) if i % 2 else population.person() for i, p in enumerate(existing[:queries])]
    times, found = [], []
    for entry in [*entries[:10], *entries]:  # the first ten warm the connection and caches
        record = Record(**{k: v for k, v in entry.items() if k in Record.__dataclass_fields__})
        t = time.perf_counter()
        found.append(bool(score_against(prepare(record))))
        times.append((time.perf_counter() - t) * 1000)
    times = times[10:]
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], sum(found[10:])


def explain_key_lookup() -> str:
    """The plan of the real-time look-up of one identity's keys (must use the key index)."""
    from django.db import connection

    from vigilance.models import MatchKey

    keys = list(MatchKey.objects.order_by("identity_id").values_list("key", flat=True)[:10])
    sql, params = MatchKey.objects.filter(key__in=keys).values_list("key", "identity_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


SPLINK = """
import sys, time
sys.path.insert(0, {bench!r})
import pandas as pd
from django.db import connection
from matching_quality import splink_predictions
connection.ensure_connection()
rows = pd.read_sql("SELECT source_id, birth_name, first_names, sex, birth_date, birth_place, used_name, "
                   "used_first_name, nir, address, postcode, city FROM identities_patientidentity ORDER BY id "
                   "LIMIT {limit}", connection.connection).to_dict("records")
predictions, seconds = splink_predictions(rows)
print(f"splink: {{len(rows):,}} rows, {{len(predictions):,}} pairs scored >= 0.01 in {{seconds:.0f}} s", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=1_000_000)
    parser.add_argument("--database", default="insportal_bench_match")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--splink-rows", type=int, default=1_000_000)
    parser.add_argument("--splink-timeout", type=float, default=1800, help="seconds before Splink is stopped")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded identities")
    parser.add_argument("--load-only", action="store_true", help="create and load the base, measure nothing")
    parser.add_argument("--skip-scratch", action="store_true", help="no scan from a base without keys")
    parser.add_argument("--skip-scan", action="store_true", help="no scan of the keyed base")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
           "DJANGO_SECRET_KEY": "bench", "DJANGO_SETTINGS_MODULE": "insportal.settings"}
    os.environ.update(env)
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    if not args.reuse:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not args.reuse:
        load(args.identities)
    if args.load_only:
        return
    connection.close()
    manage = [sys.executable, str(ROOT / "manage.py")]
    results = "vigilance_duplicatecandidate, vigilance_matchingparameters, vigilance_scanrun"
    if not args.skip_scratch:  # a bulk-loaded base: the scan first computes every identity's keys
        truncate(f"vigilance_matchkey, {results}", args.database)
        print(f"[{load_average()}]", flush=True)
        seconds, pss, rss, _ = timed([*manage, "find_duplicates", "-v0"], env)
        print(f"full scan from scratch (keys built by the scan): {seconds:.0f} s, peak {pss:.2f} GiB "
              f"(RSS sum {rss:.2f} GiB) [{load_average()}]", flush=True)
    if not args.skip_scan:  # keys kept (as written by imports and every identity write): the scan alone
        truncate(results, args.database)
        seconds, pss, rss, _ = timed([*manage, "find_duplicates", "-v0"], env)
        print(f"full scan, keyed base: {seconds:.0f} s, peak {pss:.2f} GiB (RSS sum {rss:.2f} GiB) "
              f"[{load_average()}]", flush=True)
    from vigilance.records import index_missing

    index_missing(processes=os.cpu_count() or 1)
    from vigilance.models import DuplicateCandidate, ScanRun

    run = ScanRun.objects.first()
    if run:
        print(f"last scan: {run.pairs_scored:,} pairs scored, {DuplicateCandidate.objects.count():,} candidates",
              flush=True)
    print(explain_key_lookup(), flush=True)
    p50, p95, found = realtime(args.queries)
    print(f"real time, one new identity against {args.identities:,}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"({found}/{args.queries} with candidates) [{load_average()}]", flush=True)
    connection.close()
    if args.splink_rows:
        rows = min(args.splink_rows, args.identities)
        seconds, pss, rss, finished = timed([*manage, "shell", "-c", SPLINK.format(bench=str(ROOT / "bench"),
                                                                                   limit=args.splink_rows)],
                                            env, args.splink_timeout)
        print(f"splink on {rows:,} rows: {seconds:.0f} s, peak {pss:.2f} GiB (RSS sum {rss:.2f} GiB)"
              + ("" if finished else " (stopped: timeout)") + f" [{load_average()}]", flush=True)


if __name__ == "__main__":
    main()
