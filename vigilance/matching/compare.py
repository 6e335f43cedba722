"""Comparison of identities, trait by trait, into levels: many pairs at once.

Pairs are two arrays of rows of a `Table`; each trait's level is computed for
all of them with array operations, string similarities in rapidfuzz's C++ once
per distinct pair of spellings. A full scan thus compares millions of pairs
without one Python call per pair; `compare` does a single pair the same way,
so that every rule lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from rapidfuzz.distance import Hamming, JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio
from rapidfuzz.process import cpdist

from .dates import DEFAULT_DAYS, DateLevel, one_typo
from .identifiers import IdLevel
from .record import Prepared, Record
from .table import PAD, Names, Table


class NameLevel(StrEnum):
    EXACT = "exact"
    USED = "used"  # a birth name against a used name (married name typed as birth name)
    PHONETIC = "phonetic"
    CLOSE = "close"
    PARTIAL = "partial"  # one part of a compound name
    FAR = "far"
    DIFFERENT = "different"
    CROSSED = "crossed"  # different, but one's birth name is the other's first name (swapped, then retyped)
    MISSING = "missing"


class FirstLevel(StrEnum):
    EXACT = "exact"
    OTHER = "other"  # found among the other first names or the used first name
    PHONETIC = "phonetic"
    CLOSE = "close"
    FAR = "far"
    DIFFERENT = "different"
    MISSING = "missing"


class Simple(StrEnum):
    SAME = "same"
    CLOSE = "close"
    FAR = "far"
    DIFFERENT = "different"
    MISSING = "missing"


class HomeLevel(StrEnum):
    """Address, postcode and city read together: they are correlated (a household shares all three), so
    their agreement is one trait whose m/u are estimated as a whole rather than three traits added up."""
    SAME = "same"  # street (number and name, maybe with typos) and town agree
    STREET = "street"  # the street agrees, the town only partly or not at all
    NEAR = "near"  # a similar street in the same town
    TOWN = "town"  # postcode and city agree, not the street
    AREA = "area"  # the postcode or the city agrees
    DIFFERENT = "different"
    MISSING = "missing"


FIELDS = ("birth_name", "first_name", "birth_date", "sex", "birth_place", "identifier", "home")
Vector = tuple[str, ...]
# The levels of each trait; a level's index in its tuple is its code in arrays (names: best first).
LEVELS: dict[str, tuple[str, ...]] = {
    "birth_name": tuple(NameLevel), "first_name": tuple(FirstLevel), "birth_date": tuple(DateLevel),
    "sex": (Simple.SAME, Simple.DIFFERENT, Simple.MISSING),
    "birth_place": (Simple.SAME, Simple.CLOSE, Simple.DIFFERENT, Simple.MISSING),
    "identifier": tuple(IdLevel), "home": tuple(HomeLevel),
}


def _codes(levels: tuple[str, ...]) -> type:
    """Level codes as attributes: _codes(LEVELS["sex"]).SAME == 0."""
    return type("Codes", (), {str(level).upper(): i for i, level in enumerate(levels)})


N, F, D, SEX, PL, ID, H = (_codes(LEVELS[f]) for f in FIELDS)
S = _codes(tuple(Simple))  # address, postcode and city, read together as `home`


@dataclass(frozen=True)
class Comparison:
    """Levels of many pairs: one row per pair, one column per trait of FIELDS (codes into LEVELS)."""

    levels: np.ndarray
    names_swapped: np.ndarray  # the names matched only once birth name and first name were exchanged
    years_apart: np.ndarray  # whole years between the birth years, -1 when one is unknown
    sexed: np.ndarray  # one of the two records carries a sex

    def vector(self, row: int) -> Vector:
        return tuple(str(LEVELS[f][code]) for f, code in zip(FIELDS, self.levels[row], strict=True))


def _distinct_pairs(a: np.ndarray, b: np.ndarray, strings: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """The distinct pairs of string codes as two lists of strings, and the index of each pair among them."""
    pairs, inverse = np.unique(a.astype(np.int64) << 32 | b, return_inverse=True)
    return ([strings[x] for x in (pairs >> 32).tolist()], [strings[x] for x in (pairs & 0xFFFFFFFF).tolist()],
            inverse.reshape(-1))


def similarity(a: np.ndarray, b: np.ndarray, strings: list[str], scorer=JaroWinkler.similarity) -> np.ndarray:
    """The scorer on each pair of string codes, computed once per distinct pair."""
    if not len(a):
        return np.zeros(0)
    left, right, inverse = _distinct_pairs(a, b, strings)
    return cpdist(left, right, scorer=scorer, dtype=np.float64).reshape(-1)[inverse]


def _where(mask: np.ndarray, a: np.ndarray, b: np.ndarray, strings: list[str], scorer=JaroWinkler.similarity
           ) -> np.ndarray:
    """`similarity` on the pairs of `mask` only, 0 elsewhere."""
    out = np.zeros(len(mask))
    out[mask] = similarity(a[mask], b[mask], strings, scorer)
    return out


def _typo(a: np.ndarray, b: np.ndarray, strings: list[str], among: np.ndarray) -> np.ndarray:
    """`one_typo` on the pairs of string codes `among`: Hamming distances in C++, the rule itself on the few
    at 1 or 2."""
    out = np.zeros(len(a), bool)
    ask = among & (a != b) & (a != 0) & (b != 0)
    if not ask.any():
        return out
    left, right, inverse = _distinct_pairs(a[ask], b[ask], strings)
    near = cpdist(left, right, scorer=Hamming.distance, dtype=np.int32).reshape(-1) <= 2
    typo = np.array([bool(n) and one_typo(x, y) for n, x, y in zip(near.tolist(), left, right, strict=True)], bool)
    out[ask] = typo[inverse]
    return out


def _contains(sets: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return (sets == codes[:, None]).any(axis=1)


def _share(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows of two padded set columns with a common element."""
    return ((x[:, :, None] == y[:, None, :]) & (x[:, :, None] != PAD)).any(axis=(1, 2))


