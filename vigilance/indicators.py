"""The counts the dashboard reads: daily snapshots of the base and of the duplicate worklist
(DailyIndicator), identities per day of creation and of last change (DailyActivity), INSi calls
per day (DailyInsi).

`dashboard_counts_refresh` runs the three counts every 10 minutes (command or Celery task): the
dashboard then reads a few hundred rows instead of a million identities or a year of calls on
each view. `daily_indicators_backfill` rebuilds past snapshots from the row history once, when
the snapshots start on a base that already has years of history.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from identities.models import IdentityStatus, InsiCall, PatientIdentity
from vigilance.dashboard import FLOWS, INSI_AGGREGATES, of_identity, open_worklist, worklist_aggregates
from vigilance.models import DailyActivity, DailyIndicator, DailyInsi

_FIELDS = {IdentityStatus.PROVISIONAL: "provisional", IdentityStatus.RETRIEVED: "retrieved",
           IdentityStatus.VALIDATED: "validated", IdentityStatus.QUALIFIED: "qualified"}
_BATCH = 2000


def daily_indicators_compute(*, day: dt.date | None = None) -> int:
    """Write today's (or `day`'s) snapshot from the live base, open worklist included; idempotent.

    Returns the number of rows.
    """
    day, now = day or timezone.localdate(), timezone.now()
    active = Q(is_active=True)
    counts = {name: Count("pk", filter=active & Q(status=status)) for status, name in _FIELDS.items()}
    rows = (PatientIdentity.objects.values("facility_id", "admission_service").annotate(
        active=Count("pk", filter=active), **counts, doubtful=Count("pk", filter=active & Q(is_doubtful=True)),
        fictitious=Count("pk", filter=active & Q(is_fictitious=True)),
        homonym=Count("pk", filter=active & Q(is_homonym=True)),
        merged=Count("pk", filter=Q(is_active=False, merged_into__isnull=False))).order_by())
    groups = {(r["facility_id"], r["admission_service"]): r for r in rows if r["active"] or r["merged"]}
    worklist = (open_worklist().values(facility_id=of_identity("facility_id", "identity_a_id"),
                                       admission_service=of_identity("admission_service", "identity_a_id"))
                .annotate(**worklist_aggregates(now)).order_by())
    for row in worklist:  # identity A is active, so its group is already there
        groups.setdefault((row["facility_id"], row["admission_service"]), {}).update(row)
    return _save([DailyIndicator(day=day, **row) for row in groups.values()], days=[day])


def daily_activity_compute() -> int:
    """Recount the identities created and last modified per day and group (DailyActivity).

    Only the rows that changed are written (a few between two runs; rewriting all 87,000 rows of
    a million identities took 15 s). Returns the number of rows written.
    """
    now = timezone.now()
    counted = _activity_counts(now)
    stored = {_day_group(row): row for row in
              DailyActivity.objects.values("pk", "day", "facility_id", "admission_service", *FLOWS)}
    changed = [DailyActivity(pk=stored[key]["pk"] if key in stored else None, day=key[0], facility_id=key[1],
                             admission_service=key[2], computed_at=now, **values)
               for key, values in sorted(counted.items(), key=lambda item: item[0][0])  # a day's rows together
               if key not in stored or _flows(stored[key]) != values]
    with transaction.atomic():
        DailyActivity.objects.filter(pk__in=[row["pk"] for key, row in stored.items() if key not in counted]).delete()
        DailyActivity.objects.bulk_create([row for row in changed if row.pk is None], batch_size=_BATCH)
        DailyActivity.objects.bulk_update([row for row in changed if row.pk], [*FLOWS, "computed_at"],
                                          batch_size=_BATCH)
        # The latest day's rows carry the time of this count: the dashboard adds live what came after.
        DailyActivity.objects.filter(day=max((key[0] for key in counted), default=None)).update(computed_at=now)
    return len(changed)


def _activity_counts(now: dt.datetime) -> dict[tuple, dict]:
    """The flows per (day, facility, service), from two grouped scans (one per date).

    Identities created from `now` on are left out: the dashboard counts them live.
    """
    counted: dict[tuple, dict] = {}
    for field in ("created_at", "updated_at"):
        counts = {name: Count("pk", filter=rule) for name, (on, rule) in FLOWS.items() if on == field}
        for row in (PatientIdentity.objects.filter(created_at__lt=now).annotate(day=TruncDate(field))
                    .values("day", "facility_id", "admission_service").annotate(**counts).order_by()):
            counted.setdefault(_day_group(row), dict.fromkeys(FLOWS, 0)).update(_flows(row))
    return counted


def _day_group(row: dict) -> tuple:
    return row["day"], row["facility_id"], row["admission_service"]


def _flows(row: dict) -> dict:
    return {name: row[name] for name in FLOWS if name in row}


def dashboard_counts_refresh(*, insi_since: dt.date | None = None) -> int:
    """Everything the dashboard reads, as the periodic task refreshes it; returns the number of rows."""
    return daily_indicators_compute() + daily_activity_compute() + daily_insi_compute(since=insi_since)


def daily_insi_compute(*, since: dt.date | None = None) -> int:
    """Recount the INSi calls per day and group from `since` to today; returns the number of rows.

    By default from `DailyInsi.complete_until()`, the first day the last count may have missed
    (every call the first time): the periodic task recounts today, and yesterday just after midnight.
    """
    now = timezone.now()
    since = since or DailyInsi.complete_until() or _first_call_day(now)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    rows = (InsiCall.objects.filter(started_at__gte=start).annotate(day=TruncDate("started_at"))
            .values("day", facility_id=F("identity__facility_id"),
                    admission_service=F("identity__admission_service"))
            .annotate(**INSI_AGGREGATES).order_by("day"))  # a day's rows together: a period reads few pages
    objs = [DailyInsi(**row, computed_at=now) for row in rows]
    with transaction.atomic():
        DailyInsi.objects.filter(day__gte=since).delete()
        DailyInsi.objects.bulk_create(objs, batch_size=_BATCH)
    return len(objs)


def _first_call_day(now: dt.datetime) -> dt.date:
    first = InsiCall.objects.aggregate(first=Min("started_at"))["first"]
    return timezone.localdate(first or now)


def daily_indicators_backfill(*, since: dt.date, until: dt.date | None = None) -> int:
    """Rebuild the snapshots of [since, until] by replaying the row history of every identity.

    Reads the history once, in identity order, and turns it into per-day changes of
    (facility, service, status) counts; then walks the days adding them up.
    """
    until = until or timezone.localdate()
    changes, before = _history_changes(since)
    state: Counter = Counter(before)
    objs, days = [], []
    day = since
    while day <= until:
        state.update(changes.get(day, {}))
        days.append(day)
        objs += _snapshot_rows(day, state)
        day += dt.timedelta(days=1)
    return _save(objs, days=days)


def _history_changes(since: dt.date) -> tuple[dict[dt.date, Counter], Counter]:
    """({day: Counter{(facility, service, status): +/-n}}, the counts at the end of the day before `since`)."""
    History = PatientIdentity.history.model
    rows = (History.objects.order_by("id", "history_date", "history_id")
            .values_list("id", "history_date", "history_type", "is_active", "merged_into_id", "facility_id",
                         "admission_service", "status", "is_doubtful", "is_fictitious", "is_homonym")
            .iterator(chunk_size=10_000))
    changes: dict[dt.date, Counter] = defaultdict(Counter)
    before: Counter = Counter()
    current_id, previous = None, None
    for pk, when, kind, active, merged_into, facility, service, *state in rows:
        if pk != current_id:
            current_id, previous = pk, None
        key = _state_key(kind, active, merged_into, facility, service, state)
        if key == previous:
            continue
        day = timezone.localdate(when)
        target = before if day < since else changes[day]
        if previous:
            target[previous] -= 1
        if key:
            target[key] += 1
        previous = key
    return changes, before


_MERGED = "MERGED"
_COUNTED = (*_FIELDS.values(), "active", "doubtful", "fictitious", "homonym", "merged")


def _state_key(kind: str, active: bool, merged_into, facility, service, state: list) -> tuple | None:
    """What one history row counts for: (facility, service, status, doubtful, fictitious, homonym)."""
    if kind == "-":
        return None
    if active:
        return (facility, service, *state)
    return (facility, service, _MERGED, False, False, False) if merged_into else None


def _snapshot_rows(day: dt.date, state: Counter) -> list[DailyIndicator]:
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTED, 0))
    for (facility, service, status, doubtful, fictitious, homonym), n in state.items():
        if not n:
            continue
        counts = groups[(facility, service)]
        if status == _MERGED:
            counts["merged"] += n
            continue
        counts["active"] += n
        counts[_FIELDS[status]] += n
        for name, flag in (("doubtful", doubtful), ("fictitious", fictitious), ("homonym", homonym)):
            counts[name] += n if flag else 0
    return [DailyIndicator(day=day, facility_id=f, admission_service=s, **c) for (f, s), c in groups.items()]


@transaction.atomic
def _save(objs: list[DailyIndicator], *, days: list[dt.date]) -> int:
    # Replace whole days: a group that emptied since the last run must not keep yesterday's counts.
    if not days:
        return 0
    DailyIndicator.objects.filter(day__gte=min(days), day__lte=max(days)).delete()
    DailyIndicator.objects.bulk_create(objs, batch_size=_BATCH)
    return len(objs)
