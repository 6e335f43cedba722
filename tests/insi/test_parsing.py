"""Reading answers by local name, with the quirks of real answers (reference 4.6)."""

from __future__ import annotations

import pytest

from identities.insi.errors import InsiInvalidAnswerError, InsiRejectedError, InsiTemporaryError
from identities.insi.parsing import parse_answer

ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope">'
            "<S:Body>{}</S:Body></S:Envelope>")


def _ins(tag: str, matricule: str, key: str, oid: str = "1.2.250.1.213.1.4.8", dates: str = "") -> str:
    return (f"<{tag}><IdIndividu><NumIdentifiant>{matricule}</NumIdentifiant><Cle>{key}</Cle></IdIndividu>"
            f"<OID>{oid}</OID>{dates}</{tag}>")


TIQ = ("<TIQ><NomNaissance>CORSE</NomNaissance><Prenom>ANTHONY</Prenom><ListePrenom>ANTHONY</ListePrenom>"
       "<Sexe>M</Sexe><DateNaissance>1980-03-02</DateNaissance><LieuNaissance>2B020</LieuNaissance></TIQ>")


def _found(individual: str, root: str = '<RESULTAT xmlns="http://www.cnamts.fr/INSiResultat">') -> bytes:
    return ENVELOPE.format(f"{root}<CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR>"
                           f"<INDIVIDU>{individual}</INDIVIDU></RESULTAT>".replace("</RESULTAT>", root_close(root))
                           ).encode()


def root_close(root: str) -> str:
    return "</ns2:RESULTAT>" if root.startswith("<ns2:") else "</RESULTAT>"


def test_default_namespace_single_history_repeating_active():
    answer = _found(_ins("INSACTIF", "180032B020401", "23") + _ins("INSHISTO", "180032B020401", "23") + TIQ)
    result = parse_answer(answer)
    assert result.code == "00"
    assert result.identity.ins.value == "180032B02040123"
    assert result.identity.history == ()
    assert result.identity.first_name == "ANTHONY"


def test_prefixed_answer_and_history_dates_kept_even_reversed():
    root = '<ns2:RESULTAT xmlns:ns2="http://www.cnamts.fr/INSiResultat">'
    dates = "<DateDeb>2019-03-01</DateDeb><DateFin>2019-02-28</DateFin>"
    history = _ins("INSHISTO", "2090763220834", "39", dates=dates)
    answer = _found(_ins("INSACTIF", "1090763220834", "89") + history + TIQ, root=root)
    [old] = parse_answer(answer).identity.history
    assert (old.valid_from, old.valid_until) == ("2019-03-01", "2019-02-28")


@pytest.mark.parametrize("individual", [
    _ins("INSACTIF", "1810363220456", "60") + TIQ,  # HERMANN: wrong key
    _ins("INSACTIF", "180032B020401", "23", oid="1.2.250.1.213.1.4.2") + TIQ,  # INS-C OID, obsolete
    _ins("INSACTIF", "180032B020401", "23"),  # no traits
    _ins("INSACTIF", "180032B020401", "23") + TIQ.replace("<Sexe>M</Sexe>", ""),
])
def test_unexpected_found_answers_are_invalid(individual):
    with pytest.raises(InsiInvalidAnswerError):
        parse_answer(_found(individual))


@pytest.mark.parametrize("content", [
    b"not xml", b"<a/>", ENVELOPE.format("<RESULTAT><CR><CodeCR>99</CodeCR></CR></RESULTAT>").encode(),
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
])
def test_garbage_is_invalid(content):
    with pytest.raises(InsiInvalidAnswerError):
        parse_answer(content)


def _fault(code: str, subcode: str, detail: str) -> bytes:
    return ENVELOPE.format(
        f"<S:Fault><S:Code><S:Value>S:{code}</S:Value><S:Subcode><S:Value>{subcode}</S:Value></S:Subcode></S:Code>"
        f"<S:Reason><S:Text>x</S:Text></S:Reason><S:Detail><Erreur xmlns='urn:siram' code='{detail}' "
        f"severite='fatale'>x</Erreur></S:Detail></S:Fault>").encode()


@pytest.mark.parametrize(("code", "subcode", "detail", "error"), [
    ("Receiver", "siram_40", "insi_102", InsiTemporaryError),
    ("Sender", "siram_40", "insi_102", InsiTemporaryError),  # unavailability whatever the code says
    ("Sender", "siram_100", "desir_550", InsiRejectedError),
    ("Sender", "", "DESIR_560", InsiRejectedError),
])
def test_faults_keep_their_codes(code, subcode, detail, error):
    with pytest.raises(error) as excinfo:
        parse_answer(_fault(code, subcode, detail))
    assert (excinfo.value.fault_code, excinfo.value.fault_detail) == (subcode, detail)
