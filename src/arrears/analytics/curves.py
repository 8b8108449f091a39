"""Natural-cure and recovery curves: the cumulative share of accounts cured and of the amount
repaid, by days past due, per segment and arm.

Each curve is a life table over delinquency episodes (`episodes.py`): on each dpd, the
episodes at risk, the cures among them and the payments they made. The daily cure rate
(hazard) is cures / at risk; the cumulative cure share is 1 − Π(1 − hazard), which stays
right when episodes enter late (left truncation) or are still open (censoring). The amount
curve is the same with money: the share of the outstanding amount of the episodes at risk
repaid that day, compounded.

Labels say what a curve measures:

- `natural`: a holdout arm of the strategy (an arm with no contact step in a segment that has
  steps in other arms): the cure of accounts nobody contacts, measured.
- `observed`: an arm that was worked; its curve is cure *with* collection.
- `uncontacted-estimate`: for a segment without a holdout arm, the natural curve estimated
  from episodes before their first contact: each episode counts until the day before it was
  first contacted, then leaves the risk set. It assumes the accounts contacted early are not
  the ones that would have cured anyway (the strategy picks them by dpd, mostly); only
  episodes whose first days the attempts ledger covers count.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import polars as pl

from arrears.analytics.episodes import Episodes
from arrears.analytics.inputs import ALL_ARMS

Label = Literal["natural", "observed", "uncontacted-estimate"]
NATURAL: Label = "natural"
OBSERVED: Label = "observed"
ESTIMATE: Label = "uncontacted-estimate"
CURVE_KEYS: tuple[str, ...] = ("segment", "arm", "label")
DEFAULT_HORIZON = 60


def before_contact(
    frame: pl.DataFrame, payments: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Episodes as they stood while not yet contacted: those whose first days the attempts
    ledger covers, cut the day before their first contact (a cure on the contact day counts
    as contacted)."""
    contact = pl.col("first_contact_dpd")
    cut = (
        frame.filter(pl.col("contact_known"))
        .with_columns(
            pl.when(contact.is_null())
            .then(pl.col("last_dpd"))
            .otherwise(pl.min_horizontal(pl.col("last_dpd"), contact - 1))
            .alias("_last")
        )
        .with_columns(
            (pl.col("cured") & (pl.col("_last") == pl.col("last_dpd"))).alias("cured"),
            pl.col("_last").alias("last_dpd"),
        )
        .drop("_last")
        .filter(pl.col("last_dpd") >= pl.col("first_dpd"))
    )
    kept = payments.join(cut.select("episode", "last_dpd"), on="episode", how="inner").filter(
        pl.col("dpd") <= pl.col("last_dpd")
    )
    return cut, kept.select(payments.columns)


