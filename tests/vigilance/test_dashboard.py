"""Dashboard selectors: figures against a known base, query counts, scoping, daily snapshots."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import pytest
from django.db.models import Q
from django.utils import timezone

from identities.models import Facility, IdentityStatus, InsiCall, PatientIdentity
from vigilance import dashboard as d
from vigilance.indicators import (
    daily_activity_compute,
    daily_indicators_backfill,
    daily_indicators_compute,
    daily_insi_compute,
    dashboard_counts_refresh,
)
from vigilance.models import (
    CandidateState,
    CollisionSignal,
    DailyActivity,
    DailyIndicator,
    DailyInsi,
    DuplicateCandidate,
    IdentityMerge,
)

pytestmark = pytest.mark.django_db
_ipp = itertools.count(1)


def make(facility, status="PROV", service="", **fields) -> PatientIdentity:
    return PatientIdentity.objects.create(facility=facility, source_id=f"T{next(_ipp)}", birth_name="MARTIN",
                                          first_name="CLAIRE", status=status, admission_service=service, **fields)


def call(identity, outcome, ms=100, when=None) -> InsiCall:
    return InsiCall.objects.create(identity=identity, message_id=f"m{next(_ipp)}", operation="search",
                                   started_at=when or timezone.now(), duration_ms=ms, outcome=outcome)


@pytest.fixture
def base(facility):
    """CHU01: 4 QUAL (urgences), 2 PROV (1 doubtful), 1 merged; CH02: 1 VALI, 1 RECUP (maternite)."""
    other = Facility.objects.create(code="CH02", name="CH voisin")
    now = timezone.now()
    quals = [make(facility, "QUAL", "URGENCES", insi_queried_at=now) for _ in range(4)]
    prov = make(facility, "PROV", "URGENCES")
    make(facility, "PROV", "", is_doubtful=True)
    make(facility, "PROV", "URGENCES", is_active=False, merged_into=quals[0])
    make(other, "VALI", "MATERNITE", is_homonym=True)
    recup = make(other, "RECUP", "MATERNITE", insi_queried_at=now)
    old = now - dt.timedelta(days=60)
    PatientIdentity.objects.filter(pk=quals[3].pk).update(created_at=old, updated_at=old)
    DuplicateCandidate.objects.create(identity_a=quals[0], identity_b=prov, score=0.9, priority=1)
    stale = DuplicateCandidate.objects.create(identity_a=quals[1], identity_b=quals[2], score=0.8)
    DuplicateCandidate.objects.filter(pk=stale.pk).update(created_at=old)
    DuplicateCandidate.objects.create(identity_a=quals[2], identity_b=quals[3], score=0.7,
                                      state=CandidateState.DISMISSED, decided_at=now)
    IdentityMerge.objects.create(survivor=quals[0], merged=prov, reason="test")
    CollisionSignal.objects.create(identity=recup, kind=CollisionSignal.Kind.SAME_INS)
    for outcome, ms in (("00", 100), ("00", 300), ("01", 200), ("02", 200), ("temporary", 5000)):
        call(quals[0], outcome, ms)
    call(recup, "00", 50)
    call(recup, "00", 50, when=now - dt.timedelta(days=90))  # outside the period
    dashboard_counts_refresh()  # as the periodic task
    return {"chu": facility, "ch": other}


@pytest.fixture
def civ(referent):
    """The referent with permissions loaded, as after the view's own permission check."""
    referent.has_perm(d.DASHBOARD_PERMISSION)
    return referent


@pytest.fixture
def filters():
    return d.DashboardFilters.last_days(30)


