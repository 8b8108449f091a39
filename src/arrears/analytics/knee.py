"""The knee of a natural-cure curve: the dpd after which natural cure fades.

The brief: watch how a group repays with no collection at all, find where that natural
repayment curve turns down, and start collecting just before it. The curve's step on each
day (the daily cure rate: the share of the cohort that cures that day) is smoothed with a
centred moving average of `width` days to find its peak (the maximum of a noisy series
overshoots; of a smoothed one much less). The knee is the last dpd before the daily rate
itself falls below `share` × that peak and stays below for `hold` days (reading the crossing
on the unsmoothed rate keeps a sharp fall where it is). Before the knee, most accounts that
will cure on their own still do; after it, waiting buys little.

The band comes from the bootstrap: episodes are resampled with replacement (multinomial
weights over the distinct (first dpd, last dpd, cured) triples, so the cost does not grow with
the number of accounts) and the knee recomputed; the band is the central `level` of the
resampled knees. The generator is passed in: the same seed gives the same band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_KNEE = -1
DEFAULT_WIDTH = 3  # days of the centred moving average
DEFAULT_HOLD = 2  # days the smoothed rate must stay below share × peak
DEFAULT_LEVEL = 0.9  # central share of the bootstrap knees in the band


@dataclass(frozen=True)
class Knee:
    dpd: int | None  # None when the rate never falls below share × peak within the horizon
    low: int | None
    high: int | None
    peak_dpd: int | None
    peak_rate: float
    share: float
    found: float  # share of the resamples in which a knee was found
    resamples: int
    horizon: int  # the last dpd with enough episodes at risk to be read
    episodes: int

    def covers(self, dpd: int) -> bool:
        return self.low is not None and self.high is not None and self.low <= dpd <= self.high

    def as_dict(self) -> dict[str, object]:
        return {
            "knee_dpd": self.dpd,
            "band": [self.low, self.high],
            "peak_dpd": self.peak_dpd,
            "peak_rate": round(self.peak_rate, 6),
            "share_of_peak": self.share,
            "found_share": round(self.found, 4),
            "resamples": self.resamples,
            "horizon": self.horizon,
            "episodes": self.episodes,
        }


def smooth(rate: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along the last axis; the edges average what they have."""
    if width <= 1:
        return np.asarray(rate, dtype=np.float64)
    rate = np.atleast_2d(np.asarray(rate, dtype=np.float64))
    half = width // 2
    pad = np.pad(rate, ((0, 0), (half, width - 1 - half)))
    ones = np.pad(np.ones(rate.shape[1]), (half, width - 1 - half))
    csum = np.cumsum(np.pad(pad, ((0, 0), (1, 0))), axis=1)
    cnt = np.cumsum(np.pad(ones, (1, 0)))
    out: np.ndarray = (csum[:, width:] - csum[:, :-width]) / (cnt[width:] - cnt[:-width])
    return out


def knee_index(
    rate: np.ndarray, share: float, hold: int = DEFAULT_HOLD, width: int = DEFAULT_WIDTH
) -> np.ndarray:
    """Per row of `rate` (rows × days), the index of the knee day, or NO_KNEE.

    Vectorised over rows: the bootstrap's resamples are rows.
    """
    raw = np.atleast_2d(np.asarray(rate, dtype=np.float64))
    r = smooth(raw, width)
    rows, days = r.shape
    if days == 0:
        return np.full(rows, NO_KNEE)
    peak = np.argmax(r, axis=1)
    top = r[np.arange(rows), peak]
    below = raw < (share * top)[:, None]
    # A run of `hold` days below, counting the days past the horizon as below (the last
    # readable days may be the start of the fall).
    padded = np.pad(below, ((0, 0), (0, hold - 1)), constant_values=True)
    csum = np.cumsum(np.pad(padded, ((0, 0), (1, 0))).astype(np.int64), axis=1)
    run = (csum[:, hold : hold + days] - csum[:, :days]) == hold
    after = np.arange(days)[None, :] > peak[:, None]
    start = run & after & below & (top > 0)[:, None]
    found = start.any(axis=1)
    first = np.argmax(start, axis=1)
    return np.where(found, first - 1, NO_KNEE)


