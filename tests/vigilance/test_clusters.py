"""Pairs linked through other records of the same person: pure functions, no database."""

from __future__ import annotations

import pytest

from vigilance.matching import WORKLIST_THRESHOLD, Parameters, Record, blocking_keys, linked_score, prepare, score_pair
from vigilance.matching.clusters import MAX_GROUP, PATH_CAP, best_paths, linked_pairs, strong_links

P = Parameters()
MARIE = dict(first_names="MARIE", first_name="MARIE", sex="F", birth_place="75056")
HOME = dict(address="12 RUE DE LA GARE", postcode="75011", city="PARIS")
# Married name typed as birth name at one desk, the full identity at another, the day and month swapped at a third.
MARRIED = prepare(Record(1, birth_name="DURAND", birth_date="1975-02-03", **MARIE))
FULL = prepare(Record(2, birth_name="MARTIN", used_name="DURAND", birth_date="1975-02-03", **MARIE, **HOME))
SWAPPED = prepare(Record(3, birth_name="MARTIN", birth_date="1975-03-02", **MARIE, **HOME))


def test_a_chain_of_strong_links_yields_the_pair_it_skips_with_the_path_probability():
    assert list(linked_pairs({(1, 2): 0.999, (2, 3): 0.995})) == [(1, 3, pytest.approx(0.999 * 0.995))]


def test_the_surest_path_counts():
    adjacency = strong_links({(1, 2): 0.991, (2, 4): 0.991, (1, 3): 0.9999, (3, 4): 0.9999})
    assert best_paths(adjacency, 1)[4] == pytest.approx(0.9999 ** 2)


def test_a_path_is_never_surer_than_the_cap():
    assert [p for _, _, p in linked_pairs({(1, 2): 1.0, (2, 3): 1.0})] == [PATH_CAP]


def test_a_doubtful_link_chains_nothing():
    assert not list(linked_pairs({(1, 2): 0.999, (2, 3): 0.95}))


def test_a_group_larger_than_a_person_is_left_alone():
    chain = {(i, i + 1): 0.999 for i in range(MAX_GROUP)}  # MAX_GROUP + 1 look-alikes in a row
    assert not list(linked_pairs(chain))
    assert list(linked_pairs({k: v for k, v in chain.items() if k[0] < 5}))


def test_records_sharing_no_key_are_linked_through_a_third():
    assert not set(blocking_keys(MARRIED)) & set(blocking_keys(SWAPPED))
    direct = score_pair(MARRIED, SWAPPED, P)
    assert direct.probability < WORKLIST_THRESHOLD
    linked = linked_score(direct, score_pair(MARRIED, FULL, P).probability * score_pair(FULL, SWAPPED, P).probability,
                          P)
    assert linked.probability >= WORKLIST_THRESHOLD
    assert linked.reasons[-1].code == "rule:linked"
    assert linked.reasons[:-1] == direct.reasons


def test_twins_stay_apart_even_through_the_surest_path():
    brother = prepare(Record(4, birth_name="GAUTHIER", first_names="JEAN", first_name="JEAN", birth_date="1980-05-12",
                             sex="M", birth_place="75056"))
    twin = prepare(Record(5, birth_name="GAUTHIER", first_names="PAUL", first_name="PAUL", birth_date="1980-05-12",
                          sex="M", birth_place="75056"))
    assert linked_score(score_pair(brother, twin, P), PATH_CAP, P).probability < 0.5
