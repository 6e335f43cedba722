"""Benchmark: a verification campaign of N identities against the INSi simulator (50 ms latency).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insportal_insi_bench \
        .venv/bin/python bench/insi_campaign.py [--identities 10000] [--rate 100] [--concurrency 16]

Without DATABASE_URL it uses a SQLite file under bench/.cache/. It creates N
identities holding an INS (their declared NIR), starts `manage.py insi_simulator
--latency-ms 50` as a separate process (which serves those NIRs), then:
1. overhead: a few hundred verifications one at a time with no rate limit; the
   project's own overhead per call is the wall time per call minus the
   simulator's latency (zeep, parsing, ORM writes, events, history);
2. capacity: a sample with no rate limit on `concurrency` threads, to show the
   project could go faster than the rate;
3. throughput: the whole campaign with INSI_RATE_LIMIT=rate on `concurrency`
   threads; calls per second should equal the configured rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE ROUX "
         "LEROY "
         "DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE "
         "ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT "
         "MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON").split()
FIRST = {"M": "JEAN PIERRE LOUIS PAUL JACQUES MICHEL ANDRE ALAIN LUC HUGO LEO GABRIEL ARTHUR JULES ADAM".split(),
         "F": "MARIE ANNE JEANNE LOUISE ALICE CLAIRE EMMA JADE ROSE LINA CHLOE ZOE LEA MANON CAMILLE".split()}
PLACES = ("75056", "69123", "13055", "63220", "33063", "59350", "67482", "31555")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--identities", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="INSI_RATE_LIMIT, calls per second")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--overhead-sample", type=int, default=300)
    parser.add_argument("--capacity-sample", type=int, default=1000)
    return parser.parse_args()


def setup_environment(args) -> None:
    (ROOT / "bench" / ".cache").mkdir(exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / '.cache' / 'insi_bench.sqlite3'}")
    os.environ.update(DJANGO_SETTINGS_MODULE="insportal.settings", DJANGO_SECRET_KEY="bench-only",
                      CELERY_BROKER_URL="", INSI_RATE_LIMIT=str(args.rate))
    if os.environ["DATABASE_URL"].startswith("postgres"):
        _create_postgres_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _create_postgres_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def make_population(n: int) -> None:
    """N identities holding an INS equal to their declared NIR (status RECUP), unique strict traits."""
    from identities.models import Facility, InsiRequest, PatientIdentity
    from identities.rules.nir import nir_key

    facility, _ = Facility.objects.get_or_create(code="BENCH", defaults={"name": "Banc d'essai INSi"})
    InsiRequest.objects.filter(identity__facility=facility).delete()
    PatientIdentity.objects.filter(facility=facility).delete()
    rng, seen, rows = random.Random(42), set(), []
    while len(rows) < n:
        sex = rng.choice("MF")
        year, month, day = rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28)
        name, first = rng.choice(NAMES), rng.choice(FIRST[sex])
        place = rng.choice(PLACES)
        matricule = f"{'1' if sex == 'M' else '2'}{year % 100:02d}{month:02d}{place}{rng.randint(1, 999):03d}"
        if (name, first, sex, year, month, day) in seen or matricule in seen:
            continue
        seen |= {(name, first, sex, year, month, day), matricule}
        nir = matricule + nir_key(matricule)
        rows.append(PatientIdentity(
            facility=facility, source_id=f"B{len(rows):06d}", birth_name=name, first_names=first, first_name=first,
            sex=sex, birth_date=f"{year:04d}-{month:02d}-{day:02d}", birth_place=place, nir=nir,
            ins_matricule=nir, ins_oid="1.2.250.1.213.1.4.8", traits_from_insi=True, status="RECUP",
            collection_method="INSI"))
    PatientIdentity.objects.bulk_create(rows, batch_size=2000)


def start_simulator(latency_ms: int, expected: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # the simulator in its own process: its CPU is not the project's
        [sys.executable, "manage.py", "insi_simulator", "--port", str(port), "--latency-ms", str(latency_ms)],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    control = f"http://127.0.0.1:{port}/control"
    for _ in range(200):
        try:
            with urllib.request.urlopen(control, timeout=1) as response:
                if json.load(response)["people"] >= expected:
                    return process, f"http://127.0.0.1:{port}/lps"
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the simulator did not start")


def run_campaign(name: str, **options) -> tuple[float, float, int, dict]:
    from django.core.management import call_command

    from identities.models import InsiCall, InsiRequest

    wall, cpu = time.perf_counter(), time.process_time()
    call_command("insi_campaign", name=name, no_progress=True, stdout=open(os.devnull, "w"), **options)  # noqa: SIM115
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    calls = InsiCall.objects.filter(request__campaign=name)
    outcomes: dict[str, int] = {}
    for outcome in InsiRequest.objects.filter(campaign=name).values_list("outcome", flat=True):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return wall, cpu, calls.count(), outcomes


def main() -> None:
    args = parse_args()
    setup_environment(args)
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Avg

    from identities.models import InsiCall

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    make_population(args.identities)
    print(f"{args.identities} identities created in {time.perf_counter() - started:.1f} s "
          f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
    simulator, url = start_simulator(args.latency_ms, args.identities)
    settings.INSI_ENDPOINT = url
    stamp = time.strftime("%H%M%S")
    try:
        settings.INSI_RATE_LIMIT = 0
        wall, cpu, calls, _ = run_campaign(f"bench-overhead-{stamp}", limit=args.overhead_sample, concurrency=1)
        in_client = InsiCall.objects.filter(request__campaign=f"bench-overhead-{stamp}").aggregate(
            ms=Avg("duration_ms"))["ms"]
        per_call = wall / calls * 1000
        print(f"overhead: {calls} calls one at a time, {per_call:.1f} ms per call with {args.latency_ms} ms latency "
              f"-> project overhead {per_call - args.latency_ms:.1f} ms per call "
              f"(of which zeep + HTTP {in_client - args.latency_ms:.1f} ms), CPU {cpu / calls * 1000:.1f} ms per call")
        wall, cpu, calls, _ = run_campaign(f"bench-capacity-{stamp}", limit=args.capacity_sample,
                                           concurrency=args.concurrency)
        print(f"capacity: {calls} calls with no rate limit on {args.concurrency} threads = {calls / wall:.1f} calls/s, "
              f"CPU {cpu / calls * 1000:.1f} ms per call")
        settings.INSI_RATE_LIMIT = args.rate
        wall, cpu, calls, outcomes = run_campaign(f"bench-{stamp}", concurrency=args.concurrency)
        print(f"campaign: {args.identities} identities, {calls} calls in {wall:.1f} s = {calls / wall:.1f} calls/s "
              f"(rate limit {args.rate:g}/s, {args.concurrency} threads), CPU {cpu / calls * 1000:.1f} ms per call, "
              f"outcomes {outcomes}")
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
