"""A Celery worker killed (SIGKILL) in the middle of an INSi call leaves nothing half done:
the message is not acknowledged (acks_late), another worker gets it and finishes the request once."""

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

from identities.insi.simulator import Simulator, SimulatorServer
from identities.models import IdentityEvent, InsiRequest, PatientIdentity
from identities.services.insi import insi_request_search

REDIS_URL = os.environ.get("SECURITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
ROOT = Path(__file__).resolve().parents[2]
VISIBILITY = 3  # seconds before Redis hands an unacknowledged task to another worker

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL: the worker "
                       "processes must share the test database"),
]


def _redis_ok() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def broker(transactional_db, monkeypatch):
    if not _redis_ok():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    from insportal.celery import app

    queue = f"kill-it-{uuid.uuid4().hex[:8]}"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
    app._pool = None
    app.amqp._producer_pool = None
    yield queue
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def _start_worker(queue: str, insi_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insportal.settings", "DJANGO_SECRET_KEY": "worker-test",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CELERY_BROKER_URL": REDIS_URL, "INSI_ENDPOINT": insi_url, "INSI_RATE_LIMIT": "0",
           "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "insportal", "worker", "-Q", queue, "-c", "1", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=15)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_call_leaves_the_request_to_another_worker(broker, facility, agent):
    simulator = SimulatorServer(Simulator()).start()
    simulator.app.configure(latency_ms=4000, fault="", fault_count=0)  # a slow teleservice: time to kill
    identity = PatientIdentity.objects.create(facility=facility, source_id="KILL1", birth_name="ADRTROIS",
                                              first_names="DOMINIQUE", first_name="DOMINIQUE", sex="F",
                                              birth_date="1997-02-26", birth_place="2A020")
    first = _start_worker(broker, simulator.url)
    second = None
    try:
        request = insi_request_search(identity=identity, acting_user=agent)
        _wait(lambda: InsiRequest.objects.get(pk=request.pk).state == "running", 30, "the first worker to start")
        time.sleep(1)  # now inside the 4-second call
        _stop(first, signal.SIGKILL)
        # Killed mid-call: the identity is untouched and the request is still to be done, not lost.
        identity.refresh_from_db()
        assert (identity.status, identity.ins_matricule) == ("PROV", "")
        assert InsiRequest.objects.get(pk=request.pk).state == "running"
        time.sleep(VISIBILITY + 1)
        simulator.app.configure(latency_ms=20)
        second = _start_worker(broker, simulator.url)
        _wait(lambda: InsiRequest.objects.get(pk=request.pk).state in ("done", "failed"), 60,
              "the second worker to finish the request")
        request.refresh_from_db()
        identity.refresh_from_db()
        assert (request.state, request.outcome) == ("done", "00")
        assert identity.ins_matricule == "297022A02077878"
        # Done once: one result event for the request, whatever the killed worker had started.
        assert IdentityEvent.objects.filter(identity=identity, kind="insi.succeeded").count() == 1
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
        simulator.stop()
