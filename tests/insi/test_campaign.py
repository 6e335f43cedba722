"""The verification campaign command: verifies every INS once, skips what cannot be sent, resumes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from identities.models import InsiCall, InsiRequest

pytestmark = pytest.mark.django_db

WITH_INS = [
    ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020", "297022A02077878"),
    ("CORSE", "ANTHONY", "M", "1980-03-02", "2B020", "180032B02040123"),
    ("HOUILLES", "PIERRE", "M", "1993-01-27", "", "193017511100128"),
]


@pytest.fixture
def campaign(django_capture_on_commit_callbacks):
    def run(name: str) -> str:
        out = StringIO()
        # The test runs inside a transaction: let the tasks queued on commit run (eagerly).
        with django_capture_on_commit_callbacks(execute=True):
            call_command("insi_campaign", name=name, concurrency=1, no_progress=True, stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def base(simulator, make_identity):
    made = [make_identity(*traits[:5], ins_matricule=traits[5], ins_oid="1.2.250.1.213.1.4.8",
                          traits_from_insi=True, status="RECUP") for traits in WITH_INS]
    make_identity("ADRUN", "ZOE", "F", "1975-12-31", "63220", ins_matricule="275126322074974",
                  ins_oid="1.2.250.1.213.1.4.8", is_doubtful=True)  # never sent
    make_identity("NESSI", "NATHALIE", "F", "1977-07-14")  # no INS to verify
    return made


def test_campaign_verifies_each_ins_once_and_resumes(base, campaign):
    output = campaign("c1")
    assert "3 identités à vérifier" in output
    outcomes = dict(InsiRequest.objects.filter(campaign="c1").values_list("identity__birth_name", "outcome"))
    assert outcomes == {"ADRTROIS": "confirmed", "CORSE": "confirmed", "HOUILLES": "not_found"}
    calls = InsiCall.objects.count()
    assert "0 identités à vérifier" in campaign("c1")
    assert InsiCall.objects.count() == calls


def test_interrupted_campaign_runs_its_queued_requests(base, campaign):
    left = InsiRequest.objects.create(identity=base[0], kind="verify", campaign="c2")
    campaign("c2")
    left.refresh_from_db()
    assert (left.state, left.outcome) == ("done", "confirmed")
    assert InsiRequest.objects.filter(campaign="c2").count() == 3
