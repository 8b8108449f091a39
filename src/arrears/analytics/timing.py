"""`arrears suggest-timing`: when each segment's collection should start, from its knee.

For each segment the natural curve is read from its holdout arm when the strategy has one,
else from the uncontacted estimate (`curves.py`); when neither has enough episodes at risk,
from the observed curve of all its arms, and the suggestion says so. The suggested
`from_dpd` for the segment's `assign:` step is the knee itself: the last day of strong natural
cure, just before the curve turns down (the brief: start collecting just before it).

The suggestions are a JSON document (`docs/analytics.md`); `from_dpd_for` reads one back for
the assignment trigger.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from arrears.analytics.curves import DEFAULT_HORIZON, ESTIMATE, NATURAL, OBSERVED, labelled_episodes
from arrears.analytics.episodes import Episodes, episodes_of
from arrears.analytics.inputs import Inputs, account_groups, holdout_cells
from arrears.analytics.knee import DEFAULT_HOLD, DEFAULT_LEVEL, DEFAULT_WIDTH, Knee, detect_knee
from arrears.strategy.model import Bucket

KIND = "arrears.timing-suggestions"
FORMAT_VERSION = 1


def _bucket_name(dpd: int | None, buckets: Sequence[Bucket]) -> str | None:
    if dpd is None:
        return None
    return next((b.name for b in buckets if b.contains(dpd)), None)


def _knee(frame: pl.DataFrame, rng: np.random.Generator, **options: Any) -> Knee:
    return detect_knee(
        frame.get_column("first_dpd").to_numpy(),
        frame.get_column("last_dpd").to_numpy(),
        frame.get_column("cured").to_numpy(),
        rng=rng,
        **options,
    )


def segment_knees(
    episodes: Episodes,
    groups: pl.DataFrame,
    holdout: Collection[tuple[str, str]] = (),
    *,
    share: float = 0.5,
    rng: np.random.Generator,
    horizon: int = DEFAULT_HORIZON,
    resamples: int = 200,
    min_at_risk: int = 30,
) -> list[dict[str, Any]]:
    """One record per segment: the basis used, the knee and its band, the episodes."""
    frame, _ = labelled_episodes(episodes, groups, holdout)
    options = {
        "share": share,
        "horizon": horizon,
        "resamples": resamples,
        "min_at_risk": min_at_risk,
    }
    records = []
    for segment in sorted(frame.get_column("segment").unique().to_list()):
        own = frame.filter(pl.col("segment") == segment)
        knee: Knee | None = None
        basis = None
        for label in (NATURAL, ESTIMATE, OBSERVED):
            rows = own.filter(pl.col("label") == label)
            if rows.height == 0:
                continue
            knee, basis = _knee(rows, rng, **options), label
            if knee.horizon >= 2:
                break
        if knee is None or basis is None:
            continue
        used = own.filter(pl.col("label") == basis)
        contacted = (
            pl.col("first_contact_dpd").is_not_null()
            & (pl.col("first_contact_dpd") <= pl.col("last_dpd"))
        ).mean()
        records.append(
            {
                "segment": segment,
                "basis": basis,
                "arms": sorted(used.get_column("arm").unique().to_list()),
                "cured": int(used.get_column("cured").sum()),
                "contacted_share": round(float(used.select(contacted).item() or 0.0), 4),
                "knee": knee,
            }
        )
    return records


NOTES = {
    NATURAL: "natural curve of the holdout arm",
    ESTIMATE: "natural curve estimated from episodes not yet contacted (no holdout arm)",
    OBSERVED: "too few uncontacted episodes: the curve of worked accounts, cure with "
    "collection; read with care",
}


def suggestions(
    records: Sequence[Mapping[str, Any]],
    buckets: Sequence[Bucket],
    *,
    as_of: str,
    source: str,
    segments_from: str,
    share: float,
    seed: int,
    data: str,
) -> dict[str, Any]:
    """The suggestions document (`docs/analytics.md`)."""
    items = []
    for r in records:
        knee: Knee = r["knee"]
        from_dpd = None if knee.dpd is None else max(1, knee.dpd)
        items.append(
            {
                "segment": r["segment"],
                "basis": r["basis"],
                "arms": r["arms"],
                "bucket": _bucket_name(from_dpd, buckets),
                **knee.as_dict(),
                "cured": r["cured"],
                "contacted_share": r["contacted_share"],
                "from_dpd": from_dpd,
                "assign": {"from_dpd": from_dpd} if from_dpd is not None else None,
                "note": NOTES[r["basis"]]
                + ("" if knee.dpd is not None else "; no knee within the readable days"),
            }
        )
    return {
        "kind": KIND,
        "version": FORMAT_VERSION,
        "data": data,
        "as_of": as_of,
        "source": source,
        "segments_from": segments_from,
        "method": {
            "rate": "daily cure rate (share of the cohort curing that day), "
            f"smoothed over {DEFAULT_WIDTH} days",
            "share_of_peak": share,
            "hold_days": DEFAULT_HOLD,
            "band": f"bootstrap central {DEFAULT_LEVEL:.0%} of the knee",
            "seed": seed,
        },
        "suggestions": items,
    }


def load_suggestions(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(path).read_text())
    if doc.get("kind") != KIND:
        raise ValueError(f"{path}: not a timing-suggestions file (kind {doc.get('kind')!r})")
    return doc


def from_dpd_for(doc: Mapping[str, Any], segment: str) -> int | None:
    """The suggested `assign.from_dpd` of a segment, or None (no suggestion or no knee):
    what an assignment trigger reads instead of a hand-set day."""
    for item in doc.get("suggestions", []):
        if item.get("segment") == segment:
            value = item.get("from_dpd")
            return int(value) if value is not None else None
    return None


def suggest_timing(
    inputs: Inputs, data: Path, *, share: float, seed: int, resamples: int = 200
) -> dict[str, Any]:
    """The suggestions document of an input folder (and its runs)."""
    episodes = episodes_of(
        inputs.tables["accounts"],
        inputs.table("payments"),
        inputs.table("attempts"),
        inputs.as_of,
        inputs.snapshots,
    )
    groups, segments_from = account_groups(inputs)
    records = segment_knees(
        episodes,
        groups,
        holdout_cells(inputs),
        share=share,
        rng=np.random.default_rng(seed),
        resamples=resamples,
    )
    return suggestions(
        records,
        inputs.buckets,
        as_of=inputs.as_of.isoformat(),
        source=episodes.source,
        segments_from=segments_from,
        share=share,
        seed=seed,
        data=str(data),
    )
