"""Domain errors raised by the identities services; views and the API translate them."""

from __future__ import annotations


class IdentityError(Exception):
    """Base class: the message is meant for the person who asked."""

    code = "identity_error"


class IdentityLocked(IdentityError):
    code = "identity_locked"


class IdentityConflict(IdentityError):
    """The identity changed since the version the caller based its update on."""

    code = "conflict"


class IdentityStateError(IdentityError):
    code = "invalid_state"
