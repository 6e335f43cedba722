"""What a server start requires of the settings, checked once before the first request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_serving_settings() -> None:
    """Refuse to serve without a secret key: sessions and CSRF tokens would be signed with nothing."""
    try:
        settings.SECRET_KEY  # noqa: B018  (Django refuses an empty key on access)
    except ImproperlyConfigured:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.") from None


def load_before_serving() -> None:
    """Do at start what each server process would otherwise do inside its first requests.

    The first creation or update in a fresh gunicorn worker took about 0.7 s of CPU to load and index
    the birth places referential, and the first API call about 0.3 s to import the views behind the
    URLconf: with four workers and a Celery worker starting on two cores, requests queued for
    seconds after every (re)start. Loaded here, before the worker takes its first request.
    """
    from django.urls import get_resolver

    from identities.referential import birth_place_exists

    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and view module)
    birth_place_exists("99999")  # builds the referential's cached index
