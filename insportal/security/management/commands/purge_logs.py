"""`manage.py purge_logs [--dry-run]`: delete INSi call logs and access logs past their retention period.

Retention comes from settings (RETENTION_INSI_CALL_DAYS, RETENTION_ACCESS_LOG_DAYS); run it daily (cron
or Celery beat). Identities, their events and their history are not touched: they are the medical record.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from identities.models import InsiCall
from insportal.security.models import AccessLog


def logs_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete the rows older than their retention; return how many per log."""
    now = now or timezone.now()
    calls_before = now - dt.timedelta(days=settings.RETENTION_INSI_CALL_DAYS)
    reads_before = now - dt.timedelta(days=settings.RETENTION_ACCESS_LOG_DAYS)
    targets = {
        "insi_calls": InsiCall.objects.filter(started_at__lt=calls_before),
        "access_log": AccessLog.objects.filter(at__lt=reads_before),
    }
    if dry_run:
        return {name: rows.count() for name, rows in targets.items()}
    with transaction.atomic():
        return {name: rows.delete()[0] for name, rows in targets.items()}


class Command(BaseCommand):
    help = "Delete INSi call logs and identity access logs older than their retention period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        counts = logs_purge(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(", ".join(f"{name}: {verb} {count}" for name, count in counts.items()))
