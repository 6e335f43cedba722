"""The INSi teleservice behind a small interface (docs/style.md section 6).

`get_insi_client()` returns the implementation named by settings.INSI_CLIENT
(zeep over SOAP in production, the fake in tests), one per process and configuration.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .client import InsiClient


@lru_cache(maxsize=4)
def _client(path: str, endpoint: str, timeout: float) -> InsiClient:
    return import_string(path)()


def get_insi_client() -> InsiClient:
    """The configured client, built once per process (the WSDL is parsed once)."""
    return _client(settings.INSI_CLIENT, settings.INSI_ENDPOINT, settings.INSI_TIMEOUT)
