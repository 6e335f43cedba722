"""Production settings: `check --deploy` is clean, HTTPS is enforced, headers are sent, OIDC is opt-in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import override_settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRODUCTION = {"DJANGO_SECRET_KEY": "k8#Vq2!zR7m@Lp4^Wx9&Tn3*Hs6(Jd1)Fb5_Gc0+Ye8=Ua2-Oi7~",
              "DJANGO_ALLOWED_HOSTS": "ins.chu.example"}
OIDC = {"OIDC_RP_CLIENT_ID": "insportal", "OIDC_RP_CLIENT_SECRET": "s3cret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/auth", "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo", "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks"}


def _run(args: list[str], **env) -> subprocess.CompletedProcess:
    # A clean environment: no DJANGO_*/OIDC_* leaking from the test run (settings_test sets some).
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "insportal.settings", **env})


def test_check_deploy_has_no_warning_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_debug_is_on():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DJANGO_DEBUG="1", **PRODUCTION)
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on: proves the check above is not vacuous


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/identities/"])
@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https(client, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_probe_is_exempt_from_the_https_redirect(client, db):
    assert client.get("/healthz").status_code != 301


def test_pages_send_csp_and_frame_headers(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def _oidc_probe(**env) -> subprocess.CompletedProcess:
    code = ("from django.conf import settings as s; from django.urls import reverse; "
            "print(s.OIDC_ENABLED, 'mozilla_django_oidc' in s.INSTALLED_APPS, "
            "reverse('oidc_authentication_init') if s.OIDC_ENABLED else '-', "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG)")
    return _run(["-c", f"import django; django.setup(); {code}"], **PRODUCTION, **env)


def test_production_defaults_secure_cookies_hsts_and_no_oidc():
    result = _oidc_probe()
    assert result.stdout.split() == ["False", "False", "-", "True", "True", "True", "False"], result.stderr


def test_oidc_is_on_with_all_its_variables():
    result = _oidc_probe(**OIDC)
    assert result.stdout.split()[:3] == ["True", "True", "/oidc/authenticate/"], result.stderr


def test_half_configured_oidc_names_the_missing_variable():
    result = _oidc_probe(**{k: v for k, v in OIDC.items() if k != "OIDC_OP_JWKS_ENDPOINT"})
    assert result.returncode != 0
    assert "OIDC_OP_JWKS_ENDPOINT" in result.stderr.splitlines()[-1]
