"""Signals that let other apps react to identity writes without identities importing them.

`identity_traits_changed` is sent after the transaction that created an identity
or changed its traits has committed (duplicate detection listens to it).
Bulk loads (demo data, imports) mute it and rely on the full duplicate scan.
`identities_imported` is sent inside the transaction of each batch an import
writes, so that what must exist with an identity (its matching keys, found by
the real-time search) is written with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# kwargs: identity_ids (list[int]), created (bool)
identity_traits_changed = Signal()
# kwargs: identities (list[PatientIdentity], saved)
identities_imported = Signal()

_muted: ContextVar[bool] = ContextVar("identity_traits_changed_muted", default=False)


@contextmanager
def traits_signal_muted() -> Iterator[None]:
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def traits_signal_is_muted() -> bool:
    return _muted.get()
