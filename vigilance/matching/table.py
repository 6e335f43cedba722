"""Records as columns, for comparing many pairs at once.

Every string is interned as an integer code (0 is the empty string) in one
space shared by all columns, so that equality tests between any two forms
(a used name against a birth name, a first name against a set of first
names) are integer comparisons on arrays. The normal forms of names are
computed once per distinct spelling, not once per identity: a base of a
million identities holds about a hundred thousand distinct names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from .names import compact
from .record import Record, address_form, first_forms, id_forms, name_forms, swap

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
        return _Builder().build(records)


class _Builder:
    """Interns strings and caches the forms of each distinct name while columns are filled."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.strings: list[str] = [""]
        self.name_cache: dict[tuple[str, str], tuple] = {}
        self.first_cache: dict[tuple[str, str, str], tuple] = {}

    def code(self, text: str) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.strings)
            self.strings.append(text)
        return code

    def _names(self, r: Record) -> tuple:
        key = (r.birth_name, r.used_name)
        row = self.name_cache.get(key)
        if row is None:
            name, used, name_phon, used_phon, words = name_forms(*key)
            row = self.name_cache[key] = (*map(self.code, (name, used, name_phon, used_phon)),
                                          tuple(map(self.code, sorted(words))))
        key2 = (r.first_name, r.first_names, r.used_first_name)
        row2 = self.first_cache.get(key2)
        if row2 is None:
            first, first_phon, firsts, firsts_all = first_forms(*key2)
            row2 = self.first_cache[key2] = (self.code(first), self.code(first_phon),
                                             tuple(map(self.code, sorted(firsts))), self.code(firsts_all))
        return (*row, *row2)

    def build(self, records: Iterable[Record]) -> Table:
        cols: dict[str, list] = {k: [] for k in ("ids", "names", "swapped", "date", "digits", "sex", "sexed",
                                                 "place", "place_area", "ins", "nirs", "foreign_nir", "address",
                                                 "postcode", "city")}
        for r in records:
            cols["ids"].append(r.id)
            cols["names"].append(self._names(r))
            cols["swapped"].append(self._names(swap(r)))
            full = len(r.birth_date) == 10 and r.birth_date[:4].isdigit() and r.birth_date[5:7].isdigit() \
                and r.birth_date[8:].isdigit()
            cols["date"].append(self.code(r.birth_date) if full else 0)
            cols["digits"].append(self.code(r.birth_date.replace("-", "")) if full else 0)
            cols["sex"].append(1 if r.sex == "M" else 2 if r.sex == "F" else 0)
            cols["sexed"].append(bool(r.sex))
            place = "" if r.birth_place == "99999" else r.birth_place
            cols["place"].append(self.code(place))
            cols["place_area"].append(self.code(place[:2]) if place[:2] != "99" else 0)
            ins, nirs, foreign = id_forms(r.nir, r.ins, r.sex, r.birth_date)
            cols["ins"].append(self.code(ins))
            cols["nirs"].append(tuple(map(self.code, nirs)))
            cols["foreign_nir"].append(self.code(foreign))
            cols["address"].append(self.code(address_form(r.address)))
            cols["postcode"].append(self.code(r.postcode))
            cols["city"].append(self.code(compact(r.city)))
        dates = [self.strings[c] if c else "0000-00-00" for c in cols["date"]]
        year, month, day = (np.array([int(d[s]) for d in dates], np.int16)
                            for s in (slice(0, 4), slice(5, 7), slice(8, 10)))
        ints = {k: np.array(cols[k], np.int32) for k in ("date", "digits", "sex", "place", "place_area", "ins",
                                                         "foreign_nir", "address", "postcode", "city")}
        return Table(ids=np.array(cols["ids"], np.int64), names=_names_columns(cols["names"]),
                     swapped=_names_columns(cols["swapped"]), year=year, month=month, day=day,
                     sexed=np.array(cols["sexed"], bool), nirs=_padded(cols["nirs"], 0, width=2),
                     strings=self.strings, **ints)


def _padded(rows: Sequence[tuple[int, ...]], pad: int, width: int = 1) -> np.ndarray:
    width = max([width, *map(len, rows)])
    out = np.full((len(rows), width), pad, np.int32)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def _names_columns(rows: list[tuple]) -> Names:
    name, used, name_phon, used_phon, words, first, first_phon, firsts, firsts_all = zip(*rows, strict=True) \
        if rows else ((),) * 9
    ints = [np.array(c, np.int32) for c in (name, used, name_phon, used_phon, first, first_phon, firsts_all)]
    return Names(name=ints[0], used=ints[1], name_phon=ints[2], used_phon=ints[3], tokens=_padded(words, PAD),
                 first=ints[4], first_phon=ints[5], firsts=_padded(firsts, PAD), firsts_all=ints[6])