def test_identity_figures_total_and_breakdowns(civ, base, filters, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures = d.dashboard_identities(user=civ, filters=filters)
    assert figures.as_of is not None
    t = figures.total
    assert (t.active, t.provisional, t.retrieved, t.validated, t.qualified) == (8, 2, 1, 1, 4)
    assert (t.doubtful, t.fictitious, t.homonym, t.merged) == (1, 0, 1, 1)
    assert (t.created, t.created_without_insi, t.seen, t.seen_qualified) == (8, 4, 7, 3)
    assert t.qualification_rate == pytest.approx(4 / 8)
    by_facility = {c.key: c for c in figures.by_facility}
    assert (by_facility["CHU01"].active, by_facility["CH02"].active) == (6, 2)
    assert {c.key: c.active for c in figures.by_service} == {"": 1, "URGENCES": 5, "MATERNITE": 2}
    assert next(c for c in figures.by_service if c.key == "").label == d.NO_SERVICE


def test_state_and_flows_counted_live_when_there_is_no_snapshot(civ, base, filters, django_assert_num_queries):
    from_snapshot = d.dashboard_identities(user=civ, filters=filters)
    DailyIndicator.objects.all().delete()
    DailyActivity.objects.all().delete()
    with django_assert_num_queries(5):
        figures = d.dashboard_identities(user=civ, filters=filters)
    assert figures.as_of is None
    assert replace(figures, as_of=None) == replace(from_snapshot, as_of=None)


@pytest.mark.parametrize("days", [1, 7, 30, 365])
def test_stored_flows_equal_direct_counts(civ, base, days):
    """Flows summed from DailyActivity, plus creations since the count, equal direct counts per group."""
    now = timezone.now()
    for n, identity in enumerate(PatientIdentity.objects.order_by("pk")):
        when = now - dt.timedelta(days=3 * n, hours=n)  # spread over the last weeks
        PatientIdentity.objects.filter(pk=identity.pk).update(created_at=when - dt.timedelta(days=n), updated_at=when)
    dashboard_counts_refresh()
    make(base["ch"], "QUAL", "MATERNITE")  # after the count: counted live
    filters = d.DashboardFilters.last_days(days)
    figures = d.dashboard_identities(user=civ, filters=filters)
    for kind, groups in (("facility__code", figures.by_facility), ("admission_service", figures.by_service)):
        for group in groups:
            identities = PatientIdentity.objects.filter(**{kind: group.key})
            direct = {name: identities.filter(d._flow_q(name, filters)).count() for name in d.FLOWS}
            assert {name: getattr(group, name) for name in d.FLOWS} == direct, (days, group.key)
    assert figures.total.created == PatientIdentity.objects.filter(d._flow_q("created", filters)).count()


def test_activity_count_writes_only_what_changed(base):
    assert daily_activity_compute() == 0
    make(base["ch"], "QUAL", "MATERNITE")
    assert daily_activity_compute() == 1  # today's row of the group
    counted_at = DailyActivity.counted_at()
    assert DailyActivity.objects.filter(day=timezone.localdate()).exclude(computed_at=counted_at).count() == 0


def test_flows_of_an_identity_modified_since_the_count_wait_for_the_next(civ, base, filters):
    before = d.dashboard_identities(user=civ, filters=filters).total
    old = PatientIdentity.objects.get(created_at__lt=filters.since)
    old.first_name = "ANNE"
    old.save()  # seen today, from the next count on
    assert d.dashboard_identities(user=civ, filters=filters).total.seen == before.seen
    dashboard_counts_refresh()
    assert d.dashboard_identities(user=civ, filters=filters).total.seen == before.seen + 1


def test_state_comes_from_the_snapshot_until_recomputed(civ, base, filters):
    make(base["chu"], "QUAL", "URGENCES")
    assert d.dashboard_identities(user=civ, filters=filters).total.qualified == 4
    assert d.dashboard_identities(user=civ, filters=filters).total.created == 9  # flows are live
    daily_indicators_compute()
    assert d.dashboard_identities(user=civ, filters=filters).total.qualified == 5


def test_filters_narrow_to_a_facility_and_a_service(civ, base):
    chu = d.DashboardFilters.last_days(30, facility="CH02")
    assert d.dashboard_identities(user=civ, filters=chu).total.active == 2
    service = d.DashboardFilters.last_days(30, service="URGENCES")
    assert d.dashboard_identities(user=civ, filters=service).total.qualified == 4
    assert d.dashboard_identities(user=civ, filters=d.DashboardFilters.last_days(30, service="")
                                  ).total.active == 1


def test_worklist_figures(civ, base, filters, django_assert_num_queries):
    with django_assert_num_queries(2):
        w = d.dashboard_worklist(user=civ, filters=filters)
    assert (w.open, w.high_priority, w.age_week, w.age_month, w.age_older) == (2, 1, 1, 0, 1)
    assert (w.detected, w.dismissed) == (2, 1)
    assert w.oldest_days == 60
    assert [(c.key, c.open) for c in w.by_facility] == [("CHU01", 2)]


def test_worklist_leaves_out_pairs_with_a_merged_identity(civ, base, filters):
    merged_meanwhile = DuplicateCandidate.objects.get(priority=1).identity_b
    PatientIdentity.objects.filter(pk=merged_meanwhile.pk).update(is_active=False)
    assert d.dashboard_worklist(user=civ, filters=filters).open == 2  # the snapshot, until recomputed
    daily_indicators_compute()
    assert d.dashboard_worklist(user=civ, filters=filters).open == 1


def test_worklist_counted_live_when_there_is_no_snapshot(civ, base, filters, django_assert_num_queries):
    from_snapshot = d.dashboard_worklist(user=civ, filters=filters)
    DailyIndicator.objects.all().delete()
    with django_assert_num_queries(3):
        assert d.dashboard_worklist(user=civ, filters=filters) == from_snapshot


def test_snapshot_worklist_equals_direct_counts(civ, base):
    """The stored worklist per group is the count of open pairs whose two identities are active."""
    open_pairs = DuplicateCandidate.objects.filter(state=CandidateState.OPEN, identity_a__is_active=True,
                                                   identity_b__is_active=True)
    stored = DailyIndicator.objects.filter(day=timezone.localdate())
    for row in stored:
        in_group = open_pairs.filter(identity_a__facility=row.facility_id,
                                     identity_a__admission_service=row.admission_service)
        assert (row.open, row.high_priority) == (in_group.count(), in_group.filter(priority=1).count())
    assert sum(row.open for row in stored) == open_pairs.count() == 2


def test_resolution_figures(civ, base, filters, django_assert_num_queries):
    with django_assert_num_queries(2):
        r = d.dashboard_resolutions(user=civ, filters=filters)
    assert r == d.ResolutionFigures(merges=1, merges_undone=0, collisions_open=1, collisions_new=1)


def test_insi_figures_per_day(civ, base, filters, django_assert_num_queries):
    with django_assert_num_queries(4):
        insi = d.dashboard_insi(user=civ, filters=filters)
    t = insi.total
    assert (t.calls, t.found, t.not_found, t.several, t.errors, t.temporary) == (6, 3, 1, 1, 1, 1)
    assert t.availability == pytest.approx(5 / 6)
    assert t.max_ms == 5000
    assert len(insi.by_day) == 30
    assert insi.by_day[-1].calls == 6
    assert {c.key: c.calls for c in insi.by_facility} == {"CHU01": 5, "CH02": 1}


def _insi_direct(calls) -> tuple:
    return (calls.count(), calls.filter(outcome="00").count(), calls.exclude(outcome__in=d.INSI_ANSWERS).count(),
            sum(c.duration_ms for c in calls), max((c.duration_ms for c in calls), default=0))


def test_stored_insi_days_equal_direct_counts(civ, base, filters):
    """Past days come from DailyInsi, today live: every figure equals a direct count of the calls."""
    identities = PatientIdentity.objects.filter(is_active=True).order_by("pk")
    now = timezone.now()
    for n, identity in enumerate(identities):
        call(identity, ("00", "01", "rejected")[n % 3], ms=10 * n, when=now - dt.timedelta(days=n % 5))
    call(None, "temporary", when=now - dt.timedelta(days=2))  # a call without an identity
    daily_insi_compute(since=filters.start)
    assert DailyInsi.objects.filter(day__lt=timezone.localdate()).exists()
    call(identities[0], "00", ms=7000)  # after the count: today is live
    insi = d.dashboard_insi(user=civ, filters=filters)
    period = InsiCall.objects.filter(started_at__gte=filters.since)
    total = insi.total
    assert (total.calls, total.found, total.errors, total.total_ms, total.max_ms) == _insi_direct(period)
    for day in insi.by_day:
        start = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day.key), dt.time.min))
        calls = period.filter(started_at__gte=start, started_at__lt=start + dt.timedelta(days=1))
        assert (day.calls, day.found, day.errors, day.total_ms, day.max_ms) == _insi_direct(calls), day.key
    for group in insi.by_facility:
        calls = period.filter(identity__facility__code=group.key) if group.key else period.filter(identity=None)
        assert (group.calls, group.found, group.errors, group.total_ms, group.max_ms) == _insi_direct(calls)
    for group in insi.by_service:
        calls = period.filter(identity__admission_service=group.key) if group.key else period.filter(
            Q(identity=None) | Q(identity__admission_service=""))
        assert (group.calls, group.total_ms) == _insi_direct(calls)[::3], group.key
    chu = d.dashboard_insi(user=civ, filters=replace(filters, facility="CHU01")).total
    assert chu.calls == period.filter(identity__facility__code="CHU01").count()


