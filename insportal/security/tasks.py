from celery import shared_task

from insportal.security.management.commands.purge_logs import logs_purge


@shared_task(name="security.logs_purge")
def logs_purge_task() -> dict[str, int]:
    """Delete call and access logs past their retention period (daily, from the beat schedule)."""
    return logs_purge()
