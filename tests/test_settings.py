"""Settings come from the environment; a value that cannot be used stops the start, naming the variable."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INSI_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import insportal.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_defaults_are_embedded_with_debug():
    result = _load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_database_url_switches_to_postgresql():
    result = _load_settings(DJANGO_DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert result.stdout.split() == ["True", "django.db.backends.postgresql"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "1", "INSI_ENDPOINT": "ftp://x"}, "INSI_ENDPOINT"),
        ({"DJANGO_DEBUG": "1", "INSI_CERT_FILE": "/nonexistent.pem"}, "INSI_CERT_FILE"),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
    ],
)
def test_unusable_value_names_the_variable(env, named):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert named in result.stderr.splitlines()[-1]


def _run(code: str, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INSI_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)


def test_server_start_without_secret_names_the_variable():
    # DEBUG is off by default: the WSGI application (gunicorn, runserver) refuses to start without a key.
    result = _run("import insportal.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr.splitlines()[-1]


def test_commands_that_sign_nothing_run_without_secret():
    result = _run("import sys; from django.core.management import execute_from_command_line; "
                  "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])",
                  DJANGO_SETTINGS_MODULE="insportal.settings")
    assert result.returncode == 0, result.stderr[-500:]


def test_server_start_loads_referential_and_views_before_the_first_request():
    # Loaded lazily, they cost a fresh worker's first requests about a second of CPU (docs/benchmarks.md).
    result = _run("import sys, insportal.wsgi; from identities.referential import _referential; "
                  "print(_referential.cache_info().currsize, 'identities.api.views' in sys.modules)",
                  DJANGO_SECRET_KEY="test-only")
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.split() == ["1", "True"]
