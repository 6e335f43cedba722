"""Records as columns, for comparing many pairs at once.

Every string is interned as an integer code (0 is the empty string) in one
space shared by all columns, so that equality tests between any two forms
(a used name against a birth name, a first name against a set of first
names) are integer comparisons on arrays. The normal forms of names are
computed once per distinct spelling, not once per identity: a base of a
million identities holds about a hundred thousand distinct names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

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
        return _Builder().build(records)

    @classmethod
    def concat(cls, parts: Sequence[Table]) -> Table:
        """One table of several (built in parallel): the later parts' string codes are translated."""
        strings = list(parts[0].strings) if parts else [""]
        codes = {text: code for code, text in enumerate(strings)}
        recoded = []
        for part in parts:
            translate = np.empty(len(part.strings) + 1, np.int32)
            translate[-1] = PAD  # PAD (-1) indexes this last slot and stays PAD
            for code, text in enumerate(part.strings):
                translate[code] = new = codes.setdefault(text, len(strings))
                if new == len(strings):
                    strings.append(text)
            recoded.append(part._translated(translate))
        return Table(**{f.name: _concat(f.name, [getattr(p, f.name) for p in recoded]) for f in fields(cls)
                        if f.name != "strings"}, strings=strings)

    def _translated(self, translate: np.ndarray) -> Table:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _CODE_COLUMNS:
            values[name] = translate[values[name]]
        for name in ("names", "swapped"):
            values[name] = Names(*(translate[getattr(values[name], f.name)] for f in fields(Names)))
        return Table(**values)


# Columns of string codes (besides the name columns); the others are numbers.
_CODE_COLUMNS = ("date", "digits", "place", "place_area", "ins", "nirs", "foreign_nir", "address", "postcode",
                 "city")


_PADS = {"tokens": PAD, "firsts": PAD, "nirs": 0}  # what fills each set column


def _concat(name: str, columns: list):
    """Concatenated columns; set columns are widened to the widest first."""
    if isinstance(columns[0], Names):
        return Names(*(_concat(f.name, [getattr(c, f.name) for c in columns]) for f in fields(Names)))
    if columns[0].ndim == 2:
        width = max(c.shape[1] for c in columns)
        columns = [np.pad(c, ((0, 0), (0, width - c.shape[1])), constant_values=_PADS[name]) for c in columns]
    return np.concatenate(columns)


class _Builder:
    """Interns strings and computes the forms of each distinct name, date or place once."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.strings: list[str] = [""]
        self.memos: dict[str, dict] = defaultdict(dict)

    def code(self, text: str) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.strings)
            self.strings.append(text)
        return code

    def _memo(self, kind: str, key, compute: Callable):
        memo = self.memos[kind]
        value = memo.get(key)
        if value is None:
            value = memo[key] = compute(*key) if isinstance(key, tuple) else compute(key)
        return value

    def _name(self, birth_name: str, used_name: str) -> tuple:
        name, used, name_phon, used_phon, words = name_forms(birth_name, used_name)
        return (*map(self.code, (name, used, name_phon, used_phon)), tuple(map(self.code, sorted(words))))

    def _first(self, first_name: str, first_names: str, used_first_name: str) -> tuple:
        first, first_phon, firsts, firsts_all = first_forms(first_name, first_names, used_first_name)
        return self.code(first), self.code(first_phon), tuple(map(self.code, sorted(firsts))), self.code(firsts_all)

    def _names(self, birth_name: str, used_name: str, first_name: str, first_names: str, used_first_name: str
               ) -> tuple:
        return (*self._memo("name", (birth_name, used_name), self._name),
                *self._memo("first", (first_name, first_names, used_first_name), self._first))

    def _date(self, date: str) -> tuple[int, int, int, int, int]:
        if not (len(date) == 10 and date[:4].isdigit() and date[5:7].isdigit() and date[8:].isdigit()):
            return 0, 0, 0, 0, 0
        return self.code(date), self.code(date.replace("-", "")), int(date[:4]), int(date[5:7]), int(date[8:])

    def _place(self, place: str) -> tuple[int, int]:
        place = "" if place == "99999" else place
        return self.code(place), (self.code(place[:2]) if place[:2] != "99" else 0)

    def _row(self, r: Record) -> tuple:
        ins, nirs, foreign = id_forms(r.nir, r.ins, r.sex, r.birth_date)
        return (r.id, self._names(r.birth_name, r.used_name, r.first_name, r.first_names, r.used_first_name),
                self._names(*swapped_names(r.birth_name, r.first_names, r.first_name), r.used_first_name),
                *self._memo("date", r.birth_date, self._date), 1 if r.sex == "M" else 2 if r.sex == "F" else 0,
                bool(r.sex), *self._memo("place", r.birth_place, self._place), self.code(ins),
                tuple(map(self.code, nirs)), self.code(foreign), self.code(address_form(r.address)),
                self.code(r.postcode), self._memo("city", r.city, lambda city: self.code(compact(city))))

    def build(self, records: Iterable[Record]) -> Table:
        rows = [self._row(r) for r in records]
        (ids, names, swapped, date, digits, year, month, day, sex, sexed, place, place_area, ins, nirs, foreign,
         address, postcode, city) = zip(*rows, strict=True) if rows else ((),) * 18
        del rows
        ints = {k: np.array(v, np.int32) for k, v in (("date", date), ("digits", digits), ("sex", sex),
                                                      ("place", place), ("place_area", place_area), ("ins", ins),
                                                      ("foreign_nir", foreign), ("address", address),
                                                      ("postcode", postcode), ("city", city))}
        return Table(ids=np.array(ids, np.int64), names=_names_columns(names), swapped=_names_columns(swapped),
                     year=np.array(year, np.int16), month=np.array(month, np.int16), day=np.array(day, np.int16),
                     sexed=np.array(sexed, bool), nirs=_padded(nirs, 0, width=2), strings=self.strings, **ints)


def _padded(rows: Sequence[tuple[int, ...]], pad: int, width: int = 1) -> np.ndarray:
    width = max([width, *map(len, rows)])
    out = np.full((len(rows), width), pad, np.int32)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def _names_columns(rows: Sequence[tuple]) -> Names:
    name, used, name_phon, used_phon, words, first, first_phon, firsts, firsts_all = zip(*rows, strict=True) \
        if rows else ((),) * 9
    ints = [np.array(c, np.int32) for c in (name, used, name_phon, used_phon, first, first_phon, firsts_all)]
    return Names(name=ints[0], used=ints[1], name_phon=ints[2], used_phon=ints[3], tokens=_padded(words, PAD),
                 first=ints[4], first_phon=ints[5], firsts=_padded(firsts, PAD), firsts_all=ints[6])
