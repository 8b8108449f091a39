"""Contactability per call: will this call reach the debtor (a right-party contact, `rpc`)?

One row per voice attempt (human_call, robot_call, ivr), with only what is known before the
call is placed:

- the call itself: its `channel`, and the local `hour` (0-23) and `weekday` (1 = Monday) of
  its instant in the contact point's zone (`point_facts`: the point's own zone, else the
  customer's address zone, else the first zone of the customer's country);
- the point: its `role` and `kind`, and its customer's `country`;
- the account: `dpd` at the call, from the latest snapshot at or before the call's UTC date
  (`due_date` of the snapshot; the snapshot is the state at 00:00 UTC, before the call). Without
  snapshots the feature is left out;
- the point's own ledger **strictly before the call's instant** (voice calls only): its calls,
  rpcs and rpc rate overall (`point_*`; the rate null with no call); its calls and rpcs in the
  call's hour band (`band_*`: morning before 12:00, afternoon before 17:00, evening after) and
  on the call's kind of day (`daytype_*`: weekday or weekend), each with its *lift*: the
  point's shrunk rate there over its shrunk rate overall (`(r + K·q) / (n + K) / q`, where q is
  the point's rate shrunk toward `PRIOR_RATE`, K = `SHRINK`; 1 = no lean either way); the days
  since its last rpc (null: never); the outcome of its last call (`none`: no call yet); and
  `lean_band`, `<the band most of its rpcs fell in>@<the call's band>` (`none@…` before any
  rpc, `mixed@…` on a tie): the one feature that lets an additive scorecard say "a morning
  person called in the evening", which the population's hour effect would otherwise drown.

The history features are computed by one function for training and for the plan
(`history_at`): running counts per point (and per point and band, point and day type) after
each instant, matched to each query instant by a backward as-of join that excludes the exact
instant, so a call never counts itself nor a call placed at the same moment. For the plan, the
queries are today's candidate slots and the tables hold only each key's last running count
(`call_history`), which is what the as-of join would pick from the whole ledger: the same
numbers, from a table small enough to carry from shard to shard.

`train_contactability` judges the model out of time like the per-account models: the calls of
the latest quarter of the call dates (UTC) are the test set (`train.fit_out_of_time`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.compliance.windows import local_clock
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.contactability import customer_zones
from arrears.planning.features import dpd_expr
from arrears.scoring.labels import data_end_of, instant
from arrears.scoring.training_set import TrainingSet

if TYPE_CHECKING:
    from arrears.scoring.model import CollectionModel
    from arrears.scoring.train import Trained

TARGET = "contactability"
DATE_COLUMN = "call_date"  # the UTC date of the call: the out-of-time split's clock
KEYS: tuple[str, ...] = ("attempt_id", "account_id", "contact_id", "at", DATE_COLUMN)
HISTORY: dict[str, tuple[str, ...]] = {
    "point": ("contact_id",),
    "band": ("contact_id", "hour_band"),
    "daytype": ("contact_id", "day_type"),
}
"""The running counts, by name (the prefix of their columns) and keys."""
FEATURES: tuple[str, ...] = (
    "channel",
    "hour",
    "weekday",
    "role",
    "kind",
    "country",
    "dpd",
    "point_calls",
    "point_rpcs",
    "point_rpc_rate",
    "band_calls",
    "band_rpcs",
    "band_rpc_lift",
    "daytype_calls",
    "daytype_rpcs",
    "daytype_rpc_lift",
    "days_since_rpc",
    "last_outcome",
    "lean_band",
)
"""The feature columns, in order (`dpd` only when snapshots are given)."""
CATEGORICAL: tuple[str, ...] = ("hour", "weekday")
"""Numeric columns read as categories: an hour's effect is not monotone."""
BANDS: tuple[str, ...] = ("morning", "afternoon", "evening")
SHRINK = 2.0
"""K of the lifts: the weight of the prior, in calls."""
PRIOR_RATE = 0.1
"""The rate a point without calls is taken to have (about the share of voice calls that
reach the debtor); it only scales the lifts of points with few calls."""
_UTC = pl.Datetime("us", "UTC")


