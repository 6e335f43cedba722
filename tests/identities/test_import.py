"""The CSV import command per the contract: refused rows in the report, nothing twice, nothing half-written."""

import csv

import pytest
from django.core.management import CommandError, call_command

from identities.importing import CSV_COLUMNS
from identities.models import IdentityEvent, PatientIdentity

HEADER = ",".join(CSV_COLUMNS)


def _run(tmp_path, text: str | bytes, facility="CHU01"):
    path = tmp_path / "in.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    report = tmp_path / "report.csv"
    call_command("import_identities", str(path), facility=facility, report=str(report), verbosity=0)
    with report.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_good_and_bad_rows(tmp_path, db):
    rows = _run(tmp_path, "\n".join([
        HEADER,
        "A1,Adrtrois,Dominique,F,1997-02-26,2A020,,,297022A02077878,1 rue X,20000,AJACCIO",
        "A2,Hermann,Gatien,M,1981-03-24,63220,,,181036322045660,,,",
        "A3,Martin,Paul,M,2020-02-31,75056,,,,,,",
        "A4,D’ÆION2,Cœur,M,1987-01-01,2B020,,,,,,",
        "A5,Durand,Anne,F,1990-01-01",
        ",Sans,Ipp,F,1990-01-01,75056,,,,,,",
        "A6,Dupont,Jean,M,1950-00-00,99134,,,,,,",
        "A1,Adrtrois,Dominique,F,1997-02-26,2A020,,,,,,",
    ]) + "\n")
    assert [(r["line"], r["source_id"]) for r in rows] == [
        ("3", "A2"), ("4", "A3"), ("5", "A4"), ("6", "A5"), ("7", ""), ("9", "A1")]
    reasons = {r["source_id"] + r["line"]: r["reason"] for r in rows}
    assert "clé du NIR est fausse" in reasons["A23"]
    assert "n'existe pas" in reasons["A34"]
    assert "« 2 »" in reasons["A45"]
    assert "colonnes manquantes" in reasons["A56"]
    assert "source_id" in reasons["7"]
    assert "double" in reasons["A19"]
    imported = PatientIdentity.objects.order_by("source_id")
    assert [(i.source_id, i.birth_name, i.birth_date, i.status) for i in imported] == [
        ("A1", "ADRTROIS", "1997-02-26", "PROV"), ("A6", "DUPONT", "1950-00-00", "PROV")]
    assert IdentityEvent.objects.filter(kind=IdentityEvent.Kind.IMPORTED).count() == 2
    assert imported[0].history.count() == 1


def test_reimport_creates_nothing_twice(tmp_path, db):
    text = HEADER + "\nB1,Martin,Paul,M,1980-05-04,75056,,,,,,\n"
    _run(tmp_path, text)
    _run(tmp_path, text)
    assert PatientIdentity.objects.filter(source_id="B1").count() == 1


def test_extra_columns_ignored_and_absent_columns_allowed(tmp_path, db):
    rows = _run(tmp_path, "source_id,birth_name,note\nC1,Martin,hello\n")
    assert rows == []
    assert PatientIdentity.objects.get(source_id="C1").birth_name == "MARTIN"


def test_non_utf8_row_refused_alone(tmp_path, db):
    text = (HEADER + "\nD1,Martin,Paul,M,1980-05-04,75056,,,,,,\n").encode() + \
        "D2,Hélène,Marie,F,1980-05-04,75056,,,,,,\n".encode("latin-1")
    rows = _run(tmp_path, text)
    assert [(r["source_id"], "UTF-8" in r["reason"]) for r in rows] == [("D2", True)]
    assert PatientIdentity.objects.filter(source_id="D1").exists()


def test_file_without_source_id_column_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="source_id"):
        _run(tmp_path, "name,first\nx,y\n")


def test_optional_admission_service_column_is_kept_and_checked(tmp_path, db):
    rows = _run(tmp_path, "source_id,birth_name,admission_service\nS1,Martin, URGENCES \nS2,Durand," + "X" * 65 + "\n")
    assert [(r["source_id"], r["reason"]) for r in rows] == [("S2", "admission_service : 64 caractères au plus")]
    assert PatientIdentity.objects.get(source_id="S1").admission_service == "URGENCES"
    assert not PatientIdentity.objects.filter(source_id="S2").exists()


def test_imported_identities_are_found_at_once_by_the_admission_search(tmp_path, db):
    from identities.rules.identity import CleanIdentity
    from vigilance.matching import blocking_keys, prepare
    from vigilance.models import MatchKey
    from vigilance.records import record_of
    from vigilance.selectors import possible_existing_identities

    _run(tmp_path, HEADER + "\nK1,Gauthier,Jean Pierre,M,1980-05-12,75056,,,,12 rue de la Gare,75011,PARIS\n")
    imported = PatientIdentity.objects.get(source_id="K1")
    stored = set(MatchKey.objects.filter(identity=imported).values_list("key", flat=True))
    assert stored == set(blocking_keys(prepare(record_of(imported))))  # keyed in the import, no scan yet
    entry = CleanIdentity(birth_name="GOTIER", first_names="JEAN", first_name="JEAN", birth_date="1980-12-05",
                          sex="M", birth_place="75056")
    found = possible_existing_identities(entry, facility=imported.facility)
    assert [p.identity.source_id for p in found] == ["K1"]
