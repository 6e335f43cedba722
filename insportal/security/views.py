"""The auditor's view of the access log (filters, CSV export) and the patient export download."""

from __future__ import annotations

import csv
import datetime as dt
import json
from uuid import UUID

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import ListView

from identities.csv_safety import csv_safe
from identities.selectors import identity_queryset_for
from insportal.security.access import can_audit, can_export_patient
from insportal.security.export import patient_export
from insportal.security.models import AccessChannel, AccessLog

CSV_COLUMNS = ["at", "username", "identity_public_id", "channel", "view_name", "ip_address"]


class _Allowed(LoginRequiredMixin, UserPassesTestMixin):
    def handle_no_permission(self):
        # Signed in without the right: 403, not a loop through the login page.
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()


class _Echo:
    def write(self, value):
        return value


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


class AccessLogView(_Allowed, ListView):
    """Filters: user, identity (public id), channel, from/to dates. `?format=csv` exports the filtered rows."""

    template_name = "security/accesslog_list.html"
    paginate_by = 100

    def test_func(self) -> bool:
        return can_audit(self.request.user)

    def get_queryset(self):
        params = self.request.GET
        qs = AccessLog.objects.all()
        if params.get("user"):
            qs = qs.filter(username=params["user"])
        if params.get("identity"):
            try:
                qs = qs.filter(identity_public_id=UUID(params["identity"].strip()))
            except ValueError:  # a malformed id matches nothing
                qs = qs.none()
        if params.get("channel") in AccessChannel.values:
            qs = qs.filter(channel=params["channel"])
        if since := _date(params.get("since", "")):
            qs = qs.filter(at__date__gte=since)
        if until := _date(params.get("until", "")):
            qs = qs.filter(at__date__lte=until)
        return qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self._csv(self.get_queryset())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(channels=AccessChannel.choices, filters=self.request.GET,
                                         querystring=query.urlencode() + "&" if query else "", **kwargs)

    @staticmethod
    def _csv(queryset) -> StreamingHttpResponse:
        writer = csv.writer(_Echo())
        rows = queryset.values_list(*CSV_COLUMNS).iterator()
        lines = (writer.writerow([csv_safe(str(v) if v is not None else "") for v in row]) for row in rows)
        response = StreamingHttpResponse((line for part in ([writer.writerow(CSV_COLUMNS)], lines) for line in part),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
        return response


class PatientExportView(_Allowed, View):
    def test_func(self) -> bool:
        return can_export_patient(self.request.user)

    def get(self, request, public_id):
        identity = get_object_or_404(identity_queryset_for(user=request.user), public_id=public_id)
        body = json.dumps(patient_export(identity), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="patient-{identity.public_id}.json"'
        return response
