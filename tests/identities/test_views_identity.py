"""Identity pages: search, create with warnings, detail, edit with the lock, proof, attributes, timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from identities.models import IdentityEvent, IdentityStatus, PatientIdentity
from identities.rules.identity import clean_identity
from identities.services.identities import identity_create, proof_record

pytestmark = pytest.mark.django_db

TRAITS = {"birth_name": "MARTIN", "first_names": "Claire Anne", "birth_date": "1984-03-12", "sex": "F",
          "birth_place": "75056"}


def make_identity(facility, user=None, **traits) -> PatientIdentity:
    clean, _ = clean_identity({**TRAITS, **traits})
    return identity_create(facility=facility, data=clean, acting_user=user)


def post_data(facility, **extra) -> dict:
    return {"facility": facility.pk, "source_id": "", **TRAITS, **extra}


def test_home_search_finds_by_name(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    response = client.get(reverse("home"), {"q": "martin"})
    assert response.status_code == 200
    assert identity.source_id in response.content.decode()
    assert 'data-status="PROV"' in response.content.decode()


def test_home_empty_state_offers_creation(client, agent, facility):
    client.force_login(agent)
    response = client.get(reverse("home"), {"q": "NOBODY"})
    assert "Aucune identité ne correspond" in response.content.decode()
    assert reverse("identities:create") in response.content.decode()


def test_create_identity(client, agent, facility):
    client.force_login(agent)
    response = client.post(reverse("identities:create"), post_data(facility))
    identity = PatientIdentity.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("identities:detail", args=[identity.public_id])
    assert identity.created_by == agent
    assert identity.birth_name == "MARTIN"
    assert identity.admission_service == ""


def test_create_identity_records_its_admission_service(client, agent, facility):
    client.force_login(agent)
    assert 'name="admission_service"' in client.get(reverse("identities:create")).content.decode()
    client.post(reverse("identities:create"), post_data(facility, admission_service="MATERNITE"))
    identity = PatientIdentity.objects.get()
    assert identity.admission_service == "MATERNITE"
    detail = client.get(reverse("identities:detail", args=[identity.public_id])).content.decode()
    assert "Service d'admission" in detail
    assert "MATERNITE" in detail


def test_create_with_bad_traits_shows_field_errors(client, agent, facility):
    client.force_login(agent)
    response = client.post(reverse("identities:create"), post_data(facility, birth_date="31/02/1984",
                                                                   birth_name="MART1N"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "birth_date" in form.errors
    assert "birth_name" in form.errors
    assert not PatientIdentity.objects.exists()


def test_create_warns_about_possible_existing_and_needs_confirmation(
        client, agent, facility, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # duplicate detection indexes after commit
        existing = make_identity(facility)
    client.force_login(agent)
    response = client.post(reverse("identities:create"), post_data(facility))
    assert response.status_code == 200
    assert existing in response.context["possible"]
    assert "Cette personne existe peut-être déjà" in response.content.decode()
    assert PatientIdentity.objects.count() == 1
    response = client.post(reverse("identities:create"), post_data(facility, confirm="on", confirm_shown="1"))
    assert response.status_code == 302
    assert PatientIdentity.objects.count() == 2


def test_create_duplicate_ipp_is_a_field_error(client, agent, facility):
    make_identity(facility, birth_name="DURAND")
    existing = PatientIdentity.objects.get()
    client.force_login(agent)
    response = client.post(reverse("identities:create"), post_data(facility, source_id=existing.source_id))
    assert response.status_code == 200
    assert "source_id" in response.context["form"].errors


def test_detail_shows_status_and_actions(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    response = client.get(reverse("identities:detail", args=[identity.public_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="PROV"' in body
    assert reverse("identities:proof_create", args=[identity.public_id]) in body
    assert reverse("identities:insi_search", args=[identity.public_id]) in body


def test_update_traits(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    data = {**TRAITS, "used_name": "DUPONT", "expected_version": identity.version, "reason": ""}
    response = client.post(reverse("identities:update", args=[identity.public_id]), data)
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.used_name == "DUPONT"


def test_update_with_stale_version_is_refused(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    data = {**TRAITS, "used_name": "DUPONT", "expected_version": identity.version - 1}
    response = client.post(reverse("identities:update", args=[identity.public_id]), data)
    assert response.status_code == 200
    assert "modifiée par quelqu'un d'autre" in " ".join(response.context["form"].non_field_errors())


def _qualify(identity, user):
    PatientIdentity.objects.filter(pk=identity.pk).update(traits_from_insi=True, ins_matricule="284037505612345")
    identity.refresh_from_db()
    proof_record(identity=identity, document_type="PA", acting_user=user)
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.QUALIFIED
    return identity


def test_strict_traits_of_qualified_identity_are_locked_for_agent(client, agent, facility):
    identity = _qualify(make_identity(facility), agent)
    client.force_login(agent)
    url = reverse("identities:update", args=[identity.public_id])
    assert client.get(url).context["form"].fields["birth_name"].disabled
    data = {**TRAITS, "birth_name": "AUTRE", "expected_version": identity.version}
    client.post(url, data)
    identity.refresh_from_db()
    assert identity.birth_name == "MARTIN"  # disabled field ignores posted value


def test_referent_unlocks_with_reason(client, referent, facility):
    identity = _qualify(make_identity(facility), referent)
    client.force_login(referent)
    url = reverse("identities:update", args=[identity.public_id])
    data = {**TRAITS, "birth_name": "MARTINS", "expected_version": identity.version, "unlock": "on"}
    response = client.post(url, data)
    assert "reason" in response.context["form"].errors
    response = client.post(url, {**data, "reason": "Erreur de saisie sur la pièce"})
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.birth_name == "MARTINS"
    assert identity.status == IdentityStatus.VALIDATED
    assert identity.events.filter(kind=IdentityEvent.Kind.UNLOCKED).exists()


def test_record_passport_validates(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    response = client.post(reverse("identities:proof_create", args=[identity.public_id]),
                           {"document_type": "PA", "expires_on": "", "comment": ""}, follow=True)
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.VALIDATED
    assert "haut niveau de confiance" in response.content.decode()


def test_record_proof_with_bad_date_is_field_error(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    response = client.post(reverse("identities:proof_create", args=[identity.public_id]),
                           {"document_type": "PA", "expires_on": "not a date"})
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors


def test_attributes_doubtful_and_fictitious_is_a_form_error(client, referent, facility):
    identity = make_identity(facility)
    client.force_login(referent)
    url = reverse("identities:attributes", args=[identity.public_id])
    response = client.post(url, {"is_doubtful": "on", "is_fictitious": "on", "reason": "x",
                                 "expected_version": identity.version})
    assert response.status_code == 200
    assert "is_fictitious" in response.context["form"].errors
    response = client.post(url, {"is_homonym": "on", "reason": "Homonyme confirmé",
                                 "expected_version": identity.version})
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.is_homonym


def test_timeline_merges_history_and_events(client, referent, facility):
    identity = make_identity(facility, user=referent)
    client.force_login(referent)
    client.post(reverse("identities:update", args=[identity.public_id]),
                {**TRAITS, "used_name": "DUPONT", "expected_version": identity.version, "reason": "Mariage"})
    response = client.get(reverse("identities:timeline", args=[identity.public_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Identité créée" in body
    assert "Traits modifiés" in body
    assert "Mariage" in body
    assert "DUPONT" in body
    titles = [entry.title for entry in response.context["entries"]]
    assert "Modification de la fiche" in titles


def test_insi_search_without_service_or_with_refusal_gives_message(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    response = client.post(reverse("identities:insi_search", args=[identity.public_id]), follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_insi_search_is_post_only(client, agent, facility):
    identity = make_identity(facility)
    client.force_login(agent)
    assert client.get(reverse("identities:insi_search", args=[identity.public_id])).status_code == 405