def name_levels(a: Names, b: Names, strings: list[str]) -> np.ndarray:
    missing = (a.name == 0) | (b.name == 0)
    used = ((a.used != 0) & ((a.used == b.name) | (a.used == b.used))) | ((b.used != 0) & (b.used == a.name))
    phonetic = (a.name_phon == b.name_phon) | ((a.used_phon != 0) & ((a.used_phon == b.name_phon)
                                                                    | (a.used_phon == b.used_phon))) \
        | ((b.used_phon != 0) & (b.used_phon == a.name_phon))
    exact = a.name == b.name
    rest = ~(missing | exact | used | phonetic)
    sim = _where(rest, a.name, b.name, strings)
    partial = np.zeros(len(rest), bool)
    partial[rest] = _share(a.tokens[rest], b.tokens[rest])
    return np.select([missing, exact, used, phonetic, rest & (sim >= 0.92), partial, sim >= 0.84],
                     [N.MISSING, N.EXACT, N.USED, N.PHONETIC, N.CLOSE, N.PARTIAL, N.FAR], N.DIFFERENT)


def first_levels(a: Names, b: Names, strings: list[str]) -> np.ndarray:
    missing = (a.first == 0) | (b.first == 0)
    exact = (a.first == b.first) | (a.firsts_all == b.firsts_all)
    other = _contains(b.firsts, a.first) | _contains(a.firsts, b.first)
    phonetic = a.first_phon == b.first_phon
    rest = ~(missing | exact | other | phonetic)
    sim = _where(rest, a.first, b.first, strings)
    return np.select([missing, exact, other, phonetic, rest & (sim >= 0.92), sim >= 0.84],
                     [F.MISSING, F.EXACT, F.OTHER, F.PHONETIC, F.CLOSE, F.FAR], F.DIFFERENT)


