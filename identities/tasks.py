"""Celery tasks: thin, idempotent, retrying only temporary INSi errors with backoff."""

from __future__ import annotations

import random

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings

from identities.insi.errors import InsiTemporaryError
from identities.services.insi import insi_request_give_up, insi_request_run
from insportal.database import CONNECTION_LOST

logger = get_task_logger(__name__)


def _backoff(retries: int, retry_after: float | None) -> float:
    # Exponential with jitter, so that workers do not all come back at once; at least until the circuit closes.
    delay = min(600.0, 2.0 * 2**retries) * random.uniform(0.5, 1.0)
    return max(delay, retry_after or 0.0)


@shared_task(bind=True, acks_late=True, max_retries=None)
def insi_request_run_task(self, request_id: int) -> None:
    """Run one InsiRequest (ids only; no traits in task arguments or logs)."""
    try:
        request = insi_request_run(request_id=request_id)
    except InsiTemporaryError as exc:
        if self.request.retries >= settings.INSI_MAX_RETRIES:
            logger.warning("INSi request %s abandoned after %s retries", request_id, self.request.retries)
            insi_request_give_up(request_id=request_id, message=exc.message)
            return
        logger.info("INSi request %s: temporary error (%s %s), retry %s", request_id, exc.fault_code,
                    exc.fault_detail, self.request.retries + 1)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries, exc.retry_after)) from None
    except CONNECTION_LOST as exc:
        # PostgreSQL restarting: what was written is committed or rolled back whole, and running the
        # request again is idempotent. Celery's Django fix-up closes the broken connection after the task.
        logger.warning("INSi request %s: database unavailable, retry %s", request_id, self.request.retries + 1)
        raise self.retry(exc=exc, countdown=_backoff(min(self.request.retries, 4), None)) from None
    logger.info("INSi request %s: %s %s", request_id, request.state, request.outcome)
