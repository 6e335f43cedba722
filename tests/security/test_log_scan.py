"""The log scanner (tests/logscan_plugin.py) recognises patient data; the app logs none of it."""

from __future__ import annotations

import logging

from tests import logscan_plugin
from tests.logscan_plugin import find_leaks


def test_scanner_finds_nirs_with_a_valid_key_and_cnda_names():
    assert find_leaks("call for 275126322074974 done") == ["275126322074974"]
    assert find_leaks("nir 2 75 12 63220 749 74") == []  # the spaced-out form is a person's, not a log's
    assert find_leaks("nir 2751263220749 74") == ["275126322074974"]
    assert find_leaks("identity ADRUN ZOE") == ["ADRUN"]
    assert find_leaks("message 123456789012345 id 550e8400-e29b-41d4-a716-446655440000") == []


def test_the_scanner_is_attached_during_tests():
    assert logscan_plugin._handler in logging.getLogger().handlers


def test_identity_reads_and_writes_log_no_traits(client, agent, make_identity):
    before = len(logscan_plugin._handler.leaks)
    identity = make_identity(source_id="LOG1", birth_name="ADRUN", first_names="ZOE", sex="F",
                             birth_date="1975-12-31", birth_place="63220", nir="275126322074974")
    client.force_login(agent)
    client.get(f"/identities/{identity.public_id}/")
    client.get(f"/api/v1/identities/{identity.public_id}/")
    client.get("/fhir/Patient", {"family": "ADRUN"})
    client.post("/api/v1/identities/", {"birth_name": "ADRUN", "nir": "275126322074974 bad"}, format="json")
    assert logscan_plugin._handler.leaks[before:] == []
