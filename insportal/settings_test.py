"""Test settings: the same environment-driven settings, faster hashing, eager tasks."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
# The test client speaks plain HTTP; the redirect itself is tested in tests/security.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the finders in tests; no collectstatic run needed.
WHITENOISE_AUTOREFRESH = True
# No test reaches the network by accident: tests that need the SOAP simulator point their client at it.
INSI_CLIENT = "identities.insi.fake.FakeInsiClient"
