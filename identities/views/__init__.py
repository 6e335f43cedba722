"""Identity pages, split by sub-domain: search (home), identity pages, qualification (proof and INSi)."""

from .identity import (
    IdentityAttributesView,
    IdentityCreateView,
    IdentityDetailView,
    IdentityTimelineView,
    IdentityUpdateView,
)
from .qualification import ProofCreateView, insi_search, insi_verify
from .search import HomeView

__all__ = [
    "HomeView",
    "IdentityAttributesView",
    "IdentityCreateView",
    "IdentityDetailView",
    "IdentityTimelineView",
    "IdentityUpdateView",
    "ProofCreateView",
    "insi_search",
    "insi_verify",
]
