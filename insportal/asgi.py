"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insportal.settings")

application = get_asgi_application()

from insportal.startup import load_before_serving, require_serving_settings  # noqa: E402  (needs the settings loaded above)

require_serving_settings()
load_before_serving()
