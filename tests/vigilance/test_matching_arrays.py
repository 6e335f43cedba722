"""The array engine: pairs from flat blocks, tables joined from parts, counted comparisons."""

from __future__ import annotations

import numpy as np

from vigilance.matching import (
    Parameters,
    Record,
    Table,
    block_pairs,
    compare,
    kinded_pairs,
    observations,
    random_vectors,
    score_pairs,
)

JEAN = Record(1, "GAUTHIER", "JEAN PIERRE", "JEAN", "1980-05-12", "M", "75056", nir="1800575056123",
              address="12 RUE DE LA GARE", postcode="75011", city="PARIS")
RECORDS = [
    JEAN,
    Record(2, "GAUTIER", "JEAN", "JEAN", "1980-12-05", "M", "75056", address="12 RUE DE LA GARRE", postcode="75011"),
    Record(3, "GAUTHIER", "PAUL", "PAUL", "1980-05-12", "M", "75056"),  # twin
    Record(4, "JEAN", "GAUTHIER", "GAUTHIER", "1980-05-12", "M"),  # names swapped
    Record(5, "DURAND", "MARIE", "MARIE", "1975-02-03", "F", used_name="MARTIN", nir="2750275056124"),
    Record(6, "MARTIN", "MARIE", "MARIE", "1975-00-00", "F", nir="2750275056142"),  # lunar date, NIR typo
    Record(7, "", "", "", "", ""),  # nothing known
]


def _pairs(a, b):
    return sorted(zip(a.tolist(), b.tolist(), strict=True))


def test_block_pairs_gives_every_pair_of_a_block_once():
    # Blocks 0 and 1 share the pair (10, 30); block 2 has one member; rows arrive in any order.
    blocks = np.array([1, 0, 0, 2, 0, 1])
    members = np.array([30, 20, 30, 40, 10, 10])
    assert _pairs(*block_pairs(blocks, members)) == [(10, 20), (10, 30), (20, 30)]


def test_block_pairs_of_no_block_is_empty():
    assert _pairs(*block_pairs(np.zeros(0, np.int64), np.zeros(0, np.int64))) == []


def test_kinded_pairs_tells_the_kinds_of_keys_each_pair_shares():
    blocks, members = np.array([0, 0, 1, 1, 1]), np.array([1, 2, 1, 2, 3])
    a, b, kinds = kinded_pairs(blocks, members, np.array(["E", "E", "C", "C", "C"]))
    assert dict(zip(zip(a.tolist(), b.tolist(), strict=True), kinds, strict=True)) == {
        (1, 2): "CE", (1, 3): "C", (2, 3): "C"}


def test_a_table_computes_each_form_once_per_distinct_spelling_and_keeps_row_order():
    rows = [*RECORDS, *RECORDS]  # every spelling twice
    table = Table.of(rows)
    assert table.ids.tolist() == [r.id for r in rows]
    assert len(table.strings) == len(set(table.strings))  # one code per string
    half = len(RECORDS)
    assert table.names.name[:half].tolist() == table.names.name[half:].tolist()
    assert table.nirs[0].tolist()[:1] == [table.strings.index("1800575056123")]


def test_an_empty_table_has_the_shapes_of_its_columns():
    table = Table.of([])
    assert len(table) == 0
    assert table.names.tokens.shape[0] == table.nirs.shape[0] == 0
    assert score_pairs(table, np.zeros(0, np.int64), np.zeros(0, np.int64), Parameters()) == []


def test_score_pairs_keeps_only_pairs_at_the_minimum_with_their_index():
    table = Table.of(RECORDS)
    ia, ib = np.array([0, 0, 0, 4]), np.array([1, 2, 3, 5])
    kept = score_pairs(table, ia, ib, Parameters(), minimum=0.9)
    assert [k for k, _ in kept] == [0, 2, 3]  # the twin (index 1) is pulled down
    assert all(score.probability >= 0.9 for _, score in kept)
    assert "rule:names_swapped" in kept[1][1].codes


def test_one_pair_and_many_pairs_give_the_same_levels():
    table = Table.of(RECORDS)
    ia, ib = np.triu_indices(len(RECORDS), 1)
    many = score_pairs(table, ia, ib, Parameters())
    for k, score in many:
        vector, _ = compare(RECORDS[ia[k]], RECORDS[ib[k]])
        assert [r.level for r in score.reasons if r.field != "rule"] == [v for v in vector if v not in ("missing",
                                                                                                          "parent")]


def test_a_record_with_nothing_known_compares_as_missing_everywhere():
    vector, swapped = compare(RECORDS[6], JEAN)
    assert set(vector) == {"missing"}
    assert not swapped


def test_observations_count_each_pair_once_with_its_kinds():
    table = Table.of(RECORDS)
    ia, ib = np.array([0, 0, 4]), np.array([1, 3, 5])
    counted = observations(table, ia, ib, ["E", "CE", "E"])
    assert counted.total() == 3
    assert {kinds for _, _, kinds in counted} == {"E", "CE"}
    twins = observations(table, np.array([0]), np.array([2]), ["E"])
    assert [rules for _, rules, _ in twins] == [-30.0]


def test_random_vectors_never_pair_a_record_with_itself():
    other = RECORDS[4]
    vectors = random_vectors(Table.of([JEAN, other]), 50)  # only (0, 1) or (1, 0) may be drawn
    assert vectors.total() == 50
    assert set(vectors) <= {compare(JEAN, other)[0], compare(other, JEAN)[0]}
