"""python manage.py compute_indicators [--day YYYY-MM-DD] [--backfill-from YYYY-MM-DD]: dashboard snapshots."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vigilance.indicators import daily_indicators_backfill, daily_indicators_compute, dashboard_counts_refresh


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value!r} (attendu AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = ("Calcule l'instantané quotidien des identités (statuts, file des doublons par établissement et "
            "service) et les appels INSi par jour pour le tableau de bord. La tâche Celery le fait toutes les "
            "10 minutes.")

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_date, help="Jour à enregistrer (défaut : aujourd'hui), depuis la base.")
        parser.add_argument("--backfill-from", type=_date,
                            help="Reconstruit les jours depuis cette date à partir de l'historique des identités.")

    def handle(self, *args, day=None, backfill_from=None, **options):
        if day:
            rows = daily_indicators_compute(day=day)
        else:
            # Past days from the history; today from the live base, as the periodic task counts it
            # (only the live base gives the open worklist).
            yesterday = timezone.localdate() - dt.timedelta(days=1)
            rows = daily_indicators_backfill(since=backfill_from, until=yesterday) if backfill_from else 0
            rows += dashboard_counts_refresh(insi_since=backfill_from)
        self.stdout.write(f"{rows} lignes d'indicateurs enregistrées.")
