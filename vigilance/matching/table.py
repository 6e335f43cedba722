"""Records as columns, for comparing many pairs at once.

Every string is interned as an integer code (0 is the empty string) in one
space shared by all columns, so that equality tests between any two forms
(a used name against a birth name, a first name against a set of first
names) are integer comparisons on arrays. The normal forms of names are
computed once per distinct spelling, not once per identity: a base of a
million identities holds about a hundred thousand distinct names.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from itertools import starmap

import numpy as np

from .names import compact
from .record import Record, address_form, first_forms, id_forms, name_forms, swapped_names

PAD = -1  # fills the rows of a set column (tokens, first names) shorter than the widest


@dataclass(frozen=True)
class Names:
    """Name columns of a table, or of one side of a list of pairs (`take`)."""

    name: np.ndarray  # compact birth name
    used: np.ndarray  # compact used name, 0 when the same as the birth name
    name_phon: np.ndarray
    used_phon: np.ndarray
    tokens: np.ndarray  # rows of name words without particles, padded with PAD
    first: np.ndarray
    first_phon: np.ndarray
    firsts: np.ndarray  # rows of every first name, padded with PAD
    firsts_all: np.ndarray

    def take(self, rows: np.ndarray) -> Names:
        return Names(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass(frozen=True)
class Table:
    ids: np.ndarray  # identity ids (sorted when built by `of` from sorted records)
    names: Names
    swapped: Names  # the same identities with birth name and first name exchanged
    date: np.ndarray  # code of the 'YYYY-MM-DD' string, 0 when not a full date
    digits: np.ndarray  # code of the date's eight digits
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    sex: np.ndarray  # 1 male, 2 female, 0 unknown
    sexed: np.ndarray  # any sex recorded (even one the engine cannot read)
    place: np.ndarray  # 0 when unknown or 99999
    place_area: np.ndarray  # code of the place's first two characters, 0 for abroad (99)
    ins: np.ndarray
    nirs: np.ndarray  # rows of own matricules (INS, declared NIR fitting the traits), padded with 0
    foreign_nir: np.ndarray
    address: np.ndarray
    postcode: np.ndarray
    city: np.ndarray
    strings: list[str]  # code -> string

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each identity id (ids must be in the table, which must be sorted by id)."""
        return np.searchsorted(self.ids, ids)

    def has(self, ids: np.ndarray) -> np.ndarray:
        rows = np.minimum(np.searchsorted(self.ids, ids), max(len(self.ids) - 1, 0))
        return (self.ids[rows] == ids) if len(self.ids) else np.zeros(len(ids), bool)

    @classmethod
    def of(cls, records: Iterable[Record]) -> Table:
        return cls.of_rows([tuple(getattr(r, f) for f in RECORD_FIELDS) for r in records])

    @classmethod
    def of_rows(cls, rows: Sequence[Sequence[str | int | None]], starmap: Starmap = starmap) -> Table:
        """A table of rows holding a Record's fields in order (None read as "").

        `starmap` computes the forms of the distinct values (a process pool's, for millions of rows).
        """
        with _collector_paused():
            columns = list(zip(*rows, strict=True)) if rows else [()] * len(RECORD_FIELDS)
            values = {f: [v or "" for v in c] for f, c in zip(RECORD_FIELDS[1:], columns[1:], strict=True)}
            return _Builder(starmap).build(columns[0], values)


RECORD_FIELDS = tuple(f.name for f in fields(Record))


@contextmanager
def _collector_paused():
    """No cyclic garbage collection while millions of tuples are made (none of them in a cycle): each
    collection would walk them all again (a million rows: 24 s with it, 16 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
Starmap = Callable[[Callable, Iterable[tuple]], Iterable[tuple]]


def _distinct(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct values (first seen first) and the index of each value among them."""
    index = {value: i for i, value in enumerate(dict.fromkeys(values))}
    return list(index), np.fromiter(map(index.__getitem__, values), np.int64, len(values))


# The forms of each column group, from raw strings to strings (interned as codes), numbers, or tuples of
# strings (set columns). Module functions: a process pool can compute them.

def _name_forms(birth_name: str, used_name: str) -> tuple:
    name, used, name_phon, used_phon, words = name_forms(birth_name, used_name)
    return name, used, name_phon, used_phon, tuple(sorted(words))


def _first_forms(first_name: str, first_names: str, used_first_name: str) -> tuple:
    first, first_phon, firsts, firsts_all = first_forms(first_name, first_names, used_first_name)
    return first, first_phon, tuple(sorted(firsts)), firsts_all


def _swapped_name_forms(first_names: str, first_name: str) -> tuple:
    return _name_forms(*swapped_names("", first_names, first_name)[:2])


def _swapped_first_forms(birth_name: str, used_first_name: str) -> tuple:
    return _first_forms(*swapped_names(birth_name, "", "")[2:], used_first_name)


