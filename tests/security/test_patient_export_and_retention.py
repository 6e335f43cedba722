"""Right of access: everything held about one patient in one export. Retention: old traces are purged."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from identities.models import InsiCall
from identities.services.identities import proof_record
from insportal.security.models import AccessLog


def test_export_command_holds_identity_related_rows_history_and_reads(client, agent, identity, tmp_path):
    proof_record(identity=identity, document_type="CN", acting_user=agent)
    client.force_login(agent)
    client.get(reverse("identities:detail", args=[identity.public_id]))
    out = tmp_path / "patient.json"
    call_command("export_patient", str(identity.public_id), "--output", str(out))
    data = json.loads(out.read_text())
    assert data["identity"]["fields"]["source_id"] == "SEC001"
    assert data["identity"]["fields"]["birth_name"] == "MARTIN"
    assert "identities.identityevent" in data["related"]  # the creation event
    assert "identities.identityproof" in data["related"]
    assert len(data["history"]) >= 1
    assert [row["fields"]["username"] for row in data["access_log"]] == ["agent"]


def test_export_of_an_unknown_patient_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No identity"):
        call_command("export_patient", str(uuid.uuid4()))
    with pytest.raises(CommandError):
        call_command("export_patient", "not-a-uuid")


def test_export_endpoint_for_referent_and_auditor_only(client, agent, referent, auditor, identity):
    url = reverse("security:patient_export", args=[identity.public_id])
    client.force_login(agent)
    assert client.get(url).status_code == 403
    for user in (referent, auditor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert json.loads(response.content)["identity"]["fields"]["source_id"] == "SEC001"
    assert AccessLog.objects.filter(view_name="security:patient_export").count() == 2  # an export is a read


def test_purge_deletes_only_what_is_past_retention(identity, settings):
    settings.RETENTION_INSI_CALL_DAYS = 30
    settings.RETENTION_ACCESS_LOG_DAYS = 90
    now = timezone.now()
    for days, message_id in ((31, "old"), (29, "recent")):
        InsiCall.objects.create(identity=identity, message_id=message_id, operation="search", outcome="00",
                                started_at=now - dt.timedelta(days=days))
    for days in (91, 89):
        AccessLog.objects.create(at=now - dt.timedelta(days=days), username="agent", channel="page",
                                 identity_public_id=identity.public_id, view_name="identities:detail")
    call_command("purge_logs", "--dry-run")
    assert InsiCall.objects.count() == 2
    call_command("purge_logs")
    assert list(InsiCall.objects.values_list("message_id", flat=True)) == ["recent"]
    assert AccessLog.objects.count() == 1
    assert identity.events.exists()  # the record itself is never purged


def test_login_page_offers_oidc_only_when_configured(client, db):
    assert "compte de l'établissement" not in client.get("/accounts/login/").content.decode()


def test_auditor_sees_the_access_log_link(client, auditor):
    client.force_login(auditor)
    assert "Traçabilité des accès" in client.get("/").content.decode()