def test_insi_count_resumes_from_the_last_incomplete_day(base):
    assert DailyInsi.complete_until() == timezone.localdate()
    yesterday = timezone.now() - dt.timedelta(days=1)
    DailyInsi.objects.update(computed_at=yesterday)  # the last count ran yesterday
    call(base["chu"].identities.first(), "00", when=yesterday)
    daily_insi_compute()
    assert DailyInsi.complete_until() == timezone.localdate()
    assert DailyInsi.objects.get(day=timezone.localdate(yesterday)).calls == 1


def test_trend_reads_snapshots_in_one_query(civ, base, filters, django_assert_num_queries):
    daily_indicators_compute(day=filters.start)
    with django_assert_num_queries(1):
        trend = d.dashboard_trend(user=civ, filters=filters)
    assert [p.day for p in trend.points] == [filters.start, filters.end]
    assert (trend.points[-1].active, trend.points[-1].qualified) == (8, 4)
    assert trend.target == 0.9


def test_monthly_indicators(civ, base, django_assert_num_queries):
    daily_indicators_compute()
    filters = d.DashboardFilters(start=timezone.localdate().replace(day=1) - dt.timedelta(days=95),
                                 end=timezone.localdate())
    with django_assert_num_queries(5):
        rows = d.indicators_monthly(user=civ, filters=filters)
    assert len(rows) >= 4
    current = rows[-1]
    assert (current.active_end, current.qualified_end, current.merges) == (8, 4, 1)
    assert sum(r.created for r in rows) == 9
    assert sum(r.insi_calls for r in rows) == 7


