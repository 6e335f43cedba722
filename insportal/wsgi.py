"""WSGI entry point (gunicorn, and `runserver` through WSGI_APPLICATION)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insportal.settings")

application = get_wsgi_application()

from insportal.startup import load_before_serving, require_serving_settings  # noqa: E402  (needs the settings loaded above)

require_serving_settings()
load_before_serving()
