"""What protects the teleservice: a rate limit shared by all workers and a circuit breaker.

With a Redis broker both live in Redis (a token bucket updated by one Lua
script, so every worker draws from the same bucket; a failure counter and an
"open" key with a time to live). Without a broker, tasks run in one process
and an in-process bucket and counter do the same job.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings

from .errors import InsiTemporaryError

_BUCKET_KEY = "insportal:insi:bucket"
_FAILURES_KEY = "insportal:insi:failures"
_OPEN_KEY = "insportal:insi:open"

# Returns 0 when a token was taken, else the seconds to wait for the next one.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 60)
return tostring(wait)
"""


def _burst(rate: float) -> float:
    # A small burst absorbs scheduling jitter without ever doubling the rate over a second.
    return max(1.0, rate / 10)


class LocalGuard:
    """In-process bucket and breaker (no broker: everything runs in this process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: float | None = None
        self._stamp = time.monotonic()
        self._failures = 0
        self._open_until = 0.0

    def _take(self, rate: float) -> float:
        with self._lock:
            now = time.monotonic()
            burst = _burst(rate)
            tokens = burst if self._tokens is None else self._tokens
            tokens = min(burst, tokens + (now - self._stamp) * rate)
            self._stamp = now
            wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
            self._tokens = tokens - 1 if tokens >= 1 else tokens
            return wait

    def open_for(self) -> float:
        return max(0.0, self._open_until - time.monotonic())

    def failed(self, threshold: int, cooldown: float) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= threshold:
                self._open_until = time.monotonic() + cooldown

    def succeeded(self) -> None:
        with self._lock:
            self._failures, self._open_until = 0, 0.0

    def reset(self) -> None:
        with self._lock:
            self._tokens, self._failures, self._open_until = None, 0, 0.0


class RedisGuard:
    """The same, shared by every worker through Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_TAKE)

    def _take(self, rate: float) -> float:
        return float(self._script(keys=[_BUCKET_KEY], args=[rate, _burst(rate)]))

    def open_for(self) -> float:
        ttl = self._redis.pttl(_OPEN_KEY)
        return ttl / 1000 if ttl and ttl > 0 else 0.0

    def failed(self, threshold: int, cooldown: float) -> None:
        pipe = self._redis.pipeline()
        pipe.incr(_FAILURES_KEY)
        pipe.expire(_FAILURES_KEY, int(cooldown * 4) + 1)
        failures, _ = pipe.execute()
        if failures >= threshold:
            self._redis.set(_OPEN_KEY, "1", px=int(cooldown * 1000))

    def succeeded(self) -> None:
        self._redis.delete(_FAILURES_KEY, _OPEN_KEY)

    def reset(self) -> None:
        self._redis.delete(_BUCKET_KEY, _FAILURES_KEY, _OPEN_KEY)


@lru_cache(maxsize=2)
def _guard(broker: str) -> LocalGuard | RedisGuard:
    return RedisGuard(broker) if broker.startswith(("redis://", "rediss://")) else LocalGuard()


def get_guard() -> LocalGuard | RedisGuard:
    return _guard(settings.CELERY_BROKER_URL or "")


def before_call() -> None:
    """Refuse while the circuit is open; otherwise wait for a token. Raises InsiTemporaryError."""
    guard = get_guard()
    remaining = guard.open_for()
    if remaining:
        raise InsiTemporaryError("Le téléservice INSi est indisponible (trop d'échecs récents) : "
                                 "nouvelle tentative plus tard.", retry_after=remaining)
    rate = float(settings.INSI_RATE_LIMIT)
    if rate <= 0:
        return
    while (wait := guard._take(rate)) > 0:
        time.sleep(wait)


def after_call(*, temporary_failure: bool) -> None:
    """Count a temporary failure towards opening the circuit, or close it on a successful answer."""
    guard = get_guard()
    if temporary_failure:
        guard.failed(settings.INSI_BREAKER_THRESHOLD, settings.INSI_BREAKER_COOLDOWN)
    else:
        guard.succeeded()
