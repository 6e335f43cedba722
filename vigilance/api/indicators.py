"""The dashboard indicators through the API: the same selectors as the page, as JSON.

GET /api/v1/indicators/?start=&end=&facility=&service=   figures of the period
GET /api/v1/indicators/monthly/?start=&end=&facility=     one row per month (regional reporting)
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from identities.models import Facility
from vigilance import dashboard as d

MAX_DAYS = 5 * 366 + 1


class IndicatorQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="Premier jour (AAAA-MM-JJ) ; défaut : il y a 29 jours.")
    end = serializers.DateField(required=False, help_text="Dernier jour inclus ; défaut : aujourd'hui.")
    facility = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(), required=False,
                                            help_text="Code de l'établissement.")
    service = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                    help_text="Service d'admission ; vide pour les identités sans service.")

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or min(end, d.DashboardFilters.last_days(30).start)
        if start > end:
            raise serializers.ValidationError({"start": ["Le début de la période doit précéder sa fin."]})
        if (end - start).days > MAX_DAYS:
            raise serializers.ValidationError({"start": ["La période est limitée à cinq ans."]})
        return attrs | {"start": start, "end": end}

    def filters(self) -> d.DashboardFilters:
        data = self.validated_data
        facility = data.get("facility")
        return d.DashboardFilters(start=data["start"], end=data["end"], facility=facility.code if facility else "",
                                  service=data.get("service"))


def plain(value):
    """Dataclasses as dicts, their properties (rates, averages) included; dates in ISO format."""
    if dataclasses.is_dataclass(value):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        props = [n for n in dir(type(value)) if isinstance(getattr(type(value), n, None), property)]
        return out | {n: plain(getattr(value, n)) for n in props}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _query(request) -> d.DashboardFilters:
    query = IndicatorQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.filters()


def _period(filters: d.DashboardFilters) -> dict:
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(), "facility": filters.facility or None,
            "service": filters.service}


class IndicatorsView(APIView):
    permission = d.DASHBOARD_PERMISSION

    @extend_schema(summary="Indicateurs d'identitovigilance de la période (ceux du tableau de bord)",
                   parameters=[IndicatorQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filters, user = _query(request), request.user
        return Response({
            "period": _period(filters), "national_target": d.NATIONAL_TARGET,
            "identities": plain(d.dashboard_identities(user=user, filters=filters)),
            "worklist": plain(d.dashboard_worklist(user=user, filters=filters)),
            "resolutions": plain(d.dashboard_resolutions(user=user, filters=filters)),
            "insi": plain(d.dashboard_insi(user=user, filters=filters)),
            "trend": plain(d.dashboard_trend(user=user, filters=filters)),
        })


class MonthlyIndicatorsView(APIView):
    permission = d.DASHBOARD_PERMISSION

    @extend_schema(summary="Indicateurs mensuels pour le reporting régional",
                   parameters=[IndicatorQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filters = _query(request)
        return Response({"period": _period(filters),
                         "months": plain(d.indicators_monthly(user=request.user, filters=filters))})
