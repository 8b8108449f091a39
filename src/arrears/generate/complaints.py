"""Complaints about the collection of held cases, more often where pressure is higher.

Each held case draws a complaint with a rate by owner: agents and the robot rarely, outside
agencies (委外) more, the first agency most — so the agency performance table has something to
tell. A complaint arrives between the case's assignment and the portfolio date, about the
channel its owner works.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from arrears.generate._common import US_PER_DAY, gather, ids, to_contract

RATES: dict[str, float] = {"agent": 0.006, "team": 0.002, "agency": 0.012}
AGENCY_EXTRA: dict[str, float] = {"agency_alpha": 0.012}  # added to the agency rate
CATEGORIES = ("frequency", "tone", "third_party", "hours", "amount_dispute")


def generate_complaints(
    rng: np.random.Generator, cases: pl.DataFrame, as_of_day: int
) -> pl.DataFrame:
    kind = cases.get_column("owner_kind").to_numpy()
    owner = cases.get_column("owner_id")
    rate = np.select([kind == k for k in RATES], list(RATES.values()), 0.0)
    for agency, extra in AGENCY_EXTRA.items():
        rate = rate + np.where(owner.to_numpy() == agency, extra, 0.0)
    hit = np.flatnonzero(rng.random(cases.height) < rate)
    start = cases.get_column("assigned_at").dt.epoch("us").to_numpy()[hit]
    end = np.int64(as_of_day) * US_PER_DAY
    at = start + (rng.random(hit.size) * np.maximum(end - start, 1)).astype(np.int64)
    channel = np.where(kind[hit] == "team", 2, np.where(kind[hit] == "agency", 3, 1))
    return to_contract(
        "complaints",
        {
            "complaint_id": ids("CP", hit.size, 7),
            "account_id": cases.get_column("account_id").gather(pl.Series(hit)),
            "received_at": pl.Series(at).cast(pl.Datetime("us", "UTC")),
            "owner_id": owner.gather(pl.Series(hit)),
            "channel": gather(("sms", "human_call", "robot_call", "human_call"), channel),
            "category": gather(CATEGORIES, rng.integers(0, len(CATEGORIES), hit.size)),
        },
    )
