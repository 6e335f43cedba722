"""Load test: mixed API traffic at a fixed rate against gunicorn on loopback; no error, no lost write.

    .venv/bin/python bench/load_mixed.py [--rate 100] [--duration 300] [--identities 20000] [--reuse]
                                         [--workers 4] [--threads 4] [--broker redis://127.0.0.1:6379/11]

Reuses bench/api_load.py to create and load a PostgreSQL database and to start gunicorn on
127.0.0.1 with the production settings (DEBUG off), and starts one Celery worker on the Redis
broker, as in production: duplicate detection after a creation or an update runs there, not in the
request (`--broker ''` runs it in the request, as `make run` does). Traffic, open loop (latency
counted from the scheduled send time, bench/openloop.py): 35 % identity reads, 20 % traits searches,
10 % FHIR reads, 15 % creations (varied admissions drawn from the demo population), 20 % updates
(PATCH with the version read). Each identity being updated is held by one sender at a time, so any
409 or other non-2xx is an error. After the run the database is checked: every 201 is a row, and
every updated identity's version and used name are those of its last accepted update; the worker
is given up to 5 minutes to take the detection tasks left. Bounded: rate x duration requests, then
it stops by itself and stops gunicorn and the worker.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import (
    HOST,
    ROOT,
    api_headers,
    bench_token,
    load_identities,
    pct,
    prepare_database,
    samples,
    server_cpu,
    start_gunicorn,
    tree_cpu,
    warm_up,
)
from openloop import Client, run_open_loop

MIX = ["read"] * 7 + ["search"] * 4 + ["fhir"] * 2 + ["create"] * 3 + ["update"] * 4  # out of 20


def _letters(n: int) -> str:
    text = ""
    while True:
        n, digit = divmod(n, 26)
        text = chr(65 + digit) + text
        if not n:
            return text


def creations(count: int, run_id: str) -> list[dict]:
    """Admissions of new patients, drawn before the run: realistic and varied traits, as at a desk."""
    from identities.demo import DemoPopulation

    demo = DemoPopulation(seed=int(time.time()))
    traits = ("birth_name", "first_names", "birth_date", "sex", "birth_place", "used_name", "nir", "address",
              "postcode", "city")
    return [{"source_id": f"{run_id}-{i}", "facility": "BENCH",
             **{name: value for name, value in demo.person().as_fields().items() if name in traits}}
            for i in range(count)]


def run(args, token: str, reads: list[str], searches: list[str], writable: list[dict]) -> dict:
    client = Client(HOST, args.port, api_headers(token))
    results: dict = {"latency": {k: [] for k in set(MIX)}, "errors": Counter(), "created": [], "updates": {},
                     "unknown": set(), "timeline": []}
    total = int(args.rate * args.duration)
    new_patients = creations(total // len(MIX) * MIX.count("create") + len(MIX), f"L{int(time.time())}")
    free: asyncio.Queue = asyncio.Queue()  # identities open to an update: one sender per identity at a time
    for row in writable:
        free.put_nowait(row)

    async def update(i: int) -> int:
        row = await free.get()
        path = f"/api/v1/identities/{row['public_id']}/"
        try:
            name = "USAGE " + _letters(i)  # names take no digits
            status, body = await client.call("PATCH", path, {"version": row["version"], "used_name": name})
            if status == 200:
                row["version"] = json.loads(body)["version"]
                results["updates"][row["public_id"]] = (row["version"], name)
            return status
        except OSError:
            # No answer (client timeout): the update may have landed. Re-read before the next sender uses it;
            # the row is then left out of the lost-write check, as its last accepted value is unknown.
            row["version"] = json.loads((await client.call("GET", path))[1])["version"]
            results["updates"].pop(row["public_id"], None)
            results["unknown"].add(row["public_id"])
            raise
        finally:
            free.put_nowait(row)

    async def request(kind: str, i: int) -> int:
        if kind == "read":
            return (await client.call("GET", reads[i % len(reads)]))[0]
        if kind == "search":
            return (await client.call("GET", searches[i % len(searches)]))[0]
        if kind == "fhir":
            return (await client.call("GET", "/fhir/Patient/" + reads[i % len(reads)].split("/")[-2]))[0]
        if kind == "create":
            body = new_patients[i // len(MIX) * MIX.count("create") + MIX[: i % len(MIX)].count("create")]
            status = (await client.call("POST", "/api/v1/identities/", body))[0]
            if status == 201:
                results["created"].append(body["source_id"])
            return status
        return await update(i)

    async def fire(i: int, scheduled: float) -> None:
        kind = MIX[i % len(MIX)]
        try:
            status = await request(kind, i)
        except OSError:  # connection error, or no answer within openloop.TIMEOUT (TimeoutError)
            status = 0
        results["timeline"].append((scheduled, time.perf_counter() - scheduled))
        if status in (200, 201):
            results["latency"][kind].append(time.perf_counter() - scheduled)
        else:
            results["errors"][f"{kind} {status}"] += 1

    results["elapsed"] = run_open_loop(client, total, args.rate, fire)
    return results


def start_worker(env: dict) -> subprocess.Popen:
    """One Celery worker process, as in production: duplicate detection of the writes runs there."""
    command = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "insportal", "--quiet", "worker", "--concurrency", "1",
               "--loglevel", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def drain(broker: str, bound: float = 300) -> tuple[int, float]:
    """Wait (at most `bound` s) until the worker has taken every task; return (tasks queued at the end, s)."""
    import redis

    queue, began = redis.Redis.from_url(broker), time.perf_counter()
    backlog = queue.llen("celery")
    while queue.llen("celery") and time.perf_counter() - began < bound:
        time.sleep(0.5)
    return backlog, time.perf_counter() - began


def lost_writes(results: dict) -> list[str]:
    """Compare the database with the accepted writes; return what is missing or different."""
    from identities.models import PatientIdentity

    problems = []
    created = set(PatientIdentity.objects.filter(source_id__in=results["created"]).values_list("source_id", flat=True))
    problems += [f"created {s} missing" for s in set(results["created"]) - created]
    rows = PatientIdentity.objects.filter(public_id__in=list(results["updates"])).values("public_id", "version",
                                                                                          "used_name")
    for row in rows:
        version, name = results["updates"][str(row["public_id"])]
        if (row["version"], row["used_name"]) != (version, name):
            problems.append(f"{row['public_id']}: {row['version']} {row['used_name']!r}, expected {version} {name!r}")
    return problems


def print_timeline(timeline: list[tuple[float, float]], window: float = 10.0) -> None:
    """p95 per window of scheduled time: shows whether slow requests are spread or bunched in stalls."""
    start = min((t for t, _ in timeline), default=0.0)
    windows: dict[int, list[float]] = {}
    for scheduled, latency in timeline:
        windows.setdefault(int((scheduled - start) // window), []).append(latency)
    print(f"p95 per {window:g} s: " + " ".join(f"{pct(v, 95):.0f}" for _, v in sorted(windows.items())) + " ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database", default="insportal_bench_mixed")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11",
                        help="Celery broker of the server and of the worker this script starts ('' for none: "
                             "duplicate detection then runs in the request)")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
           "DJANGO_SECRET_KEY": "bench-only", "DJANGO_SETTINGS_MODULE": "insportal.settings",
           "DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_DEBUG": "", "DJANGO_LOG_LEVEL": "WARNING",
           "CELERY_BROKER_URL": args.broker}
    prepare_database(args, env)
    os.environ.update(env)
    import django

    django.setup()
    from identities.models import PatientIdentity

    load_identities(args.identities)
    token = bench_token()
    reads, searches = samples(random.Random(7), 2000)
    writable = [{"public_id": str(r["public_id"]), "version": r["version"]} for r in
                PatientIdentity.objects.filter(status="PROV").order_by("?").values("public_id", "version")[:200]]
    worker = start_worker(env) if args.broker else None
    server = start_gunicorn(args, env)
    try:
        fhir = ["/fhir/Patient/" + path.split("/")[-2] for path in reads[:50]]
        warm_up(args.port, token, reads[:100] + searches[:100] + fhir)
        load = os.getloadavg()[0]
        cpu, before = time.process_time(), server_cpu(server, args.database)
        results = run(args, token, reads, searches, writable)
        cpu, after = time.process_time() - cpu, server_cpu(server, args.database)
        backlog, drained = drain(args.broker) if worker else (0, 0.0)
        worker_cpu = tree_cpu(worker.pid) if worker else 0.0
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task at hand
            worker.wait(timeout=60)
    done = sum(len(v) for v in results["latency"].values())
    errors = sum(results["errors"].values())
    lost = lost_writes(results)
    print(f"gunicorn {args.workers}x{args.threads} threads, broker {args.broker or 'none (detection in request)'}, "
          f"load average before {load:.1f}, generator CPU {cpu * 1000 / max(1, done + errors):.2f} ms/request")
    per_request = [(a - b) * 1000 / max(1, done + errors) for a, b in zip(after, before, strict=True)]
    print("CPU per request: gunicorn {:.2f} ms, PostgreSQL {:.2f} ms (server backends), ".format(*per_request)
          + f"Celery worker {worker_cpu * 1000 / max(1, done + errors):.2f} ms (whole life)")
    print(f"updated identities checked: {len(results['updates'])}, left out after a timeout: "
          f"{len(results['unknown'])}; detection tasks queued at the end: {backlog}, drained in {drained:.0f} s")
    print(f"{done + errors} requests in {results['elapsed']:.0f} s ({(done + errors) / results['elapsed']:.1f}/s), "
          f"errors: {errors} {dict(results['errors'])}, lost writes: {len(lost)} {lost[:5]}")
    everything = [v for values in results["latency"].values() for v in values]
    for kind, values in [*sorted(results["latency"].items()), ("all", everything)]:
        print(f"  {kind:6} n={len(values):6}  p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms  "
              f"p99 {pct(values, 99):6.1f} ms")
    print_timeline(results["timeline"])
    raise SystemExit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
