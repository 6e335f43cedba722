"""`python manage.py find_duplicates [--output FILE.csv]`: scan the whole base, fill the CIV worklist."""

from __future__ import annotations

import csv
import os

from django.core.management.base import BaseCommand
from tqdm import tqdm

from vigilance.selectors import worklist
from vigilance.services import duplicate_scan

HEADER = ["source_id_a", "source_id_b", "score", "reasons"]


class Command(BaseCommand):
    help = "Cherche les doublons dans toute la base et les inscrit sur la liste de travail de la CIV."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="CSV des paires candidates (source_id_a, source_id_b, score, reasons)")
        parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                            help="Processus de calcul (PostgreSQL ; par défaut un par cœur)")

    def handle(self, *args, output=None, processes=1, **options):
        with tqdm(desc="paires (millions)", disable=options["verbosity"] < 1, file=self.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            run = duplicate_scan(progress=progress, processes=processes)
        self.stdout.write(f"{run.pairs_scored} paires comparées, {run.candidates_found} doublons potentiels.")
        if output:
            count = self._write(output)
            self.stdout.write(f"{count} paires à traiter écrites dans {output}.")

    def _write(self, path: str) -> int:
        count = 0
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for c in worklist().iterator(chunk_size=2000):
                reasons = ";".join(f"{r['field']}:{r['level']}" for r in
                                   sorted(c.reasons, key=lambda r: -abs(r["weight"])))
                writer.writerow([c.identity_a.source_id, c.identity_b.source_id, f"{c.score:.4f}", reasons])
                count += 1
        return count
