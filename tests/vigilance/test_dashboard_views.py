"""Dashboard page, CSV of each chart, monthly export, drill-down and indicators API: roles and numbers."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from identities.services.api_tokens import api_token_issue
from tests.vigilance.test_dashboard import base  # noqa: F401  (fixture)
from vigilance.indicators import daily_indicators_compute
from vigilance.views_dashboard import TABLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_figure_cache(settings):
    """Each test builds its own base: figures must not come from another test's cache."""
    settings.DASHBOARD_CACHE_SECONDS = 0

PAGES = [reverse("dashboard:index"), reverse("dashboard:csv", args=["statuts"]), reverse("dashboard:monthly"),
         reverse("dashboard:table", args=["insi"]),
         reverse("dashboard:identities") + "?status=QUAL"]
ROLES = [("agent", 403), ("referent", 200), ("auditor", 200), ("admin_user", 200), ("outsider", 403)]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("persona", "expected"), ROLES)
def test_pages_by_role(client, request, base, url, persona, expected):  # noqa: F811
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == expected
    if expected == 403:
        assert b"MARTIN" not in response.content
        assert b"CHU01" not in response.content


@pytest.mark.parametrize("url", PAGES)
def test_signed_out_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_dashboard_page_shows_charts_tables_and_links(client, referent, base):  # noqa: F811
    daily_indicators_compute()
    client.force_login(referent)
    response = client.get(reverse("dashboard:index"))
    html = response.content.decode()
    charts = response.context["charts"]
    assert charts["statuts"]["datasets"][0]["data"] == [2, 1, 1, 4]
    assert charts["tendance"]["datasets"][0]["data"] == [50.0]
    assert sum(charts["insi"]["datasets"][0]["data"]) == 3
    for name in TABLES:
        assert f'data-table="{name}"' in html
        assert reverse("dashboard:csv", args=[name]) in html
    assert 'data-chart="statuts"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert reverse("dashboard:identities") + "?start=" in html  # drill-down links
    assert "Taux de qualification" in html


def test_filters_by_facility_and_service(client, referent, base):  # noqa: F811
    client.force_login(referent)
    response = client.get(reverse("dashboard:index"), {"facility": "CH02"})
    assert response.context["figures"].identities.total.active == 2
    response = client.get(reverse("dashboard:index"), {"service": "-"})
    assert response.context["figures"].identities.total.active == 1
    response = client.get(reverse("dashboard:index"), {"start": "2026-02-30", "end": "x"})
    assert response.status_code == 200  # a bad filter falls back to the default period, with a message


def test_long_tables_get_their_own_page(client, referent, base):  # noqa: F811
    client.force_login(referent)
    html = client.get(reverse("dashboard:index"), {"start": "2026-01-01", "end": "2026-12-31"}).content.decode()
    assert 'data-table-link="insi"' in html
    assert 'data-table="insi"' not in html
    page = client.get(reverse("dashboard:table", args=["insi"]), {"start": "2026-01-01", "end": "2026-12-31"})
    assert page.status_code == 200
    assert 'data-table="insi"' in page.content.decode()
    assert client.get(reverse("dashboard:table", args=["nope"])).status_code == 404


def test_chart_csv_matches_the_table(client, referent, base):  # noqa: F811
    client.force_login(referent)
    response = client.get(reverse("dashboard:csv", args=["statuts"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0] == ["Statut", "Identités actives", "Part (%)"]
    assert [r[1] for r in rows[1:]] == ["2", "1", "1", "4"]
    assert client.get(reverse("dashboard:csv", args=["nope"])).status_code == 404


def test_every_chart_has_a_csv(client, referent, base):  # noqa: F811
    client.force_login(referent)
    for name in TABLES:
        assert len(_csv(client.get(reverse("dashboard:csv", args=[name])))) >= 1


def test_monthly_export(client, referent, base):  # noqa: F811
    daily_indicators_compute()
    client.force_login(referent)
    rows = _csv(client.get(reverse("dashboard:monthly")))
    assert rows[0][:3] == ["Mois", "Identités créées", "Créées sans appel INSi"]
    assert 12 <= len(rows) - 1 <= 13
    last = rows[-1]
    assert last[3:6] == ["8", "4", "50.0"]


def test_drilldown_lists_the_identities_of_a_figure(client, referent, base):  # noqa: F811
    client.force_login(referent)
    response = client.get(reverse("dashboard:identities"), {"status": "QUAL"})
    assert response.context["paginator"].count == 4
    response = client.get(reverse("dashboard:identities"), {"flag": "doubtful"})
    assert response.context["paginator"].count == 1
    response = client.get(reverse("dashboard:identities"), {"insi": "00", "facility": "CH02"})
    assert response.context["paginator"].count == 1


def _api(user) -> APIClient:
    api = APIClient()
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user)[1]}")
    return api


@pytest.mark.parametrize(("persona", "expected"), [*ROLES, (None, 401)])
def test_api_by_role(request, base, persona, expected):  # noqa: F811
    user = request.getfixturevalue(persona) if persona else None
    for url in ("/api/v1/indicators/", "/api/v1/indicators/monthly/"):
        response = _api(user).get(url)
        assert response.status_code == expected
        if expected != 200:
            assert set(response.json()) == {"code", "message", "errors"}


def test_api_figures(referent, base):  # noqa: F811
    body = _api(referent).get("/api/v1/indicators/", {"facility": "CHU01"}).json()
    assert body["identities"]["total"]["active"] == 6
    assert body["identities"]["total"]["qualification_rate"] == pytest.approx(4 / 6)
    assert body["worklist"]["open"] == 2
    assert body["insi"]["total"]["calls"] == 5
    assert body["national_target"] == 0.9
    json.dumps(body)


@pytest.mark.parametrize("params", [{"start": "2026-13-01"}, {"start": "2026-05-01", "end": "2026-04-01"},
                                    {"facility": "NOPE"}, {"start": "2000-01-01", "end": "2026-01-01"}])
def test_api_bad_query_is_a_400(referent, params):
    response = _api(referent).get("/api/v1/indicators/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_figures_are_cached_for_a_minute_per_user_and_filters(client, referent, base, settings):  # noqa: F811
    from django.core.cache import cache

    from identities.models import PatientIdentity

    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    client.force_login(referent)
    first = client.get(reverse("dashboard:index")).context["figures"].identities.total.created
    PatientIdentity.objects.create(facility=base["chu"], source_id="CACHED", birth_name="X")
    assert client.get(reverse("dashboard:index")).context["figures"].identities.total.created == first
    assert client.get(reverse("dashboard:index"), {"facility": "CHU01"}).context["figures"].identities.total.created \
        == first - 2 + 1  # other filters: computed afresh (CH02 holds 2 of the first count)
    cache.clear()
