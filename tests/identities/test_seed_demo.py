"""seed_demo: the demo users (one per role) and a population with the hard cases; refused without DEBUG."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from identities.models import PatientIdentity
from insportal import roles


def test_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", password="x")


def test_demo_users_and_population(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-pass-1", size=120, verbosity=0)
    for username, role in [("agent", roles.AGENT), ("referent", roles.REFERENT), ("auditor", roles.AUDITOR),
                           ("admin", roles.ADMINISTRATOR)]:
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists()
        assert user.check_password("demo-pass-1")
    statuses = set(PatientIdentity.objects.values_list("status", flat=True))
    assert statuses == {"PROV", "RECUP", "VALI", "QUAL"}
    assert PatientIdentity.objects.filter(birth_name="ADRTROIS", birth_place="2A020").exists()
    assert PatientIdentity.objects.filter(birth_date__endswith="-00").exists()
    assert PatientIdentity.objects.filter(birth_place__startswith="99").exists()
    assert PatientIdentity.objects.values("facility").distinct().count() == 2
    # Running again keeps one base and only resets the users' passwords.
    count = PatientIdentity.objects.count()
    call_command("seed_demo", password="demo-pass-2", verbosity=0)
    assert PatientIdentity.objects.count() == count
    assert User.objects.get(username="agent").check_password("demo-pass-2")