def knee_of(
    rate: np.ndarray, share: float, hold: int = DEFAULT_HOLD, width: int = DEFAULT_WIDTH
) -> int | None:
    """The knee dpd of one daily-rate series whose first value is dpd 1."""
    idx = int(knee_index(np.asarray(rate)[None, :], share, hold, width)[0])
    return None if idx == NO_KNEE else idx + 1


def daily_rates(
    first: np.ndarray, last: np.ndarray, cured: np.ndarray, weights: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Daily cure rate (step of the cumulative cure share) and episodes at risk for dpd
    1..horizon, for each row of `weights` (rows × distinct episodes)."""
    days = np.arange(1, horizon + 1)
    at_risk_m = ((first[:, None] <= days) & (days <= last[:, None])).astype(np.float64)
    cures_m = (cured[:, None] & (last[:, None] == days)).astype(np.float64)
    at_risk = weights @ at_risk_m
    cures = weights @ cures_m
    hazard = np.divide(cures, at_risk, out=np.zeros_like(cures), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard, axis=1)
    before = np.pad(survival[:, :-1], ((0, 0), (1, 0)), constant_values=1.0)
    return before - survival, at_risk


def detect_knee(
    first: np.ndarray,
    last: np.ndarray,
    cured: np.ndarray,
    *,
    rng: np.random.Generator,
    share: float = 0.5,
    horizon: int = 60,
    resamples: int = 200,
    level: float = DEFAULT_LEVEL,
    hold: int = DEFAULT_HOLD,
    width: int = DEFAULT_WIDTH,
    min_at_risk: int = 30,
) -> Knee:
    """The knee of the cure curve of these episodes (first / last dpd at risk, cured) and its
    bootstrap band. Only the leading days with at least `min_at_risk` episodes at risk are
    read."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must be between 0 and 1 (exclusive), not {share}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (exclusive), not {level}")
    first = np.asarray(first, dtype=np.int64)
    last = np.asarray(last, dtype=np.int64)
    cured = np.asarray(cured, dtype=bool)
    keep = (first <= horizon) & (last >= first)
    cured = cured[keep] & (last[keep] <= horizon)
    first, last = first[keep], np.minimum(last[keep], horizon)
    n = int(first.size)
    empty = Knee(None, None, None, None, 0.0, share, 0.0, 0, 0, n)
    if n == 0:
        return empty
    triples, counts = np.unique(
        np.stack([first, last, cured.astype(np.int64)], axis=1), axis=0, return_counts=True
    )
    f, la, c = triples[:, 0], triples[:, 1], triples[:, 2].astype(bool)
    rate, at_risk = daily_rates(f, la, c, counts[None, :].astype(np.float64), horizon)
    short = np.flatnonzero(at_risk[0] < min_at_risk)
    readable = int(short[0]) if short.size else horizon
    if readable < 2:
        return Knee(None, None, None, None, 0.0, share, 0.0, 0, readable, n)
    point = rate[:, :readable]
    smoothed = smooth(point, width)[0]
    peak = int(np.argmax(smoothed))
    knee = int(knee_index(point, share, hold, width)[0])

    boot = rng.multinomial(n, counts / n, size=resamples).astype(np.float64)
    boot_rate, _ = daily_rates(f, la, c, boot, readable)
    knees = knee_index(boot_rate, share, hold, width)
    hit = knees[knees != NO_KNEE] + 1
    tail = (1.0 - level) / 2.0
    low = int(np.quantile(hit, tail, method="lower")) if hit.size else None
    high = int(np.quantile(hit, 1.0 - tail, method="higher")) if hit.size else None
    return Knee(
        dpd=None if knee == NO_KNEE else knee + 1,
        low=low,
        high=high,
        peak_dpd=peak + 1,
        peak_rate=float(smoothed[peak]),
        share=share,
        found=float(hit.size / resamples) if resamples else 0.0,
        resamples=resamples,
        horizon=readable,
        episodes=n,
    )
