"""PostgreSQL restarting in the middle of a verification campaign is survived.

The campaign command and a real Celery worker reach PostgreSQL through a TCP
relay that this test controls. "Restarting" cuts every open connection and
refuses new ones for a few seconds, which is what the clients see when the
server restarts, without stopping the PostgreSQL that other suites share.
Afterwards every identity is verified once, and nothing is left queued.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from identities.insi.simulator import Simulator, SimulatorServer
from identities.insi.simulator.population import Person, _ins
from identities.models import InsiRequest, PatientIdentity
from identities.rules.nir import nir_key

REDIS_URL = os.environ.get("PG_RESTART_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ROOT = Path(__file__).resolve().parents[2]
COUNT = 30
DOWN_SECONDS = 4

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL: the "
                       "campaign and worker processes must share the test database"),
]


class RestartingRelay:
    """A TCP relay to PostgreSQL; restart() cuts every connection and refuses new ones for a while."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.cut = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()  # the server is not back yet
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        _shut(source, sink)

    def restart(self, down_seconds: float) -> None:
        self.down.set()
        with self.lock:
            self.cut += len(self.open) // 2
            _shut(*self.open)
            self.open.clear()
        time.sleep(down_seconds)
        self.down.clear()

    def close(self) -> None:
        self.listener.close()


def _shut(*ends: socket.socket) -> None:
    for end in ends:
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


def _redis_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()  # a private database: no queue or rate-limit state from another run
        return True
    except redis.RedisError:
        return False


def _people() -> list[Person]:
    people = []
    for order in range(1, COUNT + 1):
        matricule = f"18005632200{order:02d}"
        people.append(Person(f"RELANCE{chr(64 + order % 26 + 1)}", "PAUL", "M", f"1980-05-{order % 28 + 1:02d}",
                             "63220", _ins(matricule + nir_key(matricule))))
    return people


def _env(relay: RestartingRelay, insi_url: str) -> dict[str, str]:
    db = connection.settings_dict
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "insportal.settings", "DJANGO_SECRET_KEY": "restart-test",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@127.0.0.1:{relay.port}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL, "INSI_ENDPOINT": insi_url, "INSI_RATE_LIMIT": "0"}


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_campaign_survives_postgresql_restarting(transactional_db, facility):
    if not _redis_ok():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    people = _people()
    for number, person in enumerate(people):
        PatientIdentity.objects.create(
            facility=facility, source_id=f"PGR{number}", birth_name=person.birth_name, first_names="PAUL",
            first_name="PAUL", sex="M", birth_date=person.birth_date, birth_place="63220",
            ins_matricule=person.ins.value, ins_oid=person.ins.oid, traits_from_insi=True, status="RECUP")
    simulator = SimulatorServer(Simulator(people)).start()
    simulator.app.configure(latency_ms=250)  # 30 calls on 2 worker processes: about 4 seconds of campaign
    db = connection.settings_dict
    relay = RestartingRelay(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    env = _env(relay, simulator.url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "insportal", "worker", "-c", "2", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    campaign = subprocess.Popen(
        [sys.executable, "manage.py", "insi_campaign", "--name", "restart", "--no-progress"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        done = InsiRequest.objects.filter(campaign="restart", state="done")
        _wait(lambda: done.count() >= 3, 60, "the campaign to get going")
        relay.restart(DOWN_SECONDS)
        assert relay.cut >= 2, "the worker and the campaign were both connected when PostgreSQL went down"
        output, errors = campaign.communicate(timeout=180)
        assert campaign.returncode == 0, errors[-2000:]
    finally:
        for process in (campaign, worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        relay.close()
        simulator.stop()
    requests = InsiRequest.objects.filter(campaign="restart")
    assert requests.count() == COUNT, "one request per identity, none duplicated by the retries"
    assert sorted(set(requests.values_list("state", "outcome"))) == [("done", "confirmed")]
    assert f"confirmed {COUNT}" in output
    assert not PatientIdentity.objects.exclude(status="RECUP").exists()
