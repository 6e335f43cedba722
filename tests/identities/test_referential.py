"""Birth-place referential: lookups and search over the shipped INSEE COG data (no database)."""

from __future__ import annotations

import time

import pytest

from identities.referential import BirthPlace, birth_place_exists, birth_place_get, birth_place_search


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # The CNDA test identities are born in 63220.
        ("63220", BirthPlace("63220", "Mazoires", "commune", "63", "63220")),
        ("2A004", BirthPlace("2A004", "Ajaccio", "commune", "2A", "2A004")),
        ("2B033", BirthPlace("2B033", "Bastia", "commune", "2B", "2B033")),
        ("75056", BirthPlace("75056", "Paris", "commune", "75", "75056")),
        ("75101", BirthPlace("75101", "Paris 1er Arrondissement", "arrondissement", "75", "75101")),
        ("69381", BirthPlace("69381", "Lyon 1er Arrondissement", "arrondissement", "69", "69381")),
        ("13201", BirthPlace("13201", "Marseille 1er Arrondissement", "arrondissement", "13", "13201")),
        ("97411", BirthPlace("97411", "Saint-Denis", "commune", "974", "97411")),
        ("98735", BirthPlace("98735", "Papeete", "commune", "987", "98735")),
        # Gennes became a delegated commune of the commune nouvelle Gennes-Val-de-Loire.
        ("49149", BirthPlace("49149", "Gennes", "delegated_commune", "49", "49261")),
        # Amareins merged into Francheleins (1974).
        ("01003", BirthPlace("01003", "Amareins", "former_commune", "01", "01165")),
        # Corsica was one department (20) before 1976: its old codes stay valid birth places.
        ("20004", BirthPlace("20004", "Ajaccio", "former_commune", "20", "2A004")),
        # Moved from Ain to Rhône (1967), then merged into Rillieux-la-Pape.
        ("01132", BirthPlace("01132", "Crépieux-la-Pape", "former_commune", "01", "69286")),
        ("99100", BirthPlace("99100", "France", "country", "", "99100")),
        ("99134", BirthPlace("99134", "Espagne", "country", "", "99134")),
        ("99352", BirthPlace("99352", "Algérie", "country", "", "99352")),
        ("99350", BirthPlace("99350", "Maroc", "country", "", "99350")),
        ("99109", BirthPlace("99109", "Allemagne", "country", "", "99109")),
        ("99999", BirthPlace("99999", "Lieu de naissance inconnu", "unknown", "", "99999")),
    ],
)
def test_get_known_codes(code: str, expected: BirthPlace) -> None:
    assert birth_place_get(code) == expected
    assert birth_place_exists(code)


@pytest.mark.parametrize("code", ["00000", "20000", "99000", "63999", "", "ABCDE", "6322"])
def test_unknown_code_is_none(code: str) -> None:
    assert birth_place_get(code) is None
    assert not birth_place_exists(code)


def test_get_tolerates_lower_case_and_spaces() -> None:
    assert birth_place_get(" 2a004 ") == birth_place_get("2A004")


def test_code_shared_by_commune_nouvelle_and_delegated_commune_prefers_current() -> None:
    # 01015 is both the commune nouvelle Arboys en Bugey and its delegated commune Arbignieu.
    assert birth_place_get("01015") == BirthPlace("01015", "Arboys en Bugey", "commune", "01", "01015")
    assert birth_place_search("Arbignieu") == [BirthPlace("01015", "Arbignieu", "delegated_commune", "01", "01015")]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Ajaccio", "2A004"),
        ("ajaccio", "2A004"),
        ("AJACCIO", "2A004"),
        ("Saint-Étienne", "42218"),
        ("saint etienne", "42218"),
        ("st etienne", "42218"),
        ("St-Étienne", "42218"),
        ("Algérie", "99352"),
        ("algerie", "99352"),
        ("espagne", "99134"),
        ("Clermont-Ferrand", "63113"),
        ("clermont ferrand", "63113"),
        ("Mazoires", "63220"),
        ("Œuf-en-Ternois", "62633"),
        ("oeuf en ternois", "62633"),
        ("amareins", "01003"),
        ("guernesey", "99132"),
        ("inconnu", "99999"),
    ],
)
def test_search_by_name(query: str, first: str) -> None:
    assert birth_place_search(query)[0].code == first


def test_search_puts_current_before_former() -> None:
    # Ajaccio has its current code 2A004 and its pre-1976 code 20004.
    assert [p.code for p in birth_place_search("Ajaccio")] == ["2A004", "20004"]


def test_search_matches_later_words() -> None:
    codes = {p.code for p in birth_place_search("denis", limit=50)}
    assert {"97411", "93066"} <= codes


def test_search_exact_name_first() -> None:
    assert birth_place_search("Paris")[0] == birth_place_get("75056")
    assert "75101" in {p.code for p in birth_place_search("paris", limit=30)}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("6322", ["63220", "63221", "63222", "63223", "63224"]),
        ("2a00", ["2A001", "2A004", "2A006", "2A008"]),
        ("9913", ["99130", "99131", "99132", "99133", "99134"]),
        ("99999", ["99999"]),
    ],
)
def test_search_by_code_prefix(prefix: str, expected: list[str]) -> None:
    assert [p.code for p in birth_place_search(prefix, limit=5)] == expected


@pytest.mark.parametrize("query", ["", "   ", "zzzzqx", "--"])
def test_search_without_match(query: str) -> None:
    assert birth_place_search(query) == []


def test_search_respects_limit() -> None:
    assert len(birth_place_search("saint", limit=7)) == 7


def test_search_is_fast() -> None:
    birth_place_search("warm up")
    start = time.perf_counter()
    for query in ("saint", "mont", "ajaccio", "st denis", "la"):
        birth_place_search(query)
    # Five queries well under 5 ms each on a developer machine; the bound leaves room for slow CI.
    assert time.perf_counter() - start < 0.25
