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

UTC_TS = pl.Datetime("us", "UTC")


def with_zones(candidates: pl.DataFrame) -> pl.DataFrame:
    """Add `zones` (candidate IANA zones), `timezone` (them joined with '|') and
    `zone_sources` (which of contact, address, phone or country they came from)."""
    is_phone = candidates.get_column("kind") == "phone"
    values = candidates.get_column("value")
    phone_list = pl.Series("_phone_zones", [[]] * 0, dtype=pl.List(pl.String))
    if candidates.height:
        unique_phones = values.filter(is_phone).unique()
        lookup = pl.DataFrame({"value": unique_phones, "_phone_zones": phone_zones(unique_phones)})
        phone_list = (
            candidates.select("value", "kind")
            .join(lookup, on="value", how="left", maintain_order="left")
            .select(
                pl.when(pl.col("kind") == "phone")
                .then(pl.col("_phone_zones"))
                .otherwise(pl.lit([], dtype=pl.List(pl.String)))
            )
            .to_series()
            .alias("_phone_zones")
        )
    framed = candidates.with_columns(phone_list.fill_null(pl.lit([], dtype=pl.List(pl.String))))
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


def with_windows(candidates: pl.DataFrame, run_date: date) -> pl.DataFrame:
    """Add `window_start`/`window_end`: the run date's allowed hours in every candidate zone.

    Distinct (zone set, hours) combinations are few; each is computed once and joined back.
    """
    keys = candidates.select("timezone", "zones", "_start_min", "_end_min").unique(
        subset=["timezone", "_start_min", "_end_min"], maintain_order=True
    )
    parts = []
    for (start_min, end_min), group in keys.group_by(["_start_min", "_end_min"]):
        if start_min is None or end_min is None:
            continue
        start = time(int(start_min) // 60, int(start_min) % 60)
        end = time(int(end_min) // 60, int(end_min) % 60)
        windows = daily_windows(group.get_column("zones"), run_date, start, end)
        parts.append(
            pl.concat(
                [group.select("timezone", "_start_min", "_end_min"), windows], how="horizontal"
            )
        )
    if parts:
        table = pl.concat(parts)
    else:
        table = pl.DataFrame(
            schema={
                "timezone": pl.String,
                "_start_min": pl.Int32,
                "_end_min": pl.Int32,
                "window_start": UTC_TS,
                "window_end": UTC_TS,
            }
        )
    return candidates.join(
        table, on=["timezone", "_start_min", "_end_min"], how="left", nulls_equal=True
    )


def guard(
    candidates: pl.DataFrame,
    *,
    run_date: date,
    presets: Mapping[str, Preset],
    rules: tuple[Rule, ...] = RULES,
) -> pl.DataFrame:
    """Return `candidates` with zones, windows and (where refused) rule, detail, next time.

    Expects columns: customer_country, status, role, kind, value, channel, opt_out,
    refused_at, contact_timezone, customer_timezone, debtor_unreachable, calls_7d,
    last_rpc_at.
    """
    by_country = preset_frame(presets).rename({"country": "customer_country"})
    framed = candidates.join(by_country, on="customer_country", how="left")
    framed = with_windows(with_zones(framed), run_date)
    rule, detail, nxt = first_refusal(rules)
    return framed.with_columns(rule, detail, nxt)
