"""A real Celery worker on Redis runs the INSi tasks against PostgreSQL and the simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from identities.models import InsiCall, InsiRequest
from identities.services.insi import insi_request_search, insi_request_verify

REDIS_URL = os.environ.get("INSI_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not settings.IS_POSTGRES,
                       reason="needs DATABASE_URL pointing at PostgreSQL: the worker process must see the test "
                              "database (SQLite in-memory test databases are private to this process)"),
]


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker(transactional_db, simulator_server, monkeypatch):
    """A `celery -A insportal worker` on a private queue; this process enqueues to it through Redis."""
    if not _redis_available():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    from insportal.celery import app

    queue = f"insi-it-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insportal.settings", "DJANGO_SECRET_KEY": "worker-test",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CELERY_BROKER_URL": REDIS_URL, "INSI_ENDPOINT": simulator_server.url, "INSI_RATE_LIMIT": "50",
           "INSI_MAX_RETRIES": "3", "INSI_BREAKER_THRESHOLD": "10"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "insportal", "worker", "-Q", queue, "-c", "2", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
    app._pool = None  # connections made for another broker must not be reused
    app.amqp._producer_pool = None
    yield process
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _wait_finished(ids: list[int], process, timeout: float = 45) -> list[InsiRequest]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        requests = list(InsiRequest.objects.filter(pk__in=ids).order_by("pk"))
        if all(r.state in ("done", "failed") for r in requests):
            return requests
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        time.sleep(0.2)
    pytest.fail(f"worker did not finish: {[(r.pk, r.state, r.message) for r in requests]}")


def test_worker_runs_searches_retries_and_verifications(worker, simulator_server, make_identity, agent):
    simulator_server.app.configure(latency_ms=20, fault="unavailable", fault_count=1)
    adrtrois = make_identity("ADRTROIS", "DOMINIQUE", "F", "1997-02-26")
    houilles = make_identity("HOUILLES", "PIERRE PAUL", "M", "1993-01-27")
    corse = make_identity("CORSE", "ANTHONY", "M", "1980-03-02", "2B020", ins_matricule="180032B02040123",
                          ins_oid="1.2.250.1.213.1.4.8", traits_from_insi=True, status="RECUP")
    requests = [insi_request_search(identity=adrtrois, acting_user=agent),
                insi_request_search(identity=houilles, acting_user=agent),
                insi_request_verify(identity=corse, acting_user=agent)]
    done = _wait_finished([r.pk for r in requests], worker)
    assert [(r.state, r.outcome) for r in done] == [("done", "00"), ("done", "01"), ("done", "confirmed")]
    adrtrois.refresh_from_db()
    assert adrtrois.status == "RECUP"
    assert adrtrois.ins_matricule == "297022A02077878"
    # The injected unavailability hit one call, which the worker retried after a backoff.
    outcomes = list(InsiCall.objects.values_list("outcome", flat=True))
    assert outcomes.count("temporary") == 1
    assert InsiCall.objects.filter(fault_detail="insi_102").count() == 1
