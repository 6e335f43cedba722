"""The CIV dashboard in Chromium on the demo base: charts drawn, totals equal to direct database counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from identities.models import InsiCall, PatientIdentity
from vigilance.models import CandidateState, DuplicateCandidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-dashboard-2026"
SERVICES = ("URGENCES", "MATERNITE", "CARDIOLOGIE", "")


@pytest.fixture(autouse=True)
def _no_figure_cache(settings):
    """Each test builds its own base: figures must not come from another test's cache."""
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def demo_base(settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", password=PASSWORD, size=200, verbosity=0)
    # The demo has no admission services nor INSi traffic yet: spread some, as a hospital would have.
    for index, pk in enumerate(PatientIdentity.objects.order_by("pk").values_list("pk", flat=True)):
        PatientIdentity.objects.filter(pk=pk).update(admission_service=SERVICES[index % len(SERVICES)])
    now = timezone.now()
    identities = list(PatientIdentity.objects.order_by("pk")[:40])
    for n, identity in enumerate(identities):
        InsiCall.objects.create(identity=identity, message_id=f"demo-{n}", operation="search",
                                started_at=now - dt.timedelta(days=n % 10), duration_ms=150 + n,
                                outcome=("00", "00", "00", "01", "02", "temporary")[n % 6])
    call_command("compute_indicators", verbosity=0)


def _chart_data(page, name: str) -> list[float]:
    return page.evaluate(f"""() => Chart.getChart(document.querySelector('canvas[data-chart="{name}"]'))
                                   .data.datasets[0].data""")


def _painted(page, name: str) -> bool:
    """Some pixel of the canvas is not transparent: the chart was really drawn."""
    return page.evaluate(f"""() => {{
        const c = document.querySelector('canvas[data-chart="{name}"]');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) {{ if (px[i] > 0) return true; }}
        return false; }}""")


def test_dashboard_charts_match_database_counts(page, shot, demo_base):
    page.goto("/accounts/login/")
    page.fill("#id_username", "referent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/dashboard/")
    for name in ("statuts", "attributs", "tendance", "file", "insi", "etablissements", "services"):
        page.wait_for_selector(f'canvas[data-chart="{name}"][data-rendered="1"]', state="attached")
        assert _painted(page, name), name

    active = PatientIdentity.objects.filter(is_active=True)
    by_status = [active.filter(status=s).count() for s in ("PROV", "RECUP", "VALI", "QUAL")]
    assert _chart_data(page, "statuts") == by_status
    assert int(page.get_attribute('canvas[data-chart="statuts"]', "data-total")) == active.count()
    assert _chart_data(page, "attributs")[:3] == [active.filter(is_doubtful=True).count(),
                                                  active.filter(is_fictitious=True).count(),
                                                  active.filter(is_homonym=True).count()]
    open_pairs = DuplicateCandidate.objects.filter(state=CandidateState.OPEN, identity_a__is_active=True,
                                                   identity_b__is_active=True).count()
    assert sum(_chart_data(page, "file")) == open_pairs
    assert sum(_chart_data(page, "insi")) == InsiCall.objects.filter(outcome="00").count()
    trend = _chart_data(page, "tendance")
    qualified = active.filter(status="QUAL").count()
    assert trend[-1] == round(100 * qualified / active.count(), 1)
    assert page.inner_text('[data-kpi="active"]').replace("\u202f", "").replace(" ", "") == str(active.count())
    shot("dashboard")

    page.click('table[data-table="statuts"] tr:nth-child(4) a')  # drill down: the qualified identities
    page.wait_for_selector("[data-count]")
    assert int(page.inner_text("[data-count]")) == qualified
    shot("dashboard-drilldown")


def test_outsider_sees_no_dashboard(page, outsider):
    from .conftest import sign_in

    sign_in(page, "outsider")
    response = page.goto("/dashboard/")
    assert response.status == 403
    assert page.locator("canvas").count() == 0
