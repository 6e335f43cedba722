"""Candidate pairs from blocks: every pair of identities sharing a block, each pair once.

Blocks arrive as lists of identity ids (a key shared by 2 to MAX_BLOCK
identities); pairs are built per block size in numpy and deduplicated as
64-bit codes, so a scan of millions of pairs costs a few array operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

import numpy as np

from .blocking import MAX_BLOCK


def _codes(blocks: Iterable[Sequence[int]]) -> np.ndarray:
    """Pairs (a < b) of each block as codes a << 32 | b, repeated when two blocks share a pair."""
    by_size: dict[int, list[Sequence[int]]] = defaultdict(list)
    for ids in blocks:
        if 2 <= len(ids) <= MAX_BLOCK:
            by_size[len(ids)].append(ids)
    chunks = [np.zeros(0, np.int64)]
    for size, groups in by_size.items():
        members = np.sort(np.array(groups, np.int64), axis=1)
        i, j = np.triu_indices(size, 1)
        chunks.append((members[:, i] << 32 | members[:, j]).ravel())
    return np.concatenate(chunks)


def _split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return codes >> 32, codes & 0xFFFFFFFF


def block_pairs(blocks: Iterable[Sequence[int]], batch: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs (a[k] < b[k]) of identity ids sharing at least one block.

    Blocks are read `batch` at a time, so that a stream of millions of blocks is never held as lists.
    """
    blocks = iter(blocks)
    codes = [np.zeros(0, np.int64)]
    while chunk := list(islice(blocks, batch)):
        codes.append(_codes(chunk))
    return _split(np.unique(np.concatenate(codes)))


def kinded_pairs(blocks: Mapping[str, Sequence[int]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Distinct pairs of blocks given by key, with the kinds (first letters) of the keys each pair shares."""
    by_kind: dict[str, list[Sequence[int]]] = defaultdict(list)
    for key, ids in blocks.items():
        by_kind[key[0]].append(ids)
    letters = sorted(by_kind)
    codes = [_codes(by_kind[letter]) for letter in letters]
    if not letters or not sum(map(len, codes)):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    bits = np.concatenate([np.full(len(c), 1 << n, np.int64) for n, c in enumerate(codes)])
    codes_all = np.concatenate(codes)
    order = np.argsort(codes_all, kind="stable")
    unique, starts = np.unique(codes_all[order], return_index=True)
    masks = np.bitwise_or.reduceat(bits[order], starts)
    names = {m: "".join(x for n, x in enumerate(letters) if m >> n & 1) for m in np.unique(masks).tolist()}
    a, b = _split(unique)
    return a, b, [names[m] for m in masks.tolist()]
