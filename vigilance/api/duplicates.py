"""Duplicate candidates, CIV decisions on a pair, merges and their undoing.

A candidate is named by its pair of identity ids, "<uuid>.<uuid>": integer keys never
leave the server. Each action validates its input, calls one `vigilance.merging` service
(MergeRefused answers 409) and serializes the result.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from identities.api.serializers import ErrorSerializer
from identities.api.views import get_scoped_object
from identities.selectors import identity_queryset_for
from vigilance import merging
from vigilance.models import CandidateState, DuplicateCandidate, IdentityMerge

VIEW, DECIDE, MERGE = ("vigilance.view_duplicatecandidate", "vigilance.change_duplicatecandidate",
                       "vigilance.merge_patientidentity")
CHOICES = [(name, name) for name in merging.MERGEABLE_TRAITS]


def pair_id(candidate: DuplicateCandidate) -> str:
    return f"{candidate.identity_a.public_id}.{candidate.identity_b.public_id}"


class CandidateReadSerializer(serializers.ModelSerializer):
    id = serializers.SerializerMethodField()
    identity_a = serializers.UUIDField(source="identity_a.public_id")
    identity_b = serializers.UUIDField(source="identity_b.public_id")
    reasons = serializers.ListField(child=serializers.DictField(), help_text="Niveaux d'accord par trait.")
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = DuplicateCandidate
        fields = ["id", "identity_a", "identity_b", "score", "reasons", "state", "priority", "created_at",
                  "decided_by", "decided_at", "decision_reason"]
        read_only_fields = fields

    def get_id(self, candidate: DuplicateCandidate) -> str:
        return pair_id(candidate)


class CandidateFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CandidateState.choices, default=CandidateState.OPEN, required=False)
    identity = serializers.UUIDField(required=False, help_text="Les paires de cette identité.")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class MergeChoicesSerializer(serializers.Serializer):
    survivor = serializers.UUIDField(help_text="L'identité conservée.")
    trait_choices = serializers.DictField(
        child=serializers.ChoiceField(choices=["survivor", "merged"]), required=False, default=dict,
        help_text="Pour chaque trait à prendre ailleurs que sur l'identité conservée : \"merged\".")
    reason = serializers.CharField(max_length=500)


class MergeInputSerializer(MergeChoicesSerializer):
    merged = serializers.UUIDField(help_text="L'identité absorbée (désactivée, son IPP reste trouvable).")


class MergeReadSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    survivor = serializers.UUIDField(source="survivor.public_id")
    merged = serializers.UUIDField(source="merged.public_id")
    merged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    undone_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    trait_choices = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = IdentityMerge
        fields = ["id", "survivor", "merged", "reason", "trait_choices", "merged_by", "merged_at", "undone_by",
                  "undone_at", "undo_reason"]
        read_only_fields = fields


MERGE_EXAMPLE = OpenApiExample("Fusion", request_only=True, value={
    "survivor": "3f1c2a4e-0000-4000-8000-000000000001", "trait_choices": {"used_name": "merged"},
    "reason": "Même personne : pièce d'identité vérifiée, IPP créé en double aux urgences."})


def _visible_identity(user, public_id):
    return get_scoped_object(identity_queryset_for(user=user), public_id=public_id)


@extend_schema_view(list=extend_schema(summary="Liste de travail des doublons potentiels",
                                       parameters=[CandidateFilterSerializer]),
                    retrieve=extend_schema(summary="Lire une paire"))
class DuplicateCandidateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = DuplicateCandidate.objects.none()
    serializer_class = CandidateReadSerializer
    lookup_value_regex = "[^/]+"
    permission = VIEW
    action_permissions = {"dismiss": DECIDE, "homonyms": DECIDE, "collision": DECIDE, "merge": MERGE}

    def get_queryset(self):
        visible = identity_queryset_for(user=self.request.user)
        return (DuplicateCandidate.objects.filter(identity_a__in=visible, identity_b__in=visible)
                .select_related("identity_a", "identity_b", "decided_by").order_by("priority", "-score", "pk"))

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = CandidateFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        queryset = queryset.filter(state=params.validated_data["state"])
        if "identity" in params.validated_data:
            one = params.validated_data["identity"]
            queryset = queryset.filter(Q(identity_a__public_id=one) | Q(identity_b__public_id=one))
        return queryset

    def get_object(self):
        try:
            first, second = (UUID(part) for part in self.kwargs["pk"].split("."))
        except ValueError:
            raise NotFound() from None
        return get_scoped_object(self.get_queryset().filter(identity_a__public_id=first),
                                 identity_b__public_id=second)

    def _decide(self, service):
        candidate = self.get_object()
        entry = ReasonInputSerializer(data=self.request.data)
        entry.is_valid(raise_exception=True)
        candidate = service(candidate=candidate, acting_user=self.request.user, reason=entry.validated_data["reason"])
        return Response(CandidateReadSerializer(candidate).data)

    @extend_schema(summary="Pas un doublon", request=ReasonInputSerializer,
                   responses={200: CandidateReadSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(merging.candidate_dismiss)

    @extend_schema(summary="Homonymes : pas un doublon, les deux identités marquées HOMA",
                   request=ReasonInputSerializer, responses={200: CandidateReadSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def homonyms(self, request, pk=None):
        return self._decide(merging.candidate_homonyms)

    @extend_schema(summary="Signaler une collision", request=ReasonInputSerializer,
                   responses={200: CandidateReadSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def collision(self, request, pk=None):
        return self._decide(merging.candidate_flag_collision)

    @extend_schema(summary="Fusionner la paire", request=MergeChoicesSerializer,
                   responses={201: MergeReadSerializer, 409: ErrorSerializer}, examples=[MERGE_EXAMPLE])
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        candidate = self.get_object()
        entry = MergeChoicesSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        pair = {candidate.identity_a.public_id: candidate.identity_a, candidate.identity_b.public_id:
                candidate.identity_b}
        if data["survivor"] not in pair:
            raise ValidationError({"survivor": ["L'identité conservée doit être l'une des deux de la paire."]})
        survivor = pair.pop(data["survivor"])
        record = merging.identity_merge(survivor=survivor, merged=pair.popitem()[1], acting_user=request.user,
                                        trait_choices=data["trait_choices"], reason=data["reason"],
                                        candidate=candidate)
        return Response(MergeReadSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="Fusions, les plus récentes d'abord"),
                    retrieve=extend_schema(summary="Lire une fusion"))
class MergeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IdentityMerge.objects.none()
    serializer_class = MergeReadSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"
    permission = VIEW
    action_permissions = {"create": MERGE, "undo": MERGE}

    def get_queryset(self):
        visible = identity_queryset_for(user=self.request.user)
        return (IdentityMerge.objects.filter(survivor__in=visible, merged__in=visible)
                .select_related("survivor", "merged", "merged_by", "undone_by").order_by("-merged_at", "pk"))

    def get_object(self):
        return get_scoped_object(self.get_queryset(), public_id=self.kwargs["public_id"])

    @extend_schema(summary="Fusionner deux identités (hors liste de travail)", request=MergeInputSerializer,
                   responses={201: MergeReadSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def create(self, request, *args, **kwargs):
        entry = MergeInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        record = merging.identity_merge(
            survivor=_visible_identity(request.user, data["survivor"]),
            merged=_visible_identity(request.user, data["merged"]), acting_user=request.user,
            trait_choices=data["trait_choices"], reason=data["reason"])
        return Response(MergeReadSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Annuler la fusion", request=ReasonInputSerializer,
                   responses={200: MergeReadSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, public_id=None):
        record = self.get_object()
        entry = ReasonInputSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        record = merging.identity_unmerge(merged=record.merged, acting_user=request.user,
                                          reason=entry.validated_data["reason"])
        return Response(MergeReadSerializer(record).data)
