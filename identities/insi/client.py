"""The INSi client interface, in the project's own types."""

from __future__ import annotations

from typing import Protocol

from .types import SearchResult, TraitsQuery, VitaleQuery


class InsiClient(Protocol):
    def search_by_traits(self, query: TraitsQuery) -> SearchResult:
        """One rechercherInsAvecTraitsIdentite call. Raises InsiTemporaryError, InsiRejectedError,
        InsiInvalidAnswerError; 00/01/02 are results."""

    def search_by_vitale(self, query: VitaleQuery) -> SearchResult:
        """One rechercherInsAvecCarteVitale call; same errors as search_by_traits."""
