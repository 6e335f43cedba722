"""Selectors of the CIV dashboard and the indicators API: frozen dataclasses from a few aggregate queries.

Every selector takes the user and the filters; without the dashboard permission it returns zeros
(querysets `.none()`), as `identity_queryset_for` does for identities. Counts are grouped by
facility and admission service in the database and summed in Python, so totals and breakdowns
come from the same rows and always agree.

On a large base, what would mean reading a year of rows comes from counts per day and group that
`vigilance.indicators` refreshes every 10 minutes (DailyIndicator, DailyActivity, DailyInsi);
only what came after the last count is read live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from identities.models import IdentityStatus, InsiCall, PatientIdentity
from identities.selectors import identity_queryset_for
from vigilance.models import (
    CandidateState,
    CollisionSignal,
    DailyActivity,
    DailyIndicator,
    DailyInsi,
    DuplicateCandidate,
    IdentityMerge,
)

DASHBOARD_PERMISSION = "vigilance.view_vigilance_dashboard"
# National target: the INS used in 90 % of exchanges; only a qualified INS may be exchanged.
NATIONAL_TARGET = 0.9
NO_SERVICE = "(service non renseigné)"
NO_FACILITY = "(sans identité)"
INSI_ANSWERS = ("00", "01", "02")


@dataclass(frozen=True)
class DashboardFilters:
    """A period (both days included, local time), and optionally one facility (code) and one admission service."""

    start: dt.date
    end: dt.date
    facility: str = ""
    service: str | None = None  # None: every service; "": identities without a service

    @classmethod
    def last_days(cls, days: int = 30, **kwargs) -> DashboardFilters:
        today = timezone.localdate()
        return cls(start=today - dt.timedelta(days=days - 1), end=today, **kwargs)

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    def in_period(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def scope(self, prefix: str = "") -> Q:
        """Facility and service conditions on an identity reached through `prefix` ("" or "identity_a__")."""
        q = Q()
        if self.facility:
            q &= Q(**{f"{prefix}facility__code": self.facility})
        if self.service is not None:
            q &= Q(**{f"{prefix}admission_service": self.service})
        return q


def _allowed(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(DASHBOARD_PERMISSION))


def _numbers(instance) -> dict[str, int | float]:
    return {f.name: getattr(instance, f.name) for f in fields(instance) if f.name not in ("label", "key")}


def _total(items: Iterable, empty):
    """Field-by-field sum of count dataclasses; the `max_*` fields keep their maximum."""
    sums = _numbers(empty)
    for item in items:
        for name, value in _numbers(item).items():
            sums[name] = max(sums[name], value) if name.startswith("max_") else sums[name] + value
    return replace(empty, **sums)


def _regroup(rows: list[dict], cls, key_fields: tuple[str, str], empty_label: str) -> tuple:
    """Rows grouped by (facility, service) summed again by one of the two keys, in label order."""
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row[key_fields[0]] or "", []).append(cls(**{k: row.get(k, 0) for k in _names(cls)}))
    out = [_total(items, cls(label=key or empty_label, key=key)) for key, items in grouped.items()]
    return tuple(sorted(out, key=lambda c: c.label))


def _names(cls) -> list[str]:
    return [f.name for f in fields(cls) if f.name not in ("label", "key")]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- The base: statuses, attributes, flows of the period ---------------------------------------------

@dataclass(frozen=True)
class IdentityCounts:
    label: str = "Total"
    key: str = ""
    active: int = 0
    provisional: int = 0
    retrieved: int = 0
    validated: int = 0
    qualified: int = 0
    doubtful: int = 0
    fictitious: int = 0
    homonym: int = 0
    merged: int = 0
    seen: int = 0
    seen_qualified: int = 0
    created: int = 0
    created_without_insi: int = 0

    @property
    def qualification_rate(self) -> float | None:
        """Share of active identities carrying a qualified INS."""
        return _rate(self.qualified, self.active)

    @property
    def seen_qualification_rate(self) -> float | None:
        """Share of the identities seen in the period carrying a qualified INS."""
        return _rate(self.seen_qualified, self.seen)


@dataclass(frozen=True)
class IdentityFigures:
    total: IdentityCounts
    by_facility: tuple[IdentityCounts, ...]
    by_service: tuple[IdentityCounts, ...]
    as_of: dt.datetime | None  # when the state counts were taken; None: counted live


_STATE = ("active", "provisional", "retrieved", "validated", "qualified", "doubtful", "fictitious", "homonym",
          "merged")


def _state_aggregates() -> dict:
    active = Q(is_active=True)
    by_status = {name: Count("pk", filter=active & Q(status=status)) for name, status in (
        ("provisional", IdentityStatus.PROVISIONAL), ("retrieved", IdentityStatus.RETRIEVED),
        ("validated", IdentityStatus.VALIDATED), ("qualified", IdentityStatus.QUALIFIED))}
    return {"active": Count("pk", filter=active), **by_status,
            "doubtful": Count("pk", filter=active & Q(is_doubtful=True)),
            "fictitious": Count("pk", filter=active & Q(is_fictitious=True)),
            "homonym": Count("pk", filter=active & Q(is_homonym=True)),
            "merged": Count("pk", filter=Q(is_active=False, merged_into__isnull=False))}


# Each flow of a period: the date that places an identity in it, and which identities count.
# "Seen" = created or modified during the period: the register keeps no visits of its own.
# insi_queried_at is set by every INSi answer; an identity never sent to INSi keeps it empty.
FLOWS = {"seen": ("updated_at", Q(is_active=True)),
         "seen_qualified": ("updated_at", Q(is_active=True, status=IdentityStatus.QUALIFIED)),
         "created": ("created_at", Q(pk__isnull=False)),
         "created_without_insi": ("created_at", Q(insi_queried_at__isnull=True))}


def _flow_q(name: str, filters: DashboardFilters) -> Q:
    field, rule = FLOWS[name]
    return rule & filters.in_period(field)


def _identities(user, filters: DashboardFilters) -> QuerySet[PatientIdentity]:
    if not _allowed(user):
        return PatientIdentity.objects.none()
    return identity_queryset_for(user=user).filter(filters.scope())


_GROUP = {"facility_key": F("facility__code"), "service": F("admission_service")}


def _state_rows(user, filters: DashboardFilters) -> tuple[list[dict], dt.datetime | None]:
    """The state at the end of the period from the latest snapshot; counted live when there is none."""
    if not _allowed(user):
        return [], None
    latest = DailyIndicator.objects.filter(day__lte=filters.end).order_by("-day").values("day")[:1]
    rows = list(DailyIndicator.objects.filter(filters.scope(), day=Subquery(latest)).values(**_GROUP)
                .annotate(**{n: Sum(n) for n in _STATE}, as_of=Max("computed_at")).order_by())
    if rows or filters.end < timezone.localdate():
        return rows, max((r.pop("as_of") for r in rows), default=None)
    # No snapshot yet (a new installation): count once, live.
    return list(_identities(user, filters).values(**_GROUP).annotate(**_state_aggregates()).order_by()), None


def _flow_rows(user, filters: DashboardFilters) -> list[dict]:
    """The flows of the period per group: the days stored by the last count, plus the identities created since.

    A year of flows counted live reads half a million identities (0.4 s or more on a million);
    the identities created in the last minutes are few. All live before the first count.
    """
    if not _allowed(user):
        return []
    # The time of the count is read in the same statement as its rows, so that a count finishing
    # between two queries cannot count an identity twice; asked apart when the period has no row.
    latest = DailyActivity.objects.order_by("-day").values("computed_at")[:1]
    stored = list(DailyActivity.objects.filter(filters.scope(), day__gte=filters.start, day__lte=filters.end)
                  .values(**_GROUP).annotate(**{name: Sum(name) for name in FLOWS}, counted_at=Max(Subquery(latest)))
                  .order_by())
    counted_at = max((row.pop("counted_at") for row in stored), default=None) or DailyActivity.counted_at()
    live = _identities(user, filters).filter(filters.in_period("created_at") | filters.in_period("updated_at"))
    if counted_at:
        live = live.filter(created_at__gte=counted_at)
    return [*stored, *live.values(**_GROUP).annotate(**_flow_aggregates(filters)).order_by()]


def _flow_aggregates(filters: DashboardFilters) -> dict:
    return {name: Count("pk", filter=_flow_q(name, filters)) for name in FLOWS}


def dashboard_identities(*, user, filters: DashboardFilters) -> IdentityFigures:
    """The base by RNIV status and attribute, and the period's flows, in total and per facility and service.

    Three queries: the state from the day's snapshot (DailyIndicator), the flows from the daily counts
    (DailyActivity), both refreshed every 10 minutes by `compute_indicators`, and the identities
    created since, live. Without any count, the state and the flows are counted live (five queries).
    """
    counts: dict[tuple, dict] = {}
    state, as_of = _state_rows(user, filters)
    for row in (*state, *_flow_rows(user, filters)):
        key = (row.pop("facility_key") or "", row.pop("service") or "")
        group = counts.setdefault(key, {"facility_key": key[0], "service": key[1]})
        for name, value in row.items():
            group[name] = group.get(name, 0) + value
    rows = list(counts.values())
    return IdentityFigures(
        total=_total([IdentityCounts(**{k: row.get(k, 0) for k in _names(IdentityCounts)}) for row in rows],
                     IdentityCounts()),
        by_facility=_regroup(rows, IdentityCounts, ("facility_key", "service"), NO_FACILITY),
        by_service=_regroup(rows, IdentityCounts, ("service", "facility_key"), NO_SERVICE),
        as_of=as_of,
    )


# --- Duplicates: the worklist, its age, the merges of the period, collisions -------------------------

@dataclass(frozen=True)
class WorkCounts:
    label: str = "Total"
    key: str = ""
    open: int = 0


@dataclass(frozen=True)
class WorklistFigures:
    open: int
    high_priority: int
    age_week: int
    age_month: int
    age_older: int
    oldest: dt.datetime | None
    detected: int
    dismissed: int
    by_facility: tuple[WorkCounts, ...]
    by_service: tuple[WorkCounts, ...]

    @property
    def oldest_days(self) -> int | None:
        return (timezone.now() - self.oldest).days if self.oldest else None


def of_identity(field: str, fk: str) -> Subquery:
    """A field of the identity a row points to, looked up per row through the primary key.

    Joining candidates or INSi calls to a million identities makes PostgreSQL scan them all;
    a correlated lookup per row reads only the few thousand identities concerned.
    """
    return Subquery(PatientIdentity.objects.filter(pk=OuterRef(fk)).order_by().values(field)[:1])


def _scoped(qs: QuerySet, filters: DashboardFilters, fk: str) -> QuerySet:
    """Rows annotated with their identity's facility and service, and narrowed to the filters."""
    qs = qs.annotate(facility_key=of_identity("facility__code", fk), service=of_identity("admission_service", fk))
    if filters.facility:
        qs = qs.filter(facility_key=filters.facility)
    if filters.service is not None:
        qs = qs.filter(service=filters.service)
    return qs


