"""Comparison of two identities, trait by trait, into a vector of levels.

`Record` is what the engine knows of an identity (plain strings, as stored);
`prepare` derives once the forms every comparison needs, so that a full scan
prepares each identity once and compares millions of pairs cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

from .dates import DateLevel, compare_dates
from .identifiers import IdLevel, compare_ids, nir_fits
from .names import compact, phonetic, tokens


@dataclass(frozen=True)
class Record:
    id: int = 0
    birth_name: str = ""
    first_names: str = ""
    first_name: str = ""
    birth_date: str = ""
    sex: str = ""
    birth_place: str = ""
    used_name: str = ""
    used_first_name: str = ""
    nir: str = ""
    ins: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""


@dataclass(frozen=True, slots=True)
class Prepared:
    record: Record
    name: str  # compact birth name
    used: str  # compact used name ("" when same as birth name)
    name_phon: str
    used_phon: str
    name_tokens: frozenset[str]
    first: str  # compact first first name
    first_phon: str
    firsts: frozenset[str]  # every birth first name and the used first name, compact
    firsts_all: str  # all first names glued: "JEAN PIERRE" == "JEAN-PIERRE"
    ins: str
    nirs: tuple[str, ...]  # own matricules (INS, declared NIR if it fits the traits)
    foreign_nir: str  # declared NIR that does not fit the traits (a parent's)
    address: str
    city: str


def prepare(r: Record) -> Prepared:
    first = compact(r.first_name or (r.first_names.split() or [""])[0])
    used = compact(r.used_name)
    name = compact(r.birth_name)
    nir, ins = r.nir[:13], r.ins[:13]
    fits = bool(nir) and nir_fits(nir, sex=r.sex, birth_date=r.birth_date)
    own = tuple(dict.fromkeys(x for x in (ins, nir if fits else "") if x))
    return Prepared(
        record=r, name=name, used="" if used == name else used, name_phon=phonetic(r.birth_name),
        used_phon=phonetic(r.used_name) if used and used != name else "",
        name_tokens=frozenset(tokens(r.birth_name)) | frozenset(tokens(r.used_name)),
        first=first, first_phon=phonetic(first),
        firsts=frozenset(compact(f) for f in (*r.first_names.split(), r.used_first_name, r.first_name) if f),
        firsts_all=compact(r.first_names) or first,
        ins=ins, nirs=own, foreign_nir=nir if nir and not fits and nir != ins else "",
        address=" ".join(r.address.upper().split()), city=compact(r.city),
    )


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


def compare_names(a: Prepared, b: Prepared) -> NameLevel:
    if not a.name or not b.name:
        return NameLevel.MISSING
    if a.name == b.name:
        return NameLevel.EXACT
    if (a.used and a.used in (b.name, b.used)) or (b.used and b.used == a.name):
        return NameLevel.USED
    if a.name_phon == b.name_phon or (a.used_phon and a.used_phon in (b.name_phon, b.used_phon)) \
            or (b.used_phon and b.used_phon == a.name_phon):
        return NameLevel.PHONETIC
    similarity = JaroWinkler.similarity(a.name, b.name)
    if similarity >= 0.92:
        return NameLevel.CLOSE
    if a.name_tokens & b.name_tokens:
        return NameLevel.PARTIAL
    return NameLevel.FAR if similarity >= 0.84 else NameLevel.DIFFERENT


def compare_first_names(a: Prepared, b: Prepared) -> FirstLevel:
    if not a.first or not b.first:
        return FirstLevel.MISSING
    if a.first == b.first or a.firsts_all == b.firsts_all:
        return FirstLevel.EXACT
    if a.first in b.firsts or b.first in a.firsts:
        return FirstLevel.OTHER
    if a.first_phon == b.first_phon:
        return FirstLevel.PHONETIC
    similarity = JaroWinkler.similarity(a.first, b.first)
    if similarity >= 0.92:
        return FirstLevel.CLOSE
    return FirstLevel.FAR if similarity >= 0.84 else FirstLevel.DIFFERENT


def _equal(x: str, y: str) -> Simple:
    if not x or not y:
        return Simple.MISSING
    return Simple.SAME if x == y else Simple.DIFFERENT


def compare_places(x: str, y: str) -> Simple:
    if not x or not y or "99999" in (x, y):
        return Simple.MISSING
    if x == y:
        return Simple.SAME
    return Simple.CLOSE if x[:2] == y[:2] != "99" else Simple.DIFFERENT


def compare_addresses(x: str, y: str) -> Simple:
    if not x or not y:
        return Simple.MISSING
    if x == y:
        return Simple.SAME
    ratio = token_sort_ratio(x, y)
    return Simple.CLOSE if ratio >= 88 else Simple.FAR if ratio >= 70 else Simple.DIFFERENT


def compare_cities(x: str, y: str) -> Simple:
    if not x or not y:
        return Simple.MISSING
    if x == y:
        return Simple.SAME
    return Simple.CLOSE if JaroWinkler.similarity(x, y) >= 0.88 else Simple.DIFFERENT


def compare_homes(a: Prepared, b: Prepared) -> HomeLevel:
    address = compare_addresses(a.address, b.address)
    postcode, city = _equal(a.record.postcode, b.record.postcode), compare_cities(a.city, b.city)
    if Simple.MISSING == address == postcode == city:
        return HomeLevel.MISSING
    town = (postcode == Simple.SAME) + (city in (Simple.SAME, Simple.CLOSE))
    if address in (Simple.SAME, Simple.CLOSE):
        return HomeLevel.SAME if town == 2 else HomeLevel.STREET
    if address == Simple.FAR and town:
        return HomeLevel.NEAR
    return HomeLevel.TOWN if town == 2 else HomeLevel.AREA if town else HomeLevel.DIFFERENT


def _sex(x: str, y: str) -> Simple:
    return _equal(x if x in ("M", "F") else "", y if y in ("M", "F") else "")


def swapped(p: Prepared) -> Prepared:
    """The same identity with birth name and first name exchanged (a classic entry error)."""
    return _swapped(p.record)


# Cached: a scan tries the swap on most pairs whose names differ, with the same records again and again.
@lru_cache(maxsize=1 << 14)
def _swapped(r: Record) -> Prepared:
    return prepare(Record(**{**r.__dict__, "birth_name": r.first_name or r.first_names,
                             "first_name": r.birth_name, "first_names": r.birth_name, "used_name": ""}))


def crossed(a: Prepared, b: Prepared) -> bool:
    return any(x == y or JaroWinkler.similarity(x, y) >= 0.88 for x, y in ((a.name, b.first), (a.first, b.name)))


_NAME_RANK = {level: i for i, level in enumerate(NameLevel)}
_FIRST_RANK = {level: i for i, level in enumerate(FirstLevel)}


def compare(a: Prepared, b: Prepared) -> tuple[Vector, bool]:
    """The comparison vector of a pair, and whether the names matched only once swapped."""
    name, first = compare_names(a, b), compare_first_names(a, b)
    names_swapped = False
    if _NAME_RANK[name] >= _NAME_RANK[NameLevel.PARTIAL] and a.first and b.first and a.name and b.name:
        bs = swapped(b)
        s_name, s_first = compare_names(a, bs), compare_first_names(a, bs)
        if _NAME_RANK[s_name] + _FIRST_RANK[s_first] < _NAME_RANK[name] + _FIRST_RANK[first] - 2:
            name, first, names_swapped = s_name, s_first, True
    if name == NameLevel.DIFFERENT and a.first and b.first and a.name and b.name and crossed(a, b):
        name = NameLevel.CROSSED
    ra, rb = a.record, b.record
    vector = (
        name.value, first.value, compare_dates(ra.birth_date, rb.birth_date).value, _sex(ra.sex, rb.sex).value,
        compare_places(ra.birth_place, rb.birth_place).value,
        compare_ids(a.ins, a.nirs, a.foreign_nir, b.ins, b.nirs, b.foreign_nir).value,
        compare_homes(a, b).value,
    )
    return vector, names_swapped


LEVELS: dict[str, tuple[str, ...]] = {
    "birth_name": tuple(NameLevel), "first_name": tuple(FirstLevel), "birth_date": tuple(DateLevel),
    "sex": (Simple.SAME, Simple.DIFFERENT, Simple.MISSING),
    "birth_place": (Simple.SAME, Simple.CLOSE, Simple.DIFFERENT, Simple.MISSING),
    "identifier": tuple(IdLevel), "home": tuple(HomeLevel),
}
