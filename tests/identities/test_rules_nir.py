"""NIR/NIA structure and key, table-tested against the reference's worked examples (§1.3, §4.9)."""

import pytest

from identities.rules.nir import NirError, nir_key, parse_nir


@pytest.mark.parametrize(
    ("matricule", "key", "who"),
    [
        ("1090763220834", "89", "ECETINSI"),
        ("180032B020401", "23", "CORSE (2B → 18)"),
        ("297022A020778", "78", "ADRTROIS Dominique (2A → 19)"),
        ("160012B020777", "13", "ADRTROIS Toussaint"),
        ("2360663220836", "56", "TCHITCHI"),
        ("2751263220749", "74", "ADRUN"),
        ("1090763220888", "35", "PROVISOIRE (NIA)"),
        ("2790351215189", "89", "PAT-TROIS"),
        ("1810363220456", "76", "HERMANN (the CNDA sample's 60 is wrong)"),
        ("1810163220751", "40", "ADRDEUX (42 seen in a Dart test is wrong)"),
    ],
)
def test_key_matches_reference_examples(matricule, key, who):
    assert nir_key(matricule) == key, who
    assert parse_nir(matricule + key).value == matricule + key


def test_hermann_sample_key_is_refused_with_the_expected_key():
    with pytest.raises(NirError, match="« 60 » saisie, « 76 » attendue"):
        parse_nir("181036322045660")


def test_corsica_key_is_not_computed_with_20():
    # The pitfall of the stored django-localflavor: 2B read as 20 would give 66.
    with pytest.raises(NirError, match="attendue"):
        parse_nir("180032B02040166")


@pytest.mark.parametrize(
    ("month", "accepted"),
    [("01", True), ("12", True), ("13", False), ("19", False), ("20", True), ("30", True),
     ("31", True), ("42", True), ("43", False), ("49", False), ("50", True), ("99", True), ("00", False)],
)
def test_months_01_12_20_42_50_99(month, accepted):
    matricule = f"175{month}63220123"
    value = matricule + nir_key(matricule)
    if accepted:
        assert parse_nir(value).matricule == matricule
    else:
        with pytest.raises(NirError):
            parse_nir(value)


@pytest.mark.parametrize(
    ("place", "accepted"),
    [("2A004", True), ("2B033", True), ("97411", True), ("98712", True), ("99134", True),
     ("75056", True), ("2C004", False), ("00123", False)],
)
def test_departments(place, accepted):
    matricule = f"18001{place}123"
    if accepted:
        assert parse_nir(matricule + nir_key(matricule)).place == place
    else:
        with pytest.raises(NirError):
            parse_nir(matricule + "00")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("575016322012345", "premier chiffre"),
        ("27512632207", "15 caractères"),
        ("275126322000074", "numéro d'ordre"),
        ("2751263220749XX", "chiffres"),
    ],
)
def test_structure_errors_say_what_to_fix(value, message):
    with pytest.raises(NirError, match=message):
        parse_nir(value)


@pytest.mark.parametrize("sex_digit", ["1", "2", "3", "4", "7", "8"])
def test_sex_digits(sex_digit):
    matricule = sex_digit + "7512" + "63220" + "749"
    assert parse_nir(matricule + nir_key(matricule)).sex_digit == sex_digit


def test_spaces_and_lowercase_corsica_accepted():
    assert parse_nir("1 80 03 2b 020 401 23").value == "180032B02040123"


def test_pseudo_fictitious_month_gives_real_month():
    matricule = "1753563220123"
    assert parse_nir(matricule + nir_key(matricule)).real_month == 5
