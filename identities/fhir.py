"""FHIR R4 Patient resources following FR Core (reference §6.1).

A qualified identity (QUAL) carrying an INS uses the `fr-core-patient-ins` profile with its
INS identifier slice; any other identity uses plain `fr-core-patient` and never carries the
matricule (RNIV: the INS is only transmitted for a qualified identity, reference §3.3).
Pure mapping: the caller fetches the identity with `fhir_patient_queryset`.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from identities.models import IdentityProof, InsOid, PatientIdentity

FR_CORE = "https://hl7.fr/ig/fhir/core"
PROFILE_PATIENT = f"{FR_CORE}/StructureDefinition/fr-core-patient"
PROFILE_PATIENT_INS = f"{FR_CORE}/StructureDefinition/fr-core-patient-ins"
EXT_RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
EXT_BIRTH_LIST_GIVEN_NAME = f"{FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name"
EXT_INSEE_CODE = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"
EXT_BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
CS_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CS_FR_V2_0203 = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
CS_STATUS = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
CS_COMMENT = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status-comment"
CS_METHOD = f"{FR_CORE}/CodeSystem/fr-core-cs-method-collection"
CS_VALIDATION = f"{FR_CORE}/CodeSystem/fr-core-cs-mode-validation-identity"
CS_COMMUNES = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
CS_COUNTRIES = "https://mos.esante.gouv.fr/NOS/TRE_R20-Pays/FHIR/TRE-R20-Pays"

# OID -> (FR Core identifier slice / type code, `use` of the active matricule).
INS_SLICES = {
    InsOid.NIR: ("INS-NIR", "official"),
    InsOid.NIA: ("INS-NIA", "temp"),
    InsOid.NIR_TEST: ("INS-NIR-TEST", "official"),
    InsOid.NIR_DEMO: ("INS-NIR-DEMO", "official"),
}
GENDERS = {"M": "male", "F": "female", "I": "other", "": "unknown"}
FHIR_METHODS = {"SM", "CV", "INSI", "CB", "RFID", "AV"}


def ipp_system(facility_code: str) -> str:
    """Identifier system of the IPPs of one facility."""
    return f"urn:insportal:ipp:{facility_code}"


def fhir_patient_queryset(queryset: QuerySet[PatientIdentity]) -> QuerySet[PatientIdentity]:
    """What `patient_resource` reads, in a fixed number of queries."""
    proofs = IdentityProof.objects.filter(is_active=True, high_trust=True).order_by("-checked_at")
    merged = PatientIdentity.objects.select_related("facility").prefetch_related("ins_history")
    return queryset.select_related("facility", "merged_into").prefetch_related(
        Prefetch("proofs", queryset=proofs, to_attr="fhir_proofs"), "ins_history",
        Prefetch("merged_identities", queryset=merged))


def fhir_date(value: str) -> str | None:
    """Our dates keep 00 for an unknown day or month; FHIR says YYYY or YYYY-MM instead."""
    if not value:
        return None
    year, month, day = value.split("-")
    if month == "00":
        return year
    return f"{year}-{month}" if day == "00" else value


def _coding(system: str, code: str) -> dict:
    return {"system": system, "code": code}


def _ins_identifiers(identity: PatientIdentity) -> list[dict]:
    found = []
    if identity.ins_matricule and identity.ins_oid in INS_SLICES:
        found.append(_ins(identity.ins_matricule, identity.ins_oid, active=identity.is_active))
    found += [_ins(h.matricule, h.oid, active=False) for h in identity.ins_history.all() if h.oid in INS_SLICES]
    return found


def _ins(matricule: str, oid: str, *, active: bool) -> dict:
    code, use = INS_SLICES[oid]
    return {"use": use if active else "old", "type": {"coding": [_coding(CS_FR_V2_0203, code)]},
            "system": f"urn:oid:{oid}", "value": matricule}


def _ipp(identity: PatientIdentity, *, old: bool) -> dict:
    return {"use": "old" if old else "usual", "type": {"coding": [_coding(CS_V2_0203, "PI")]},
            "system": ipp_system(identity.facility.code), "value": identity.source_id}


def _identifiers(identity: PatientIdentity, with_ins: bool) -> list[dict]:
    found = [_ipp(identity, old=not identity.is_active)]
    merged = list(identity.merged_identities.all())
    found += [_ipp(m, old=True) for m in merged]
    if with_ins:
        found += _ins_identifiers(identity)
        # A merged identity's INS is shown only if it was itself qualified.
        found += [i for m in merged if m.is_qualified for i in _ins_identifiers(m)]
    return found


def _names(identity: PatientIdentity) -> list[dict]:
    names = []
    official = {k: v for k, v in (("family", identity.birth_name),
                                  ("given", [identity.first_name] if identity.first_name else None)) if v}
    if official:
        official["use"] = "official"
        if identity.first_names:
            official["extension"] = [{"url": EXT_BIRTH_LIST_GIVEN_NAME, "valueString": identity.first_names}]
        names.append(official)
    if identity.used_name or identity.used_first_name:
        usual = {"use": "usual", "family": identity.used_name or identity.birth_name or None,
                 "given": [identity.used_first_name] if identity.used_first_name else None}
        names.append({k: v for k, v in usual.items() if v})
    return names


def _reliability(identity: PatientIdentity) -> dict:
    parts = [{"url": "identityStatus", "valueCoding": _coding(CS_STATUS, identity.status)}]
    comments = [*identity.attributes, *([] if identity.is_active else ["DESA"])]
    parts += [{"url": "comment", "valueCodeableConcept": {"coding": [_coding(CS_COMMENT, c)]}} for c in comments]
    if identity.collection_method in FHIR_METHODS:
        parts.append({"url": "methodCollection", "valueCoding": _coding(CS_METHOD, identity.collection_method)})
    if identity.insi_queried_at:
        parts.append({"url": "dateInterrogationINSi",
                      "valueDate": timezone.localdate(identity.insi_queried_at).isoformat()})
    proofs = getattr(identity, "fhir_proofs", None)
    proof = proofs[0] if proofs else None
    if proof is not None:
        parts.append({"url": "validationDate", "valueDate": timezone.localdate(proof.checked_at).isoformat()})
        parts.append({"url": "validationMode", "valueCoding": _coding(CS_VALIDATION, proof.document_type)})
    return {"url": EXT_RELIABILITY, "extension": parts}


def _birth_place(code: str) -> dict:
    system = CS_COUNTRIES if code.startswith("99") else CS_COMMUNES
    return {"url": EXT_BIRTH_PLACE,
            "valueAddress": {"extension": [{"url": EXT_INSEE_CODE, "valueCoding": _coding(system, code)}]}}


def _links(identity: PatientIdentity) -> list[dict]:
    links = []
    if identity.merged_into_id:
        links.append({"other": {"reference": f"Patient/{identity.merged_into.public_id}"}, "type": "replaced-by"})
    links += [{"other": {"reference": f"Patient/{m.public_id}"}, "type": "replaces"}
              for m in identity.merged_identities.all()]
    return links


def uses_ins_profile(identity: PatientIdentity) -> bool:
    return identity.is_qualified and bool(identity.ins_matricule) and identity.ins_oid in INS_SLICES


def patient_resource(identity: PatientIdentity) -> dict:
    """The FR Core Patient for an identity (fetched through `fhir_patient_queryset`)."""
    with_ins = uses_ins_profile(identity)
    extensions = [_reliability(identity)]
    if identity.birth_place:
        extensions.append(_birth_place(identity.birth_place))
    address = {k: v for k, v in (("line", [identity.address] if identity.address else None),
                                 ("postalCode", identity.postcode), ("city", identity.city)) if v}
    resource = {
        "resourceType": "Patient",
        "id": str(identity.public_id),
        "meta": {"versionId": str(identity.version), "lastUpdated": identity.updated_at.isoformat(),
                 "profile": [PROFILE_PATIENT_INS if with_ins else PROFILE_PATIENT]},
        "extension": extensions,
        "identifier": _identifiers(identity, with_ins),
        "active": identity.is_active,
        "name": _names(identity),
        "gender": GENDERS.get(identity.sex, "unknown"),
        "birthDate": fhir_date(identity.birth_date),
        "address": [{"use": "home", **address}] if address else None,
        "link": _links(identity) or None,
    }
    return {k: v for k, v in resource.items() if v not in (None, [])}


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}
