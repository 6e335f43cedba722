"""Personas and shared fixtures: agent, referent, auditor, admin and an outsider with no role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from identities.models import Facility
from insportal import roles

# Fails the run if a NIR or a CNDA test name reaches the logs (data protection, tests/security).
pytest_plugins = ["tests.logscan_plugin"]


def _user(username: str, role: str | None, **extra) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def facility(db) -> Facility:
    return Facility.objects.create(code="CHU01", name="CHU de test")


@pytest.fixture
def agent(db) -> User:
    return _user("agent", roles.AGENT)


@pytest.fixture
def referent(db) -> User:
    return _user("referent", roles.REFERENT)


@pytest.fixture
def auditor(db) -> User:
    return _user("auditor", roles.AUDITOR)


@pytest.fixture
def admin_user(db) -> User:
    return _user("admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but holds no role: must see nothing."""
    return _user("outsider", None)
