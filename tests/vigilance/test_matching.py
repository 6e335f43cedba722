"""The matching engine on real French name cases: pure functions, no database."""

from __future__ import annotations

import pytest

from vigilance.matching import Parameters, Record, blocking_keys, compare_dates, prepare, score_pair
from vigilance.matching.blocking import street_key
from vigilance.matching.identifiers import nir_fits
from vigilance.matching.names import compact, phonetic

P = Parameters()


@pytest.mark.parametrize(("a", "b"), [
    ("GAUTHIER", "GAUTIER"), ("GAUTIER", "GOTHIER"), ("DUPOND", "DUPONT"), ("LEFEBVRE", "LEFEVRE"),
    ("RENAULT", "RENAUD"), ("PHILIPPE", "FILIPE"), ("CATHERINE", "KATHERINE"), ("MEUNIER", "MEUNNIER"),
    ("François", "FRANCOIS"), ("SCHMITT", "CHMIT"), ("MARTIN", "MARTAIN"), ("ROUSSEAU", "ROUSSO"),
    ("LAURENT", "LORENT"), ("BERNARD", "BERNART"), ("Hélène", "ELENE"),
])
def test_phonetic_groups_french_spellings(a, b):
    assert phonetic(a) == phonetic(b)


@pytest.mark.parametrize(("a", "b"), [("MARTIN", "MARTINEZ"), ("GUERIN", "GERIN"), ("PETIT", "PETITJEAN"),
                                      ("LEROY", "LEROUX")])
def test_phonetic_keeps_different_names_apart(a, b):
    assert phonetic(a) != phonetic(b)


@pytest.mark.parametrize(("raw", "expected"), [
    ("De la Fontaine", "FONTAINE"), ("D'ARTAGNAN", "ARTAGNAN"), ("Le  Goff", "GOFF"), ("LEGOFF", "LEGOFF"),
    ("Jean-Pierre", "JEANPIERRE"), ("Dupont\u2013Durand", "DUPONTDURAND"), ("DE", "DE"), ("Œuvrard", "OEUVRARD"),
])
def test_compact_drops_particles_and_separators(raw, expected):
    assert compact(raw) == expected


@pytest.mark.parametrize(("a", "b", "level"), [
    ("1980-05-12", "1980-05-12", "exact"), ("1980-05-12", "1980-12-05", "swapped"),
    ("1980-05-12", "1980-05-13", "typo"), ("1980-05-12", "1908-05-12", "typo"),
    ("1980-05-12", "1980-00-00", "compatible"), ("1980-05-00", "1980-05-21", "compatible"),
    ("1980-01-01", "1980-07-14", "default"), ("1980-05-12", "1981-07-14", "different"),
    ("", "1980-05-12", "missing"),
])
def test_birth_dates_know_usual_errors(a, b, level):
    assert compare_dates(a, b) == level


@pytest.mark.parametrize(("nir", "sex", "date", "fits"), [
    ("1800575056123", "M", "1980-05-12", True), ("2800575056123", "M", "1980-05-12", False),
    ("1800575056123", "M", "2012-05-12", False), ("1800575056123", "", "", True),
])
def test_a_parent_nir_does_not_fit(nir, sex, date, fits):
    assert nir_fits(nir, sex=sex, birth_date=date) is fits


def rec(i, name, first, date, sex="M", place="75056", **kw):
    return prepare(Record(i, birth_name=name, first_names=first, first_name=first.split()[0], birth_date=date,
                          sex=sex, birth_place=place, **kw))


BASE = rec(1, "GAUTHIER", "JEAN PIERRE", "1980-05-12", nir="180057505612345", postcode="75011")
DUPLICATES = [
    ("phonetic name", rec(2, "GOTIER", "JEAN", "1980-05-12")),
    ("day/month swapped", rec(3, "GAUTHIER", "JEAN", "1980-12-05")),
    ("second first name", rec(4, "GAUTHIER", "PIERRE", "1980-05-12", nir="180057505612345")),
    ("one digit wrong, NIR typo", rec(5, "GAUTHIER", "JEAN", "1980-05-13", nir="180057505612845")),
    ("no birth place", rec(6, "GAUTHIER", "JEAN", "1980-05-12", place="")),
    ("names swapped", rec(7, "JEAN", "GAUTHIER", "1980-05-12")),
]
NOT_DUPLICATES = [
    ("twin brother", rec(10, "GAUTHIER", "PAUL", "1980-05-12", nir="180057505612499")),
    ("father, same first name", rec(11, "GAUTHIER", "JEAN", "1952-03-02", nir="152037505600123")),
    ("son, same first name", rec(12, "GAUTHIER", "JEAN", "2011-05-12", place="69123")),
    ("homonym born the same day elsewhere", rec(13, "GAUTHIER", "JEAN", "1980-05-12", place="13055",
                                                nir="180051305500245")),
    ("sister", rec(14, "GAUTHIER", "MARIE", "1983-08-30", sex="F")),
    ("twin sister, birth date defaulted to 01/01", rec(15, "GAUTHIER", "ALICE", "1980-01-01", sex="F")),
    ("twin, sex unknown on one record", rec(16, "GAUTHIER", "PAUL", "1980-05-12", sex="")),
    ("brother at the same address", rec(17, "GAUTHIER", "LUC", "1983-02-09", postcode="75011",
                                         address="12 RUE DE LA GARE", city="PARIS")),
]


@pytest.mark.parametrize(("label", "other"), DUPLICATES, ids=[c[0] for c in DUPLICATES])
def test_duplicates_score_high(label, other):
    assert score_pair(BASE, other, P).probability >= 0.9, label


