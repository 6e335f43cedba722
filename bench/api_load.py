"""Benchmark: API identity read and traits search under concurrent load, on loopback only.

    .venv/bin/python bench/api_load.py [--identities 100000] [--rate 100] [--duration 60] [--workers 4]
                                       [--threads 4] [--database insportal_bench_api] [--reuse]

Creates a PostgreSQL database (unless --reuse finds it loaded), migrates it, bulk-loads
realistic identities (10% qualified, with an INS), issues an API token for an agent,
starts gunicorn on 127.0.0.1, then sends an open-loop load at a fixed rate: half
`GET /api/v1/identities/{id}/`, half traits searches
`GET /api/v1/identities/?birth_name=&first_name=&birth_date=` (bench/openloop.py: one asyncio
loop, under 1 ms of CPU a request). Latency is measured from the scheduled send time (queueing
included, no coordinated omission). It prints the CPU used per request by gunicorn and by the
PostgreSQL backends. The run is bounded (rate x duration requests) and stops by itself; gunicorn
is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from openloop import Client, run_open_loop  # noqa: E402

HOST = "127.0.0.1"  # never anything but loopback


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", HOST, "-U", "postgres", "-qc", sql], check=True)


def prepare_database(args, env: dict) -> None:
    if not args.reuse:
        psql(f"DROP DATABASE IF EXISTS {args.database}")
        psql(f"CREATE DATABASE {args.database}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def load_identities(count: int) -> None:
    """Bulk-load `count` identities (benchmark fixture: straight rows, no services, no events)."""
    from django.db import connection

    from identities.demo import DemoPopulation
    from identities.models import Facility, IdentityStatus, InsOid, PatientIdentity

    facility, _ = Facility.objects.get_or_create(code="BENCH", defaults={"name": "Bench"})
    existing = PatientIdentity.objects.filter(facility=facility).count()
    if existing >= count:
        return
    demo, batch = DemoPopulation(seed=11), []
    for index in range(existing, count):
        fields = demo.person().as_fields()
        qualified = index % 10 == 0 and fields["nir"]
        batch.append(PatientIdentity(
            facility=facility, source_id=f"A{index:07d}", **fields,
            status=IdentityStatus.QUALIFIED if qualified else IdentityStatus.PROVISIONAL,
            ins_matricule=fields["nir"] if qualified else "", ins_oid=InsOid.NIR if qualified else "",
            traits_from_insi=bool(qualified)))
        if len(batch) == 5000:
            PatientIdentity.objects.bulk_create(batch)
            batch = []
    PatientIdentity.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_token() -> str:
    from django.contrib.auth.models import Group, User

    from identities.services.api_tokens import api_token_issue
    from insportal import roles

    user, _ = User.objects.get_or_create(username="bench-api")
    user.groups.add(Group.objects.get(name=roles.AGENT))
    return api_token_issue(user=user, name="bench")[1]


def samples(rng: random.Random, size: int) -> tuple[list[str], list[str]]:
    from identities.models import PatientIdentity

    rows = list(PatientIdentity.objects.order_by("?").values("public_id", "birth_name", "first_name",
                                                             "birth_date")[:size])
    reads = [f"/api/v1/identities/{r['public_id']}/" for r in rows]
    searches = ["/api/v1/identities/?" + urlencode({"birth_name": r["birth_name"], "first_name": r["first_name"],
                                                    "birth_date": r["birth_date"]}) for r in rows]
    rng.shuffle(searches)
    return reads, searches


def start_gunicorn(args, env: dict) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "insportal.wsgi", "--bind", f"{HOST}:{args.port}",
               "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
               "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            if get(args.port, "/healthz", "")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


_local = threading.local()


def api_headers(token: str) -> dict[str, str]:
    # As behind the reverse proxy that terminates TLS (production settings redirect plain HTTP).
    return {"Authorization": f"Bearer {token}", "Accept": "application/json", "X-Forwarded-Proto": "https"}


def get(port: int, path: str, token: str, retry: bool = True) -> tuple[int, float]:
    """One GET on a kept-alive connection per thread; returns (status, service seconds)."""
    conn = getattr(_local, "conn", None)
    reused = conn is not None
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(HOST, port, timeout=10)
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers=api_headers(token))
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        if reused and retry:  # the server closed an idle kept-alive connection: once more on a new one
            return get(port, path, token, retry=False)
        raise
    return response.status, time.perf_counter() - start


def _cpu(process) -> float:
    try:
        times = process.cpu_times()
    except Exception:  # psutil.Error: ended meanwhile
        return 0.0
    return times.user + times.system


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn master and workers, Celery)."""
    import psutil

    parent = psutil.Process(pid)
    return _cpu(parent) + sum(_cpu(child) for child in parent.children(recursive=True))


