"""Champion/challenger arms by a stable hash of the account id.

An account's arm depends on nothing but the experiment's salt, its own id and the weights:
not on which other accounts are in today's file, not on the run date, not on the Polars
release. That is what makes day-over-day comparisons between arms meaningful.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import accumulate

import polars as pl

from arrears.hashing import fnv1a64
from arrears.strategy.model import CHAMPION, Experiment

SLOTS = 10_000
"""Hash slots an experiment splits; weights are scaled to these, so shares are exact to 0.01%."""


def arm_thresholds(experiment: Experiment) -> list[int]:
    """Upper slot (exclusive) of each arm: arm k takes slots [t(k-1), t(k))."""
    weights = [Fraction(str(arm.weight)) for arm in experiment.arms]
    if any(w <= 0 for w in weights):
        raise ValueError(f"experiment '{experiment.id}': arm weights must be positive")
    total = sum(weights, Fraction(0))
    return [int(c * SLOTS / total) for c in accumulate(weights)]


def assign_arms(account_ids: pl.Series, experiment: Experiment | None) -> pl.Series:
    """The arm of each account (String, named `arm`); a null id gets a null arm."""
    if experiment is None:
        arms = pl.repeat(CHAMPION, len(account_ids), eager=True, dtype=pl.String)
        return arms.alias("arm")
    ids = account_ids.cast(pl.String)
    keys = (experiment.salt + ":" + ids).alias("key")
    slot = fnv1a64(keys) % SLOTS
    thresholds = pl.Series(arm_thresholds(experiment), dtype=pl.UInt64)
    index = thresholds.search_sorted(slot, side="right")
    names = pl.Series([arm.id for arm in experiment.arms], dtype=pl.String)
    arms = names.gather(index)
    return arms.set(ids.is_null(), None).alias("arm") if ids.null_count() else arms.alias("arm")
