"""Fellegi-Sunter scoring: m/u probabilities per trait level, estimated by EM on blocked pairs.

m = P(level | same person), u = P(level | different persons). A pair's match
weight is log2(lambda / (1 - lambda)) plus the sum of log2(m / u) over its
known traits; its probability follows. EM runs on the distinct comparison
vectors of the blocked pairs with their counts, so it costs little even for
millions of pairs. Blocked pairs agree on their key's traits by construction
(a family shares its name), so each trait's m is learned from the pairs that
shared a key without that trait. Parameters can be given (overridden) instead
of estimated.

Domain rules are added on top, because a sum of independent traits cannot
see them: twins (same parents' name and birth date, different first name),
parent/child (same names, birth years a generation apart) and homonyms born
the same day (a strict trait, birth place or own NIR, differs) are pulled down.
They apply to records that carry sex (every hospital identity does): a base
without sex (FEBRL) is not a base of families, and there those pairs are left
to the trait weights.
Each pair keeps the reasons behind its score.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .blocking import KEY_TRAITS
from .compare import FIELDS, ID, LEVELS, PL, SEX, Comparison, D, F, N, Vector, compare_many
from .record import Prepared, Record
from .table import Table

MISSING = "missing"
# Levels that say nothing about the pair: an unknown trait, a NIR shared only because it is a parent's.
NEUTRAL = frozenset({MISSING, "parent"})
WORKLIST_THRESHOLD = 0.9  # a pair at or above this probability goes to the CIV worklist
POSSIBLE_THRESHOLD = 0.5  # shown to an admission agent as a "possible existing identity"
_CLAMP = 1e-5
_PENALTY = 30.0  # bits removed by a domain rule (twins, parent/child)
_NAME_MATCH = frozenset({"exact", "used", "phonetic", "close"})
_FIRST_MATCH = frozenset({"exact", "other", "phonetic", "close"})
_FIRST_OTHER = frozenset({"different", "far"})
_DATE_CLOSE = frozenset({"exact", "compatible", "swapped", "typo", "default"})
# Starting values (and the parameters used before any estimation): typical of admission-desk data.
_PRIOR_M = {
    "birth_name": {"exact": .86, "used": .03, "phonetic": .04, "close": .03, "partial": .02, "far": .01,
                   "different": .01, "crossed": .005},
    "first_name": {"exact": .88, "other": .03, "phonetic": .03, "close": .03, "far": .015, "different": .015},
    "birth_date": {"exact": .9, "compatible": .01, "swapped": .02, "typo": .05, "default": .01, "different": .01},
    "sex": {"same": .97, "different": .03},
    "birth_place": {"same": .95, "close": .03, "different": .02},
    "identifier": {"ins_same": .25, "same": .67, "typo": .01, "parent": .068, "ins_different": .0001,
                   "different": .0019},
    "home": {"same": .55, "street": .1, "near": .05, "town": .1, "area": .05, "different": .15},
}
_PRIOR_U = {
    "birth_name": {"exact": .05, "used": .002, "phonetic": .01, "close": .01, "partial": .01, "far": .03,
                   "different": .888, "crossed": .002},
    "first_name": {"exact": .02, "other": .005, "phonetic": .005, "close": .01, "far": .03, "different": .93},
    "birth_date": {"exact": .01, "compatible": .002, "swapped": .001, "typo": .01, "default": .002,
                   "different": .975},
    "sex": {"same": .5, "different": .5},
    "birth_place": {"same": .05, "close": .1, "different": .85},
    "identifier": {"ins_same": .0001, "same": .0005, "typo": .002, "parent": .01, "ins_different": .3,
                   "different": .6884},
    "home": {"same": .001, "street": .002, "near": .002, "town": .05, "area": .02, "different": .925},
}


@dataclass(frozen=True)
class Parameters:
    m: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _PRIOR_M)
    u: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _PRIOR_U)
    prior: float = 0.001  # lambda: share of true pairs among all pairs

    def weight(self, name: str, level: str) -> float:
        if level == MISSING:
            return 0.0
        weight = self._weights.get((name, level))
        return self._weight(name, level) if weight is None else weight

    def _weight(self, name: str, level: str) -> float:
        # A trait missing from stored parameters (estimated before it existed) keeps its prior values.
        m = max((self.m.get(name) or _PRIOR_M.get(name, {})).get(level, _CLAMP), _CLAMP)
        u = max((self.u.get(name) or _PRIOR_U.get(name, {})).get(level, _CLAMP), _CLAMP)
        return math.log2(m / u)

    @cached_property
    def _scores(self) -> dict[tuple[Vector, tuple[Reason, ...]], Score]:
        """Scores by comparison vector and rules: few distinct ones, met again across millions of pairs."""
        return {}

    @cached_property
    def level_weights(self) -> list[np.ndarray]:
        """Per trait, the weight of each level code (0 for levels that say nothing)."""
        return [np.array([0.0 if level in NEUTRAL else self.weight(name, level) for level in LEVELS[name]])
                for name in FIELDS]

    @cached_property
    def _weights(self) -> dict[tuple[str, str], float]:
        """Every weight computed once: a scan asks for them millions of times."""
        return {(name, str(level)): self._weight(name, level) for name, levels in LEVELS.items() for level in levels
                if level != MISSING}

    def as_dict(self) -> dict[str, object]:
        return {"m": {k: dict(v) for k, v in self.m.items()}, "u": {k: dict(v) for k, v in self.u.items()},
                "prior": self.prior}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Parameters:
        m, u, prior = data.get("m"), data.get("u"), data.get("prior")
        if not isinstance(m, dict) or not isinstance(u, dict) or not isinstance(prior, (int, float)):
            return cls()
        return cls(m=m, u=u, prior=float(prior))


@dataclass(frozen=True)
class Reason:
    field: str
    level: str
    weight: float

    @property
    def code(self) -> str:
        return f"{self.field}:{self.level}"


@dataclass(frozen=True)
class Score:
    weight: float
    probability: float
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> str:
        """Reasons as one short string, strongest first (CSV, logs: no trait values)."""
        return ";".join(r.code for r in sorted(self.reasons, key=lambda r: -abs(r.weight)))


# Hard negatives a trait-by-trait sum misses, in the order their reasons are shown.
RULES = ("twins", "sibling", "homonyms", "parent_child")


def _any_of(column: np.ndarray, codes: type, levels: Iterable[str]) -> np.ndarray:
    return np.isin(column, [getattr(codes, level.upper()) for level in levels])


def domain_rules(c: Comparison) -> np.ndarray:
    """Which RULES pull each pair down (one column per rule); a pair sharing a trusted identifier is exempt."""
    name, first, date, sex, place, ident = (c.levels[:, i] for i in range(6))
    exempt = np.isin(ident, [ID.SAME, ID.INS_SAME]) | ~c.sexed
    names = _any_of(name, N, _NAME_MATCH)
    first_match, first_other = _any_of(first, F, _FIRST_MATCH), _any_of(first, F, _FIRST_OTHER)
    date_close = _any_of(date, D, _DATE_CLOSE)
    twins = names & date_close & first_other
    sibling = ~twins & names & (sex == SEX.DIFFERENT) & first_other
    # Homonyms born the same day: a strict trait (birth place, own NIR) tells them apart.
    homonyms = ~twins & ~sibling & names & first_match & date_close \
        & ((place == PL.DIFFERENT) | (ident == ID.DIFFERENT))
    parent_child = names & first_match & (c.years_apart >= 12) & (date != D.TYPO)
    return np.stack([twins, sibling, homonyms, parent_child], axis=1) & ~exempt[:, None]


def score_vector(vector: Vector, params: Parameters, extra: Iterable[Reason] = ()) -> Score:
    reasons = [Reason(name, level, params.weight(name, level)) for name, level in zip(FIELDS, vector, strict=True)
               if level not in NEUTRAL]
    reasons += extra
    weight = _log_odds(params.prior) + sum(r.weight for r in reasons)
    return Score(weight=round(weight, 3), probability=_probability(weight), reasons=tuple(reasons))


def linked_score(direct: Score, path: float, params: Parameters) -> Score:
    """A pair's own score with the probability of the path linking it (`clusters`) as prior instead of lambda."""
    bits = _log_odds(path) - _log_odds(params.prior)
    weight = direct.weight + bits
    return Score(weight=round(weight, 3), probability=_probability(weight),
                 reasons=(*direct.reasons, Reason("rule", "linked", bits)))


