"""Pairs linked through other identities: A is B and B is C, so A and C are likely one person too.

Blocking compares only pairs that share a key. Two records of one person typed
with different errors may share none, yet each be strongly linked to a third
record of that person. Within a group of identities joined by strong links,
every other pair is scored by its own traits with the best path's probability
as its prior, in place of the base's share of true pairs (`model.linked_score`):
the traits still decide, and a domain rule (twins, parent/child) still rules
the pair out. Groups stay small: a large one is a chain of near-homonyms.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping

LINK_MIN = 0.99  # only links this likely carry a pair: one doubtful link would chain two persons together
PATH_CAP = 0.999  # no path is surer than this, so that a pair's own traits keep the last word
MAX_GROUP = 50  # larger groups are chains of look-alikes, not one person's records

Links = Mapping[tuple[int, int], float]


def strong_links(links: Links) -> dict[int, dict[int, float]]:
    """Adjacency of the links at or above LINK_MIN, both ways."""
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), probability in links.items():
        if probability >= LINK_MIN:
            out[a][b] = out[b][a] = probability
    return out


def groups(adjacency: Mapping[int, Mapping[int, float]]) -> Iterator[list[int]]:
    """Connected groups of identities, each sorted."""
    seen: set[int] = set()
    for start in adjacency:
        if start in seen:
            continue
        seen.add(start)
        group, frontier = [start], [start]
        while frontier:
            for other in adjacency[frontier.pop()]:
                if other not in seen:
                    seen.add(other)
                    group.append(other)
                    frontier.append(other)
        yield sorted(group)


def best_paths(adjacency: Mapping[int, Mapping[int, float]], start: int) -> dict[int, float]:
    """Probability of the surest path from `start` to each identity of its group (product of its links)."""
    cost = {start: 0.0}  # -log of the path's probability: the surest path is the shortest
    heap = [(0.0, start)]
    while heap:
        here, node = heapq.heappop(heap)
        if here > cost[node]:
            continue
        for other, probability in adjacency[node].items():
            there = here - math.log(probability)
            if there < cost.get(other, math.inf):
                cost[other] = there
                heapq.heappush(heap, (there, other))
    return {node: math.exp(-c) for node, c in cost.items()}


def linked_pairs(links: Links) -> Iterator[tuple[int, int, float]]:
    """(a, b, path probability) for each pair of a group of strong links that is not a strong link itself."""
    adjacency = strong_links(links)
    for group in groups(adjacency):
        if not 3 <= len(group) <= MAX_GROUP:
            continue
        for a in group:
            for b, probability in best_paths(adjacency, a).items():
                if b > a and b not in adjacency[a]:
                    yield a, b, min(probability, PATH_CAP)
