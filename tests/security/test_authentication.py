"""Login throttling and lock-out (django-axes), strong passwords, idle session expiry, hashed revocable tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from identities.models import ApiToken
from identities.services.api_tokens import api_token_issue, api_token_revoke

LOGIN = "/accounts/login/"


def _login(client, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": "agent", "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_out_even_with_the_right_password(client, agent):
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429  # the fifth locks
    assert _login(client, "pw-agent").status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_out_is_per_address_so_a_colleague_elsewhere_is_not_locked(client, agent):
    for _ in range(5):
        _login(client, "wrong", ip="10.0.0.1")
    assert _login(client, "pw-agent", ip="10.0.0.2").status_code == 302


def test_a_success_resets_the_failure_count(client, agent):
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "pw-agent").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "pw-agent").status_code == 302


@pytest.mark.parametrize("password", ["Court1!", "motdepasse", "123456789012345", "password1234"])
def test_weak_passwords_are_refused(agent, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=agent)


def test_a_long_passphrase_is_accepted(agent):
    validate_password("cheval-agrafe-batterie-correcte", user=agent)


def test_an_idle_session_expires_after_thirty_minutes(client, agent, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # idle time, not time since login
    client.force_login(agent)
    assert client.get(reverse("home")).status_code == 200
    # Thirty-one minutes without a request: the stored session has expired.
    Session.objects.update(expire_date=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_pushes_the_expiry_back(client, agent):
    client.force_login(agent)
    client.get(reverse("home"))
    first = Session.objects.get().expire_date
    Session.objects.update(expire_date=first - dt.timedelta(minutes=20))
    client.get(reverse("home"))
    assert Session.objects.get().expire_date >= first


def test_api_tokens_are_stored_hashed_and_revocable(agent, client):
    token, raw = api_token_issue(user=agent)
    assert raw not in {token.key_hash, token.prefix}
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/identities/", **headers).status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/v1/identities/", **headers).status_code == 401