def _log_odds(probability: float) -> float:
    p = min(max(probability, _CLAMP), 1 - _CLAMP)
    return math.log2(p / (1 - p))


def _probability(weight: float) -> float:
    return 1 / (1 + 2 ** -max(min(weight, 60.0), -60.0))


def score_pairs(t: Table, ia: np.ndarray, ib: np.ndarray, params: Parameters, minimum: float = 0.0
                ) -> list[tuple[int, Score]]:
    """The pairs (ia[k], ib[k]) of rows of `t` whose probability is at least `minimum`: (k, score) for each.

    Weights are summed on arrays; a Score with its reasons is only built for the pairs kept.
    """
    c = compare_many(t, ia, ib)
    rules = domain_rules(c)
    weights = _log_odds(params.prior) + rules.sum(axis=1) * -_PENALTY
    for i, column in enumerate(params.level_weights):
        weights = weights + column[c.levels[:, i]]
    kept = np.flatnonzero(weights >= _log_odds(minimum) - 1e-6) if minimum > 0 else np.arange(len(weights))
    out = []
    for k in kept.tolist():
        extra = [Reason("rule", rule, -_PENALTY) for rule, on in zip(RULES, rules[k], strict=True) if on]
        if c.names_swapped[k]:
            extra.append(Reason("rule", "names_swapped", 0.0))
        vector = c.vector(k)
        key = (vector, tuple(extra))
        score = params._scores.get(key)
        if score is None:
            score = params._scores[key] = score_vector(vector, params, extra)
        if score.probability >= minimum:
            out.append((k, score))
    return out


