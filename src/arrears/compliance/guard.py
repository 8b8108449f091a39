"""The compliance guard of the daily plan: windows in local time, then the rules.

This is the seam the planner calls: it takes candidate contacts (one row per account, step
and contact point) and returns them with the allowed window of the run date and, for refused
ones, the rule, a detail and the next allowed time. It never drops a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

import polars as pl

from arrears.compliance.presets import Preset, preset_frame
from arrears.compliance.rules import RULES, Rule, first_refusal
from arrears.compliance.windows import daily_windows
from arrears.compliance.zones import contact_zone_info
from arrears.contract.phones import phone_zones
from arrears.contract.tables import VOICE_CHANNELS

UTC_TS = pl.Datetime("us", "UTC")


def with_zones(candidates: pl.DataFrame) -> pl.DataFrame:
    """Add `zones` (candidate IANA zones), `timezone` (them joined with '|') and
    `zone_sources` (which of contact, address, phone or country they came from)."""
    no_zones = pl.lit([], dtype=pl.List(pl.String))
    phones = candidates.filter(pl.col("kind") == "phone").get_column("value").unique()
    lookup = pl.DataFrame({"value": phones, "_phone_zones": phone_zones(phones)})
    framed = candidates.join(lookup, on="value", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("kind") == "phone")
        .then(pl.col("_phone_zones").fill_null(no_zones))
        .otherwise(no_zones)
        .alias("_phone_zones")
    )
    info = contact_zone_info(
        pl.col("contact_timezone"),
        pl.col("customer_timezone"),
        pl.col("_phone_zones"),
        pl.col("customer_country"),
    )
    return (
        framed.with_columns(info.alias("_zone_info"))
        .with_columns(
            pl.col("_zone_info").struct.field("zones").alias("zones"),
            pl.col("_zone_info").struct.field("sources").alias("zone_sources"),
        )
        .with_columns(pl.col("zones").list.join("|").alias("timezone"))
        .drop("_phone_zones", "_zone_info")
    )


def window_table(keys: pl.DataFrame) -> pl.DataFrame:
    """Allowed hours in every zone of a set, for distinct (timezone, hours, day) keys.

    `keys` has `timezone`, `zones`, `_start_min`, `_end_min` and `_day`; the answer has the
    keys with `window_start`/`window_end`. The combinations are few (zone sets × presets ×
    days), and each is computed once by the scalar rule in `compliance.windows`.
    """
    key_cols = ["timezone", "_start_min", "_end_min", "_day"]
    distinct = keys.unique(subset=key_cols, maintain_order=True)
    parts = []
    for (start_min, end_min, day), group in distinct.group_by(["_start_min", "_end_min", "_day"]):
        if start_min is None or end_min is None or day is None:
            continue
        start = time(int(start_min) // 60, int(start_min) % 60)
        end = time(int(end_min) // 60, int(end_min) % 60)
        windows = daily_windows(group.get_column("zones"), day, start, end)
        parts.append(pl.concat([group.select(key_cols), windows], how="horizontal"))
    if parts:
        return pl.concat(parts)
    return pl.DataFrame(
        schema={
            "timezone": pl.String,
            "_start_min": pl.Int32,
            "_end_min": pl.Int32,
            "_day": pl.Date,
            "window_start": UTC_TS,
            "window_end": UTC_TS,
        }
    )


def with_windows(candidates: pl.DataFrame, run_date: date) -> pl.DataFrame:
    """Add `window_start`/`window_end`: the run date's allowed hours in every candidate zone."""
    framed = candidates.with_columns(pl.lit(run_date).alias("_day"))
    table = window_table(framed.select("timezone", "zones", "_start_min", "_end_min", "_day"))
    return framed.join(
        table, on=["timezone", "_start_min", "_end_min", "_day"], how="left", nulls_equal=True
    ).drop("_day")


