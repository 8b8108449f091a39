"""Compliance KPIs of a run, re-checked from the written actions, not taken on trust.

`quiet_hour_violations` looks at every action again, independently of the guard: its window
must be non-empty and lie inside the preset's hours on the local clock of every zone the
action names. It must always be 0; a non-zero count is a bug, reported rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import polars as pl

from arrears.compliance.presets import Preset


def _minutes(instant: pl.Expr) -> pl.Expr:
    return instant.dt.hour().cast(pl.Int32) * 60 + instant.dt.minute().cast(pl.Int32)


def quiet_hour_violations(actions: pl.DataFrame, presets: Mapping[str, Preset]) -> int:
    """Actions whose window is empty, or reaches outside the allowed hours in one of its
    zones (or whose jurisdiction has no preset)."""
    if actions.height == 0:
        return 0
    hours = pl.DataFrame(
        {
            "jurisdiction": [p.id for p in presets.values()],
            "_start": [
                p.contact_start.hour * 60 + p.contact_start.minute for p in presets.values()
            ],
            "_end": [p.contact_end.hour * 60 + p.contact_end.minute for p in presets.values()],
        },
        schema={"jurisdiction": pl.String, "_start": pl.Int32, "_end": pl.Int32},
    )
    rows = (
        actions.select("action_id", "jurisdiction", "timezone", "window_start", "window_end")
        .join(hours, on="jurisdiction", how="left")
        .with_columns(pl.col("timezone").str.split("|").alias("_zone"))
        .explode("_zone")
    )
    bad = rows.filter(
        pl.col("window_start").is_null()
        | pl.col("window_end").is_null()
        | (pl.col("window_start") >= pl.col("window_end"))
        | pl.col("_start").is_null()
        | pl.col("_zone").is_null()
    ).get_column("action_id")
    checked = []
    for (zone,), group in rows.filter(pl.col("_zone").is_not_null()).group_by("_zone"):
        first = pl.col("window_start").dt.convert_time_zone(str(zone))
        last = (pl.col("window_end") - timedelta(microseconds=1)).dt.convert_time_zone(str(zone))
        checked.append(
            group.filter(
                (first.dt.date() != last.dt.date())
                | (_minutes(first) < pl.col("_start"))
                | (_minutes(last) >= pl.col("_end"))
            ).get_column("action_id")
        )
    return pl.concat([bad, *checked]).n_unique() if checked else bad.n_unique()


def compliance_kpis(
    actions: pl.DataFrame, blocked: pl.DataFrame, checked: int, presets: Mapping[str, Preset]
) -> dict[str, Any]:
    """The manifest's `compliance` block."""
    caps = {c.id for p in presets.values() for c in p.caps}
    rests = {r.id for p in presets.values() for r in p.rests}
    by_rule = {
        str(rule): int(n)
        for rule, n in blocked.group_by("rule").len().sort("rule").iter_rows()
        if rule is not None
    }
    return {
        "contacts_checked": checked,
        "blocked_by_rule": by_rule,
        "quiet_hour_violations": quiet_hour_violations(actions, presets),
        "cap_hits": {rule: n for rule, n in by_rule.items() if rule in caps},
        "rest_hits": {rule: n for rule, n in by_rule.items() if rule in rests},
    }
