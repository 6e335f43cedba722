"""Rate limit and circuit breaker, in-process and shared through Redis."""

from __future__ import annotations

import threading
import time

import pytest

from identities.insi import guard
from identities.insi.errors import InsiTemporaryError

REDIS_URL = "redis://127.0.0.1:6379/12"


def _redis_guard():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    shared = guard.RedisGuard(REDIS_URL)
    shared.reset()
    return shared


@pytest.fixture(params=["local", "redis"])
def shared_guard(request, settings, monkeypatch):
    instance = guard.LocalGuard() if request.param == "local" else _redis_guard()
    monkeypatch.setattr(guard, "get_guard", lambda: instance)
    settings.INSI_BREAKER_THRESHOLD, settings.INSI_BREAKER_COOLDOWN = 3, 0.5
    yield instance
    instance.reset()


def test_rate_limit_paces_concurrent_callers(shared_guard, settings):
    settings.INSI_RATE_LIMIT = 40
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [guard.before_call() for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # 40 calls at 40/s with a burst of 4: just under a second, never much faster.
    assert 0.8 <= elapsed < 2.0


def test_circuit_opens_after_failures_and_closes_after_cooldown(shared_guard, settings):
    settings.INSI_RATE_LIMIT = 0
    for _ in range(3):
        guard.before_call()
        guard.after_call(temporary_failure=True)
    with pytest.raises(InsiTemporaryError) as excinfo:
        guard.before_call()
    assert 0 < excinfo.value.retry_after <= 0.5
    time.sleep(0.6)
    guard.before_call()
    guard.after_call(temporary_failure=False)
    guard.before_call()