@pytest.mark.parametrize(("label", "other"), NOT_DUPLICATES, ids=[c[0] for c in NOT_DUPLICATES])
def test_hard_negatives_score_low(label, other):
    assert score_pair(BASE, other, P).probability < 0.5, label


def test_married_name_typed_as_birth_name():
    married = rec(20, "DURAND", "MARIE", "1975-02-03", sex="F")
    birth = rec(21, "MARTIN", "MARIE", "1975-02-03", sex="F", used_name="DURAND")
    score = score_pair(married, birth, P)
    assert score.probability >= 0.9
    assert "birth_name:used" in score.codes


def test_every_candidate_carries_its_reasons():
    score = score_pair(BASE, DUPLICATES[1][1], P)
    assert {"birth_date:swapped", "birth_name:exact", "first_name:exact"} <= {r.code for r in score.reasons}


def test_twins_carry_the_twins_rule():
    assert "rule:twins" in score_pair(BASE, NOT_DUPLICATES[0][1], P).codes


@pytest.mark.parametrize(("label", "other"), DUPLICATES, ids=[c[0] for c in DUPLICATES])
def test_each_duplicate_shares_a_blocking_key(label, other):
    assert set(blocking_keys(BASE)) & set(blocking_keys(other)), label


def test_home_counts_once():
    """Address, postcode and city say where one lives: a household must not add them up."""
    home = {"address": "12 RUE DE LA GARE", "postcode": "75011", "city": "PARIS"}
    a, b = rec(30, "MARTIN", "JEAN", "1980-05-12", **home), rec(31, "MARTIN", "JEAN", "1980-05-12", **home)
    assert [r.code for r in score_pair(a, b, P).reasons if r.field == "home"] == ["home:same"]


@pytest.mark.parametrize(("b", "level"), [
    ({"address": "12 RUE DE LA GAR", "postcode": "75011", "city": "PARIS"}, "same"),
    ({"address": "12 RUE DE LA GARE", "postcode": "75012", "city": "LYON"}, "street"),
    ({"address": "3 AVENUE FOCH", "postcode": "75011", "city": "PARIS"}, "town"),
    ({"address": "3 AVENUE FOCH", "postcode": "75011", "city": "LYON"}, "area"),
    ({"address": "3 AVENUE FOCH", "postcode": "69003", "city": "LYON"}, "different"),
])
def test_home_levels(b, level):
    a = rec(30, "MARTIN", "JEAN", "1980-05-12", address="12 RUE DE LA GARE", postcode="75011", city="PARIS")
    assert f"home:{level}" in score_pair(a, rec(31, "MARTIN", "JEAN", "1980-05-12", **b), P).codes


@pytest.mark.parametrize(("a", "b"), [
    (("GAUTHIER", "JEAN"), ("GUATHIER", "JAEN")),  # typos after the first letters
    (("GAUTHIER", "JEAN"), ("JEAN", "GAUTHIER")),  # name and first name swapped
    (("GAUTHIER", "JEAN"), ("DUPONT", "JEAN")),  # birth name replaced
])
def test_same_birth_date_and_an_initial_share_a_key(a, b):
    x, y = rec(40, *a, "1980-05-12"), rec(41, *b, "1980-05-12")
    assert set(blocking_keys(x)) & set(blocking_keys(y))


def test_parameters_roundtrip_and_override():
    params = Parameters.from_dict(P.as_dict())
    assert params.weight("birth_name", "exact") == P.weight("birth_name", "exact")
    assert Parameters.from_dict({}).prior == P.prior


def test_a_birth_name_typed_as_first_name_is_crossed():
    a, b = rec(50, "REDMOND", "MELIASA", "1950-11-14"), rec(51, "MELISSA", "REDNOND", "1950-11-14")
    assert "birth_name:crossed" in score_pair(a, b, P).codes


@pytest.mark.parametrize(("address", "key"), [
    ("12 RUE DE LA GARE", "12GARE"), ("12 AVENUE JEAN JAURES", "12JEAN"), ("12 BALLUMBIR STREET HORNBY", "12BALL"),
    ("RUE DE LA GARE", ""), ("12 RUE", ""),
])
def test_street_key_skips_street_words(address, key):
    assert street_key(address) == key


def test_em_learns_a_trait_from_pairs_not_blocked_on_it():
    """Every E/P pair agrees on the date by construction; C pairs (names, any date) show how often it differs."""
    from collections import Counter

    from vigilance.matching import estimate

    def vector(name, first, date, home):
        return (name, first, date, "missing", "missing", "missing", home)

    observations = Counter({
        (vector("exact", "exact", "exact", "same"), 0.0, "CEP"): 900,
        (vector("exact", "exact", "different", "same"), 0.0, "C"): 100,  # true pairs with a wrong date
        (vector("exact", "exact", "different", "different"), 0.0, "C"): 3000,  # homonyms
        (vector("different", "different", "exact", "different"), 0.0, "E"): 3000,
    })
    random_pairs = Counter({vector("different", "different", "different", "different"): 9800,
                            vector("exact", "different", "different", "different"): 100,
                            vector("different", "exact", "different", "different"): 100})
    m = estimate(observations, random_pairs, 10**7).m
    assert 0.05 < m["birth_date"]["different"] < 0.2


def test_homonyms_born_the_same_day_in_another_place_carry_the_homonyms_rule():
    a = rec(60, "TESSIER", "DAVID", "1941-07-14", place="99352")
    b = rec(61, "TESSIER", "DAVID", "1941-07-14", place="42218")
    assert "rule:homonyms" in score_pair(a, b, P).codes
    assert score_pair(a, b, P).probability < 0.5
