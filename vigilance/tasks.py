"""Celery tasks: real-time detection after a write, and the full scan split into blocks across workers."""

from __future__ import annotations

from celery import shared_task

from vigilance import services


@shared_task(name="vigilance.detect_for_identities")
def detect_for_identities(identity_ids: list[int]) -> None:
    services.detect_for_identities(identity_ids)


@shared_task(name="vigilance.duplicate_scan")
def duplicate_scan(user_id: int | None = None) -> int:
    """Start a full scan: prepare it, then one task per block; ScanRun shows the progress."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = services.scan_start(acting_user=user)
    for bucket in range(run.blocks_total):
        duplicate_scan_block.delay(run.pk, bucket)
    return run.pk


@shared_task(name="vigilance.duplicate_scan_block", acks_late=True)
def duplicate_scan_block(run_id: int, bucket: int) -> int:
    return len(services.scan_block(run_id=run_id, bucket=bucket))


@shared_task(name="vigilance.daily_indicators_compute")
def daily_indicators_compute_task() -> int:
    """Today's snapshot of the base, the daily flows and INSi calls, for the dashboard (beat, every 10 minutes)."""
    from vigilance.indicators import dashboard_counts_refresh

    return dashboard_counts_refresh()