def labelled_episodes(
    episodes: Episodes,
    groups: pl.DataFrame,
    holdout: Collection[tuple[str, str]] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every curve's episodes with `segment, arm, label`, and their payments (by `episode`
    and the curve's keys). `groups` is `account_id, segment, arm`.

    Each (segment, arm) gets its `observed` or `natural` curve; each segment without a
    natural curve also gets an `uncontacted-estimate` over all its arms.
    """
    cells = pl.DataFrame(
        [(s, a) for s, a in holdout],
        schema={"segment": pl.String, "arm": pl.String},
        orient="row",
    ).with_columns(pl.lit(NATURAL).alias("_natural"))
    keyed = (
        episodes.frame.join(
            groups.select("account_id", "segment", "arm"), on="account_id", how="left"
        )
        .with_columns(pl.col("segment").fill_null("(none)"), pl.col("arm").fill_null(ALL_ARMS))
        .join(cells, on=["segment", "arm"], how="left")
        .with_columns(pl.col("_natural").fill_null(OBSERVED).alias("label"))
        .drop("_natural")
    )
    natural_segments = keyed.filter(pl.col("label") == NATURAL).get_column("segment").unique()
    rest = keyed.filter(~pl.col("segment").is_in(natural_segments.implode()))
    est, est_pay = before_contact(rest, episodes.payments)
    est = est.with_columns(pl.lit(ALL_ARMS).alias("arm"), pl.lit(ESTIMATE).alias("label"))
    frame = pl.concat([keyed, est], how="vertical")
    keys = list(CURVE_KEYS)
    payments = pl.concat(
        [
            episodes.payments.join(keyed.select("episode", *keys), on="episode", how="inner"),
            est_pay.join(est.select("episode", *keys), on="episode", how="inner"),
        ],
        how="vertical",
    )
    return frame, payments


def _delta(frame: pl.DataFrame, keys: list[str], at: pl.Expr, **values: pl.Expr) -> pl.DataFrame:
    return frame.group_by(*keys, at.cast(pl.Int32).alias("dpd")).agg(
        *(v.alias(name) for name, v in values.items())
    )


def life_table(
    frame: pl.DataFrame,
    payments: pl.DataFrame,
    keys: Sequence[str] = CURVE_KEYS,
    horizon: int = DEFAULT_HORIZON,
) -> pl.DataFrame:
    """One row per curve and dpd 1..horizon: `episodes` (in the curve), `at_risk`, `cures`,
    `hazard`, `cured_share` (cumulative), `daily_rate` (the share of the cohort curing that
    day: the cumulative curve's step), `outstanding` (owed by the episodes at risk, before the
    day's payments), `repaid`, `repaid_share` (cumulative share of the amount).

    Built from difference arrays (+ at an episode's first day, − after its last) summed by
    dpd: no per-episode loop.
    """
    keys = list(keys)
    ep = frame.filter(pl.col("first_dpd") <= horizon).with_columns(
        (pl.col("cured") & (pl.col("last_dpd") <= horizon)).alias("cured"),
        pl.min_horizontal(pl.col("last_dpd"), pl.lit(horizon)).alias("last_dpd"),
    )
    pay = payments.join(ep.select("episode", "last_dpd"), on="episode", how="inner").filter(
        pl.col("dpd") <= pl.col("last_dpd")
    )
    enter = pl.col("first_dpd")
    leave = pl.col("last_dpd") + 1
    parts = [
        _delta(ep, keys, enter, _n=pl.len().cast(pl.Int64), _owed=pl.col("owed").sum()),
        _delta(ep, keys, leave, _n=-pl.len().cast(pl.Int64), _owed=-pl.col("owed").sum()),
        _delta(ep.filter(pl.col("cured")), keys, pl.col("last_dpd"), cures=pl.len().cast(pl.Int64)),
        _delta(pay, keys, pl.col("dpd"), repaid=pl.col("amount").sum()),
        # A payment lowers what is outstanding from the next day until the episode leaves.
        _delta(pay, keys, pl.col("dpd") + 1, _paid=pl.col("amount").sum()),
        _delta(pay, keys, leave, _paid=-pl.col("amount").sum()),
    ]
    grid = (
        ep.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("episodes"))
        .join(
            pl.DataFrame({"dpd": pl.int_range(1, horizon + 1, eager=True).cast(pl.Int32)}),
            how="cross",
        )
    )
    deltas = (
        pl.concat(parts, how="diagonal_relaxed")
        .group_by(*keys, "dpd")
        .agg(pl.col("_n", "_owed", "_paid", "cures", "repaid").sum())
    )
    grid = grid.join(deltas, on=[*keys, "dpd"], how="left")
    over = pl.Expr.over
    grid = grid.sort(*keys, "dpd").with_columns(
        pl.col("_n", "_owed", "_paid", "cures", "repaid").fill_null(0)
    )
    grid = grid.with_columns(
        over(pl.col("_n").cum_sum(), keys).alias("at_risk"),
        (over(pl.col("_owed").cum_sum(), keys) - over(pl.col("_paid").cum_sum(), keys))
        .clip(lower_bound=0.0)
        .alias("outstanding"),
    )
    hazard = pl.when(pl.col("at_risk") > 0).then(pl.col("cures") / pl.col("at_risk")).otherwise(0.0)
    paid_rate = (
        pl.when(pl.col("outstanding") > 0)
        .then((pl.col("repaid") / pl.col("outstanding")).clip(0.0, 1.0))
        .otherwise(0.0)
    )
    grid = grid.with_columns(hazard.alias("hazard"), paid_rate.alias("_paid_rate")).with_columns(
        (1.0 - over((1.0 - pl.col("hazard")).cum_prod(), keys)).alias("cured_share"),
        (1.0 - over((1.0 - pl.col("_paid_rate")).cum_prod(), keys)).alias("repaid_share"),
    )
    grid = grid.with_columns(
        (pl.col("cured_share") - over(pl.col("cured_share").shift(1), keys).fill_null(0.0)).alias(
            "daily_rate"
        )
    )
    return grid.select(
        *keys,
        "dpd",
        "episodes",
        "at_risk",
        "cures",
        "hazard",
        "cured_share",
        "daily_rate",
        "outstanding",
        "repaid",
        "repaid_share",
    )


def curve_summary(frame: pl.DataFrame, keys: Sequence[str] = CURVE_KEYS) -> pl.DataFrame:
    """Per curve: episodes, cured episodes and the share contacted while at risk (a holdout
    arm that was contacted anyway is not a clean measure of natural cure)."""
    contacted = pl.col("first_contact_dpd").is_not_null() & (
        pl.col("first_contact_dpd") <= pl.col("last_dpd")
    )
    return (
        frame.group_by(*keys)
        .agg(
            pl.len().alias("episodes"),
            pl.col("cured").sum().alias("cured"),
            contacted.mean().alias("contacted_share"),
        )
        .sort(*keys)
    )


def cure_curves(
    episodes: Episodes,
    groups: pl.DataFrame,
    holdout: Collection[tuple[str, str]] = (),
    horizon: int = DEFAULT_HORIZON,
) -> pl.DataFrame:
    """The curves of every (segment, arm) and each segment's uncontacted estimate (module
    doc), as a long frame: `segment, arm, label, dpd, …` (`life_table`)."""
    frame, payments = labelled_episodes(episodes, groups, holdout)
    return life_table(frame, payments, CURVE_KEYS, horizon)
