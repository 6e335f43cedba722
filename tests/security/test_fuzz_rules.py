"""Fuzz the pure domain rules: any text either normalises to a fixed point or is refused with a domain error."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identities.rules.identity import CleanIdentity, IdentityInvalid, clean_identity
from identities.rules.nir import NirError, nir_key, parse_nir
from identities.rules.traits import (
    TraitError,
    normalize_birth_date,
    normalize_first_names,
    normalize_name,
    normalize_sex,
)

FAST = settings(max_examples=80, deadline=None)
# Text a person or a hostile system could type: letters with accents, digits, controls, markup, huge runs.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<script>alert(1)</script>", "'; DROP TABLE identities_patientidentity;--", "=1+2",
                     "\x00", "É" * 300, "Ｍａｒｔｉｎ", "O'NEIL--SMITH", "  ", "\u202eNITRAM"]),
)


@FAST
@given(hostile_text)
def test_names_normalise_to_a_fixed_point_or_are_refused(raw):
    try:
        name = normalize_name(raw)
    except TraitError:
        return
    assert normalize_name(name) == name


@FAST
@given(hostile_text)
def test_first_names_normalise_to_a_fixed_point_or_are_refused(raw):
    try:
        names = normalize_first_names(raw)
    except TraitError:
        return
    assert normalize_first_names(" ".join(names)) == names


@FAST
@given(st.one_of(hostile_text, st.dates().map(str), st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True)))
def test_birth_dates_normalise_to_a_fixed_point_or_are_refused(raw):
    try:
        value = normalize_birth_date(raw)
    except TraitError:
        return
    assert normalize_birth_date(value) == value


@FAST
@given(hostile_text)
def test_sex_is_one_code_or_refused(raw):
    with contextlib.suppress(TraitError):
        assert normalize_sex(raw) in {"", "M", "F", "I"}


@FAST
@given(st.one_of(hostile_text, st.from_regex(r"[12][0-9A-B ]{14,16}", fullmatch=True)))
def test_any_nir_input_parses_or_raises_nir_error(raw):
    try:
        nir = parse_nir(raw)
    except NirError:
        return
    assert nir.value[13:] == nir_key(nir.value[:13])


@FAST
@given(st.from_regex(r"[12][0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[1-8][0-9]|9[0-5])[0-9]{3}[0-9]{2}[1-9]", fullmatch=True))
def test_a_well_formed_matricule_with_its_key_is_accepted_and_a_wrong_key_refused(matricule):
    key = nir_key(matricule)
    assert parse_nir(matricule + key).value == matricule + key
    wrong = f"{(int(key) % 97) + 1:02d}"
    with pytest.raises(NirError):
        parse_nir(matricule + wrong)


FIELDS = ["birth_name", "first_names", "first_name", "birth_date", "sex", "birth_place", "used_name",
          "used_first_name", "nir", "address", "postcode", "city"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.none(), hostile_text), max_size=len(FIELDS)))
def test_clean_identity_accepts_or_explains_and_is_idempotent(db, raw):
    try:
        clean, _warnings = clean_identity(raw)
    except IdentityInvalid as exc:
        errors = exc.errors
    else:
        errors = {}
    if errors:  # refused: every field says what to fix
        assert all(msgs and all(isinstance(m, str) for m in msgs) for msgs in errors.values())
        return
    assert isinstance(clean, CleanIdentity)
    assert clean_identity(clean.as_fields())[0] == clean
