"""What a server start requires of the settings, checked once before the first request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_serving_settings() -> None:
    """Refuse to serve without a secret key: sessions and CSRF tokens would be signed with nothing."""
    try:
        settings.SECRET_KEY  # noqa: B018  (Django refuses an empty key on access)
    except ImproperlyConfigured:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.") from None
