"""Common random numbers: both arms of a comparison see the same luck.

Champion and challenger run on the same simulated customers. So that a difference between them
comes from the strategies and not from the dice, every random draw is keyed:

- `stream(seed, day, purpose)` is a fresh `numpy.random.Generator` for one stage of one day, so a
  stage's first draw over all accounts is the same in both arms whatever happened before (with
  extra keys, one of several generators of the stage: each dialer floor of the day has one);
- `uniform(seed, day, purpose, key)` gives one number in [0, 1) per key (an account, a contact
  point, an attempt's point and hour) from a counter-based hash (SplitMix64), so the same call
  to the same number at the same hour is answered, or not, in both arms alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PURPOSES: tuple[str, ...] = (
    "fall_due",
    "age",
    "payments",
    "promises",
    "answer",
    "outcome",
    "minute",
    "complaint",
    "reply",
    "bootstrap",
    "dialer",
)  # new purposes go last: a purpose's key is its place in this tuple
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _purpose(purpose: str) -> int:
    return PURPOSES.index(purpose) + 1


def stream(seed: int, day: int, purpose: str, *keys: int) -> np.random.Generator:
    """A generator for one stage of one day (`keys`: one of several of that stage's, e.g. a
    dialer floor of the day)."""
    return np.random.default_rng([seed, day + 1_000_000, _purpose(purpose), *keys])


def _mix(z: Any) -> Any:
    """SplitMix64's finaliser, on a uint64 scalar or array (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def uniform(seed: int, day: int, purpose: str, *keys: np.ndarray) -> np.ndarray:
    """One uniform in [0, 1) per row of the keys (non-negative integers), the same for the
    same (seed, day, purpose, keys) in any run."""
    with np.errstate(over="ignore"):
        z = _mix(
            np.uint64(seed) * _GOLDEN
            + np.uint64(day + 1_000_000) * _M1
            + np.uint64(_purpose(purpose))
        )
        h = np.full(np.shape(keys[0]), z, dtype=np.uint64)
        for key in keys:
            h = _mix(h ^ (np.asarray(key).astype(np.uint64) + _GOLDEN))
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
