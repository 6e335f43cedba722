"""Every read of an identity (page, API detail, FHIR) is traced; the auditor reads and exports the trace."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.models import User
from django.urls import reverse

from insportal.security.models import AccessLog


def test_page_read_is_traced_with_who_what_and_where(client, agent, identity):
    client.force_login(agent)
    url = reverse("identities:detail", args=[identity.public_id])
    assert client.get(url, REMOTE_ADDR="10.1.2.3").status_code == 200
    log = AccessLog.objects.get()
    assert (log.username, log.user, log.identity_public_id, log.channel, log.ip_address) == (
        "agent", agent, identity.public_id, "page", "10.1.2.3")


def test_api_detail_read_is_traced_with_the_token_owner(bearer, agent, identity):
    assert bearer(agent).get(f"/api/v1/identities/{identity.public_id}/").status_code == 200
    log = AccessLog.objects.get()
    assert (log.username, log.channel, log.view_name) == ("agent", "api", "identity-detail")


def test_fhir_read_and_search_results_are_traced(bearer, agent, identity, make_identity):
    other = make_identity(source_id="SEC002", birth_name="MARTINEZ")
    client = bearer(agent)
    assert client.get(f"/fhir/Patient/{identity.public_id}").status_code == 200
    assert client.get("/fhir/Patient", {"family": "MARTIN"}).status_code == 200
    traced = list(AccessLog.objects.order_by("id").values_list("channel", "identity_public_id"))
    assert traced[0] == ("fhir", identity.public_id)
    assert {public_id for _, public_id in traced[1:]} == {identity.public_id, other.public_id}


def test_refused_missing_and_list_reads_are_not_traced_as_reads(client, bearer, agent, outsider, identity):
    bearer(outsider).get(f"/api/v1/identities/{identity.public_id}/")  # no right: nothing was read
    bearer(agent).get("/api/v1/identities/00000000-0000-0000-0000-000000000000/")
    bearer(agent).get("/api/v1/identities/")
    assert not AccessLog.objects.exists()


def test_auditor_lists_filters_and_exports(client, auditor, agent, identity, make_identity):
    other = make_identity(source_id="SEC003")
    client.force_login(agent)
    client.get(reverse("identities:detail", args=[identity.public_id]))
    client.get(reverse("identities:detail", args=[other.public_id]))
    client.force_login(auditor)
    page = client.get(reverse("security:access_log"), {"identity": str(identity.public_id)})
    assert page.status_code == 200
    assert list(page.context["object_list"]) == [AccessLog.objects.get(identity_public_id=identity.public_id)]
    export = client.get(reverse("security:access_log"), {"user": "agent", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {row["identity_public_id"] for row in rows} == {str(identity.public_id), str(other.public_id)}
    assert {row["channel"] for row in rows} == {"page"}


def test_exported_log_neutralises_formulas(client, auditor, identity):
    hostile = User.objects.create_user(username="=cmd", password="x")
    AccessLog.objects.create(user=hostile, username="=cmd", identity_public_id=identity.public_id, channel="api",
                             view_name="identity-detail")
    client.force_login(auditor)
    body = b"".join(client.get(reverse("security:access_log"), {"format": "csv"}).streaming_content).decode()
    assert ",'=cmd," in body


def test_only_the_auditor_sees_the_log(client, agent, referent):
    for user in (agent, referent):
        client.force_login(user)
        assert client.get(reverse("security:access_log")).status_code == 403
    client.logout()
    assert client.get(reverse("security:access_log")).status_code == 302
