"""INSi fixtures: a real simulator on loopback shared by the module, settings pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from identities.insi import guard
from identities.insi.simulator import Simulator, SimulatorServer
from identities.models import PatientIdentity

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "insi-contract"


@pytest.fixture(scope="session")
def simulator_server():
    server = SimulatorServer(Simulator()).start()
    yield server
    server.stop()


@pytest.fixture
def eager_retries():
    """Eager tasks that retry: Celery re-raises Retry when eager exceptions propagate, so they must not."""
    from insportal.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.fixture
def simulator(simulator_server, settings, eager_retries):
    """The running simulator, reset, with the project's INSi settings pointing at it."""
    app = simulator_server.app
    app.configure(latency_ms=0, fault="", fault_count=0, timeout_s=30.0, known_idams=())
    settings.INSI_ENDPOINT = simulator_server.url
    settings.INSI_CLIENT = "identities.insi.zeep_client.ZeepInsiClient"
    settings.INSI_RATE_LIMIT = 0
    settings.INSI_MAX_RETRIES = 2
    settings.INSI_BREAKER_THRESHOLD = 50
    guard.get_guard().reset()
    yield app
    guard.get_guard().reset()


@pytest.fixture
def make_identity(facility):
    counter = iter(range(1, 10_000))

    def make(birth_name: str, first_names: str, sex: str, birth_date: str, birth_place: str = "", **extra):
        return PatientIdentity.objects.create(
            facility=facility, source_id=f"T{next(counter)}", birth_name=birth_name, first_names=first_names,
            first_name=(first_names.split() or [""])[0], sex=sex, birth_date=birth_date, birth_place=birth_place,
            **extra)

    return make