def with_next_allowed(checked: pl.DataFrame) -> pl.DataFrame:
    """Turn a rule's `next_allowed_day` into the start of that day's window (exact over DST)."""
    wanted = checked.filter(pl.col("next_allowed_day").is_not_null())
    if wanted.height == 0:
        return checked.drop("next_allowed_day")
    keys = wanted.select(
        "timezone", "zones", "_start_min", "_end_min", pl.col("next_allowed_day").alias("_day")
    )
    table = window_table(keys).select(
        "timezone",
        "_start_min",
        "_end_min",
        pl.col("_day").alias("next_allowed_day"),
        pl.col("window_start").alias("_next_start"),
    )
    return (
        checked.join(
            table,
            on=["timezone", "_start_min", "_end_min", "next_allowed_day"],
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .with_columns(pl.coalesce("_next_start", "next_allowed_at").alias("next_allowed_at"))
        .drop("_next_start", "next_allowed_day")
    )


def with_planned_calls(candidates: pl.DataFrame) -> pl.DataFrame:
    """Add `calls_planned_before`: the account's voice steps due today that come first.

    Frequency caps count the calls planned today as well as the ledger, so the plan itself
    never exceeds a cap. Today's voice steps of an account are ordered by priority (higher
    first), then by their order in the segment; a step's count is the number before it.
    Counting a call that ends up refused elsewhere errs on the side of fewer calls.
    """
    is_call = pl.col("channel").is_in(VOICE_CHANNELS)
    order = (-pl.col("priority").cast(pl.Int64)) * 1_000_000 + pl.col("step_order").cast(pl.Int64)
    return candidates.with_columns(
        pl.when(is_call)
        .then(order.rank("dense").over("account_id", is_call) - 1)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("calls_planned_before")
    )


def seven_day_cap_ends(
    checked: pl.DataFrame, calls: pl.DataFrame | None, run_date: date
) -> pl.DataFrame:
    """For calls refused by a 7-day cap, the first day a call fits under the cap again.

    On a later day X the call counts the ledger's calls dated X-6 or later, plus the calls
    planned before it today while today is still inside X's window; X is the first of the next
    seven days where that count is below the cap. `calls` has `account_id` and `call_date`
    (the ledger's voice calls of the last 7 days). Days are UTC dates, as the counts are.
    """
    capped = checked.with_row_index("_r").filter(pl.col("rule") == "US-7IN7")
    if capped.height == 0 or calls is None:
        return checked
    days = pl.DataFrame({"_ahead": list(range(1, 8))}, schema={"_ahead": pl.Int32})
    tries = (
        capped.select("_r", "account_id", "calls_planned_before", "_cap_calls_7d")
        .join(days, how="cross")
        .with_columns((pl.lit(run_date) + pl.duration(days=pl.col("_ahead"))).alias("_x"))
    )
    in_window = (
        tries.join(calls, on="account_id", how="inner")
        .filter(pl.col("call_date") >= pl.col("_x") - pl.duration(days=6))
        .group_by("_r", "_x")
        .len("_ledger")
    )
    first_day = (
        tries.join(in_window, on=["_r", "_x"], how="left")
        .with_columns(
            (
                pl.col("_ledger").fill_null(0)
                + pl.when(pl.col("_ahead") <= 6).then(pl.col("calls_planned_before")).otherwise(0)
            ).alias("_count")
        )
        .filter(pl.col("_count") < pl.col("_cap_calls_7d"))
        .group_by("_r")
        .agg(pl.col("_x").min().alias("_cap_day"))
    )
    return (
        checked.with_row_index("_r")
        .join(first_day, on="_r", how="left", maintain_order="left")
        .with_columns(pl.coalesce("next_allowed_day", "_cap_day").alias("next_allowed_day"))
        .drop("_r", "_cap_day")
    )


def guard(
    candidates: pl.DataFrame,
    *,
    run_date: date,
    presets: Mapping[str, Preset],
    calls: pl.DataFrame | None = None,
    rules: tuple[Rule, ...] = RULES,
) -> pl.DataFrame:
    """Return `candidates` with zones, windows and (where refused) rule, detail, next time.

    Expects columns: customer_country, status, role, kind, value, channel, opt_out,
    refused_at, contact_timezone, customer_timezone, debtor_unreachable, calls_7d,
    last_rpc_at. `calls` (account_id, call_date: the ledger's voice calls of the last 7 days)
    lets a 7-day cap say when it ends.
    """
    by_country = preset_frame(presets).rename({"country": "customer_country"})
    framed = candidates.join(by_country, on="customer_country", how="left")
    framed = with_windows(with_zones(with_planned_calls(framed)), run_date)
    refused = seven_day_cap_ends(framed.with_columns(*first_refusal(rules)), calls, run_date)
    return with_next_allowed(refused)
