"""Signals that let other apps react to identity writes without identities importing them.

`identity_traits_changed` is sent after the transaction that created an identity
or changed its traits has committed (duplicate detection listens to it).
"""

from django.dispatch import Signal

# kwargs: identity_ids (list[int]), created (bool)
identity_traits_changed = Signal()
