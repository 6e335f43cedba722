"""Candidate pairs from blocks: every pair of identities sharing a block, each pair once.

Blocks arrive flat, one row per member: its block number and its identity id
(ids below 2**31). Pairs are built per block size in numpy and deduplicated
as 64-bit codes, so millions of pairs cost a few array operations.
"""

from __future__ import annotations

import numpy as np


def _codes(blocks: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Pairs (a < b) of each block as codes a << 32 | b, repeated when two blocks share a pair."""
    order = np.argsort(blocks, kind="stable")
    blocks, members = blocks[order], members[order].astype(np.int64)
    starts = _first_of_runs(blocks)
    sizes = np.diff(np.r_[starts, len(blocks)])
    codes = [np.zeros(0, np.int64)]
    for size in np.unique(sizes[sizes >= 2]).tolist():
        ids = np.sort(members[starts[sizes == size][:, None] + np.arange(size)], axis=1)
        i, j = np.triu_indices(size, 1)
        codes.append((ids[:, i] << 32 | ids[:, j]).ravel())
    return np.concatenate(codes)


def _split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return codes >> 32, codes & 0xFFFFFFFF


def _first_of_runs(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array (np.unique without an inverse is far slower)."""
    return np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, np.int64)


def block_pairs(blocks: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs (a[k] < b[k]) of identity ids sharing at least one block."""
    codes = np.sort(_codes(blocks, members))
    return _split(codes[_first_of_runs(codes)])


def kinded_pairs(blocks: np.ndarray, members: np.ndarray, kinds: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Distinct pairs with the kinds of the keys each shares (`kinds`: each member row's key letter)."""
    letters = sorted(set(kinds.tolist()))
    codes = [_codes(blocks[kinds == letter], members[kinds == letter]) for letter in letters]
    bits = np.concatenate([np.zeros(0, np.int64)] + [np.full(len(c), 1 << n, np.int64) for n, c in enumerate(codes)])
    codes_all = np.concatenate([np.zeros(0, np.int64), *codes])
    order = np.argsort(codes_all, kind="stable")
    starts = _first_of_runs(codes_all[order])
    unique = codes_all[order][starts]
    masks = np.bitwise_or.reduceat(bits[order], starts) if len(unique) else np.zeros(0, np.int64)
    names = {m: "".join(x for n, x in enumerate(letters) if m >> n & 1) for m in np.unique(masks).tolist()}
    a, b = _split(unique)
    return a, b, [names[m] for m in masks.tolist()]
