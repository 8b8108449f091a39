"""Abandonment over sliding windows: the figure a regulator's cap is written against."""

from __future__ import annotations

from collections.abc import Sequence

MIN_WINDOW_LIVE = 20


def worst_window_rate(
    times: Sequence[float], lost: Sequence[bool], window_s: float, min_live: int = MIN_WINDOW_LIVE
) -> float:
    """The highest lost / total over every window [s, s + window_s) holding >= min_live times.

    `times` sorted. A window holds a run i..j of them; the runs some window holds exactly are
    those with t[j] − t[i] < window_s and t[j+1] − t[i−1] > window_s (it cannot reach both
    neighbours), not splitting equal times. For each i the ends j lie between two pointers that
    only move forward, and the ranges they leave sum to O(n) over all i, so this is linear.
    """
    n = len(times)
    prefix = [0] * (n + 1)
    for k, flag in enumerate(lost):
        prefix[k + 1] = prefix[k] + (1 if flag else 0)
    best, lo, hi = 0.0, 0, 0  # ends (exclusive) run over [max(lo, i + min_live), hi]
    for i in range(n):
        while hi < n and times[hi] < times[i] + window_s:
            hi += 1
        if i > 0:
            if times[i] == times[i - 1]:  # no window splits equal times
                continue
            while lo < n and times[lo] <= times[i - 1] + window_s:
                lo += 1
        for end in range(max(lo, i + min_live), hi + 1):
            if end == n or times[end] != times[end - 1]:
                best = max(best, (prefix[end] - prefix[i]) / (end - i))
    return best