def _names(t: Table, ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name and first-name levels, trying the names exchanged on one side; whether that was kept."""
    a, b = t.names.take(ia), t.names.take(ib)
    name, first = name_levels(a, b, t.strings), first_levels(a, b, t.strings)
    complete = (a.first != 0) & (b.first != 0) & (a.name != 0) & (b.name != 0)
    swapped = np.zeros(len(ia), bool)
    ask = np.flatnonzero(complete & (name >= N.PARTIAL))
    if len(ask):
        a_ask, b_swapped = a.take(ask), t.swapped.take(ib[ask])
        s_name, s_first = name_levels(a_ask, b_swapped, t.strings), first_levels(a_ask, b_swapped, t.strings)
        better = s_name + s_first < name[ask] + first[ask] - 2
        name[ask[better]], first[ask[better]], swapped[ask[better]] = s_name[better], s_first[better], True
    # Different names, but one's birth name is the other's first name: swapped, then one of them retyped.
    ask = np.flatnonzero(complete & (name == N.DIFFERENT))
    if len(ask):
        crossed = np.zeros(len(ask), bool)
        for x, y in ((a.name[ask], b.first[ask]), (a.first[ask], b.name[ask])):
            crossed |= (x == y) | (similarity(x, y, t.strings) >= 0.88)
        name[ask[crossed]] = N.CROSSED
    return name, first, swapped


def date_levels(t: Table, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Birth dates: exact; compatible (a part unknown, '00'); day and month swapped; one digit wrong or two
    adjacent digits transposed; a default date (01/01, 31/12) against a real one of the same year."""
    ya, ma, da, yb, mb, db = t.year[ia], t.month[ia], t.day[ia], t.year[ib], t.month[ib], t.day[ib]
    missing = (t.date[ia] == 0) | (t.date[ib] == 0)
    equal = t.date[ia] == t.date[ib]
    year = ya == yb
    compatible = year & ((ma == mb) | (ma == 0) | (mb == 0)) & ((da == db) | (da == 0) | (db == 0))
    swapped = year & (ma == db) & (da == mb)
    typo = _typo(t.digits[ia], t.digits[ib], t.strings, ~(missing | compatible | swapped))
    default = year & (_default_day(ma, da) | _default_day(mb, db))
    return np.select([missing, equal & ((ma == 0) | (da == 0)), equal, compatible, swapped, typo, default],
                     [D.MISSING, D.COMPATIBLE, D.EXACT, D.COMPATIBLE, D.SWAPPED, D.TYPO, D.DEFAULT], D.DIFFERENT)


_DEFAULT_DAYS = [(int(d[:2]), int(d[3:])) for d in DEFAULT_DAYS]


def _default_day(month: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.logical_or.reduce([(month == m) & (day == d) for m, d in _DEFAULT_DAYS])


def _simple(x: np.ndarray, y: np.ndarray, codes: type) -> np.ndarray:
    return np.select([(x == 0) | (y == 0), x == y], [codes.MISSING, codes.SAME], codes.DIFFERENT)


def place_levels(t: Table, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Same place; same département (not abroad); different."""
    x, y = t.place[ia], t.place[ib]
    area = t.place_area[ia]
    return np.select([(x == 0) | (y == 0), x == y, (area == t.place_area[ib]) & (area != 0)],
                     [PL.MISSING, PL.SAME, PL.CLOSE], PL.DIFFERENT)


def identifier_levels(t: Table, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """INS equality (trusted), own matricules equal or one typo apart, a parent's NIR shared; else unknown.

    A declared NIR is often a parent's (children are "ayants droit" on a parent's card): it then
    disagrees with the identity's sex or birth year and is set aside rather than compared.
    """
    ins_a, ins_b, own_a, own_b = t.ins[ia], t.ins[ib], t.nirs[ia], t.nirs[ib]
    foreign_a, foreign_b = t.foreign_nir[ia], t.foreign_nir[ib]
    both_ins = (ins_a != 0) & (ins_b != 0)
    known_a, known_b = own_a != 0, own_b != 0
    shared = ((own_a[:, :, None] == own_b[:, None, :]) & known_a[:, :, None]).any(axis=(1, 2))
    both = known_a.any(axis=1) & known_b.any(axis=1)
    typo = np.zeros(len(ia), bool)
    for i in range(own_a.shape[1]):
        for j in range(own_b.shape[1]):
            typo |= _typo(own_a[:, i], own_b[:, j], t.strings, both & ~shared & ~both_ins)
    parent = ((foreign_a != 0) & (_contains(own_b, foreign_a) | (foreign_a == foreign_b))) \
        | ((foreign_b != 0) & _contains(own_a, foreign_b))
    return np.select([both_ins & (ins_a == ins_b), both_ins, shared, both & typo, both, parent],
                     [ID.INS_SAME, ID.INS_DIFFERENT, ID.SAME, ID.TYPO, ID.DIFFERENT, ID.PARENT], ID.MISSING)


def home_levels(t: Table, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    x, y = t.address[ia], t.address[ib]
    known = (x != 0) & (y != 0)
    ratio = _where(known & (x != y), x, y, t.strings, token_sort_ratio)
    address = np.select([~known, x == y, ratio >= 88, ratio >= 70], [S.MISSING, S.SAME, S.CLOSE, S.FAR], S.DIFFERENT)
    postcode = _simple(t.postcode[ia], t.postcode[ib], S)
    cx, cy = t.city[ia], t.city[ib]
    city_known = (cx != 0) & (cy != 0)
    city_close = city_known & ((cx == cy) | (_where(city_known & (cx != cy), cx, cy, t.strings) >= 0.88))
    missing = (address == S.MISSING) & (postcode == S.MISSING) & ~city_known
    town = (postcode == S.SAME).astype(np.int8) + city_close
    street = (address == S.SAME) | (address == S.CLOSE)
    return np.select([missing, street & (town == 2), street, (address == S.FAR) & (town > 0), town == 2, town > 0],
                     [H.MISSING, H.SAME, H.STREET, H.NEAR, H.TOWN, H.AREA], H.DIFFERENT)


def compare_many(t: Table, ia: np.ndarray, ib: np.ndarray) -> Comparison:
    """The levels of the pairs (ia[k], ib[k]) of rows of `t`."""
    ia, ib = np.asarray(ia, np.int64), np.asarray(ib, np.int64)
    name, first, swapped = _names(t, ia, ib)
    levels = np.stack([name, first, date_levels(t, ia, ib), _simple(t.sex[ia], t.sex[ib], SEX),
                       place_levels(t, ia, ib), identifier_levels(t, ia, ib), home_levels(t, ia, ib)],
                      axis=1).astype(np.int8)
    dated = (t.date[ia] != 0) & (t.date[ib] != 0)
    years = np.where(dated, np.abs(t.year[ia].astype(np.int32) - t.year[ib]), -1)
    return Comparison(levels=levels, names_swapped=swapped, years_apart=years, sexed=t.sexed[ia] | t.sexed[ib])


def compare(a: Prepared | Record, b: Prepared | Record) -> tuple[Vector, bool]:
    """The comparison vector of one pair, and whether the names matched only once swapped."""
    table = Table.of([x.record if isinstance(x, Prepared) else x for x in (a, b)])
    result = compare_many(table, np.array([0]), np.array([1]))
    return result.vector(0), bool(result.names_swapped[0])


def compare_dates(a: str, b: str) -> DateLevel:
    table = Table.of([Record(birth_date=a), Record(birth_date=b)])
    return DateLevel(LEVELS["birth_date"][date_levels(table, np.array([0]), np.array([1]))[0]])
