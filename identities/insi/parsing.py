"""Reading INSi answers by local name, tolerant of the quirks the reference lists (section 4.6).

Prefixes and default namespaces vary between environments, one INSHISTO is one
element, the history may repeat the active INS, DateDeb may follow DateFin.
What the contract promises and we rely on (CodeCR, a well-formed active INS with
the right key, the qualified traits) is checked: anything else is an
InsiInvalidAnswerError, so a bad answer never reaches an identity.
"""

from __future__ import annotations

import re

from lxml import etree

from identities.rules.nir import nir_key

from .errors import InsiInvalidAnswerError, InsiRejectedError, InsiTemporaryError, fault_message
from .types import FOUND, NOT_FOUND, SEVERAL, Ins, InsiIdentity, SearchResult

KNOWN_OIDS = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"}
# Faults that mean "unavailable for now" whatever their SOAP code says.
TEMPORARY_CODES = {"siram_40", "insi_102"}
_MATRICULE = re.compile(r"^\d{6}[0-9AB]\d{6}$")
_KEY = re.compile(r"^\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# No DTD, no entities, no network: answers come from outside.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def local(element) -> str:
    return etree.QName(element).localname


def child(element, name: str):
    return next((c for c in element if isinstance(c.tag, str) and local(c) == name), None)


def children(element, name: str) -> list:
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def text(element, name: str) -> str:
    found = child(element, name) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def parse_envelope(content: bytes):
    """The SOAP Body's first element. Raises InsiInvalidAnswerError."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        raise InsiInvalidAnswerError("Réponse INSi illisible (XML mal formé) : l'identité n'a pas été modifiée.") \
            from None
    body = child(root, "Body") if local(root) == "Envelope" else None
    payload = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if payload is None:
        raise InsiInvalidAnswerError("Réponse INSi inattendue (pas d'enveloppe SOAP) : "
                                     "l'identité n'a pas été modifiée.")
    return payload


def raise_fault(fault, message_id: str = "") -> None:
    """Map a SOAP 1.2 Fault to our errors, keeping the siram/desir/insi codes."""
    code = child(fault, "Code")
    value = text(code, "Value").split(":")[-1] if code is not None else ""
    subcode = child(code, "Subcode") if code is not None else None
    fault_code = text(subcode, "Value").split(":")[-1] if subcode is not None else ""
    reason = text(child(fault, "Reason"), "Text") if child(fault, "Reason") is not None else ""
    detail = child(fault, "Detail")
    erreur = child(detail, "Erreur") if detail is not None else None
    fault_detail = erreur.get("code", "") if erreur is not None else ""
    temporary = value == "Receiver" or {fault_code.lower(), fault_detail.lower()} & TEMPORARY_CODES
    error_class = InsiTemporaryError if temporary else InsiRejectedError
    raise error_class(fault_message(fault_code, fault_detail, reason), fault_code=fault_code[:40],
                      fault_detail=fault_detail[:40], message_id=message_id)


def parse_answer(content: bytes) -> SearchResult:
    """A search answer (RESULTAT) or its fault. Raises InsiError subclasses."""
    payload = parse_envelope(content)
    if local(payload) == "Fault":
        raise_fault(payload)
    if local(payload) != "RESULTAT":
        raise InsiInvalidAnswerError(f"Réponse INSi inattendue ({local(payload)}) : l'identité n'a pas été modifiée.")
    report = child(payload, "CR")
    code = text(report, "CodeCR") if report is not None else ""
    if code not in {FOUND, NOT_FOUND, SEVERAL}:
        raise InsiInvalidAnswerError(f"Code retour INSi inconnu « {code[:10]} » : l'identité n'a pas été modifiée.")
    label = text(report, "LibelleCR")
    if code != FOUND:
        return SearchResult(code=code, label=label)
    individual = child(payload, "INDIVIDU")
    if individual is None:
        raise InsiInvalidAnswerError("Réponse INSi 00 sans identité : l'identité n'a pas été modifiée.")
    return SearchResult(code=code, label=label, identity=_individual(individual))


def _individual(individual) -> InsiIdentity:
    active_element = child(individual, "INSACTIF")
    tiq = child(individual, "TIQ")
    if active_element is None or tiq is None:
        raise InsiInvalidAnswerError("Réponse INSi 00 incomplète (INS actif ou traits absents) : "
                                     "l'identité n'a pas été modifiée.")
    active = _ins(active_element, strict=True)
    history = []
    for element in children(individual, "INSHISTO"):
        ins = _ins(element, strict=False)
        # The history may repeat the active INS (CNDA TEST_2.08): it is not a previous one.
        if ins and ins.value != active.value and ins.value not in {h.value for h in history}:
            history.append(ins)
    first_names = text(tiq, "ListePrenom") or text(tiq, "Prenom")
    identity = InsiIdentity(ins=active, history=tuple(history), birth_name=text(tiq, "NomNaissance"),
                            first_names=" ".join(first_names.split()), sex=text(tiq, "Sexe"),
                            birth_date=text(tiq, "DateNaissance"), birth_place=text(tiq, "LieuNaissance"))
    if not (identity.birth_name and identity.first_names and identity.sex in {"M", "F"}
            and _DATE.match(identity.birth_date)):
        raise InsiInvalidAnswerError("Les traits renvoyés par l'INSi sont incomplets ou mal formés : "
                                     "l'identité n'a pas été modifiée.")
    return identity


def _ins(element, *, strict: bool) -> Ins | None:
    """One INSACTIF/INSHISTO. A bad active INS is an error; a bad history entry is dropped."""
    id_individu = child(element, "IdIndividu")
    matricule = text(id_individu, "NumIdentifiant").upper() if id_individu is not None else ""
    key = text(id_individu, "Cle") if id_individu is not None else ""
    oid = text(element, "OID")
    well_formed = bool(_MATRICULE.match(matricule) and _KEY.match(key) and oid in KNOWN_OIDS)
    if not well_formed or nir_key(matricule) != key:
        if strict:
            raise InsiInvalidAnswerError("Le matricule INS renvoyé par l'INSi est invalide (structure, clé ou OID) : "
                                         "l'identité n'a pas été modifiée.")
        return None
    return Ins(matricule=matricule, key=key, oid=oid, valid_from=_date(text(element, "DateDeb")),
               valid_until=_date(text(element, "DateFin")))


def _date(value: str) -> str:
    # Kept as given, even when DateDeb follows DateFin (CNDA TEST_2.04): INSi is the authority on dates.
    return value[:10] if _DATE.match(value[:10]) else ""
