"""Celery application (official Django layout): settings under the CELERY_ namespace.

The periodic jobs are declared here, in one place (run them with `celery -A insportal beat`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insportal.settings")

app = Celery("insportal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The dashboard reads today's state counts from this snapshot (a live count of 1M rows takes seconds).
    "daily-indicators": {"task": "vigilance.daily_indicators_compute", "schedule": 600.0},
    # The weekly full duplicate scan catches what real-time detection could not see (imports, merges).
    "duplicate-scan": {"task": "vigilance.duplicate_scan", "schedule": 7 * 24 * 3600.0},
    # Call and access logs are kept for their retention period only (RETENTION_*_DAYS).
    "logs-purge": {"task": "security.logs_purge", "schedule": 24 * 3600.0},
}
