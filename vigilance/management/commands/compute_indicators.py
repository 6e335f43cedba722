"""python manage.py compute_indicators [--day YYYY-MM-DD] [--backfill-from YYYY-MM-DD]: daily snapshots."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from vigilance.indicators import daily_indicators_backfill, daily_indicators_compute


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value!r} (attendu AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = ("Calcule l'instantané quotidien des identités (statuts par établissement et service) pour la "
            "courbe de qualification du tableau de bord. À lancer chaque nuit.")

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_date, help="Jour à enregistrer (défaut : aujourd'hui), depuis la base.")
        parser.add_argument("--backfill-from", type=_date,
                            help="Reconstruit les jours depuis cette date à partir de l'historique des identités.")

    def handle(self, *args, day=None, backfill_from=None, **options):
        rows = daily_indicators_backfill(since=backfill_from) if backfill_from else daily_indicators_compute(day=day)
        self.stdout.write(f"{rows} lignes d'indicateurs enregistrées.")
