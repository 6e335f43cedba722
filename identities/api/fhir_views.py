"""FHIR R4 `/fhir/Patient`: read, and search by identifier or by traits. Errors are OperationOutcomes."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from identities.api.errors import api_exception_handler
from identities.api.views import get_scoped_object
from identities.fhir import GENDERS, fhir_patient_queryset, ipp_system, operation_outcome, patient_resource
from identities.models import IdentityStatus, InsOid
from identities.rules.traits import TraitError, normalize_birth_date, normalize_first_names, normalize_name
from identities.selectors import identity_queryset_for

ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 406: "not-supported", 415: "not-supported"}
MAX_COUNT = 200


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirSearchError(APIException):
    status_code = 400
    default_code = "invalid"


def fhir_exception_handler(exc, context):
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    message = response.data.get("message", "")
    errors = response.data.get("errors") or {}
    details = " ".join(f"{name} : {' '.join(msgs)}" for name, msgs in errors.items())
    response.data = operation_outcome(ISSUE_CODES.get(response.status_code, "processing"),
                                      f"{message} {details}".strip())
    return response


class FhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]
    permission = "identities.view_patientidentity"

    def get_exception_handler(self):
        return fhir_exception_handler


@extend_schema(exclude=True)
class PatientReadView(FhirView):
    def get(self, request, public_id: str):
        queryset = fhir_patient_queryset(identity_queryset_for(user=request.user))
        return Response(patient_resource(get_scoped_object(queryset, public_id=public_id)))


def _identifier_filter(token: str) -> Q:
    system, _, value = token.rpartition("|")
    qualified_ins = Q(ins_matricule=value, status=IdentityStatus.QUALIFIED)
    if not system:
        return Q(source_id=value) | qualified_ins
    if system.startswith("urn:oid:") and system[8:] in InsOid.values:
        return qualified_ins & Q(ins_oid=system[8:])
    if system.startswith(ipp_system("")):
        return Q(facility__code=system[len(ipp_system("")):], source_id=value)
    return Q(pk__in=[])


def _traits_filter(params) -> Q:
    q = Q()
    try:
        if params.get("family"):
            name = normalize_name(params["family"])
            q &= Q(birth_name__startswith=name) | Q(used_name__startswith=name)
        if params.get("given"):
            q &= Q(first_names__contains=" ".join(normalize_first_names(params["given"])))
        if params.get("birthdate"):
            q &= Q(birth_date=normalize_birth_date(params["birthdate"].removeprefix("eq")))
    except TraitError as exc:
        raise FhirSearchError(str(exc)) from None
    if params.get("gender"):
        sexes = {v: k for k, v in GENDERS.items()}
        if params["gender"] not in sexes:
            raise FhirSearchError("gender : male, female, other ou unknown.")
        q &= Q(sex=sexes[params["gender"]])
    if params.get("active") in ("true", "false"):
        q &= Q(is_active=params["active"] == "true")
    return q


def _int(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise FhirSearchError(f"{name} : un entier positif est attendu.")
    return min(int(raw), maximum)


@extend_schema(exclude=True)
class PatientSearchView(FhirView):
    """GET /fhir/Patient?identifier=system|value, or family/given/birthdate/gender; `_count` and `_page`."""

    def get(self, request):
        params = request.query_params
        if not any(params.get(k) for k in ("identifier", "family", "given", "birthdate", "gender", "_id")):
            raise FhirSearchError("Précisez au moins un critère : identifier, family, given, birthdate ou gender.")
        q = _traits_filter(params)
        if params.get("identifier"):
            q &= _identifier_filter(params["identifier"])
        if params.get("_id"):
            q &= Q(public_id__in=[v for v in params["_id"].split(",") if _is_uuid(v)])
        count, page = _int(params, "_count", 50, MAX_COUNT), _int(params, "_page", 1, 10_000)
        queryset = identity_queryset_for(user=request.user).filter(q).order_by("birth_name", "first_name", "pk")
        total = queryset.count()
        rows = fhir_patient_queryset(queryset)[(page - 1) * count: page * count]
        return Response(self._bundle(request, rows, total, count, page))

    def _bundle(self, request, rows, total: int, count: int, page: int) -> dict:
        base = request.build_absolute_uri(request.path)
        entries = [{"fullUrl": f"{base}/{row.public_id}", "resource": patient_resource(row),
                    "search": {"mode": "match"}} for row in rows]
        links = [{"relation": "self", "url": request.build_absolute_uri()}]
        if page * count < total:
            query = request.query_params.copy()
            query["_page"] = str(page + 1)
            links.append({"relation": "next", "url": f"{base}?{query.urlencode()}"})
        return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
