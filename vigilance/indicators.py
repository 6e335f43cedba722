"""Daily snapshots of the base (DailyIndicator), for the qualification trend of the dashboard.

`daily_indicators_compute` counts the live base once (run every night, or more often, by the
command or the Celery task). `daily_indicators_backfill` rebuilds past days from the row
history once, when the snapshots start on a base that already has years of history.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from identities.models import IdentityStatus, PatientIdentity
from vigilance.models import DailyIndicator

_FIELDS = {IdentityStatus.PROVISIONAL: "provisional", IdentityStatus.RETRIEVED: "retrieved",
           IdentityStatus.VALIDATED: "validated", IdentityStatus.QUALIFIED: "qualified"}
_BATCH = 2000


def daily_indicators_compute(*, day: dt.date | None = None) -> int:
    """Write today's (or `day`'s) snapshot from the live base; idempotent. Returns the number of rows."""
    day = day or timezone.localdate()
    active = Q(is_active=True)
    counts = {name: Count("pk", filter=active & Q(status=status)) for status, name in _FIELDS.items()}
    rows = (PatientIdentity.objects.values("facility_id", "admission_service").annotate(
        active=Count("pk", filter=active), **counts, doubtful=Count("pk", filter=active & Q(is_doubtful=True)),
        fictitious=Count("pk", filter=active & Q(is_fictitious=True)),
        homonym=Count("pk", filter=active & Q(is_homonym=True)),
        merged=Count("pk", filter=Q(is_active=False, merged_into__isnull=False))).order_by())
    return _save([DailyIndicator(day=day, **row) for row in rows if row["active"] or row["merged"]], days=[day])


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
    DailyIndicator.objects.filter(day__gte=min(days), day__lte=max(days)).delete()
    DailyIndicator.objects.bulk_create(objs, batch_size=_BATCH)
    return len(objs)
