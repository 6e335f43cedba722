"""Identity endpoints: each action validates its input, calls one service, and serializes the result."""

from __future__ import annotations

from uuid import UUID

from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from identities.api import serializers as s
from identities.api.errors import error_response
from identities.api.filters import identity_filter
from identities.models import Facility, InsiRequest, PatientIdentity
from identities.rules.identity import clean_identity
from identities.selectors import identity_queryset_for
from identities.services.identities import identity_create, identity_set_attributes, identity_update, proof_record
from identities.services.insi import insi_request_search, insi_request_verify

IDENTITY_EXAMPLE = {
    "source_id": "IPP000123", "birth_name": "MARTIN", "first_names": "JEANNE MARIE", "birth_date": "1985-03-21",
    "sex": "F", "birth_place": "75056", "used_name": "DURAND", "facility": "CHU01",
}


def get_scoped_object(queryset, **lookup):
    """Fetch from a scoped queryset; a malformed id, a missing row and a hidden one all answer 404."""
    try:
        lookup = {k: UUID(str(v)) for k, v in lookup.items()}
    except ValueError:
        raise NotFound() from None
    return get_object_or_404(queryset, **lookup)


@extend_schema_view(
    list=extend_schema(summary="Rechercher des identités", parameters=[s.IdentityFilterSerializer]),
    retrieve=extend_schema(summary="Lire une identité"),
)
class IdentityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Patient identities, with fields named after the CSV columns."""

    queryset = PatientIdentity.objects.none()
    serializer_class = s.IdentityReadSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"  # any id reaches the view, which answers a JSON 404 when malformed
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission = "identities.view_patientidentity"
    action_permissions = {
        "create": "identities.add_patientidentity",
        "partial_update": "identities.change_patientidentity",
        "attributes": "identities.set_attributes_patientidentity",
        "proofs": "identities.view_identityproof",
        "proof_create": "identities.add_identityproof",
        "events": "identities.view_history_patientidentity",
        "insi_search": "identities.request_insi_patientidentity",
        "insi_verify": "identities.request_insi_patientidentity",
    }

    def get_queryset(self):
        # No join on `merged_into`: few identities are merged away, and the serializer reads the
        # other identity only when there is one. Lists join it (filter_queryset).
        return identity_queryset_for(user=self.request.user)

    def get_object(self):
        obj = get_scoped_object(self.get_queryset(), public_id=self.kwargs["public_id"])
        self.check_object_permissions(self.request, obj)
        return obj

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = s.IdentityFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return identity_filter(user=self.request.user, params=params.validated_data).select_related("merged_into")

    def _written(self, identity, warnings, status_code=status.HTTP_200_OK):
        data = s.IdentityWrittenSerializer(identity, context={"warnings": warnings}).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="Créer une identité", request=s.IdentityCreateInputSerializer,
        responses={201: s.IdentityWrittenSerializer, 409: s.ErrorSerializer},
        examples=[OpenApiExample("Identité d'admission", value=IDENTITY_EXAMPLE, request_only=True)],
    )
    def create(self, request, *args, **kwargs):
        entry = s.IdentityCreateInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        facility = self._facility(data.get("facility", ""))
        traits, warnings = clean_identity({name: data.get(name, "") for name in s.TRAIT_FIELDS})
        source_id = data.get("source_id", "").strip()
        if source_id and PatientIdentity.objects.filter(facility=facility, source_id=source_id).exists():
            return self._ipp_taken(source_id)
        try:
            identity = identity_create(facility=facility, data=traits, acting_user=request.user, source_id=source_id,
                                       collection_method=data["collection_method"],
                                       admission_service=data.get("admission_service", ""))
        except IntegrityError:  # the same IPP created concurrently
            return self._ipp_taken(source_id)
        return self._written(identity, warnings, status.HTTP_201_CREATED)

    @staticmethod
    def _facility(code: str) -> Facility:
        if code:
            facility = Facility.objects.filter(code=code).first()
            if facility is None:
                raise ValidationError({"facility": [f"Établissement « {code} » inconnu : vérifiez son code."]})
            return facility
        facilities = list(Facility.objects.all()[:2])
        if len(facilities) != 1:
            raise ValidationError({"facility": ["Indiquez le code de l'établissement (plusieurs sont gérés)."]})
        return facilities[0]

    @staticmethod
    def _ipp_taken(source_id: str) -> Response:
        message = (f"L'IPP « {source_id} » existe déjà dans cet établissement : "
                   "lisez cette identité ou modifiez-la au lieu d'en créer une autre.")
        return error_response(409, "ipp_exists", message, {"source_id": [message]})

    @extend_schema(
        summary="Modifier les traits d'une identité", request=s.IdentityUpdateInputSerializer,
        responses={200: s.IdentityWrittenSerializer, 409: s.ErrorSerializer},
        description="Envoyez la `version` lue. Modifier un trait strict fait perdre le statut issu de l'INSi "
                    "(QUAL → VALI, RECUP → PROV) ; les traits stricts d'une identité qualifiée sont verrouillés.",
        examples=[OpenApiExample("Nom utilisé", value={"version": 3, "used_name": "DURAND"}, request_only=True)],
    )
    def partial_update(self, request, *args, **kwargs):
        identity = self.get_object()
        entry = s.IdentityUpdateInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        raw = {name: getattr(identity, name) for name in s.TRAIT_FIELDS}
        raw.update({name: data[name] for name in s.TRAIT_FIELDS if name in data})
        if "first_names" in data and "first_name" not in data:
            raw["first_name"] = ""  # derived again from the new list
        traits, warnings = clean_identity(raw)
        identity = identity_update(identity=identity, data=traits, acting_user=request.user,
                                   expected_version=data["version"], reason=data.get("reason", ""),
                                   unlock=data["unlock"])
        return self._written(identity, warnings)

    @extend_schema(summary="Poser les attributs douteuse, fictive, homonyme", request=s.AttributesInputSerializer,
                   responses={200: s.IdentityReadSerializer, 409: s.ErrorSerializer})
    @action(detail=True, methods=["post"])
    def attributes(self, request, public_id=None):
        identity = self.get_object()
        entry = s.AttributesInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        identity = identity_set_attributes(
            identity=identity, is_doubtful=data["is_doubtful"], is_fictitious=data["is_fictitious"],
            is_homonym=data["is_homonym"], acting_user=request.user, reason=data.get("reason", ""),
            expected_version=data["version"])
        return Response(s.IdentityReadSerializer(identity).data)

    @extend_schema(summary="Pièces d'identité vérifiées", responses=s.ProofReadSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def proofs(self, request, public_id=None):
        identity = self.get_object()
        proofs = identity.proofs.select_related("checked_by")
        return Response(s.ProofReadSerializer(proofs, many=True).data)

    @extend_schema(summary="Enregistrer une pièce d'identité vérifiée", request=s.ProofInputSerializer,
                   responses={201: s.ProofReadSerializer},
                   examples=[OpenApiExample("Passeport", value={"document_type": "PA", "expires_on": "2031-05-01"},
                                            request_only=True)])
    @proofs.mapping.post
    def proof_create(self, request, public_id=None):
        identity = self.get_object()
        entry = s.ProofInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        proof = proof_record(identity=identity, acting_user=request.user, **entry.validated_data)
        return Response(s.ProofReadSerializer(proof).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Historique des événements de l'identité", responses=s.EventReadSerializer(many=True),
                   parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)])
    @action(detail=True, methods=["get"])
    def events(self, request, public_id=None):
        identity = self.get_object()
        page = self.paginate_queryset(identity.events.select_related("actor"))
        return self.get_paginated_response(s.EventReadSerializer(page, many=True).data)

    def _insi_accepted(self, insi_request: InsiRequest) -> Response:
        url = reverse("insi-request-detail", kwargs={"public_id": insi_request.public_id}, request=self.request)
        return Response(s.InsiRequestReadSerializer(insi_request).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": url})

    @extend_schema(summary="Demander une recherche INSi par traits", request=None,
                   responses={202: s.InsiRequestReadSerializer, 409: s.ErrorSerializer},
                   description="La recherche part après la réponse ; suivez la demande à l'adresse de l'en-tête "
                               "`Location`. Refusée (409) pour une identité douteuse ou fictive, ou incomplète.")
    @action(detail=True, methods=["post"], url_path="insi-search")
    def insi_search(self, request, public_id=None):
        return self._insi_accepted(insi_request_search(identity=self.get_object(), acting_user=request.user))

    @extend_schema(summary="Demander la vérification de l'INS", request=None,
                   responses={202: s.InsiRequestReadSerializer, 409: s.ErrorSerializer})
    @action(detail=True, methods=["post"], url_path="insi-verify")
    def insi_verify(self, request, public_id=None):
        return self._insi_accepted(insi_request_verify(identity=self.get_object(), acting_user=request.user))


@extend_schema_view(retrieve=extend_schema(summary="Suivre une demande INSi"))
class InsiRequestViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """INSi requests, followed after a 202; visible with their identity."""

    queryset = InsiRequest.objects.none()
    serializer_class = s.InsiRequestReadSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"
    permission = "identities.view_insirequest"

    def get_object(self):
        identities = identity_queryset_for(user=self.request.user)
        queryset = InsiRequest.objects.filter(identity__in=identities).select_related("identity")
        return get_scoped_object(queryset, public_id=self.kwargs["public_id"])
