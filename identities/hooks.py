"""Extension points that other apps fill in, so that identities never imports them.

The matching engine lives in `vigilance`, which depends on `identities`; it
registers its finder of possible existing identities here when it loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PossibleExistingFinder = Callable[..., list[Any]]
_finder: PossibleExistingFinder | None = None


def register_possible_existing_finder(finder: PossibleExistingFinder) -> None:
    global _finder
    _finder = finder


def possible_existing_identities(clean, *, facility, user, limit: int = 5) -> list:
    """Identities an entry may already be: the registered matcher, else same birth name and birth date."""
    from identities.selectors import identity_queryset_for, identity_search

    if _finder is None:
        if not clean.birth_name or not clean.birth_date:
            return []
        return list(identity_search(user=user, query=clean.birth_name, birth_date=clean.birth_date)[:limit])
    found = [item.identity for item in _finder(clean, facility=facility, limit=limit)]
    visible = set(identity_queryset_for(user=user).filter(pk__in=[i.pk for i in found]).values_list("pk", flat=True))
    return [identity for identity in found if identity.pk in visible]