def score_pair(a: Prepared | Record, b: Prepared | Record, params: Parameters) -> Score:
    table = Table.of([x.record if isinstance(x, Prepared) else x for x in (a, b)])
    return score_pairs(table, np.array([0]), np.array([1]), params)[0][1]


def _counted_rows(columns: np.ndarray) -> Iterator[tuple[tuple[int, ...], int]]:
    """Distinct rows of small non-negative integers (below 64, up to 10 columns) with their counts."""
    packed = np.zeros(len(columns), np.int64)
    for column in columns.T:  # 6 bits each: a row is one integer, fast to count
        packed = packed << 6 | column.astype(np.int64)
    values, inverse = np.unique(packed, return_inverse=True)
    inverse = inverse.reshape(-1)
    one = np.zeros(len(values), np.int64)
    one[inverse] = np.arange(len(packed))  # a row of each distinct value (equal rows: any will do)
    return zip(map(tuple, columns[one].tolist()), np.bincount(inverse, minlength=len(values)).tolist(), strict=True)


def _vector(codes: Iterable[int]) -> Vector:
    return tuple(str(LEVELS[f][code]) for f, code in zip(FIELDS, codes, strict=False))


def observations(t: Table, ia: np.ndarray, ib: np.ndarray, kinds: Sequence[str]) -> Counter[Observation]:
    """What EM sees of blocked pairs: vectors, domain-rule weight (twins stay non-matches), kinds of keys shared.

    `kinds` holds, for each pair, the letters of the trait keys it shares.
    """
    c = compare_many(t, ia, ib)
    kind_codes, kind_of = np.unique(np.asarray(kinds, dtype=object).astype(str), return_inverse=True)
    columns = np.column_stack([c.levels, domain_rules(c).sum(axis=1), kind_of.reshape(-1)])
    return Counter({(_vector(row[:7]), row[7] * -_PENALTY, str(kind_codes[row[8]])): count
                    for row, count in _counted_rows(columns)})


def random_vectors(t: Table, pairs: int, seed: int = 1) -> Counter[Vector]:
    """Comparison vectors of random pairs of distinct rows (for u)."""
    if len(t) < 2:
        return Counter()
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(t), pairs)
    ib = (ia + rng.integers(1, len(t), pairs)) % len(t)  # never the row itself
    return Counter({_vector(row): count for row, count in _counted_rows(compare_many(t, ia, ib).levels)})


def u_from_random(vectors: Counter[Vector], prior: Parameters | None = None, strength: float = 50.0
                  ) -> dict[str, dict[str, float]]:
    """u probabilities from random pairs (nearly all non-matches), smoothed towards the prior values."""
    prior = prior or Parameters()
    acc: dict[str, dict[str, float]] = {f: defaultdict(float) for f in FIELDS}
    for vector, count in vectors.items():
        for name, level in zip(FIELDS, vector, strict=True):
            if level != MISSING:
                acc[name][level] += count
    for name in FIELDS:
        for level, value in prior.u.get(name, {}).items():
            acc[name][level] += strength * value
    return _normalise(acc)


# A comparison vector, the weight of the domain rules on that pair, the kinds of trait keys it shares.
Observation = tuple[Vector, float, str]