def _date_forms(date: str) -> tuple:
    if not (len(date) == 10 and date[:4].isdigit() and date[5:7].isdigit() and date[8:].isdigit()):
        return "", "", 0, 0, 0
    return date, date.replace("-", ""), int(date[:4]), int(date[5:7]), int(date[8:])


def _place_forms(place: str) -> tuple:
    place = "" if place == "99999" else place
    return place, place[:2] if place[:2] != "99" else ""


def _sex_forms(sex: str) -> tuple:
    return 1 if sex == "M" else 2 if sex == "F" else 0, int(bool(sex))


def _address_forms(address: str) -> tuple:
    return (address_form(address),)


def _city_forms(city: str) -> tuple:
    return (compact(city),)


def _as_is(text: str) -> tuple:
    return (text,)


_POOLED = 20_000  # from this many distinct combinations, forms are computed by `starmap`


class _Builder:
    """Computes each form once per distinct combination of the raw values it reads, and interns strings."""

    def __init__(self, starmap: Starmap) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.strings: list[str] = [""]
        self.starmap = starmap

    def code(self, text: str) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.strings)
            self.strings.append(text)
        return code

    def per_distinct(self, columns: list[Sequence[str]], forms: Callable[..., tuple], pad: int = PAD,
                     pooled: bool = True) -> list[np.ndarray]:
        """`forms` once per distinct combination of the columns, spread back to every row: one array per
        element of its tuple (strings as codes; tuples as rows of a 2-D array filled with `pad`).

        `pooled`: computed by the builder's `starmap` when there are many (not for forms cheaper than
        sending their values to another process).
        """
        combination = np.zeros(len(columns[0]), np.int64)
        distinct = []
        for column in columns:
            values, codes = _distinct(column)
            combination = combination * max(len(values), 1) + codes
            distinct.append((values, codes))
        _, first, inverse = np.unique(combination, return_index=True, return_inverse=True)
        args = list(zip(*(np.array(values, dtype=object)[codes[first]] for values, codes in distinct), strict=True)) \
            or [("",) * len(columns)]  # an empty table still has the columns' shapes
        results = list((self.starmap if pooled and len(args) >= _POOLED else starmap)(forms, args))
        return [self._encoded(part, pad)[inverse.reshape(-1)] for part in zip(*results, strict=True)]

    def _encoded(self, part: tuple, pad: int) -> np.ndarray:
        """Strings as codes, tuples of strings as rows of codes (as wide as the widest, filled with `pad`),
        numbers as they are; each distinct string is looked up once."""
        if isinstance(part[0], (int, np.integer)):
            return np.array(part, np.int32)
        width = max(1, *map(len, part)) if isinstance(part[0], tuple) else 0
        flat = [x for value in part for x in (*value, *(None,) * (width - len(value)))] if width else part
        values, index = _distinct(flat)
        codes = np.array([pad if v is None else self.code(v) for v in values], np.int32)[index]
        return codes.reshape(len(part), width) if width else codes

    def build(self, ids: Sequence[int], c: dict[str, list[str]]) -> Table:
        name, used, name_phon, used_phon, tokens = self.per_distinct([c["birth_name"], c["used_name"]], _name_forms)
        first, first_phon, firsts, firsts_all = self.per_distinct(
            [c["first_name"], c["first_names"], c["used_first_name"]], _first_forms)
        s_name, s_used, s_name_phon, s_used_phon, s_tokens = self.per_distinct([c["first_names"], c["first_name"]],
                                                                               _swapped_name_forms)
        s_first, s_first_phon, s_firsts, s_firsts_all = self.per_distinct([c["birth_name"], c["used_first_name"]],
                                                                          _swapped_first_forms)
        date, digits, year, month, day = self.per_distinct([c["birth_date"]], _date_forms)
        sex, sexed = self.per_distinct([c["sex"]], _sex_forms)
        place, place_area = self.per_distinct([c["birth_place"]], _place_forms)
        ins, nirs, foreign = self.per_distinct([c["nir"], c["ins"], c["sex"], c["birth_date"]], id_forms, pad=0,
                                               pooled=False)
        (address,) = self.per_distinct([c["address"]], _address_forms)
        (postcode,) = self.per_distinct([c["postcode"]], _as_is)
        (city,) = self.per_distinct([c["city"]], _city_forms)
        return Table(
            ids=np.array(ids, np.int64),
            names=Names(name, used, name_phon, used_phon, tokens, first, first_phon, firsts, firsts_all),
            swapped=Names(s_name, s_used, s_name_phon, s_used_phon, s_tokens, s_first, s_first_phon, s_firsts,
                          s_firsts_all),
            date=date, digits=digits, year=year.astype(np.int16), month=month.astype(np.int16),
            day=day.astype(np.int16), sex=sex, sexed=sexed.astype(bool), place=place, place_area=place_area,
            ins=ins, nirs=nirs, foreign_nir=foreign, address=address, postcode=postcode, city=city,
            strings=self.strings)