def _candidates(user, filters: DashboardFilters) -> QuerySet[DuplicateCandidate]:
    qs = DuplicateCandidate.objects.all() if _allowed(user) else DuplicateCandidate.objects.none()
    return _scoped(qs, filters, "identity_a_id")


def open_worklist() -> QuerySet[DuplicateCandidate]:
    """Open pairs whose identities are both still active: the worklist leaves out pairs merged meanwhile."""
    return (DuplicateCandidate.objects.filter(state=CandidateState.OPEN)
            .annotate(a_active=of_identity("is_active", "identity_a_id"),
                      b_active=of_identity("is_active", "identity_b_id"))
            .filter(a_active=True, b_active=True))


def worklist_aggregates(now: dt.datetime) -> dict:
    """The open worklist's size, priority and age at `now`: WorklistFigures' and DailyIndicator's names."""
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    return {"open": Count("pk"), "high_priority": Count("pk", filter=Q(priority=1)),
            "age_week": Count("pk", filter=Q(created_at__gte=week)),
            "age_month": Count("pk", filter=Q(created_at__lt=week, created_at__gte=month)),
            "age_older": Count("pk", filter=Q(created_at__lt=month)), "oldest": Min("created_at")}


_WORKLIST = ("open", "high_priority", "age_week", "age_month", "age_older")


