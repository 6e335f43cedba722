"""What the client sends and what the simulator answers validate against the official XSDs
(../shared/insi-contract/, reference data) and against the project's own contract files."""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from identities.insi.errors import InsiError
from identities.insi.parsing import child, local
from identities.insi.simulator import CNDA
from identities.insi.types import TraitsQuery, VitaleQuery
from identities.insi.zeep_client import WSDL_PATH, ZeepInsiClient

from .conftest import REFERENCE

OWN = WSDL_PATH.parent
OFFICIAL = {
    "RECSANSVITALE": "xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd",
    "RECVITALE": "xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd",
    "RESULTAT": "xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd",
    "ContexteLPS": "xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd",
    "ContexteBAM": "xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd",
    "Erreur": "xsd/schema_faultSOAP_V01_01.xsd",
}
OWN_FILES = {"RECSANSVITALE": "recsans.xsd", "RECVITALE": "recvitale.xsd", "RESULTAT": "resultat.xsd",
             "ContexteLPS": "ctxlps.xsd", "ContexteBAM": "ctxbam.xsd", "Erreur": "fault.xsd"}
needs_reference = pytest.mark.skipif(not (REFERENCE / OFFICIAL["RESULTAT"]).is_file(),
                                     reason=f"official INSi contract not found in {REFERENCE.resolve()}")


@cache
def _schema(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path))


def _validate(element) -> None:
    name = local(element)
    _schema(OWN / OWN_FILES[name]).validate(element)
    if (REFERENCE / OFFICIAL[name]).is_file():
        _schema(REFERENCE / OFFICIAL[name]).validate(element)


def _parts(message: bytes) -> tuple:
    envelope = etree.fromstring(message)
    assert etree.QName(envelope).namespace == "http://www.w3.org/2003/05/soap-envelope"  # SOAP 1.2
    return child(envelope, "Header"), child(envelope, "Body")


QUERIES = [
    TraitsQuery("ADRTROIS", ("DOMINIQUE",), "F", "1997-02-26"),
    TraitsQuery("D'ARTAGNAN DE L'HERAULT", ("PIERRE-ALAIN MURIEL FLORIANT",), "M", "2001-06-17"),
    TraitsQuery("DE VINCI", ("LEONARDO",), "M", "2014-02-01", "63220"),
]


@pytest.fixture
def client(simulator, settings):
    return ZeepInsiClient(endpoint=settings.INSI_ENDPOINT, timeout=2)


@needs_reference
@pytest.mark.parametrize("query", QUERIES)
def test_traits_request_validates(client, simulator, query):
    client.search_by_traits(query)
    header, body = _parts(simulator.last_request)
    for name in ("ContexteLPS", "ContexteBAM"):
        _validate(child(header, name))
    assert child(header, "Action").text == "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
    assert child(header, "MessageID").text.startswith("uuid:")
    lps = child(child(header, "ContexteLPS"), "LPS")
    assert child(lps, "IDAM").get("R") == "4"
    assert child(lps, "IDAM").text
    assert len(child(child(header, "ContexteBAM"), "COUVERTURE")) == 0  # empty for a traits search
    _validate(body[0])


@needs_reference
def test_vitale_request_validates(client, simulator):
    client.search_by_vitale(VitaleQuery("277076322082910", "277076322082910", "NESSI", "1977-07-14"))
    header, body = _parts(simulator.last_request)
    for name in ("ContexteLPS", "ContexteBAM"):
        _validate(child(header, name))
    _validate(body[0])


@needs_reference
@pytest.mark.parametrize("person", CNDA, ids=lambda p: f"{p.birth_name}-{p.first_names.split()[0]}")
def test_every_cnda_answer_validates(client, simulator, person):
    query = TraitsQuery(person.birth_name, (person.first_names,), person.sex, person.birth_date, person.birth_place)
    # HERMANN's wrong key is refused by the client, but the answer itself is schema-valid.
    with contextlib.suppress(InsiError):
        client.search_by_traits(query)
    _header, body = _parts(simulator.last_response)
    assert local(body[0]) == "RESULTAT"
    _validate(body[0])


@needs_reference
@pytest.mark.parametrize("query", [TraitsQuery("HOUILLES", ("PIERRE",), "M", "1993-01-27"),
                                   TraitsQuery("DE VINCI", ("LEONARDO",), "M", "2014-02-01")])
def test_01_and_02_answers_validate(client, simulator, query):
    client.search_by_traits(query)
    _validate(_parts(simulator.last_response)[1][0])


@needs_reference
@pytest.mark.parametrize("fault", ["unavailable", "unknown_idam"])
def test_fault_answers_validate(client, simulator, fault):
    simulator.configure(fault=fault, fault_count=1)
    with pytest.raises(InsiError):
        client.search_by_traits(QUERIES[0])
    fault_element = _parts(simulator.last_response)[1][0]
    assert local(fault_element) == "Fault"
    _validate(child(child(fault_element, "Detail"), "Erreur"))
