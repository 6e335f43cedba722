"""Identity services: creation, RNIV demotion on strict-trait edits, lock of qualified traits, attributes, proofs."""

import datetime as dt

import pytest

from identities.exceptions import IdentityConflict, IdentityLocked
from identities.models import IdentityEvent, InsOid
from identities.rules.identity import IdentityInvalid, clean_identity
from identities.services.identities import (
    identity_create,
    identity_refresh_status,
    identity_set_attributes,
    identity_update,
    proof_record,
)

ADRTROIS = {"birth_name": "Adrtrois", "first_names": "Dominique", "birth_date": "1997-02-26", "sex": "F",
            "birth_place": "2A020", "nir": "297022A02077878"}


def _traits(**changes):
    return clean_identity({**ADRTROIS, **changes})[0]


@pytest.fixture
def identity(facility, agent):
    return identity_create(facility=facility, data=_traits(), acting_user=agent)


def _as_from_insi(identity, user):
    """What the INSi service does on a 00 answer (here without the SOAP round trip)."""
    identity.ins_matricule, identity.ins_oid, identity.traits_from_insi = identity.nir, InsOid.NIR, True
    identity_refresh_status(identity=identity, acting_user=user)
    identity.save()
    return identity


def test_created_identity_is_provisional_with_event_and_history(identity, agent):
    assert identity.status == "PROV"
    assert (identity.birth_name, identity.first_name) == ("ADRTROIS", "DOMINIQUE")
    assert identity.source_id.startswith("P")
    assert identity.events.get().kind == IdentityEvent.Kind.CREATED
    assert identity.history.get().history_user == agent


def test_high_trust_document_validates_and_insi_qualifies(identity, agent):
    proof_record(identity=identity, document_type="PA", acting_user=agent, expires_on=dt.date(2031, 1, 1))
    identity.refresh_from_db()
    assert identity.status == "VALI"
    identity = _as_from_insi(identity, agent)
    assert identity.status == "QUAL"


def test_driving_licence_and_expired_passport_do_not_validate(identity, agent):
    proof_record(identity=identity, document_type="PC", acting_user=agent)
    proof_record(identity=identity, document_type="PA", acting_user=agent, expires_on=dt.date(2020, 1, 1))
    identity.refresh_from_db()
    assert identity.status == "PROV"
    assert list(identity.proofs.values_list("high_trust", flat=True)) == [False, False]


def test_strict_trait_edit_demotes_recup_to_prov(identity, agent):
    identity = _as_from_insi(identity, agent)
    assert identity.status == "RECUP"
    updated = identity_update(identity=identity, data=_traits(first_names="Dominique Marie"), acting_user=agent)
    assert updated.status == "PROV"
    assert not updated.traits_from_insi
    kinds = set(updated.events.values_list("kind", flat=True))
    assert {IdentityEvent.Kind.TRAITS_CHANGED, IdentityEvent.Kind.STATUS_CHANGED} <= kinds


def test_qualified_strict_traits_locked_until_referent_unlocks(identity, agent, referent):
    proof_record(identity=identity, document_type="CN", acting_user=agent)
    identity.refresh_from_db()
    identity = _as_from_insi(identity, agent)
    with pytest.raises(IdentityLocked, match="verrouillés"):
        identity_update(identity=identity, data=_traits(birth_date="1997-02-27"), acting_user=agent)
    with pytest.raises(IdentityLocked, match="référent"):
        identity_update(identity=identity, data=_traits(birth_date="1997-02-27"), acting_user=agent, unlock=True,
                        reason="erreur de saisie")
    updated = identity_update(identity=identity, data=_traits(birth_date="1997-02-27"), acting_user=referent,
                              unlock=True, reason="Acte de naissance présenté")
    assert updated.status == "VALI"  # QUAL falls to VALI: the document stays, the INSi source does not
    assert updated.events.filter(kind=IdentityEvent.Kind.UNLOCKED, reason="Acte de naissance présenté").exists()


def test_complementary_trait_edit_keeps_qualification(identity, agent):
    proof_record(identity=identity, document_type="PA", acting_user=agent)
    identity.refresh_from_db()
    identity = _as_from_insi(identity, agent)
    updated = identity_update(identity=identity, data=_traits(used_name="Martin"), acting_user=agent)
    assert (updated.status, updated.used_name) == ("QUAL", "MARTIN")


def test_stale_version_is_refused(identity, agent):
    version = identity.version
    identity_update(identity=identity, data=_traits(city="Riom"), acting_user=agent, expected_version=version)
    with pytest.raises(IdentityConflict):
        identity_update(identity=identity, data=_traits(city="Vichy"), acting_user=agent, expected_version=version)


def test_doubtful_forces_prov_and_cannot_be_fictitious(identity, agent, referent):
    proof_record(identity=identity, document_type="PA", acting_user=agent)
    identity.refresh_from_db()
    updated = identity_set_attributes(identity=identity, is_doubtful=True, is_fictitious=False, is_homonym=True,
                                      acting_user=referent, reason="Pièce suspecte")
    assert (updated.status, updated.insi_forbidden, updated.attributes) == ("PROV", True, ["DOUT", "HOMA"])
    with pytest.raises(IdentityLocked, match="douteuse et fictive"):
        identity_set_attributes(identity=updated, is_doubtful=True, is_fictitious=True, is_homonym=False,
                                acting_user=referent)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("nir", "297022A02077860", "clé du NIR est fausse"),
        ("birth_date", "2020-02-31", "n'existe pas"),
        ("birth_name", "D’ÆION2", "« 2 »"),
        ("birth_place", "00000", "ni une commune ni un pays"),
        ("first_name", "MARIE", "début de la liste"),
    ],
)
def test_bad_input_says_what_to_fix(field, value, fragment):
    with pytest.raises(IdentityInvalid) as error:
        clean_identity({**ADRTROIS, field: value})
    assert fragment in " ".join(error.value.errors[field])


def test_nir_contradicting_sex_is_a_warning_not_an_error():
    clean, warnings = clean_identity({**ADRTROIS, "sex": "M"})
    assert clean.sex == "M"
    assert any("sexe féminin" in w for w in warnings)
