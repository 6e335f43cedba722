"""The calling strategy of approved INSi clients (ins-reference.md 4.8), and verification.

Search: one call per birth first name, stopping at the first 00; then all the
first names together in one Prenom; then, if some call answered 02, that call
again with the birth place (CNDA 2.06, 2.07). A technical error stops the loop.
Verification: the 1.5.0 contract has no verification operation (4.1), so the
stored INS is checked by searching again with the stored traits.
"""

from __future__ import annotations

from dataclasses import dataclass

from .client import InsiClient
from .types import (
    CHANGED,
    CONFIRMED,
    FOUND,
    MISMATCH,
    NOT_FOUND,
    SEVERAL,
    VERIFY_NOT_FOUND,
    SearchResult,
    TraitsQuery,
    VerifyResult,
)


@dataclass(frozen=True)
class StrategyResult:
    result: SearchResult
    attempts: int


def _queries(query: TraitsQuery) -> list[TraitsQuery]:
    names = query.first_names
    queries = [query.with_first_names((name,)) for name in names]
    if len(names) > 1:
        queries.append(query.with_first_names((" ".join(names),)))
    return queries


def search(client: InsiClient, query: TraitsQuery) -> StrategyResult:
    """Search by traits as approved clients do; returns the last meaningful answer (00, else 02, else 01)."""
    attempts, several = 0, None
    for attempt in _queries(query):
        result = client.search_by_traits(attempt)
        attempts += 1
        if result.code == FOUND:
            return StrategyResult(result, attempts)
        if result.code == SEVERAL and several is None:
            several = (attempt, result)
    if several is None:
        return StrategyResult(SearchResult(code=NOT_FOUND, label=result.label), attempts)
    if not query.birth_place:
        return StrategyResult(several[1], attempts)
    located = client.search_by_traits(several[0].with_first_names(several[0].first_names,
                                                                 birth_place=query.birth_place))
    return StrategyResult(located, attempts + 1)


def verify(client: InsiClient, query: TraitsQuery, stored_ins: str) -> VerifyResult:
    """Check a stored 15-character INS against what INSi returns for the stored traits."""
    found = search(client, query)
    identity = found.result.identity
    if found.result.code != FOUND or identity is None:
        return VerifyResult(outcome=VERIFY_NOT_FOUND, search=found.result, attempts=found.attempts)
    if identity.ins.value == stored_ins:
        outcome = CONFIRMED
    elif stored_ins in {ins.value for ins in identity.history}:
        outcome = CHANGED  # e.g. a NIA replaced by the definitive NIR
    else:
        outcome = MISMATCH  # INSi knows these traits under another INS: a person must look
    return VerifyResult(outcome=outcome, search=found.result, attempts=found.attempts)
