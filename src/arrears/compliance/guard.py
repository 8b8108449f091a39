"""The compliance guard: windows in local time, the ledger's caps and rests, then the rules.

One function for the daily plan and the pre-dial check. The plan passes candidate contacts
(one row per account, step and contact point) and a run date; the pre-dial check passes the
contacts asked about with the instant `at` of each question. Both get the rows back with the
allowed window of the day and, for refused ones, the rule, a detail and the next allowed
time: the first instant every rule allows the contact (`refusal.with_ends`, `settle`). No row
is ever dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date

import polars as pl

from arrears.compliance.hours import hours_keys, with_next_allowed, with_pause_ends, with_windows
from arrears.compliance.ledger import cap_count, person, rest_end
from arrears.compliance.presets import Preset, day_overrides, preset_frame, preset_key
from arrears.compliance.refusal import with_ends, with_refusals
from arrears.compliance.rules import CapRule, RestRule, Rule, rules_for
from arrears.compliance.settle import (
    Reach,
    asking_again,
    at_instants,
    settle,
    with_free_columns,
)
from arrears.compliance.zones import contact_zone_info
from arrears.contract.phones import phone_zones

UTC_TS = pl.Datetime("us", "UTC")


FEW_PHONES = 64


@functools.lru_cache(maxsize=100_000)
def _zones_of_number(value: str) -> tuple[str, ...]:
    """`phone_zones` of one number, remembered (the pre-dial check asks about few numbers,
    often the same ones)."""
    found = phone_zones(pl.Series([value], dtype=pl.String))[0]
    return tuple(found) if found is not None else ()


def with_zones(candidates: pl.DataFrame) -> pl.DataFrame:
    """Add `zones` (candidate IANA zones), `timezone` (them joined with '|') and
    `zone_sources` (which of contact, address, phone or country they came from)."""
    no_zones = pl.lit([], dtype=pl.List(pl.String))
    phones = candidates.filter(pl.col("kind") == "phone").get_column("value").unique()
    if phones.len() <= FEW_PHONES:  # a pre-dial question: numbers seen before are remembered
        zones = pl.Series([list(_zones_of_number(v)) for v in phones], dtype=pl.List(pl.String))
    else:
        zones = phone_zones(phones)
    lookup = pl.DataFrame({"value": phones, "_phone_zones": zones})
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


def _minutes(hhmm: pl.Expr) -> pl.Expr:
    return hhmm.str.slice(0, 2).cast(pl.Int32) * 60 + hhmm.str.slice(3, 2).cast(pl.Int32)


def with_customer_hours(checks: pl.DataFrame) -> pl.DataFrame:
    """The customer's own hours on top of the preset's: agreed `contact_hours` narrow the
    window (never widen it), `do_not_call` windows become pauses. Hours that leave nothing
    open give no window (QUIET-HOURS)."""
    if "customer_contact_hours" in checks.columns:
        agreed = pl.col("customer_contact_hours").str.strip_chars()
        has = agreed.str.len_bytes() > 0
        start = (
            pl.when(has)
            .then(pl.max_horizontal("_start_min", _minutes(agreed.str.slice(0, 5))))
            .otherwise(pl.col("_start_min"))
        )
        end = (
            pl.when(has)
            .then(pl.min_horizontal("_end_min", _minutes(agreed.str.slice(6, 5))))
            .otherwise(pl.col("_end_min"))
        )
        checks = checks.with_columns(
            start.cast(pl.Int32).alias("_start_min"), end.cast(pl.Int32).alias("_end_min")
        ).with_columns(
            pl.when(pl.col("_start_min") < pl.col("_end_min")).then(pl.col(c)).alias(c)
            for c in ("_start_min", "_end_min")
        )
    if "customer_do_not_call" in checks.columns:
        own = pl.col("customer_do_not_call").str.replace_all(" ", "").str.replace_all(",", ";")
        checks = checks.with_columns(
            pl.concat_str([pl.col("_pauses"), own], separator=";", ignore_nulls=True)
            .str.strip_chars(";")
            .alias("_pauses")
        )
    return checks


def with_ledger(
    checks: pl.DataFrame, ledger: pl.DataFrame, presets: Mapping[str, Preset]
) -> pl.DataFrame:
    """Add `_cap:<id>`, `_before:<id>`, `_max:<id>` and `_rest:<id>` for every cap and rest of
    the presets (null where it does not apply to the row)."""
    added: list[pl.DataFrame] = []
    present = set(checks.get_column("_preset").drop_nulls().unique().to_list())
    for preset in (p for p in presets.values() if p.id in present):
        for cap in preset.caps:
            counted = cap_count(checks, ledger, cap, preset.id)
            added.append(
                counted.select(
                    "_r",
                    pl.col("_count").alias(f"_cap:{cap.id}"),
                    pl.col("_before").alias(f"_before:{cap.id}"),
                    pl.lit(cap.max, dtype=pl.Int64).alias(f"_max:{cap.id}"),
                )
            )
        for rest in preset.rests:
            ends = rest_end(checks, ledger, rest, preset.id)
            added.append(ends.rename({"_rest_until": f"_rest:{rest.id}"}))
    # The counts are gathered on a narrow frame, then put beside the rows in one go.
    counts = checks.select("_r")
    for part in _stack_by_column(added):
        counts = counts.join(part, on="_r", how="left", maintain_order="left")
    return checks.hstack(counts.drop("_r").get_columns())


def _stack_by_column(parts: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """Parts with the same columns (one cap id in several presets) stacked into one."""
    groups: dict[tuple[str, ...], list[pl.DataFrame]] = {}
    for part in parts:
        groups.setdefault(tuple(part.columns), []).append(part)
    return [pl.concat(group) for group in groups.values()]


def plan_order() -> pl.Expr:
    """The order in which today's planned contacts count towards caps: higher priority
    first, then the segment's step order, then account. The contact points of one (account,
    step) are alternatives, of which one is used: they share a place and count once."""
    return pl.struct(
        (-pl.col("priority").cast(pl.Int64)).alias("p"),
        pl.col("step_order").cast(pl.Int64).alias("o"),
        pl.col("account_id").alias("a"),
        pl.col("step").alias("s"),
    ).rank("dense")


def guard(
    candidates: pl.DataFrame,
    *,
    presets: Mapping[str, Preset],
    ledger: pl.DataFrame,
    run_date: date | None = None,
    rules: tuple[Rule, ...] | None = None,
    unreachable: Reach | None = None,
) -> pl.DataFrame:
    """Return `candidates` with zones, windows and (where refused) rule, detail, next time.

    Expects: account_id, customer_id, contact_id, customer_country, status, customer_status,
    role, kind, value, channel, opt_out, refused_at, contact_timezone, customer_timezone,
    debtor_unreachable. The daily plan passes `run_date` and rows with `priority` and
    `step_order` (the contacts planned today count towards the caps in that order); the
    pre-dial check passes rows with `at` (and optionally `agent_reserved`) instead, and
    `unreachable`: the debtors unreachable at each (customer_id, `_as_of`) asked, for asking
    again at a later instant (`settle`). `ledger` is `ledger.ledger_of` the contact ledger.
    """
    rules = rules if rules is not None else rules_for(presets)
    if not ledger.get_column("at").flags["SORTED_ASC"]:
        ledger = ledger.sort("at")  # in time order, each cap reads its look-back as a slice
    candidates = candidates.with_columns(  # the pre-dial rows know none of these
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in OPTIONAL_COLUMNS.items()
        if name not in candidates.columns
    )
    keyed = candidates.with_columns(preset_key(presets))
    base = hours_keys(
        with_zones(
            with_customer_hours(
                keyed.join(
                    preset_frame(presets), on="_preset_key", how="left", maintain_order="left"
                )
            )
        )
        .with_row_index("_r")
        .with_columns(person())
    )
    if run_date is not None:
        checks = base.with_columns(
            pl.lit(run_date).alias("_day"),
            pl.lit(None, dtype=UTC_TS).alias("_as_of"),
            plan_order().alias("_seq"),
        )
    else:
        checks = at_instants(base, base.get_column("at").cast(UTC_TS))
    overrides = day_overrides(presets)

    def steps(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
        return checked_rows(rows, ledger=events, presets=presets, rules=rules, overrides=overrides)

    checked = steps(checks, ledger)
    planned = checked if run_date is not None else None
    again = asking_again(base, steps, ledger, unreachable=unreachable, planned=planned)
    checked = settle(with_free_columns(checked, ledger), again)
    return _narrow_by_reach(_narrow_by_rests(checked, rules)).drop(
        "_later_events",
        "_reach_until",
        "_r",
        "_day",
        "_as_of",
        "_seq",
        "_person",
        "_place",
        "_region",
        "_rest_day",
        "_pause_until",
        "_preset_key",
    )


def checked_rows(
    checks: pl.DataFrame,
    *,
    ledger: pl.DataFrame,
    presets: Mapping[str, Preset],
    rules: tuple[Rule, ...],
    overrides: pl.DataFrame | None,
) -> pl.DataFrame:
    """The guard's steps on rows with their day and instant: windows, the ledger's counts,
    pauses, the first refusing rule and its next time."""
    checks = with_windows(checks, overrides)
    checks = with_pause_ends(with_ledger(checks, ledger, presets))
    checks = checks.with_columns(  # a rule whose ledger column no preset filled never refuses
        pl.lit(None, dtype=dtype).alias(name)
        for rule in rules
        for name, dtype in _ledger_columns(rule).items()
        if name not in checks.columns
    )
    refused = with_ends(with_refusals(checks, rules), rules, ledger, presets)
    return with_next_allowed(refused, overrides)


OPTIONAL_COLUMNS: dict[str, pl.DataType] = {
    "customer_region": pl.String(),
    "agent_reserved": pl.Boolean(),
    "tone": pl.String(),
    "third_party_safe": pl.Boolean(),
    "opt_out_notice": pl.Boolean(),
    "has_open_promise": pl.Boolean(),
    "promise_due_in": pl.Int32(),
}
"""Columns a planned contact carries (from its step and account) and a pre-dial question
may not: a rule that needs one does not refuse when it is unknown (null)."""


def _ledger_columns(rule: Rule) -> dict[str, pl.DataType]:
    """The columns `with_ledger` adds for a cap or rest rule, with their types."""
    if isinstance(rule, CapRule):
        return {f"_{part}:{rule.id}": pl.Int64() for part in ("cap", "before", "max")}
    if isinstance(rule, RestRule):
        return {f"_rest:{rule.id}": UTC_TS}
    return {}


def _narrow_by_reach(checked: pl.DataFrame) -> pl.DataFrame:
    """A planned third-party contact ends when the debtor stops counting as unreachable
    (`debtor_unreachable_until`: the morning's failed calls leave the look-back during the
    day); with no time left before then, THIRD-PARTY-GATE refuses it. The pre-dial check asks
    as of its own instant and needs none of this."""
    if "debtor_unreachable_until" not in checked.columns:
        return checked
    until = pl.col("debtor_unreachable_until")
    gated = (
        pl.col("rule").is_null()
        & (pl.col("role") != "debtor")
        & pl.col("_tp_gate").fill_null(True)
        & (pl.col("status") != "deceased")
        & until.is_not_null()
        & pl.col("window_end").is_not_null()
        & (until < pl.col("window_end"))
    )
    closed = gated & (until <= pl.col("window_start"))
    return checked.with_columns(
        pl.when(gated).then(until).otherwise(pl.col("window_end")).alias("window_end"),
        pl.when(closed).then(pl.lit("THIRD-PARTY-GATE")).otherwise(pl.col("rule")).alias("rule"),
        pl.when(closed)
        .then(
            pl.format(
                "{} contacts only while the debtor is unreachable; that ends at {}",
                pl.col("role"),
                until.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
        .otherwise(pl.col("detail"))
        .alias("detail"),
    )


def _narrow_by_rests(checked: pl.DataFrame, rules: tuple[Rule, ...]) -> pl.DataFrame:
    """An allowed contact whose point is still resting at the window's start begins when the
    rest ends (the rest rule refused it if no time is left today)."""
    ends = [pl.col(c) for r in rules if isinstance(r, RestRule) for c in _ledger_columns(r)]
    if not ends:
        return checked
    until = pl.max_horizontal(ends)
    later = pl.col("rule").is_null() & until.is_not_null() & (until > pl.col("window_start"))
    return checked.with_columns(
        pl.when(later).then(until).otherwise(pl.col("window_start")).alias("window_start")
    )
