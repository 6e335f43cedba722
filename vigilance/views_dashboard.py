"""The CIV dashboard: charts with their numbers as tables and CSV, drill-down lists, the monthly export.

Every table is built once here (`dashboard_tables`): the page, the charts and the CSV files read the
same rows, so a chart and its CSV can never disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from functools import cached_property

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import ListView, TemplateView, View

from identities.models import Facility, IdentityStatus
from vigilance import dashboard as d

NOT_FILLED = "-"  # the service filter value for identities without an admission service
MAX_DAYS = 5 * 366 + 1


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    facility = forms.ModelChoiceField(label="Établissement", queryset=Facility.objects.all(), required=False,
                                      to_field_name="code", empty_label="Tous")
    service = forms.CharField(label="Service d'admission", required=False, max_length=64,
                              help_text=f"« {NOT_FILLED} » pour les identités sans service.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        if start and end and (end - start).days > MAX_DAYS:
            raise forms.ValidationError("La période est limitée à cinq ans.")
        return data

    def filters(self, default_days: int = 30) -> d.DashboardFilters:
        """The filters of a valid form; the last `default_days` days when no period is given."""
        data = self.cleaned_data if self.is_valid() else {}
        base = d.DashboardFilters.last_days(default_days)
        end = data.get("end") or base.end
        start = data.get("start") or min(base.start, end)
        service = data.get("service") or None
        facility = data.get("facility")
        return d.DashboardFilters(start=start, end=end, facility=facility.code if facility else "",
                                  service="" if service == NOT_FILLED else service)


def filter_query(filters: d.DashboardFilters, **extra) -> str:
    """The query string that brings the same filters to another address (drill-down, CSV)."""
    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.facility:
        params["facility"] = filters.facility
    if filters.service is not None:
        params["service"] = filters.service or NOT_FILLED
    return urlencode(params | {k: v for k, v in extra.items() if v})


# --- Tables: the numbers behind each chart -------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    value: object
    url: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Figures:
    identities: d.IdentityFigures
    worklist: d.WorklistFigures
    resolutions: d.ResolutionFigures
    insi: d.InsiFigures
    trend: d.TrendFigures


def dashboard_figures(user, filters: d.DashboardFilters) -> Figures:
    """The figures of the page, kept DASHBOARD_CACHE_SECONDS (default 60) per user and filters.

    On a million identities computing them takes seconds; a dashboard a minute old is fine for
    the CIV, and the drill-down lists behind each figure stay live.
    """
    seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", 60)
    if not seconds:
        return _compute_figures(user, filters)
    key = "dashboard:" + hashlib.sha256(f"{user.pk}:{filters!r}".encode()).hexdigest()
    return cache.get_or_set(key, lambda: _compute_figures(user, filters), seconds)


def _compute_figures(user, filters: d.DashboardFilters) -> Figures:
    return Figures(identities=d.dashboard_identities(user=user, filters=filters),
                   worklist=d.dashboard_worklist(user=user, filters=filters),
                   resolutions=d.dashboard_resolutions(user=user, filters=filters),
                   insi=d.dashboard_insi(user=user, filters=filters),
                   trend=d.dashboard_trend(user=user, filters=filters))


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _per_thousand(part: int, whole: int) -> float | None:
    return round(1000 * part / whole, 2) if whole else None


class _Links:
    """Drill-down addresses for one set of filters."""

    def __init__(self, filters: d.DashboardFilters):
        self.filters = filters
        self.base = reverse("dashboard:identities")  # once: a page has hundreds of links

    def identities(self, filters: d.DashboardFilters | None = None, **extra) -> str:
        return self.base + "?" + filter_query(filters or self.filters, **extra)

    @cached_property
    def _worklist(self) -> str:
        # The worklist filters on the facility's key; looked up once per page.
        pk = (Facility.objects.filter(code=self.filters.facility).values_list("pk", flat=True).first()
              if self.filters.facility else None)
        return reverse("vigilance:worklist") + (f"?facility={pk}" if pk else "")

    def worklist(self) -> str:
        return self._worklist

    def scoped(self, kind: str, key: str) -> d.DashboardFilters:
        """The filters narrowed to one facility or one service of a breakdown row."""
        return replace(self.filters, facility=key) if kind == "facility" else replace(self.filters, service=key)


STATUS_LABELS = tuple(IdentityStatus.choices)


def _status_table(f: Figures, links: _Links) -> Table:
    t = f.identities.total
    values = (t.provisional, t.retrieved, t.validated, t.qualified)
    rows = tuple((Cell(f"{label} ({code})"), Cell(n, links.identities(status=code)),
                  Cell(_pct(n / t.active if t.active else None)))
                 for (code, label), n in zip(STATUS_LABELS, values, strict=True))
    return Table("statuts", "Identités actives par statut RNIV", ("Statut", "Identités actives", "Part (%)"), rows)


def _attribute_table(f: Figures, links: _Links) -> Table:
    t = f.identities.total
    items = (("Identité douteuse (DOUT)", t.doubtful, "doubtful"), ("Identité fictive (FICT)", t.fictitious,
             "fictitious"), ("Homonyme avéré (HOMA)", t.homonym, "homonym"),
             ("Fusionnée dans une autre (inactive)", t.merged, "merged"))
    return Table("attributs", "Attributs des identités", ("Attribut", "Identités"),
                 tuple((Cell(label), Cell(n, links.identities(flag=flag))) for label, n, flag in items))


def _period_table(f: Figures, links: _Links) -> Table:
    t, w, r = f.identities.total, f.worklist, f.resolutions
    items = (
        ("Identités actives", t.active, links.identities(flag="active_all")),
        ("Taux de qualification des identités actives (%)", _pct(t.qualification_rate), ""),
        ("Identités vues sur la période (créées ou modifiées)", t.seen, links.identities(flag="seen")),
        ("dont avec un INS qualifié", t.seen_qualified, links.identities(flag="seen_qualified")),
        ("Taux de qualification des identités vues (%)", _pct(t.seen_qualification_rate), ""),
        ("Cible nationale : INS utilisé dans les échanges (%)", _pct(d.NATIONAL_TARGET), ""),
        ("Identités créées", t.created, links.identities(flag="created")),
        ("Identités créées sans appel INSi", t.created_without_insi, links.identities(flag="created_without_insi")),
        ("Doublons potentiels ouverts", w.open, links.worklist()),
        ("Doublons potentiels ouverts pour 1 000 identités", _per_thousand(w.open, t.active), links.worklist()),
        ("Doublons potentiels détectés sur la période", w.detected, ""),
        ("Paires écartées (pas un doublon) sur la période", w.dismissed, ""),
        ("Doublons avérés fusionnés sur la période", r.merges, reverse("vigilance:merge_list")),
        ("Fusions annulées sur la période", r.merges_undone, reverse("vigilance:merge_list")),
        ("Collisions ouvertes", r.collisions_open, links.identities(flag="collision")),
        ("Collisions signalées sur la période", r.collisions_new, ""),
    )
    return Table("indicateurs", "Indicateurs de la période", ("Indicateur", "Valeur"),
                 tuple((Cell(label), Cell(value, url)) for label, value, url in items))


def _worklist_table(f: Figures, links: _Links) -> Table:
    w = f.worklist
    items = (("Moins de 7 jours", w.age_week), ("7 à 30 jours", w.age_month), ("Plus de 30 jours", w.age_older))
    rows = (*((Cell(label), Cell(n, links.worklist())) for label, n in items),
            (Cell(f"Total (dont priorité haute : {w.high_priority})"), Cell(w.open, links.worklist())),
            (Cell("Ancienneté du plus ancien (jours)"), Cell(w.oldest_days)))
    return Table("file", "File de travail des doublons potentiels par ancienneté", ("Ancienneté", "Paires"), rows)


def _breakdown_table(f: Figures, links: _Links, kind: str) -> Table:
    idents = f.identities.by_facility if kind == "facility" else f.identities.by_service
    work = {w.key: w.open for w in (f.worklist.by_facility if kind == "facility" else f.worklist.by_service)}
    insi = {i.key: i for i in (f.insi.by_facility if kind == "facility" else f.insi.by_service)}
    rows = []
    for c in idents:
        scoped = links.scoped(kind, c.key)
        calls = insi.get(c.key, d.InsiCounts())
        rows.append((Cell(c.label), Cell(c.active, links.identities(scoped, flag="active_all")),
                     Cell(c.qualified, links.identities(scoped, status="QUAL")), Cell(_pct(c.qualification_rate)),
                     Cell(c.seen, links.identities(scoped, flag="seen")), Cell(_pct(c.seen_qualification_rate)),
                     Cell(c.created, links.identities(scoped, flag="created")),
                     Cell(c.created_without_insi, links.identities(scoped, flag="created_without_insi")),
                     Cell(work.get(c.key, 0)), Cell(_per_thousand(work.get(c.key, 0), c.active)),
                     Cell(calls.calls), Cell(_pct(calls.found / calls.calls if calls.calls else None)),
                     Cell(_pct(calls.availability))))
    title = "Par établissement" if kind == "facility" else "Par service d'admission"
    header = ("Établissement" if kind == "facility" else "Service", "Actives", "Qualifiées", "Taux (%)",
              "Vues", "Taux vues (%)", "Créées", "Créées sans INSi", "Doublons ouverts", "Doublons ‰",
              "Appels INSi", "Réponses 00 (%)", "Disponibilité INSi (%)")
    return Table("etablissements" if kind == "facility" else "services", title, header, tuple(rows))


def _insi_row(c: d.InsiCounts, links: _Links) -> tuple[Cell, ...]:
    # A day's figures drill down to that day; the total row to the whole period.
    scope = replace(links.filters, start=dt.date.fromisoformat(c.key), end=dt.date.fromisoformat(c.key)) \
        if c.key else links.filters
    counts = ((c.found, "00"), (c.not_found, "01"), (c.several, "02"), (c.errors, "error"),
              (c.temporary, "temporary"))
    return (Cell(c.label), Cell(c.calls), *(Cell(n, links.identities(scope, insi=o)) for n, o in counts),
            Cell(None if c.average_ms is None else round(c.average_ms)), Cell(c.max_ms), Cell(_pct(c.availability)))


def _insi_table(f: Figures, links: _Links) -> Table:
    rows = (*(_insi_row(c, links) for c in f.insi.by_day), _insi_row(f.insi.total, links))
    header = ("Jour", "Appels", "00 trouvée", "01 aucune", "02 plusieurs", "Erreurs", "dont indisponibilité",
              "Latence moyenne (ms)", "Latence max (ms)", "Disponibilité (%)")
    return Table("insi", "Appels au téléservice INSi par jour", header, rows)


def _trend_table(f: Figures, links: _Links) -> Table:
    rows = tuple((Cell(p.day.isoformat()), Cell(p.active), Cell(p.qualified), Cell(_pct(p.rate)),
                  Cell(_pct(f.trend.target))) for p in f.trend.points)
    return Table("tendance", "Taux de qualification au fil du temps (instantanés quotidiens)",
                 ("Jour", "Identités actives", "Qualifiées", "Taux (%)", "Cible (%)"), rows)


TABLES = {"statuts": _status_table, "attributs": _attribute_table, "indicateurs": _period_table,
          "file": _worklist_table, "etablissements": lambda f, lk: _breakdown_table(f, lk, "facility"),
          "services": lambda f, lk: _breakdown_table(f, lk, "service"), "insi": _insi_table,
          "tendance": _trend_table}


def dashboard_tables(figures: Figures, filters: d.DashboardFilters) -> dict[str, Table]:
    links = _Links(filters)
    return {name: build(figures, links) for name, build in TABLES.items()}


def _column(table: Table, index: int) -> list:
    return [row[index].value for row in table.rows]


def chart_specs(tables: dict[str, Table]) -> dict:
    """What dashboard.js draws: Chart.js types, labels and datasets, read from the tables."""
    insi_days = tables["insi"].rows[:-1]  # without the total row
    return {
        "statuts": {"type": "doughnut", "labels": _column(tables["statuts"], 0),
                    "datasets": [{"label": "Identités actives", "data": _column(tables["statuts"], 1)}]},
        "attributs": {"type": "bar", "labels": _column(tables["attributs"], 0),
                      "datasets": [{"label": "Identités", "data": _column(tables["attributs"], 1)}]},
        "file": {"type": "bar", "labels": _column(tables["file"], 0)[:3],
                 "datasets": [{"label": "Paires ouvertes", "data": _column(tables["file"], 1)[:3]}]},
        "tendance": {"type": "line", "labels": _column(tables["tendance"], 0), "percent": True,
                     "datasets": [{"label": "Taux de qualification (%)", "data": _column(tables["tendance"], 3)},
                                  {"label": "Cible nationale (%)", "data": _column(tables["tendance"], 4),
                                   "borderDash": [6, 4], "pointRadius": 0}]},
        "insi": {"type": "bar", "stacked": True, "labels": [r[0].value for r in insi_days],
                 "datasets": [{"label": label, "data": [r[i].value for r in insi_days]}
                              for i, label in ((2, "00 trouvée"), (3, "01 aucune"), (4, "02 plusieurs"),
                                               (5, "Erreurs"))]},
        "etablissements": _rate_chart(tables["etablissements"]),
        "services": _rate_chart(tables["services"]),
    }


def _rate_chart(table: Table) -> dict:
    return {"type": "bar", "labels": _column(table, 0), "percent": True,
            "datasets": [{"label": "Taux de qualification (%)", "data": _column(table, 3)},
                         {"label": "Taux des identités vues (%)", "data": _column(table, 5)}]}


# --- Views -------------------------------------------------------------------------------------------

class DashboardPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = d.DASHBOARD_PERMISSION

    def get_filters(self, default_days: int = 30) -> d.DashboardFilters:
        self.form = DashboardFilterForm(self.request.GET or None)
        return self.form.filters(default_days)


def _kpis(f: Figures) -> dict:
    t = f.identities.total
    return {"qualification": _pct(t.qualification_rate), "seen_qualification": _pct(t.seen_qualification_rate),
            "on_target": (t.qualification_rate or 0) >= d.NATIONAL_TARGET,
            "per_thousand": _per_thousand(f.worklist.open, t.active),
            "insi_availability": _pct(f.insi.total.availability)}


class DashboardView(DashboardPermissionMixin, TemplateView):
    template_name = "vigilance/dashboard.html"

    def get_context_data(self, **kwargs):
        filters = self.get_filters()
        figures = dashboard_figures(self.request.user, filters)
        tables = dashboard_tables(figures, filters)
        return super().get_context_data(
            form=self.form, filters=filters, figures=figures, tables=tables, charts=chart_specs(tables),
            kpis=_kpis(figures),
            query=filter_query(filters), services=[c.key for c in figures.identities.by_service if c.key],
            target=round(100 * d.NATIONAL_TARGET), **kwargs)


def csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM: spreadsheet software then reads the accents right
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return response


class DashboardTableView(DashboardPermissionMixin, TemplateView):
    """One table on its own page: the long ones (a row per day) are not rendered inside the dashboard."""

    template_name = "vigilance/dashboard_table_page.html"

    def get_context_data(self, **kwargs):
        if kwargs["name"] not in TABLES:
            raise Http404
        filters = self.get_filters()
        table = TABLES[kwargs["name"]](dashboard_figures(self.request.user, filters), _Links(filters))
        return super().get_context_data(table=table, filters=filters, query=filter_query(filters), **kwargs)


class DashboardCsvView(DashboardPermissionMixin, View):
    """The numbers of one chart, as CSV (semicolon-separated, as French spreadsheets expect)."""

    def get(self, request, name: str):
        if name not in TABLES:
            raise Http404
        filters = self.get_filters()
        table = TABLES[name](dashboard_figures(request.user, filters), _Links(filters))
        return csv_response(f"{name}_{filters.start}_{filters.end}.csv", table.header,
                            ([c.value for c in row] for row in table.rows))


MONTHLY_HEADER = ("Mois", "Identités créées", "Créées sans appel INSi", "Identités actives fin de mois",
                  "Qualifiées fin de mois", "Taux de qualification (%)", "Fusions de doublons avérés",
                  "Doublons potentiels détectés", "Appels INSi", "00", "01", "02", "Erreurs INSi",
                  "Indisponibilités INSi", "Latence moyenne INSi (ms)")


def monthly_rows(rows: tuple[d.MonthRow, ...]):
    for m in rows:
        yield (m.month.strftime("%Y-%m"), m.created, m.created_without_insi, m.active_end, m.qualified_end,
               _pct(m.qualification_rate) if m.active_end else None, m.merges, m.duplicates_detected,
               m.insi_calls, m.insi_found, m.insi_not_found, m.insi_several, m.insi_errors, m.insi_temporary,
               round(m.insi_total_ms / m.insi_calls) if m.insi_calls else None)


class MonthlyExportView(DashboardPermissionMixin, View):
    """Indicators per month for the regional identity-vigilance reporting (the last 12 months by default)."""

    def get(self, request):
        filters = self.get_filters(default_days=365)
        if not self.form.data.get("start"):  # whole months
            filters = d.DashboardFilters(start=filters.start.replace(day=1), end=filters.end,
                                         facility=filters.facility, service=filters.service)
        rows = d.indicators_monthly(user=request.user, filters=filters)
        stamp = timezone.localdate().isoformat()
        return csv_response(f"indicateurs_mensuels_{stamp}.csv", MONTHLY_HEADER, monthly_rows(rows))


DRILL_TITLES = {
    "doubtful": "Identités douteuses", "fictitious": "Identités fictives", "homonym": "Homonymes avérés",
    "merged": "Identités fusionnées (inactives)", "seen": "Identités vues sur la période",
    "seen_qualified": "Identités vues sur la période avec un INS qualifié", "created": "Identités créées",
    "created_without_insi": "Identités créées sans appel INSi", "collision": "Identités avec une collision ouverte",
    "active_all": "Identités actives",
}


class DashboardIdentityListView(DashboardPermissionMixin, ListView):
    """The identities behind one figure of the dashboard."""

    template_name = "vigilance/dashboard_identities.html"
    context_object_name = "identities"
    paginate_by = 50

    def get_queryset(self):
        self.filters = self.get_filters()
        get = self.request.GET
        self.status = get.get("status") if get.get("status") in IdentityStatus.values else ""
        self.flag = get.get("flag") if get.get("flag") in DRILL_TITLES else ""
        self.insi = get.get("insi") if get.get("insi") in d.INSI_OUTCOMES else ""
        flag = "" if self.flag == "active_all" else self.flag
        qs = d.dashboard_identity_list(user=self.request.user, filters=self.filters, status=self.status,
                                       flag=flag, insi_outcome=self.insi)
        return qs.filter(is_active=True) if self.flag == "active_all" else qs

    def get_context_data(self, **kwargs):
        title = DRILL_TITLES.get(self.flag) or (
            f"Identités actives au statut {IdentityStatus(self.status).label.lower()}" if self.status else
            f"Identités avec un appel INSi « {self.insi} » sur la période" if self.insi else "Identités")
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(title=title, filters=self.filters, query=filter_query(self.filters),
                                        querystring=params.urlencode() + "&" if params else "", **kwargs)
