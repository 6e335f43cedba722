"""The matching engine: pure functions over plain records (no ORM, no settings).

`prepare` a `Record` once, `blocking_keys` to find candidates, `score_pair`
to score a pair with its reasons, `estimate` to fit m/u on blocked pairs;
`linked_pairs` and `linked_score` for pairs that share no key but are linked
through other records of the same person.
"""

from .blocking import BUCKETS, MAX_BLOCK, blocking_keys, bucket_of, for_estimation
from .clusters import LINK_MIN, MAX_GROUP, linked_pairs
from .compare import FIELDS, Prepared, Record, compare, prepare
from .model import (
           POSSIBLE_THRESHOLD,
           WORKLIST_THRESHOLD,
           Parameters,
           Reason,
           Score,
           estimate,
           linked_score,
           observe,
           random_vectors,
           score_pair,
)
from .pairs import block_pairs, scan_pairs

__all__ = [
           "BUCKETS",
           "FIELDS",
           "LINK_MIN",
           "MAX_BLOCK",
           "MAX_GROUP",
           "POSSIBLE_THRESHOLD",
           "WORKLIST_THRESHOLD",
           "Parameters",
           "Prepared",
           "Reason",
           "Record",
           "Score",
           "block_pairs",
           "blocking_keys",
           "bucket_of",
           "compare",
           "estimate",
           "for_estimation",
           "linked_pairs",
           "linked_score",
           "observe",
           "prepare",
           "random_vectors",
           "scan_pairs",
           "score_pair",
]
