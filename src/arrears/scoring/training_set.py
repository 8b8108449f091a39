"""Training frames: the planner's own features as of each snapshot date, beside a label.

For every snapshot date the tables are cut to what a lender's extract of 00:00 UTC that day
would have held — attempts, payments and promises before it, promise statuses derived again
from those payments (a stored status would tell the future), refusals not yet made removed —
and `arrears.planning.features.account_features` computes the features exactly as the daily
planner does, so a model sees in training what it will see in production. The label comes from
`arrears.scoring.labels`, over the window after the snapshot; only the label column joins the
frame (the label's details, such as the amount paid, are the future and never features).

One row per (account, as_of) with a label. Columns: `KEYS`, then the features present (see
`FEATURES`; plus any extra account columns of the snapshots, such as scores), then the label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from arrears.compliance.ledger import ledger_of
from arrears.compliance.presets import Reachability
from arrears.contract.tables import TABLES
from arrears.planning.features import account_features, contact_features, history, run_start
from arrears.scoring.labels import (
    Labels,
    pay_label,
    roll_label,
    self_cure_label,
)
from arrears.strategy.model import DEFAULT_BUCKETS, Bucket, Strategy
from arrears.strategy.plan_exprs import bucket_expr

TARGETS: tuple[str, ...] = ("pay", "roll", "self_cure")
"""Targets with one row per (account, as_of); contactability is per call (`labels`)."""
KEYS: tuple[str, ...] = ("account_id", "customer_id", "as_of")
FEATURES: tuple[str, ...] = (
    # the account as the snapshot has it
    "product",
    "currency",
    "status",
    "overdue_amount",
    "outstanding_balance",
    # derived by the planner (arrears.planning.derived.DERIVED) at 00:00 UTC of as_of
    "dpd",
    "bucket",
    "days_to_due",
    "attempts_1d",
    "attempts_7d",
    "attempts_30d",
    "calls_7d",
    "rpc_7d",
    "rpc_30d",
    "days_since_rpc",
    "days_since_attempt",
    "has_open_promise",
    "promise_due_in",
    "promise_amount",
    "broken_promises_30d",
    "paid_since_due",
    "paid_30d",
    "debtor_unreachable",
    "customer_status",
    # the customer
    "customer_country",
    "customer_region",
    "customer_timezone",
    "language",
)
"""The feature columns, in order, when present. Dates and timestamps (due dates, last
attempt) are left out: they encode the calendar, not the account; their day counts are in."""


@dataclass(frozen=True)
class TrainingSet:
    frame: pl.DataFrame
    label: str
    features: tuple[str, ...]
    dropped: Mapping[str, int] = field(default_factory=dict)
    """Snapshot rows left unlabelled, by reason (see `arrears.scoring.labels`)."""


def known_at(tables: Mapping[str, pl.DataFrame], run_date: date) -> dict[str, pl.DataFrame]:
    """The tables as an extract taken at 00:00 UTC of `run_date` would have held them."""
    start = run_start(run_date)
    cut = dict(tables)
    if "attempts" in cut:
        cut["attempts"] = cut["attempts"].filter(pl.col("at") < start)
    if "payments" in cut:
        cut["payments"] = cut["payments"].filter(pl.col("paid_at") < start)
    if "promises" in cut:
        cut["promises"] = (
            cut["promises"]
            .filter(pl.col("made_at") < start)
            .with_columns(pl.lit(None, dtype=pl.String).alias("status"))
        )
    if "contacts" in cut and "refused_at" in cut["contacts"].columns:
        refused = pl.col("refused_at")
        cut["contacts"] = cut["contacts"].with_columns(
            pl.when(refused < start).then(refused).otherwise(None).alias("refused_at")
        )
    return cut


def features_at(
    tables: Mapping[str, pl.DataFrame],
    accounts: pl.DataFrame,
    run_date: date,
    *,
    reach: Reachability | None = None,
    buckets: Sequence[Bucket] | None = None,
) -> pl.DataFrame:
    """Every row of `accounts` (the accounts as of `run_date`) with the planner's features
    of `run_date` and its bucket, from `tables` cut to what was known then."""
    known = known_at(tables, run_date)
    reach = reach or Reachability()
    attempts = known.get("attempts")
    contacts = known["contacts"]
    start = run_start(run_date)
    ledger = ledger_of(attempts, contacts, pl.col("at") >= start - timedelta(days=reach.days + 2))
    points = contact_features(history(attempts, run_date), run_date).collect()
    feats = account_features(
        accounts,
        known["customers"],
        contacts,
        attempts,
        known.get("payments"),
        known.get("promises"),
        run_date,
        reach,
        points,
        ledger,
    ).collect()
    chosen = tuple(buckets) if buckets is not None else DEFAULT_BUCKETS
    holder = Strategy(name="features", version=0, jurisdiction=(), buckets=chosen, segments=())
    return feats.with_columns(bucket_expr(holder))


def _labels(
    target: str,
    tables: Mapping[str, pl.DataFrame],
    snapshots: pl.DataFrame,
    within_days: int,
    share: float,
    buckets: Sequence[Bucket] | None,
    data_end: date | None,
    outcomes: Sequence[str] | None,
) -> Labels:
    if target == "pay":
        return pay_label(
            snapshots, tables.get("payments"), within_days=within_days, share=share,
            data_end=data_end,
        )  # fmt: skip
    if target == "roll":
        return roll_label(snapshots, within_days=within_days, buckets=buckets, data_end=data_end)
    if target == "self_cure":
        return self_cure_label(
            snapshots, tables.get("payments"), tables.get("attempts"), within_days=within_days,
            share=share, data_end=data_end, outcomes=outcomes,
        )  # fmt: skip
    raise ValueError(
        f"target must be one of {', '.join(TARGETS)}, not {target!r} "
        "(contactability is labelled per call: arrears.scoring.labels.contactability_label)"
    )


def training_frame(
    tables: Mapping[str, pl.DataFrame],
    snapshots: pl.DataFrame,
    target: str,
    *,
    within_days: int = 30,
    share: float = 1.0,
    buckets: Sequence[Bucket] | None = None,
    reach: Reachability | None = None,
    data_end: date | None = None,
    outcomes: Sequence[str] | None = None,
) -> TrainingSet:
    """One row per labelled (account, as_of): `KEYS`, the features, the `target` column.

    `tables` are the contract tables (customers, contacts, attempts, payments, promises);
    `snapshots` the `account_snapshots` history. `within_days`, `share`, `buckets`,
    `data_end` and `outcomes` are passed to the label (`arrears.scoring.labels`); `reach` is
    the reachability rule of the `debtor_unreachable` feature (the compliance default when
    None). The features of each date are computed once for all its accounts.
    """
    labels = _labels(target, tables, snapshots, within_days, share, buckets, data_end, outcomes)
    own = {c.name for c in TABLES["accounts"].columns} | {"as_of"}
    extra = [c for c in snapshots.columns if c not in own]
    wanted = labels.frame.select("account_id", "as_of", labels.label)
    parts: list[pl.DataFrame] = []
    for day in wanted.get_column("as_of").unique().sort():
        accounts = snapshots.filter(pl.col("as_of") == day).drop("as_of")
        feats = features_at(tables, accounts, day, reach=reach, buckets=buckets)
        rows = wanted.filter(pl.col("as_of") == day).drop("as_of")
        joined = feats.join(rows, on="account_id", how="inner", maintain_order="left")
        parts.append(joined.with_columns(pl.lit(day).alias("as_of")))
    present = [c for c in FEATURES if parts and c in parts[0].columns] + extra
    columns = [*KEYS, *present, labels.label]
    if not parts:
        frame = pl.DataFrame(schema={c: pl.Null for c in columns})
    else:
        frame = pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")
    return TrainingSet(frame.sort("as_of", "account_id"), labels.label, tuple(present),
                       labels.dropped)  # fmt: skip
