"""Trait normalisation to the INSi form, dates, coherence and the RNIV status."""

import datetime as dt

import pytest

from identities.rules.coherence import nir_trait_warnings
from identities.rules.nir import nir_key, parse_nir
from identities.rules.status import StatusFacts, derive_status
from identities.rules.traits import (
    TraitError,
    normalize_birth_date,
    normalize_first_names,
    normalize_name,
    normalize_sex,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("d'artagnan de l'hérault", "D'ARTAGNAN DE L'HERAULT"),
        ("D’ÆION", "D'AEION"),  # CNDA 2.03 cas 3: never sent as typed
        ("cœur", "COEUR"),
        ("  Pat-Trois  ", "PAT-TROIS"),
        ("Dupont--Durand", "DUPONT--DURAND"),
        ("Müller  Éléonore", "MULLER ELEONORE"),
        ("N’DIAYE", "N'DIAYE"),
        ("", ""),
    ],
)
def test_names_normalised_to_insi_form(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("DUPONT2", "« 2 »"), ("O.BRIEN", "« . »"), ("-MARTIN", "mal formé"), ("MARTIN''", "mal formé"),
     ("李", "« 李 »"), ("X" * 101, "100 caractères")],
)
def test_names_insi_refuses_are_rejected_with_the_characters(raw, fragment):
    with pytest.raises(TraitError, match=fragment):
        normalize_name(raw)


def test_first_names_keep_compound_hyphen():
    assert normalize_first_names("pierre-alain  muriel floriant") == ["PIERRE-ALAIN", "MURIEL", "FLORIANT"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1997-02-26", "1997-02-26"), ("26/02/1997", "1997-02-26"), ("1950-00-00", "1950-00-00"),
     ("1950-06-00", "1950-06-00"), ("2020-02-29", "2020-02-29"), ("", "")],
)
def test_birth_dates_including_incomplete(raw, expected):
    assert normalize_birth_date(raw, today=dt.date(2026, 12, 3)) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("2020-02-31", "n'existe pas"), ("2021-02-29", "n'existe pas"), ("1950-13-01", "mois"),
     ("1950-00-12", "jour"), ("2030-01-01", "plausible"), ("2026-12-04", "futur"), ("12-03-1950", "format"),
     ("1700-01-01", "plausible")],
)
def test_impossible_dates_are_refused(raw, fragment):
    with pytest.raises(TraitError, match=fragment):
        normalize_birth_date(raw, today=dt.date(2026, 12, 3))


@pytest.mark.parametrize(("raw", "expected"), [("m", "M"), ("F", "F"), ("H", "M"), ("I", "I"), ("", "")])
def test_sex(raw, expected):
    assert normalize_sex(raw) == expected


def test_unknown_sex_refused():
    with pytest.raises(TraitError, match="M, F ou I"):
        normalize_sex("X")


def test_coherent_nir_has_no_warning():
    assert nir_trait_warnings(parse_nir("297022A02077878"), sex="F", birth_date="1997-02-26",
                              birth_place="2A020") == []


def test_nir_contradicting_sex_year_month_place_warns_each():
    warnings = nir_trait_warnings(parse_nir("297022A02077878"), sex="M", birth_date="1998-03-26",
                                  birth_place="63220")
    assert len(warnings) == 4
    assert "sexe féminin" in warnings[0]


def test_nir_born_abroad_compares_country():
    nir = parse_nir("1800199134123" + nir_key("1800199134123"))
    assert nir_trait_warnings(nir, sex="M", birth_date="1980-01-05", birth_place="99134") == []
    assert "pays" in nir_trait_warnings(nir, sex="M", birth_date="1980-01-05", birth_place="99109")[0]


@pytest.mark.parametrize(
    ("insi", "proof", "doubtful", "fictitious", "method", "expected"),
    [
        (False, False, False, False, "SM", "PROV"),
        (True, False, False, False, "INSI", "RECUP"),
        (False, True, False, False, "SM", "VALI"),
        (True, True, False, False, "INSI", "QUAL"),
        (True, True, True, False, "INSI", "PROV"),
        (True, True, False, True, "INSI", "PROV"),
        (True, False, False, False, "AV", "QUAL"),
    ],
)
def test_rniv_status_matrix(insi, proof, doubtful, fictitious, method, expected):
    facts = StatusFacts(traits_from_insi=insi, has_high_trust_proof=proof, is_doubtful=doubtful,
                        is_fictitious=fictitious, collection_method=method)
    assert derive_status(facts) == expected


@pytest.mark.parametrize(("value", "shown"), [("1997-02-26", "26/02/1997"), ("1950-00-00", "00/00/1950"), ("", "")])
def test_birth_date_shown_in_french_form(value, shown):
    from identities.templatetags.identity_format import birth_date_fr

    assert birth_date_fr(value) == shown


def test_birth_place_shown_by_name():
    from identities.templatetags.identity_format import birth_place_label

    assert birth_place_label("2A004") == "Ajaccio (2A004)"
    assert birth_place_label("ZZZZZ") == "ZZZZZ"
