"""Surviving a PostgreSQL restart: connections are cut, refused for a while, then accepted again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

# What a lost or refused connection raises (OperationalError), and what a closed one raises next (InterfaceError).
CONNECTION_LOST = (OperationalError, InterfaceError)

T = TypeVar("T")


def reconnecting(func: Callable[[], T], *, wait: float = 1.0, give_up_after: float = 300.0) -> T:
    """Call func again, on a new connection, until the database answers; func must be idempotent.

    Django leaves a broken connection in place outside requests (commands,
    threads), so every later query would fail: close it before trying again.
    """
    deadline = time.monotonic() + give_up_after
    while True:
        try:
            return func()
        except CONNECTION_LOST:
            if time.monotonic() > deadline:
                raise
            logger.warning("database unavailable, trying again in %.0f s", wait)
            connection.close()
            time.sleep(wait)
