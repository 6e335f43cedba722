"""End to end in Chromium: create with warning, passport + INSi to QUAL, merge/timeline/unmerge, outsider."""

from __future__ import annotations

import pytest
from django.db import transaction

from identities.insi.fake import FakeInsiClient
from identities.insi.types import FOUND, Ins, InsiIdentity, SearchResult
from identities.models import PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.identities import identity_create
from vigilance.models import DuplicateCandidate

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAITS = {"birth_name": "MARTIN", "first_names": "Claire Anne", "birth_date": "1984-03-12", "sex": "F",
          "birth_place": "75056"}
MATRICULE = "2840375056123"


class FoundInsiClient(FakeInsiClient):
    """INSi answers 00 with the traits it was sent and a valid INS (as a CNDA test identity would)."""

    def __init__(self):
        key = f"{97 - int(MATRICULE) % 97:02d}"
        super().__init__(lambda q: SearchResult(code=FOUND, label="OK", identity=InsiIdentity(
            ins=Ins(MATRICULE, key, "1.2.250.1.213.1.4.10"), history=(), birth_name=q.birth_name,
            first_names=" ".join(q.first_names), sex=q.sex, birth_date=q.birth_date, birth_place=q.birth_place)))


def make(facility, **traits) -> PatientIdentity:
    clean, _ = clean_identity({**TRAITS, **traits})
    with transaction.atomic():  # commit, so that duplicate detection indexes it
        return identity_create(facility=facility, data=clean)


def test_agent_creates_identity_and_is_warned_about_existing_one(page, shot, agent, facility):
    make(facility)
    sign_in(page, "agent")
    page.fill("#id_q", "martin")
    page.keyboard.press("Enter")
    page.wait_for_selector("table")
    shot("01-home-search")
    page.click("text=Nouvelle identité >> nth=0")
    page.fill("#id_birth_name", "Martin")
    page.fill("#id_first_names", "Claire Anne")
    page.fill("#id_birth_date", "12/03/1984")
    page.select_option("#id_sex", "F")
    page.fill("#id_birth_place", "75056")
    page.click("text=Créer l'identité")
    page.wait_for_selector("#possible-existing")
    shot("02-create-possible-existing")
    assert PatientIdentity.objects.count() == 1
    page.check("#id_confirm")
    page.click("text=Créer l'identité")
    page.wait_for_selector("text=Identité créée")
    shot("03-identity-detail")
    assert PatientIdentity.objects.count() == 2


def test_agent_records_passport_and_runs_insi_to_qual(page, shot, agent, facility, settings):
    settings.INSI_CLIENT = f"{__name__}.FoundInsiClient"
    identity = make(facility)
    sign_in(page, "agent")
    page.goto(f"/identities/{identity.public_id}/")
    page.click("text=Enregistrer une pièce")
    page.select_option("#id_document_type", "PA")
    shot("04-proof-form")
    page.click("main input[type=submit]")
    page.wait_for_url(f"**/identities/{identity.public_id}/")
    shot("04b-after-proof")
    page.wait_for_selector("[data-status=VALI]")
    page.click("text=Interroger l'INSi")
    page.wait_for_selector("#insi-result")
    page.reload()  # the task ran after commit; show its outcome
    page.wait_for_selector("h1 >> xpath=.. >> [data-status=QUAL]")
    shot("05-identity-qualified-insi")
    identity.refresh_from_db()
    assert identity.status == "QUAL"
    assert identity.ins_matricule.startswith(MATRICULE)


def test_referent_merges_sees_timeline_and_undoes(page, shot, referent, facility):
    a = make(facility)
    b = make(facility, first_names="Claire", used_name="DURAND", birth_place="")
    first, second = sorted([a, b], key=lambda i: i.pk)
    DuplicateCandidate.objects.get_or_create(identity_a=first, identity_b=second, defaults={"score": 0.97})
    sign_in(page, "referent")
    page.click("text=Doublons potentiels >> nth=0")
    page.wait_for_selector("text=Examiner")
    shot("06-worklist")
    page.click("text=Examiner >> nth=0")
    page.wait_for_selector("#pair-table")
    page.check("input[name=trait_used_name][value=b]")
    page.fill("#id_merge_reason", "Même patiente, deux admissions")
    shot("07-pair-side-by-side")
    page.click("button:has-text('Fusionner')")
    page.wait_for_selector("text=Identités fusionnées")
    page.click("text=Historique")
    page.wait_for_selector("text=Identité fusionnée")
    shot("08-timeline-after-merge")
    page.go_back()
    page.click("text=Annuler cette fusion…")
    page.fill("#id_reason", "Fusion faite par erreur")
    page.click("text=Annuler la fusion >> nth=-1")
    page.wait_for_selector("text=Fusion annulée")
    shot("09-unmerged")
    assert PatientIdentity.objects.filter(is_active=True).count() == 2


def test_outsider_is_refused(page, shot, outsider, facility):
    identity = make(facility)
    sign_in(page, "outsider")
    page.wait_for_selector("text=aucun rôle")
    response = page.goto(f"/identities/{identity.public_id}/")
    assert response.status == 404
    response = page.goto("/vigilance/worklist/")
    assert response.status == 403
    page.wait_for_selector("text=Accès refusé")
    shot("10-outsider-refused")
