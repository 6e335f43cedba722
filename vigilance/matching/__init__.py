"""The matching engine: pure functions over plain records (no ORM, no settings).

`prepare` a `Record` once, `blocking_keys` to find candidates, `score_pair`
to score a pair with its reasons, `estimate` to fit m/u on blocked pairs.
"""

from .blocking import BUCKETS, MAX_BLOCK, blocking_keys, bucket_of, for_estimation
from .compare import FIELDS, Prepared, Record, compare, prepare
from .model import (
           POSSIBLE_THRESHOLD,
           WORKLIST_THRESHOLD,
           Parameters,
           Reason,
           Score,
           estimate,
           observe,
           random_vectors,
           score_pair,
)
from .pairs import block_pairs, scan_pairs

__all__ = [
           "BUCKETS",
           "FIELDS",
           "MAX_BLOCK",
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
           "observe",
           "prepare",
           "random_vectors",
           "scan_pairs",
           "score_pair",
]