def point_facts(contacts: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Per contact point: contact_id, role, kind, country (the customer's) and the `zone` its
    local clock is read in (the point's own, else the customer's address's, else the first of
    the country's; null when none is known)."""
    own = (
        contacts.get_column("timezone").cast(pl.String).str.strip_chars()
        if "timezone" in contacts.columns
        else pl.Series("timezone", [None] * contacts.height, dtype=pl.String)
    )
    zones = customer_zones(customers).select(
        "customer_id", "country", pl.col("zones").list.first().alias("_customer_zone")
    )
    return (
        contacts.select("contact_id", "customer_id", "role", "kind")
        .with_columns(pl.when(own.str.len_bytes() > 0).then(own).alias("_own"))
        .join(zones, on="customer_id", how="left", maintain_order="left")
        .select(
            "contact_id",
            "role",
            "kind",
            "country",
            pl.coalesce("_own", "_customer_zone").alias("zone"),
        )
    )


def with_clock(frame: pl.DataFrame, at: str = "at") -> pl.DataFrame:
    """`frame` (with `zone`) plus the local `hour`, `weekday`, `hour_band` and `day_type` of
    `at`; rows without a zone get nulls."""
    clock = local_clock(frame.get_column("zone"), frame.get_column(at))
    hour, weekday = pl.col("hour"), pl.col("weekday")
    return pl.concat([frame, clock.select("hour", "weekday")], how="horizontal").with_columns(
        pl.when(hour < 12)
        .then(pl.lit("morning"))
        .when(hour < 17)
        .then(pl.lit("afternoon"))
        .when(hour.is_not_null())
        .then(pl.lit("evening"))
        .alias("hour_band"),
        pl.when(weekday >= 6)
        .then(pl.lit("weekend"))
        .when(weekday.is_not_null())
        .then(pl.lit("weekday"))
        .alias("day_type"),
    )


def voice_calls(attempts: pl.DataFrame | None, facts: pl.DataFrame) -> pl.DataFrame:
    """The voice attempts with their point's facts and local clock (no zone: dropped)."""
    text = pl.String()
    schema = pl.Schema({
        "attempt_id": text, "account_id": text, "contact_id": text, "channel": text, "at": _UTC,
        "outcome": text,
    })  # fmt: skip
    if attempts is None:
        attempts = pl.DataFrame(schema=schema)
    calls = (
        attempts.filter(pl.col("channel").is_in(list(VOICE_CHANNELS)))
        .select(list(schema))
        .cast(schema)
        .join(facts, on="contact_id", how="left", maintain_order="left")
    )
    return with_clock(calls).filter(pl.col("hour").is_not_null())


def history_tables(calls: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Per key set of `HISTORY`, the running counts after each instant: one row per (keys,
    at), sorted by `at`, with `<name>_calls` and `<name>_rpcs` counting every call at or
    before it; the point's table also has the instant of its last rpc and the outcome of its
    last call."""
    ordered = calls.sort("at", "attempt_id")
    is_rpc = pl.col("outcome") == "rpc"
    tables: dict[str, pl.DataFrame] = {}
    for name, keys in HISTORY.items():
        at_instant = [pl.len().alias("_n"), is_rpc.sum().alias("_r")]
        running = [
            pl.col("_n").cum_sum().over(keys).cast(pl.UInt32).alias(f"{name}_calls"),
            pl.col("_r").cum_sum().over(keys).cast(pl.UInt32).alias(f"{name}_rpcs"),
        ]
        extra: list[str] = []
        if name == "point":  # the last rpc, the last outcome, the rpcs by band (`lean_band`)
            at_instant += [
                pl.col("outcome").last().alias("last_outcome"),
                *[(is_rpc & (pl.col("hour_band") == b)).sum().alias(f"_r_{b}") for b in BANDS],
            ]
            last_rpc = pl.when(pl.col("_r") > 0).then(pl.col("at")).forward_fill().over(keys)
            running += [
                last_rpc.alias("last_rpc_at"),
                *[
                    pl.col(f"_r_{b}").cum_sum().over(keys).cast(pl.UInt32).alias(f"_{b}_rpcs")
                    for b in BANDS
                ],
            ]
            extra = ["last_rpc_at", "last_outcome", *[f"_{b}_rpcs" for b in BANDS]]
        tables[name] = (
            ordered.group_by(*keys, "at", maintain_order=True)
            .agg(at_instant)
            .with_columns(running)
            .select(*keys, "at", f"{name}_calls", f"{name}_rpcs", *extra)
            .sort("at")
        )
    return tables


def final_state(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each key's last running count: what `history_at` picks for any later instant."""
    return {
        name: table.unique(subset=list(HISTORY[name]), keep="last", maintain_order=True)
        for name, table in tables.items()
    }


def history_at(queries: pl.DataFrame, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """`queries` (contact_id, at, hour_band, day_type, …) in their order, with the history
    features of their point counted over the calls strictly before `at`."""
    out = queries.with_row_index("_q").sort("at")
    for name, keys in HISTORY.items():
        table = tables[name]
        out = out.join_asof(
            table,
            on="at",
            by=list(keys),
            strategy="backward",
            allow_exact_matches=False,  # the call itself, and calls at its instant, are not past
            check_sortedness=False,  # both sorted by `at`; the check warns with `by`
        )
    since = (pl.col("at") - pl.col("last_rpc_at")).dt.total_seconds() / 86_400
    derived = []
    for name in HISTORY:
        calls, rpcs = pl.col(f"{name}_calls").fill_null(0), pl.col(f"{name}_rpcs").fill_null(0)
        derived += [calls.alias(f"{name}_calls"), rpcs.alias(f"{name}_rpcs")]
        if name == "point":
            derived.append(pl.when(calls > 0).then(rpcs / calls).alias("point_rpc_rate"))
            overall = (rpcs + SHRINK * PRIOR_RATE) / (calls + SHRINK)
        else:
            lift = (rpcs + SHRINK * overall) / (calls + SHRINK) / overall
            derived.append(lift.alias(f"{name}_rpc_lift"))
    by_band = [pl.col(f"_{band}_rpcs").fill_null(0) for band in BANDS]
    most = pl.max_horizontal(by_band)
    leaning = pl.concat_list(
        [pl.when(c == most).then(pl.lit(band)) for band, c in zip(BANDS, by_band, strict=True)]
    ).list.drop_nulls()
    lean = (
        pl.when(most == 0)
        .then(pl.lit("none"))
        .when(leaning.list.len() > 1)
        .then(pl.lit("mixed"))
        .otherwise(leaning.list.first())
    )
    return (
        out.sort("_q")
        .drop("_q")
        .with_columns(
            *derived,
            since.alias("days_since_rpc"),
            pl.col("last_outcome").fill_null("none"),
            pl.format("{}@{}", lean, pl.col("hour_band")).alias("lean_band"),
        )
        .drop("last_rpc_at", *[f"_{band}_rpcs" for band in BANDS])
    )


def _dpd_at_call(calls: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """`calls` with `dpd` from the account's latest snapshot at or before the call's date
    (null when none is)."""
    snaps = snapshots.select("account_id", pl.col("as_of").cast(pl.Date), "due_date").sort("as_of")
    joined = (
        calls.with_row_index("_c")
        .sort(DATE_COLUMN)
        .join_asof(
            snaps,
            left_on=DATE_COLUMN,
            right_on="as_of",
            by="account_id",
            strategy="backward",
            check_sortedness=False,
        )
        .sort("_c")
    )
    return joined.with_columns(
        pl.when(pl.col("as_of").is_not_null()).then(dpd_expr(pl.col(DATE_COLUMN))).alias("dpd")
    ).drop("_c", "due_date", "as_of")


def contactability_frame(
    tables: Mapping[str, pl.DataFrame | None],
    snapshots: pl.DataFrame | None = None,
    *,
    data_end: date | None = None,
) -> TrainingSet:
    """One row per voice attempt: `KEYS`, the features (`FEATURES`), the label
    `contactability` (outcome `rpc`). Calls at or after `data_end`, without a zone, or (with
    snapshots) before the account's first snapshot are dropped and counted; they still count
    in the history of the later calls of their point, as they did happen."""
    contacts, customers = tables["contacts"], tables["customers"]
    if contacts is None or customers is None:
        raise ValueError("contacts and customers are needed to place calls in local time")
    attempts = tables.get("attempts")
    facts = point_facts(contacts, customers)
    every = voice_calls(attempts, facts)
    voice = 0 if attempts is None else int(attempts["channel"].is_in(VOICE_CHANNELS).sum())
    dropped = {"no_zone": voice - every.height}
    frame = history_at(every, history_tables(every)).with_columns(
        pl.col("at").dt.date().alias(DATE_COLUMN)
    )
    if data_end is not None:
        before = frame.filter(pl.col("at") < instant(pl.lit(data_end)))
        dropped["after_end"] = frame.height - before.height
        frame = before
    features = [f for f in FEATURES if f != "dpd"]
    if snapshots is not None:
        dated = _dpd_at_call(frame, snapshots)
        frame = dated.filter(pl.col("dpd").is_not_null())
        dropped["no_snapshot"] = dated.height - frame.height
        features = list(FEATURES)
    frame = frame.select(*KEYS, *features, (pl.col("outcome") == "rpc").alias(TARGET))
    return TrainingSet(frame.sort("at", "attempt_id"), TARGET, tuple(features), dropped)


def backend_params(backend: str) -> dict[str, Any]:
    """The hour and weekday as categories; for the scorecard, bins down to 2 % of the calls, so
    that the quiet first and last hours of the day keep bins of their own rather than share
    the pooled `Other` (where 08:00 would take on 20:00's evening rate)."""
    params: dict[str, Any] = {"categorical_features": list(CATEGORICAL)}
    if backend == "scorecard":
        params["min_bin_share"] = 0.02
    return params


def train_contactability(
    tables: Mapping[str, pl.DataFrame | None],
    snapshots: pl.DataFrame | None = None,
    *,
    backend: str = "scorecard",
    calibration: str = "sigmoid",
    test_share: float = 0.25,
    created_at: datetime | None = None,
    random_state: int = 0,
    data_end: date | None = None,
) -> Trained:
    """The contactability model on the calls of the history, judged on its latest call dates."""
    from arrears.scoring.train import Trained, fit_out_of_time

    end = data_end_of(snapshots, data_end) if snapshots is not None else data_end
    training = contactability_frame(tables, snapshots, data_end=end)
    model, card, first_test = fit_out_of_time(
        training, TARGET, date_column=DATE_COLUMN, left_out=(), backend=backend,
        calibration=calibration, test_share=test_share, created_at=created_at,
        random_state=random_state, backend_params=backend_params(backend),
    )  # fmt: skip
    card["label"] = {
        "unit": "call",
        "event": "outcome rpc",
        "channels": list(VOICE_CHANNELS),
        "dropped": dict(training.dropped),
        "test_from": first_test.isoformat(),
    }
    return Trained(model, card, training, first_test)


# -- the plan's slots -------------------------------------------------------------------------


@dataclass(frozen=True)
class CallHistory:
    """What the model needs of the ledger for today's slots: the phone points' facts and each
    point's last running counts (`final_state`). Shards hold disjoint points, so their parts
    simply stack (`merge`)."""

    points: pl.DataFrame  # contact_id, role, kind, country, zone
    state: Mapping[str, pl.DataFrame]

    @staticmethod
    def merge(parts: list[CallHistory]) -> CallHistory:
        return CallHistory(
            pl.concat([p.points for p in parts]),
            {name: pl.concat([p.state[name] for p in parts]).sort("at") for name in HISTORY},
        )


def call_history(
    before: pl.DataFrame | None, contacts: pl.DataFrame, customers: pl.DataFrame
) -> CallHistory:
    """From the ledger as it stood before the run (`planning.features.history`)."""
    facts = point_facts(contacts.filter(pl.col("kind") == "phone"), customers)
    return CallHistory(facts, final_state(history_tables(voice_calls(before, facts))))


def slot_rates(
    actions: pl.DataFrame,
    slots: pl.DataFrame,
    model: CollectionModel,
    history: CallHistory,
) -> pl.DataFrame:
    """The model's probability of a right-party contact for every (voice action, candidate
    slot) whose point has a zone: action_id, slot_start, rate. The call is taken to be placed
    at the slot's start; the features are built as in training (`history_at`), the account's
    dpd (the action's, of the run date) carried to the slot's UTC date as training counts it."""
    has = set(actions.columns)
    dpd = pl.col("dpd").cast(pl.Int32) if "dpd" in has else pl.lit(None, dtype=pl.Int32)
    run_date = pl.col("run_date") if "run_date" in has else pl.lit(None, dtype=pl.Date)
    voice = actions.filter(pl.col("channel").is_in(list(VOICE_CHANNELS))).select(
        "action_id", "contact_id", "channel", dpd.alias("_dpd"), run_date.alias("_run")
    )
    ahead = (pl.col("slot_start").dt.date() - pl.col("_run")).dt.total_days().fill_null(0)
    rows = (
        slots.select("action_id", "slot_start")
        .join(voice, on="action_id")
        .join(history.points.filter(pl.col("zone").is_not_null()), on="contact_id")
        .with_columns(
            pl.col("slot_start").alias("at"),
            pl.when(pl.col("_dpd") > 0)
            .then(pl.col("_dpd") + ahead)
            .otherwise(pl.col("_dpd"))
            .cast(pl.Int32)
            .alias("dpd"),
        )
    )
    out_schema = pl.Schema({"action_id": pl.String(), "slot_start": _UTC, "rate": pl.Float64()})
    if rows.is_empty():
        return pl.DataFrame(schema=out_schema)
    framed = history_at(with_clock(rows), history.state)
    names = [str(n) for n in model.feature_names_in_]
    probability = model.predict_proba(framed.select(names))[:, 1]
    return framed.select("action_id", "slot_start").with_columns(
        pl.Series("rate", probability, dtype=pl.Float64)
    )
