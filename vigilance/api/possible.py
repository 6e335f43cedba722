"""Phonetic, error-tolerant search by traits: the identities an entry may already be, best first.

The same matching as the admission page shows before creating an identity (phonetic names,
date typos, NIR), so that another system can look before it creates.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from identities.api.serializers import IdentityReadSerializer, IdentityTraitsInputSerializer
from identities.rules.identity import clean_identity
from identities.selectors import identity_queryset_for
from vigilance.selectors import possible_existing_identities


class PossibleQuerySerializer(IdentityTraitsInputSerializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class PossibleIdentitySerializer(serializers.Serializer):
    probability = serializers.FloatField(help_text="Probabilité d'être la même personne (0 à 1).")
    identity = IdentityReadSerializer()


class PossibleIdentitiesView(APIView):
    permission = "identities.view_patientidentity"

    @extend_schema(summary="Recherche phonétique par traits : identités existantes possibles",
                   parameters=[PossibleQuerySerializer], responses=PossibleIdentitySerializer(many=True))
    def get(self, request):
        query = PossibleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        traits, _ = clean_identity(query.validated_data)
        found = possible_existing_identities(traits, limit=query.validated_data["limit"])
        visible = set(identity_queryset_for(user=request.user).filter(pk__in=[p.identity.pk for p in found])
                      .values_list("pk", flat=True))
        found = [p for p in found if p.identity.pk in visible]
        return Response(PossibleIdentitySerializer(
            [{"probability": p.probability, "identity": p.identity} for p in found], many=True).data)
