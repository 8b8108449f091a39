"""Dealing ranked items into bins with budgets, so every bin gets a fair share of the top.

Bins are owners (or groups of them) and budgets their capacities in accounts; items are units
in ranking order (highest value first) with their weights. Stride dealing: bin b owns the
points (k + ½) / budget[b] of [0, 1); merged, those points give the order in which bins take
the next account, so each bin's share of every stretch of the ranking is proportional to its
budget and expected value per capacity comes out even. A unit heavier than one account may
overrun its bin's budget: the last such units go to a second pass over what is left, then to
first-fit. No bin ever takes more than its budget.
"""

from __future__ import annotations

import numpy as np

from arrears.assignment.problem import NONE

_PASSES = 3


def deal(weight: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """A bin per item (NONE where it did not fit), items taken in the given order."""
    weight = np.asarray(weight, dtype=np.int64)
    left = np.minimum(np.asarray(budget, dtype=np.int64), int(weight.sum()))
    out = np.full(weight.size, NONE, dtype=np.int64)
    todo = np.arange(weight.size)
    for _ in range(_PASSES):
        if todo.size == 0 or left.sum() == 0:
            return out
        got = _stride(weight[todo], left)
        placed = got != NONE
        out[todo[placed]] = got[placed]
        left = left - np.bincount(got[placed], weights=weight[todo[placed]], minlength=left.size)
        left = left.astype(np.int64)
        if not placed.any():
            break
        todo = todo[~placed]
    for i in todo:  # the few heavy units left: first fit into the roomiest bin
        b = int(np.argmax(left)) if left.size else NONE
        if b != NONE and left[b] >= weight[i]:
            out[i] = b
            left[b] -= weight[i]
    return out


def _stride(weight: np.ndarray, budget: np.ndarray) -> np.ndarray:
    total = int(budget.sum())
    bins = np.repeat(np.arange(budget.size), budget)
    rank = np.arange(total) - np.repeat(np.cumsum(budget) - budget, budget)
    point = (rank + 0.5) / np.repeat(np.maximum(budget, 1), budget)
    slot_bin = bins[np.lexsort((bins, point))]
    start = np.cumsum(weight) - weight
    got = np.where(start < total, slot_bin[np.minimum(start, max(total - 1, 0))], NONE)
    if total == 0:
        return np.full(weight.size, NONE, dtype=np.int64)
    # Keep, in each bin, the items that fit its budget in order; the rest go round again.
    order = np.lexsort((np.arange(got.size), got))
    sorted_bin = got[order]
    cum = np.cumsum(weight[order])
    first = np.r_[True, sorted_bin[1:] != sorted_bin[:-1]]
    base = np.maximum.accumulate(np.where(first, cum - weight[order], 0))
    fits = (sorted_bin != NONE) & (
        cum - base <= budget[np.clip(sorted_bin, 0, max(budget.size - 1, 0))]
    )
    out = np.full(weight.size, NONE, dtype=np.int64)
    out[order[fits]] = sorted_bin[fits]
    return out
