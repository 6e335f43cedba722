"""The simulator answers for local identities carrying a declared NIR (consistency with the demo data)."""

from __future__ import annotations

import pytest

from identities.insi.simulator import Simulator, SimulatorServer, population_from_database
from identities.insi.types import TraitsQuery
from identities.insi.zeep_client import ZeepInsiClient

pytestmark = pytest.mark.django_db


def test_local_declared_nirs_become_insi_identities(make_identity):
    make_identity("MARTIN", "JEANNE LOUISE", "F", "1975-12-31", "75056", nir="275127505601272")
    make_identity("DURAND", "PAUL", "M", "1980-01-01", nir="180017505600199")  # wrong key: left out
    make_identity("PETIT", "LEA", "", "1990-01-01", nir="290017505600145")  # no sex: left out
    people = population_from_database()
    assert [p.ins.value for p in people] == ["275127505601272"]
    server = SimulatorServer(Simulator(people, with_cnda=False)).start()
    try:
        client = ZeepInsiClient(endpoint=server.url, timeout=2)
        result = client.search_by_traits(TraitsQuery("MARTIN", ("LOUISE",), "F", "1975-12-31"))
    finally:
        server.stop()
    assert result.code == "00"
    assert result.identity.ins.value == "275127505601272"
    assert result.identity.first_names == "JEANNE LOUISE"