def server_cpu(server: subprocess.Popen, database: str) -> tuple[float, float]:
    """CPU seconds used so far by gunicorn and by the PostgreSQL backends connected to `database`."""
    import psutil

    backends = [p for p in psutil.process_iter(["cmdline"]) if f" {database} " in " ".join(p.info["cmdline"] or [])]
    return tree_cpu(server.pid), sum(_cpu(backend) for backend in backends)


def warm_up(port: int, token: str, paths: list[str]) -> None:
    """Untimed requests first, so that every gunicorn thread has its database connection and caches."""
    for path in paths:
        status = get(port, path, token)[0]
        if status != 200:
            raise SystemExit(f"warm-up request {path} answered {status}")


def run_load(args, token: str, reads: list[str], searches: list[str]) -> dict[str, list[float]]:
    client = Client(HOST, args.port, api_headers(token))
    results: dict[str, list] = {"read": [], "search": [], "errors": []}

    async def fire(i: int, scheduled: float) -> None:
        kind = "read" if i % 2 == 0 else "search"
        path = reads[i // 2 % len(reads)] if kind == "read" else searches[i // 2 % len(searches)]
        try:
            status = (await client.call("GET", path))[0]
        except OSError:  # connection error, or no answer within openloop.TIMEOUT (TimeoutError)
            status = 0
        if status == 200:
            results[kind].append(time.perf_counter() - scheduled)
        else:
            results["errors"].append(status)

    results["elapsed"] = [run_open_loop(client, int(args.rate * args.duration), args.rate, fire)]
    return results


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second (half reads, half searches)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class (gthread, sync)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="insportal_bench_api")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
           "DJANGO_SECRET_KEY": "bench-only", "DJANGO_SETTINGS_MODULE": "insportal.settings",
           "DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_DEBUG": "", "DJANGO_LOG_LEVEL": "WARNING"}
    prepare_database(args, env)
    os.environ.update(env)
    import django

    django.setup()
    began = time.perf_counter()
    load_identities(args.identities)
    print(f"base: {args.identities:,} identities ready in {time.perf_counter() - began:.0f} s")
    token = bench_token()
    reads, searches = samples(random.Random(5), 2000)
    server = start_gunicorn(args, env)
    try:
        warm_up(args.port, token, reads[:100] + searches[:100])
        load = os.getloadavg()[0]
        cpu, before = time.process_time(), server_cpu(server, args.database)
        results = run_load(args, token, reads, searches)
        cpu, after = time.process_time() - cpu, server_cpu(server, args.database)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    done = len(results["read"]) + len(results["search"])
    print(f"rate={args.rate:g}/s duration={args.duration:g}s workers={args.workers}x{args.threads} threads "
          f"load_before={load:.1f} sent={int(args.rate * args.duration)} ok={done} "
          f"errors={dict(Counter(results['errors']))} "
          f"throughput={done / results['elapsed'][0]:.1f} req/s "
          f"generator_cpu={cpu * 1000 / max(1, done):.2f} ms/req")
    print("server CPU per request: gunicorn {:.2f} ms, PostgreSQL {:.2f} ms".format(
        *((a - b) * 1000 / max(1, done) for a, b in zip(after, before, strict=True))))
    for kind in ("read", "search"):
        values = results[kind]
        print(f"{kind:6} n={len(values)} p50={pct(values, 50):.1f} ms p95={pct(values, 95):.1f} ms "
              f"p99={pct(values, 99):.1f} ms max={max(values, default=0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