def _worklist_rows(user, filters: DashboardFilters) -> list[dict]:
    """The open worklist per group from the latest snapshot (the worklist now, whatever the period).

    Counting it live looks up both identities of every open pair (0.3 to 0.6 s for 10,000 pairs),
    so the snapshot keeps it; counted live only when no snapshot covers the filters.
    """
    if not _allowed(user):
        return []
    latest = DailyIndicator.objects.order_by("-day").values("day")[:1]
    rows = list(DailyIndicator.objects.filter(filters.scope(), day=Subquery(latest)).values(**_GROUP)
                .annotate(**{n: Sum(n) for n in _WORKLIST}, oldest=Min("oldest")).order_by())
    if rows:
        return [row for row in rows if row["open"]]  # groups without open pairs stay out of the breakdowns
    return list(_scoped(open_worklist(), filters, "identity_a_id").values("facility_key", "service")
                .annotate(**worklist_aggregates(timezone.now())).order_by())


def dashboard_worklist(*, user, filters: DashboardFilters) -> WorklistFigures:
    """Open potential duplicates (size, priority, age) from the snapshot, detected and dismissed in the period.

    Two queries (three without a snapshot).
    """
    rows = _worklist_rows(user, filters)
    detected_or_decided = filters.in_period("created_at") | filters.in_period("decided_at")
    period = _candidates(user, filters).filter(detected_or_decided).aggregate(
        detected=Count("pk", filter=filters.in_period("created_at")),
        dismissed=Count("pk", filter=Q(state=CandidateState.DISMISSED) & filters.in_period("decided_at")))
    sums = {k: sum(r[k] for r in rows) for k in _WORKLIST}
    return WorklistFigures(**sums, **period, oldest=min((r["oldest"] for r in rows if r["oldest"]), default=None),
                           by_facility=_regroup(rows, WorkCounts, ("facility_key", "service"), NO_FACILITY),
                           by_service=_regroup(rows, WorkCounts, ("service", "facility_key"), NO_SERVICE))


