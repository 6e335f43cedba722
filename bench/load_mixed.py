"""Load test: mixed API traffic at a fixed rate against gunicorn on loopback; no error, no lost write.

    .venv/bin/python bench/load_mixed.py [--rate 100] [--duration 300] [--identities 20000] [--reuse]

Reuses bench/api_load.py to create and load a PostgreSQL database and to start gunicorn on
127.0.0.1 with the production settings (DEBUG off). Traffic, open loop (latency counted from the
scheduled send time): 35 % identity reads, 20 % traits searches, 10 % FHIR reads, 15 % creations,
20 % updates (PATCH with the version read). Each identity being updated is held by one sender at a
time, so any 409 or other non-2xx is an error. After the run the database is checked: every 201 is
a row, and every updated identity's version and used name are those of its last accepted update.
Bounded: rate x duration requests, then it stops by itself and stops gunicorn.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import HOST, bench_token, load_identities, pct, prepare_database, samples, start_gunicorn

_local = threading.local()
MIX = ["read"] * 7 + ["search"] * 4 + ["fhir"] * 2 + ["create"] * 3 + ["update"] * 4  # out of 20


def _letters(n: int) -> str:
    text = ""
    while True:
        n, digit = divmod(n, 26)
        text = chr(65 + digit) + text
        if not n:
            return text


def call(port: int, method: str, path: str, token: str, body: dict | None = None, parse: bool = False
         ) -> tuple[int, dict]:
    conn = getattr(_local, "conn", None) or http.client.HTTPConnection(HOST, port, timeout=10)
    _local.conn = conn
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "X-Forwarded-Proto": "https"}
    payload = None
    if body is not None:
        payload, headers["Content-Type"] = json.dumps(body), "application/json"
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        raise
    data = json.loads(raw) if raw and (parse or method != "GET") else {}
    return response.status, data


def run(args, token: str, reads: list[str], searches: list[str], writable: list[dict]) -> dict:
    pool_of_writable: queue.Queue = queue.Queue()
    for row in writable:
        pool_of_writable.put(row)
    results: dict = {"latency": {k: [] for k in set(MIX)}, "errors": Counter(), "created": [], "updates": {},
                     "unknown": set()}
    lock = threading.Lock()
    run_id = f"L{int(time.time())}"

    def request(kind: str, i: int) -> int:
        if kind == "read":
            return call(args.port, "GET", reads[i % len(reads)], token)[0]
        if kind == "search":
            return call(args.port, "GET", searches[i % len(searches)], token)[0]
        if kind == "fhir":
            return call(args.port, "GET", "/fhir/Patient/" + reads[i % len(reads)].split("/")[-2], token)[0]
        if kind == "create":
            body = {"source_id": f"{run_id}-{i}", "birth_name": "CHARGE", "first_names": "TEST", "sex": "F",
                    "birth_date": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}", "facility": "BENCH"}
            status, _ = call(args.port, "POST", "/api/v1/identities/", token, body)
            if status == 201:
                with lock:
                    results["created"].append(body["source_id"])
            return status
        row = pool_of_writable.get()  # one sender per identity at a time
        path = f"/api/v1/identities/{row['public_id']}/"
        try:
            name = "USAGE " + _letters(i)  # names take no digits
            status, data = call(args.port, "PATCH", path, token, {"version": row["version"], "used_name": name})
            if status == 200:
                row["version"] = data["version"]
                with lock:
                    results["updates"][row["public_id"]] = (data["version"], name)
            return status
        except (OSError, http.client.HTTPException):
            # No answer (client timeout): the update may have landed. Re-read before the next sender uses it;
            # the row is then left out of the lost-write check, as its last accepted value is unknown.
            row["version"] = call(args.port, "GET", path, token, parse=True)[1]["version"]
            with lock:
                results["updates"].pop(row["public_id"], None)
                results["unknown"].add(row["public_id"])
            raise
        finally:
            pool_of_writable.put(row)

    def fire(kind: str, i: int, scheduled: float) -> None:
        try:
            status = request(kind, i)
        except (OSError, http.client.HTTPException):
            status = 0
        latency = time.perf_counter() - scheduled
        with lock:
            if status in (200, 201):
                results["latency"][kind].append(latency)
            else:
                results["errors"][f"{kind} {status}"] += 1

    total = int(args.rate * args.duration)
    start = time.perf_counter() + 0.5
    with ThreadPoolExecutor(max_workers=64) as executor:
        for i in range(total):
            scheduled = start + i / args.rate
            time.sleep(max(0.0, scheduled - time.perf_counter()))
            executor.submit(fire, MIX[i % len(MIX)], i, scheduled)
    results["elapsed"] = time.perf_counter() - start
    return results


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes (4 threads each)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database", default="insportal_bench_mixed")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
           "DJANGO_SECRET_KEY": "bench-only", "DJANGO_SETTINGS_MODULE": "insportal.settings",
           "DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_DEBUG": "", "DJANGO_LOG_LEVEL": "WARNING"}
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
    server = start_gunicorn(args, env)
    try:
        results = run(args, token, reads, searches, writable)
    finally:
        server.terminate()
        server.wait(timeout=30)
    done = sum(len(v) for v in results["latency"].values())
    errors = sum(results["errors"].values())
    lost = lost_writes(results)
    print(f"updated identities checked: {len(results['updates'])}, left out after a timeout: "
          f"{len(results['unknown'])}")
    print(f"{done + errors} requests in {results['elapsed']:.0f} s ({(done + errors) / results['elapsed']:.1f}/s), "
          f"errors: {errors} {dict(results['errors'])}, lost writes: {len(lost)} {lost[:5]}")
    for kind, values in sorted(results["latency"].items()):
        print(f"  {kind:6} n={len(values):6}  p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms  "
              f"p99 {pct(values, 99):6.1f} ms")
    raise SystemExit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
