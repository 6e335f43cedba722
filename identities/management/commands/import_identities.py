"""python manage.py import_identities FILE.csv [--facility CODE] [--report FILE]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from identities.importing import ImportFileError, import_identities, write_report
from identities.models import Facility


class Command(BaseCommand):
    help = "Importe des identités depuis un CSV (contrat d'import) ; les lignes refusées vont au rapport."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--facility", help="Code de l'établissement (créé s'il n'existe pas).")
        parser.add_argument("--report", type=Path, help="Rapport CSV des lignes refusées (line, source_id, reason).")

    def handle(self, *args, file, facility: str | None, report, **options):
        file, report = Path(file), Path(report) if report else None
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        target = self._facility(facility)
        with file.open("rb") as handle:
            total = max(sum(1 for _ in handle) - 1, 0)
            handle.seek(0)
            with tqdm(total=total, unit=" lignes", file=sys.stderr, disable=options["verbosity"] == 0) as bar:
                try:
                    result = import_identities(handle, facility=target, progress=bar.update)
                except ImportFileError as exc:
                    raise CommandError(str(exc)) from None
        if report:
            with report.open("w", newline="", encoding="utf-8") as out:
                write_report(result.refused, out)
        self.stdout.write(f"{result.created} identités créées, {result.already_present} déjà présentes, "
                          f"{len(result.refused)} lignes refusées" + (f" (voir {report})" if report else "") + ".")
        if result.refused and not report:
            for row in result.refused[:20]:
                self.stdout.write(f"  ligne {row.line} ({row.source_id}) : {row.reason}")

    def _facility(self, code: str | None) -> Facility:
        if code:
            facility, created = Facility.objects.get_or_create(code=code, defaults={"name": code})
            if created:
                self.stdout.write(f"Établissement {code} créé.")
            return facility
        facilities = list(Facility.objects.all()[:2])
        if len(facilities) > 1:
            raise CommandError("Plusieurs établissements existent : précisez --facility CODE.")
        return facilities[0] if facilities else Facility.objects.create(code="ETAB", name="Établissement principal")