@dataclass(frozen=True)
class ResolutionFigures:
    merges: int
    merges_undone: int
    collisions_open: int
    collisions_new: int


def dashboard_resolutions(*, user, filters: DashboardFilters) -> ResolutionFigures:
    """Confirmed duplicates merged in the period (and merges undone), collision signals. Two queries."""
    if not _allowed(user):
        return ResolutionFigures(0, 0, 0, 0)
    merges = _scoped(IdentityMerge.objects.filter(filters.in_period("merged_at") | filters.in_period("undone_at")),
                     filters, "survivor_id").aggregate(
        merges=Count("pk", filter=filters.in_period("merged_at") & Q(undone_at__isnull=True)),
        merges_undone=Count("pk", filter=filters.in_period("undone_at")))
    collisions = _scoped(CollisionSignal.objects.filter(Q(is_open=True) | filters.in_period("created_at")),
                         filters, "identity_id").aggregate(
        collisions_open=Count("pk", filter=Q(is_open=True)),
        collisions_new=Count("pk", filter=filters.in_period("created_at")))
    return ResolutionFigures(**merges, **collisions)


# --- INSi: answers, errors, latency and availability per day -----------------------------------------

@dataclass(frozen=True)
class InsiCounts:
    label: str = "Total"
    key: str = ""
    calls: int = 0
    found: int = 0
    not_found: int = 0
    several: int = 0
    errors: int = 0
    temporary: int = 0
    total_ms: int = 0
    max_ms: int = 0

    @property
    def average_ms(self) -> float | None:
        return self.total_ms / self.calls if self.calls else None

    @property
    def availability(self) -> float | None:
        """Share of calls the teleservice answered (temporary failures are its unavailability)."""
        return 1 - self.temporary / self.calls if self.calls else None


@dataclass(frozen=True)
class InsiFigures:
    total: InsiCounts
    by_day: tuple[InsiCounts, ...]
    by_facility: tuple[InsiCounts, ...]
    by_service: tuple[InsiCounts, ...]


