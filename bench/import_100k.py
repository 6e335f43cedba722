"""Benchmark: import 100,000 identities from CSV into PostgreSQL through `import_identities`.

    .venv/bin/python bench/import_100k.py [--rows 100000] [--database insportal_bench_import]

Creates a fresh database, migrates it, writes a CSV of realistic identities
(with 1% bad rows), then times the import command in a subprocess and reports
wall time, rows per second and peak memory (maxrss of the child).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_csv(path: Path, rows: int) -> None:
    from identities.demo import DemoPopulation
    from identities.importing import CSV_COLUMNS

    demo = DemoPopulation(seed=7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for index in range(rows):
            person = demo.person().as_fields()
            person["source_id"] = f"B{index:07d}"
            if index % 100 == 0:
                person["birth_date"] = "2020-02-31"  # refused rows go to the report
            writer.writerow([person.get(column, "") for column in CSV_COLUMNS])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="insportal_bench_import")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
           "DJANGO_SECRET_KEY": "bench", "DJANGO_SETTINGS_MODULE": "insportal.settings"}
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database}"],
                   check=True)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {args.database}"],
                   check=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        source, report = Path(tmp) / "identities.csv", Path(tmp) / "report.csv"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insportal.settings_test")
        import django

        django.setup()
        write_csv(source, args.rows)
        start = time.perf_counter()
        subprocess.run([python, "manage.py", "import_identities", str(source), "--facility", "BENCH",
                        "--report", str(report), "-v0"], cwd=ROOT, env=env, check=True)
        elapsed = time.perf_counter() - start
        refused = sum(1 for _ in report.open()) - 1
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows={args.rows} refused={refused} wall={elapsed:.1f}s rate={args.rows / elapsed:,.0f} rows/s "
          f"peak_rss={peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
