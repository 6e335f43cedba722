"""What the engine knows of an identity, and the normal forms comparison and blocking work on.

`Record` holds plain strings, as stored. The forms of names are computed by
the functions below from the raw strings alone, so that a table of millions of
identities computes them once per distinct spelling (`table`), and `prepare`
gives them for one identity (blocking keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .identifiers import nir_fits
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


@lru_cache(maxsize=1 << 17)  # frequent names: keying a base prepares them again and again
def name_forms(birth_name: str, used_name: str) -> tuple[str, str, str, str, frozenset[str]]:
    """Compact birth name, compact used name ("" when the same), their phonetic keys, their words."""
    name, used = compact(birth_name), compact(used_name)
    other = bool(used) and used != name
    return (name, used if other else "", phonetic(birth_name), phonetic(used_name) if other else "",
            frozenset(tokens(birth_name)) | frozenset(tokens(used_name)))


@lru_cache(maxsize=1 << 17)
def first_forms(first_name: str, first_names: str, used_first_name: str
                ) -> tuple[str, str, frozenset[str], str]:
    """Compact first first name, its phonetic key, every first name compact, all first names glued."""
    first = compact(first_name or (first_names.split() or [""])[0])
    firsts = frozenset(compact(f) for f in (*first_names.split(), used_first_name, first_name) if f)
    return first, phonetic(first), firsts, compact(first_names) or first


def id_forms(nir: str, ins: str, sex: str, birth_date: str) -> tuple[str, tuple[str, ...], str]:
    """13-character INS, own matricules (INS, declared NIR if it fits the traits), a foreign (parent's) NIR."""
    nir, ins = nir[:13], ins[:13]
    fits = bool(nir) and nir_fits(nir, sex=sex, birth_date=birth_date)
    own = tuple(dict.fromkeys(x for x in (ins, nir if fits else "") if x))
    return ins, own, nir if nir and not fits and nir != ins else ""


def address_form(address: str) -> str:
    return " ".join(address.upper().split())


def swapped_names(birth_name: str, first_names: str, first_name: str) -> tuple[str, str, str, str]:
    """Birth name, used name, first name and first names once birth name and first name are exchanged
    (a classic entry error)."""
    return first_name or first_names, "", birth_name, birth_name


def prepare(r: Record) -> Prepared:
    name, used, name_phon, used_phon, words = name_forms(r.birth_name, r.used_name)
    first, first_phon, firsts, firsts_all = first_forms(r.first_name, r.first_names, r.used_first_name)
    ins, nirs, foreign = id_forms(r.nir, r.ins, r.sex, r.birth_date)
    return Prepared(record=r, name=name, used=used, name_phon=name_phon, used_phon=used_phon, name_tokens=words,
                    first=first, first_phon=first_phon, firsts=firsts, firsts_all=firsts_all, ins=ins, nirs=nirs,
                    foreign_nir=foreign, address=address_form(r.address))