def test_outsider_and_agent_get_zeros_without_queries(outsider, agent, base, filters, django_assert_num_queries):
    for user in (outsider, agent):
        user.has_perm(d.DASHBOARD_PERMISSION)
        with django_assert_num_queries(0):
            assert d.dashboard_identities(user=user, filters=filters).total.active == 0
            assert d.dashboard_worklist(user=user, filters=filters).open == 0
            assert d.dashboard_insi(user=user, filters=filters).total.calls == 0
            assert d.dashboard_trend(user=user, filters=filters).points == ()
            assert d.indicators_monthly(user=user, filters=filters) == ()
            assert d.dashboard_resolutions(user=user, filters=filters).merges == 0


@pytest.mark.parametrize(("kwargs", "figure"), [
    ({"status": "QUAL"}, "qualified"), ({"flag": "doubtful"}, "doubtful"), ({"flag": "merged"}, "merged"),
    ({"flag": "seen"}, "seen"), ({"flag": "created_without_insi"}, "created_without_insi"),
    ({"flag": "homonym"}, "homonym")])
def test_drilldown_lists_as_many_identities_as_the_figure(civ, base, filters, kwargs, figure):
    total = d.dashboard_identities(user=civ, filters=filters).total
    assert d.dashboard_identity_list(user=civ, filters=filters, **kwargs).count() == getattr(total, figure)


def test_drilldown_by_insi_outcome(civ, base, filters):
    assert d.dashboard_identity_list(user=civ, filters=filters, insi_outcome="00").count() == 2
    assert d.dashboard_identity_list(user=civ, filters=filters, insi_outcome="error").count() == 1


def test_backfill_replays_history(facility):
    """Snapshots rebuilt from history: an identity qualified yesterday counts from yesterday on."""
    identity = make(facility, "PROV", "URGENCES")
    identity.history.all().delete()
    History = PatientIdentity.history.model
    today = timezone.localdate()

    def at(days):
        return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time(12)))

    for days, status, kind in ((3, "PROV", "+"), (1, "QUAL", "~")):
        History.objects.create(id=identity.pk, public_id=identity.public_id, facility=facility, source_id="H1",
                               status=status, admission_service="URGENCES", is_active=True, version=1,
                               created_at=at(3), history_date=at(days), history_type=kind)
    daily_indicators_backfill(since=today - dt.timedelta(days=4), until=today)
    rows = {r.day: (r.active, r.qualified) for r in DailyIndicator.objects.all()}
    assert today - dt.timedelta(days=4) not in rows
    assert rows[today - dt.timedelta(days=3)] == (1, 0)
    assert rows[today - dt.timedelta(days=1)] == (1, 1)
    assert rows[today] == (1, 1)


def test_compute_is_idempotent(base):
    daily_indicators_compute()
    daily_indicators_compute()
    assert DailyIndicator.objects.filter(day=timezone.localdate()).count() == 3  # (facility, service) groups
    assert sum(DailyIndicator.objects.values_list("qualified", flat=True)) == 4
    assert sum(DailyIndicator.objects.values_list("merged", flat=True)) == 1
    assert IdentityStatus.QUALIFIED == "QUAL"