INSI_AGGREGATES = {
    "calls": Count("pk"),
    "found": Count("pk", filter=Q(outcome="00")),
    "not_found": Count("pk", filter=Q(outcome="01")),
    "several": Count("pk", filter=Q(outcome="02")),
    "errors": Count("pk", filter=~Q(outcome__in=INSI_ANSWERS)),
    "temporary": Count("pk", filter=Q(outcome="temporary")),
    "total_ms": Sum("duration_ms", default=0),
    "max_ms": Max("duration_ms", default=0),
}
# The same figures added up from the stored days (DailyInsi has one column per aggregate).
_INSI_STORED = {name: Max(name) if name == "max_ms" else Sum(name) for name in INSI_AGGREGATES}


def _insi_calls(user, filters: DashboardFilters) -> QuerySet[InsiCall]:
    qs = InsiCall.objects.filter(filters.in_period("started_at")) if _allowed(user) else InsiCall.objects.none()
    return _scoped(qs, filters, "identity_id")


def _insi_rows(user, filters: DashboardFilters) -> tuple[list[dict], list[dict]]:
    """(rows per day, rows per group): the stored complete days, then the later days counted live.

    Counting a year of calls live with their identity's group takes seconds on a large base; the
    days after `DailyInsi.complete_until()` (today, in the 10 minutes after midnight yesterday too)
    are a few hundred calls.
    """
    if not _allowed(user):
        return [], []
    until = DailyInsi.complete_until() or filters.start
    stored = DailyInsi.objects.filter(filters.scope(), day__gte=filters.start, day__lte=filters.end, day__lt=until)
    live_filters = replace(filters, start=max(filters.start, until))
    live = (_insi_calls(user, live_filters) if live_filters.start <= filters.end else InsiCall.objects.none())
    live = list(live.annotate(day=TruncDate("started_at")).values("day", "facility_key", "service")
                .annotate(**INSI_AGGREGATES).order_by())
    by_day = list(stored.values("day").annotate(**_INSI_STORED).order_by())
    by_group = list(stored.values(**_GROUP).annotate(**_INSI_STORED).order_by())
    return by_day + live, by_group + live


def dashboard_insi(*, user, filters: DashboardFilters) -> InsiFigures:
    """INSi calls of the period per day, facility and service: 00/01/02, errors, latency, availability.

    Four queries: where the stored days end, the stored days per day and per group, the later days live.
    """
    day_rows, group_rows = _insi_rows(user, filters)
    days: dict[dt.date, list[InsiCounts]] = {}
    for row in day_rows:
        days.setdefault(row["day"], []).append(InsiCounts(**{k: row[k] for k in _names(InsiCounts)}))
    by_day = tuple(_total(days.get(day, ()), InsiCounts(label=day.isoformat(), key=day.isoformat()))
                   for day in _days(filters))
    return InsiFigures(total=_total(by_day, InsiCounts()), by_day=by_day,
                       by_facility=_regroup(group_rows, InsiCounts, ("facility_key", "service"), NO_FACILITY),
                       by_service=_regroup(group_rows, InsiCounts, ("service", "facility_key"), NO_SERVICE))


def _days(filters: DashboardFilters) -> list[dt.date]:
    return [filters.start + dt.timedelta(days=n) for n in range((filters.end - filters.start).days + 1)]


# --- Qualification trend, from the daily snapshots ------------------------------------------------------

@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    active: int
    qualified: int

    @property
    def rate(self) -> float | None:
        return _rate(self.qualified, self.active)


@dataclass(frozen=True)
class TrendFigures:
    points: tuple[TrendPoint, ...]
    target: float = NATIONAL_TARGET


def dashboard_trend(*, user, filters: DashboardFilters) -> TrendFigures:
    """Share of active identities with a qualified INS, day by day, from DailyIndicator. One query."""
    if not _allowed(user):
        return TrendFigures(points=())
    rows = (DailyIndicator.objects.filter(day__gte=filters.start, day__lte=filters.end)
            .filter(filters.scope()).values("day")
            .annotate(active=Sum("active"), qualified=Sum("qualified")).order_by("day"))
    return TrendFigures(points=tuple(TrendPoint(r["day"], r["active"], r["qualified"]) for r in rows))


# --- Monthly indicators for the regional reporting ----------------------------------------------------

