"""Who the simulator knows: the CNDA test identities of the reference (section 4.9) and local NIRs.

Each CNDA entry reproduces the behaviour the qualification campaign expects.
Matricules marked [I] are made up here, built like real ones (birth data in
positions 1-10, right key); HERMANN keeps the wrong key of the CNDA sample so
that the client's key check is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass

from identities.insi.types import Ins
from identities.rules.nir import nir_key

NIR, NIA, NIR_TEST = "1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10"


@dataclass(frozen=True)
class Person:
    birth_name: str
    first_names: str
    sex: str
    birth_date: str
    birth_place: str
    ins: Ins
    history: tuple[Ins, ...] = ()
    # Answer with RESULTAT in a default namespace instead of a prefix (prefixes vary in real answers).
    default_namespace: bool = False


def _ins(value: str, oid: str = NIR, valid_from: str = "", valid_until: str = "") -> Ins:
    return Ins(matricule=value[:13], key=value[13:], oid=oid, valid_from=valid_from, valid_until=valid_until)


def _made_up(matricule13: str) -> str:
    return matricule13 + nir_key(matricule13)


CNDA = (
    Person("ADRUN", "ZOE", "F", "1975-12-31", "63220", _ins("275126322074974")),
    Person("ADRDEUX", "LAURENT", "M", "1981-01-01", "63220", _ins("181016322075140")),
    Person("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020", _ins("297022A02077878")),
    Person("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", "2B020", _ins("160012B02077713")),
    Person("D'ARTAGNAN DE L'HERAULT", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2001-06-17", "63220",
           _ins("101066322075460")),
    # Two histories; the first has DateDeb after DateFin, as in CNDA TEST_2.04.
    Person("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14", "63220", _ins("109076322083489"),
           history=(_ins("209076322083439", NIR, "2019-03-01", "2019-02-28"), _ins("209066322012355")),
           default_namespace=True),
    Person("PROVISOIRE", "MATRICULE", "M", "2009-07-01", "63220", _ins("109076322088835", NIA)),
    # DE VINCI LEONARDO: two people with the same traits but the birth place (CNDA 2.06) [I].
    Person("DE VINCI", "LEONARDO", "M", "2014-02-01", "63220", _ins(_made_up("1140263220101"))),
    Person("DE VINCI", "LEONARDO", "M", "2014-02-01", "99127", _ins(_made_up("1140299127102"))),
    Person("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21", "63220", _ins("236066322083656")),
    # HOUILLES PIERRE PAUL JACQUES is deliberately absent: 01 for every query (CNDA 2.07 cas 2).
    # The history repeats the active INS (CNDA TEST_2.08 cas 1); one INSHISTO element.
    Person("CORSE", "ANTHONY", "M", "1980-03-02", "2B020", _ins("180032B02040123"),
           history=(_ins("180032B02040123"),), default_namespace=True),
    Person("HERMANN", "GATIEN", "M", "1981-03-24", "63220", _ins("181036322045660"),
           history=(_ins("281036322045610"),)),
    Person("NESSI", "MICHELANGELO ANTHONY", "M", "2010-08-07", "63220", _ins("110086322083060")),
    Person("NESSI", "NATHALIE", "F", "1977-07-14", "63220", _ins("277076322082910")),
    Person("PAT-TROIS", "DOMINIQUE MARIE-LOUISE", "F", "1979-03-28", "51215", _ins("279035121518989", NIR_TEST)),
)


def population_from_database() -> list[Person]:
    """Local identities carrying a declared NIR become people INSi knows, with that NIR as INS (OID NIR).

    This keeps the simulator consistent with the demo data: searching a demo
    identity whose NIR was declared answers 00 with its own traits.
    """
    from identities.models import PatientIdentity

    people, seen = [], set()
    rows = (PatientIdentity.objects.exclude(nir="").filter(is_active=True)
            .values_list("nir", "birth_name", "first_names", "sex", "birth_date", "birth_place"))
    for nir, birth_name, first_names, sex, birth_date, birth_place in rows.iterator(chunk_size=2000):
        if len(nir) != 15 or nir in seen or nir_key(nir[:13]) != nir[13:] or sex not in {"M", "F"}:
            continue
        if not (birth_name and first_names and len(birth_date) == 10):
            continue
        seen.add(nir)
        people.append(Person(birth_name, first_names, sex, birth_date, birth_place or nir[5:10], _ins(nir)))
    return people
