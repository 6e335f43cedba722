"""The calling strategy with scripted answers (no network)."""

from __future__ import annotations

import pytest

from identities.insi import strategy
from identities.insi.errors import InsiTemporaryError
from identities.insi.fake import FakeInsiClient
from identities.insi.types import Ins, InsiIdentity, SearchResult, TraitsQuery

IDENTITY = InsiIdentity(Ins("1090763220834", "89", "1.2.250.1.213.1.4.8"),
                        (Ins("2090663220123", "55", "1.2.250.1.213.1.4.9"),),
                        "ECETINSI", "PIERRE-ALAIN MURIEL", "M", "2009-07-14", "63220")
FOUND, NONE, SEVERAL = SearchResult("00", identity=IDENTITY), SearchResult("01"), SearchResult("02")
QUERY = TraitsQuery("ECETINSI", ("PIERRE-ALAIN", "MURIEL"), "M", "2009-07-14", "63220")


def _sent(client):
    return [(q.first_names, q.birth_place) for q in client.queries]


def test_one_call_per_first_name_then_all_together():
    client = FakeInsiClient(NONE, NONE, FOUND)
    assert strategy.search(client, QUERY).result.code == "00"
    assert _sent(client) == [(("PIERRE-ALAIN",), ""), (("MURIEL",), ""), (("PIERRE-ALAIN MURIEL",), "")]


def test_02_retried_with_birth_place():
    client = FakeInsiClient(SEVERAL, NONE, NONE, FOUND)
    run = strategy.search(client, QUERY)
    assert (run.result.code, run.attempts) == ("00", 4)
    assert _sent(client)[-1] == (("PIERRE-ALAIN",), "63220")


def test_02_without_birth_place_is_the_answer():
    client = FakeInsiClient(SEVERAL)
    assert strategy.search(client, TraitsQuery("DE VINCI", ("LEONARDO",), "M", "2014-02-01")).result.code == "02"


def test_technical_error_stops_the_loop():
    client = FakeInsiClient(NONE, InsiTemporaryError("down"))
    with pytest.raises(InsiTemporaryError):
        strategy.search(client, QUERY)
    assert len(client.queries) == 2


@pytest.mark.parametrize(("stored", "outcome"), [
    ("109076322083489", "confirmed"), ("209066322012355", "changed"), ("111111111111111", "mismatch"),
])
def test_verify_outcomes(stored, outcome):
    assert strategy.verify(FakeInsiClient(FOUND), QUERY, stored).outcome == outcome


def test_verify_not_found():
    assert strategy.verify(FakeInsiClient(NONE), QUERY, "109076322083489").outcome == "not_found"
