"""The matching engine: pure functions over plain records (no ORM, no settings).

`prepare` a `Record` for its `blocking_keys`; put records in a `Table` and
`score_pairs` many pairs at once (`score_pair` for one), with their reasons;
`estimate` fits m/u on blocked pairs (`observations`); `linked_pairs` and
`linked_score` for pairs that share no key but are linked through other
records of the same person.
"""

from .blocking import BUCKETS, MAX_BLOCK, TRAIT_KEYS, blocking_keys, bucket_of
from .clusters import LINK_MIN, MAX_GROUP, linked_pairs
from .compare import FIELDS, compare, compare_dates
from .model import (
           POSSIBLE_THRESHOLD,
           WORKLIST_THRESHOLD,
           Observation,
           Parameters,
           Reason,
           Score,
           estimate,
           linked_score,
           observations,
           random_vectors,
           score_pair,
           score_pairs,
)
from .pairs import block_pairs, kinded_pairs
from .record import Prepared, Record, prepare
from .table import Table

__all__ = [
           "BUCKETS",
           "FIELDS",
           "LINK_MIN",
           "MAX_BLOCK",
           "MAX_GROUP",
           "POSSIBLE_THRESHOLD",
           "TRAIT_KEYS",
           "WORKLIST_THRESHOLD",
           "Observation",
           "Parameters",
           "Prepared",
           "Reason",
           "Record",
           "Score",
           "Table",
           "block_pairs",
           "blocking_keys",
           "bucket_of",
           "compare",
           "compare_dates",
           "estimate",
           "kinded_pairs",
           "linked_pairs",
           "linked_score",
           "observations",
           "prepare",
           "random_vectors",
           "score_pair",
           "score_pairs",
]
