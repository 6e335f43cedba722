"""Pairs from blocks, each pair emitted once even when it shares several keys.

A pair belongs to the smallest key it shares among the keys not skipped as
oversized; only that key's block emits it. Blocks can then be processed
independently (one Celery task per bucket of keys) without scoring a pair twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import combinations

from .blocking import MAX_BLOCK, blocking_keys
from .compare import Prepared


def block_pairs(key: str, members: Sequence[int], keys_of: Mapping[int, Collection[str]],
                skip: Collection[str] = ()) -> Iterator[tuple[int, int]]:
    if len(members) < 2 or len(members) > MAX_BLOCK:
        return
    # Set operations in C: a 1M-identity scan checks about 9 M pairs here.
    keys = {i: frozenset(keys_of[i]).difference(skip) for i in set(members)}
    for a, b in combinations(sorted(keys), 2):
        shared = keys[a] & keys[b]
        if shared and min(shared) == key:
            yield a, b


def scan_pairs(prepared: Mapping[int, Prepared]) -> Iterator[tuple[int, int]]:
    """Every candidate pair of an in-memory base (tests, benchmarks, small bases)."""
    keys_of = {i: frozenset(blocking_keys(p)) for i, p in prepared.items()}
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, keys in keys_of.items():
        for key in keys:
            blocks[key].append(i)
    skip = {k for k, ids in blocks.items() if len(ids) > MAX_BLOCK}
    for key, members in blocks.items():
        yield from block_pairs(key, members, keys_of, skip)