@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    created: int = 0
    created_without_insi: int = 0
    active_end: int | None = None
    qualified_end: int | None = None
    merges: int = 0
    duplicates_detected: int = 0
    insi_calls: int = 0
    insi_found: int = 0
    insi_not_found: int = 0
    insi_several: int = 0
    insi_errors: int = 0
    insi_temporary: int = 0
    insi_total_ms: int = 0

    @property
    def qualification_rate(self) -> float | None:
        return _rate(self.qualified_end or 0, self.active_end or 0)


def indicators_monthly(*, user, filters: DashboardFilters) -> tuple[MonthRow, ...]:
    """One row per month of the period (whole months). Five grouped queries, whatever the number of months."""
    if not _allowed(user):
        return ()
    months: dict[dt.date, dict] = {m: {} for m in _months(filters)}
    _merge_into(months, _identities(user, filters).filter(filters.in_period("created_at")), "created_at",
                {name: Count("pk", filter=FLOWS[name][1]) for name in ("created", "created_without_insi")})
    _merge_into(months, _scoped(IdentityMerge.objects.filter(filters.in_period("merged_at"), undone_at__isnull=True),
                                filters, "survivor_id"), "merged_at", {"merges": Count("pk")})
    _merge_into(months, _candidates(user, filters).filter(filters.in_period("created_at")), "created_at",
                {"duplicates_detected": Count("pk")})
    _merge_into(months, _insi_calls(user, filters), "started_at",
                {"insi_" + k: v for k, v in INSI_AGGREGATES.items() if k not in ("calls", "max_ms")}
                | {"insi_calls": Count("pk")})
    for point in dashboard_trend(user=user, filters=filters).points:  # last snapshot of each month wins
        months.setdefault(point.day.replace(day=1), {}).update(active_end=point.active, qualified_end=point.qualified)
    return tuple(MonthRow(month=m, **values) for m, values in sorted(months.items()))


def _merge_into(months: dict, qs: QuerySet, field: str, aggregates: dict) -> None:
    for row in qs.annotate(month=TruncMonth(field)).values("month").annotate(**aggregates).order_by():
        month = row.pop("month")
        month = month.date() if isinstance(month, dt.datetime) else month
        months.setdefault(month, {}).update(row)


def _months(filters: DashboardFilters) -> list[dt.date]:
    month, out = filters.start.replace(day=1), []
    while month <= filters.end:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


# --- Drill-down: the identities behind a figure --------------------------------------------------------

DRILL_FLAGS = ("doubtful", "fictitious", "homonym", "merged", "seen", "seen_qualified", "created",
               "created_without_insi", "collision")
INSI_OUTCOMES = ("00", "01", "02", "error", "temporary")


def _flag_q(flag: str, filters: DashboardFilters) -> Q:
    """The same conditions as the figures' aggregates, so that a list has as many rows as its figure."""
    if flag in FLOWS:
        return _flow_q(flag, filters)
    active = Q(is_active=True)
    return {
        "doubtful": active & Q(is_doubtful=True), "fictitious": active & Q(is_fictitious=True),
        "homonym": active & Q(is_homonym=True), "merged": Q(is_active=False, merged_into__isnull=False),
        "collision": Q(pk__in=CollisionSignal.objects.filter(is_open=True).values("identity_id")),
    }.get(flag, Q())


def _insi_q(outcome: str, filters: DashboardFilters) -> Q:
    calls = InsiCall.objects.filter(filters.in_period("started_at"))
    calls = calls.exclude(outcome__in=INSI_ANSWERS) if outcome == "error" else calls.filter(outcome=outcome)
    return Q(pk__in=calls.values("identity_id"))


def dashboard_identity_list(*, user, filters: DashboardFilters, status: str = "", flag: str = "",
                            insi_outcome: str = "") -> QuerySet[PatientIdentity]:
    """The identities counted by one figure of the dashboard (status among active ones, flag or INSi outcome)."""
    qs = _identities(user, filters)
    if status:
        qs = qs.filter(is_active=True, status=status)
    if flag:
        qs = qs.filter(_flag_q(flag, filters))
    if insi_outcome:
        qs = qs.filter(_insi_q(insi_outcome, filters))
    return qs.select_related("facility")