def estimate(vectors: Counter[Observation], random_pairs: Counter[Vector] | None = None, total_pairs: int = 0,
             start: Parameters | None = None, iterations: int = 25) -> Parameters:
    """EM on the counted vectors of blocked pairs (missing levels left out).

    With random pairs, u is taken from them and stays fixed while EM fits m and
    lambda (as Splink does): fitting u on blocked pairs lets EM swap classes.
    The returned lambda is the share of true pairs among all `total_pairs`
    possible pairs, so that a blocked pair is not presumed a match for having
    been blocked (blocking keeps many more true pairs than random sampling).
    A first EM on all pairs starts one EM per kind of trait key; each trait's
    m is then the average over the kinds of keys that do not hold it.
    """
    params = start or Parameters()
    fixed_u = u_from_random(random_pairs, params) if random_pairs else None
    if fixed_u:
        params = Parameters(m=params.m, u=fixed_u, prior=params.prior)
    patterns = list(vectors.items())
    if not patterns:
        return params
    merged: Counter[tuple[Vector, float]] = Counter()
    sessions: dict[str, Counter[tuple[Vector, float]]] = {kind: Counter() for kind in KEY_TRAITS}
    for (vector, rules, kinds), count in patterns:
        merged[vector, rules] += count
        for kind in kinds:
            held = KEY_TRAITS[kind]
            sessions[kind][tuple(MISSING if f in held else lv for f, lv in zip(FIELDS, vector, strict=True)),
                           rules] += count
    params = _em(merged, params, fixed_u, iterations)
    # Blocked pairs agree on their key's traits whatever they are (a family shares its name): each trait's
    # m is learned again from the pairs that shared a key without it, as in Splink's training sessions,
    # weighted by their number of matches.
    sums: dict[str, dict[str, float]] = {f: defaultdict(float) for f in FIELDS}
    mass: dict[str, float] = defaultdict(float)
    for kind, session in sessions.items():
        if not session:
            continue
        fitted = _em(session, params, fixed_u, iterations)
        for i, name in enumerate(FIELDS):
            if name not in KEY_TRAITS[kind]:
                matches = fitted.prior * sum(c for (v, _), c in session.items() if v[i] not in NEUTRAL)
                mass[name] += matches
                for level, value in fitted.m[name].items():
                    sums[name][level] += matches * value
    m = {name: {lv: x / mass[name] for lv, x in sums[name].items()} if mass[name] else dict(params.m[name])
         for name in FIELDS}
    u = params.u
    if fixed_u and total_pairs > merged.total():
        # Random pairs hold matches too (their share is lambda): taken out, u is that of non-matches.
        share = params.prior * merged.total() / total_pairs
        u = _normalise({f: {lv: max(x - share * m[f].get(lv, 0.0), 0.0) for lv, x in u[f].items()} for f in FIELDS})
    # lambda again with these m: the share of matches among blocked pairs, then among all pairs.
    params = _em(merged, Parameters(m=m, u=u, prior=params.prior), u if fixed_u else None, iterations, fit_m=False)
    prior = params.prior * merged.total() / total_pairs if total_pairs > merged.total() else params.prior
    return Parameters(m=m, u=params.u, prior=prior)


def _em(patterns: Counter[tuple[Vector, float]], params: Parameters, fixed_u: Mapping[str, Mapping[str, float]] | None,
        iterations: int, fit_m: bool = True) -> Parameters:
    """EM iterations on counted vectors: m (unless fixed), u (unless fixed) and the share of matches."""
    for _ in range(iterations):
        m_acc: dict[str, dict[str, float]] = {f: defaultdict(float) for f in FIELDS}
        u_acc: dict[str, dict[str, float]] = {f: defaultdict(float) for f in FIELDS}
        total_match = 0.0
        total = 0
        for (vector, rules), count in patterns.items():
            p = score_vector(vector, params, [Reason("rule", "", rules)] if rules else ()).probability
            total_match += p * count
            total += count
            for name, level in zip(FIELDS, vector, strict=True):
                if level not in NEUTRAL:
                    m_acc[name][level] += p * count
                    u_acc[name][level] += (1 - p) * count
        params = Parameters(m=_normalise(m_acc) if fit_m else params.m, u=fixed_u or _normalise(u_acc),
                            prior=total_match / total if total else params.prior)
    return params


def _normalise(acc: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, counts in acc.items():
        levels = [lv for lv in LEVELS[name] if lv != MISSING]
        total = sum(counts.values()) + _CLAMP * len(levels)
        out[name] = {lv: (counts.get(lv, 0.0) + _CLAMP) / total for lv in levels}
    return out
