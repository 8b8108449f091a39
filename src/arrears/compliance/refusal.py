"""The first rule that refuses each check row, with its detail and next allowed time.

The rules (`rules.py`) say when they refuse; this applies a list of them to a frame of check
rows, in order, the first refusal winning. The next allowed time is found from every rule
that refuses the row (`with_ends`), not the first alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import polars as pl

from arrears.compliance.ledger import UTC_TS, cap_free_day
from arrears.compliance.presets import Preset
from arrears.compliance.rules import NEVER, NO_DAY, CapRule, Rule
from arrears.exprs import first_of

REFUSAL_FIELDS: dict[str, tuple[str, pl.DataType]] = {
    "rule": ("rule", pl.String()),
    "detail": ("detail", pl.String()),
    "next_allowed_at": ("next_allowed_at", pl.Datetime("us", "UTC")),
    "next_allowed_day": ("next_allowed_day", pl.Date()),
    "_open_after": ("open_after", pl.Datetime("us", "UTC")),
}
"""Output column -> (Verdict field, type)."""


@functools.lru_cache(maxsize=64)
def _compiled(rules: tuple[Rule, ...]) -> tuple[pl.Expr, tuple[pl.Expr, ...]]:
    """The expressions of a rule list, built once: which rule refuses (`_refused_by`), and
    the refusal's fields given it. A pre-dial check asks many times with the same rules."""
    verdicts = [r.verdict() for r in rules]
    which = first_of([(v.blocked, pl.lit(i, dtype=pl.Int32)) for i, v in enumerate(verdicts)])
    by = pl.col("_refused_by")
    fields = tuple(
        first_of([(by == i, getattr(v, field)) for i, v in enumerate(verdicts)])
        .cast(dtype)
        .alias(name)
        for name, (field, dtype) in REFUSAL_FIELDS.items()
    )
    return which.cast(pl.Int32).alias("_refused_by"), fields


def with_refusals(checks: pl.DataFrame, rules: tuple[Rule, ...]) -> pl.DataFrame:
    """Add rule, detail, next_allowed_at, next_allowed_day and `_open_after` of the first
    rule that refuses each row (nulls for an allowed row). Rows need a `_r` row number.

    Which rule refuses is found over every row; the readable detail and the next times are
    built only for the refused rows, which are few.
    """
    which, fields = _compiled(rules)
    marked = checks.with_columns(which)
    refused = marked.filter(pl.col("_refused_by").is_not_null()).select("_r", *fields)
    # Put the fields beside every row in one go: a narrow join, then a horizontal stack.
    beside = (
        marked.select("_r").join(refused, on="_r", how="left", maintain_order="left").drop("_r")
    )
    return marked.drop("_refused_by").hstack(beside.get_columns())


def with_cap_ends(
    refused: pl.DataFrame,
    ledger: pl.DataFrame,
    presets: Mapping[str, Preset],
    rules: tuple[Rule, ...],
) -> pl.DataFrame:
    """Add `_free:<id>` for each cap rule of `rules`: on the rows it refuses (its count at
    its max, whether or not it is the rule named), the first later day on which it is under
    its max again (`ledger.cap_free_day`); null elsewhere."""
    caps = [r.id for r in rules if isinstance(r, CapRule)]
    found: dict[str, list[pl.DataFrame]] = {}
    for preset in presets.values():
        for cap in (c for c in preset.caps if c.id in caps):
            full = pl.col(f"_cap:{cap.id}") >= pl.col(f"_max:{cap.id}")
            blocked = refused.filter((pl.col("_preset") == preset.id) & full)
            if blocked.height:
                before = blocked.rename({f"_before:{cap.id}": "_before"})
                found.setdefault(cap.id, []).append(cap_free_day(before, ledger, cap))
    frees = refused.select("_r")
    for cap_id, parts in found.items():
        free = pl.concat(parts).rename({"_free_day": f"_free:{cap_id}"})
        frees = frees.join(free, on="_r", how="left", maintain_order="left")
    return refused.hstack(frees.drop("_r").get_columns()).with_columns(
        pl.lit(None, dtype=pl.Date).alias(f"_free:{c}") for c in caps if c not in found
    )


@functools.lru_cache(maxsize=1024)
def is_timed(rule: Rule) -> bool:
    """Does the rule say when it lets a contact go (a day, an instant, a cap's end)?"""
    verdict = rule.verdict()
    return isinstance(rule, CapRule) or not (
        verdict.next_allowed_day is NO_DAY and verdict.open_after is NEVER
    )


@functools.lru_cache(maxsize=64)
def _timed(rules: tuple[Rule, ...]) -> tuple[tuple[Rule, ...], tuple[pl.Expr, ...]]:
    """The rules with a next time, and whether each refuses any row."""
    timed = tuple(r for r in rules if is_timed(r))
    return timed, tuple(r.verdict().blocked.fill_null(False).any() for r in timed)


@functools.lru_cache(maxsize=256)
def _ends(timed: tuple[Rule, ...]) -> tuple[pl.Expr, ...]:
    """The expressions of `with_ends` for the rules with a next time that refuse some row,
    built once. A row whose first refusing rule is not one of them has no next time."""
    days, afters, endless, others = [], [], [], []
    for rule in timed:
        verdict = rule.verdict()
        blocked = verdict.blocked
        day = pl.col(f"_free:{rule.id}") if isinstance(rule, CapRule) else verdict.next_allowed_day
        after = verdict.open_after
        days.append(pl.when(blocked).then(day))
        afters.append(pl.when(blocked).then(after))
        endless.append(pl.when(blocked).then(day.is_null() & after.is_null()).otherwise(False))
        others.append(pl.when(blocked & (pl.col("rule") != rule.id)).then(pl.lit(rule.id)))
    latest = pl.max_horizontal(afters) if afters else pl.lit(None, dtype=UTC_TS)
    # From the latest day any of them allows, or the day before the latest instant's.
    first_day = pl.max_horizontal([*days, latest.dt.date() - pl.duration(days=1)])
    never = ~pl.col("rule").is_in([r.id for r in timed])
    if endless:
        never |= pl.any_horizontal(endless)
    also = pl.concat_str(others, separator=", ", ignore_nulls=True) if others else pl.lit("")
    return (
        pl.when(never).then(None).otherwise(first_day).cast(pl.Date).alias("next_allowed_day"),
        pl.when(never).then(None).otherwise(latest).cast(UTC_TS).alias("_open_after"),
        pl.when((also != "") & ~never)
        .then(pl.format("{}; also refused by {}", pl.col("detail"), also))
        .otherwise(pl.col("detail"))
        .alias("detail"),
    )


def with_ends(
    refused: pl.DataFrame,
    rules: tuple[Rule, ...],
    ledger: pl.DataFrame,
    presets: Mapping[str, Preset],
    blocking: tuple[Rule, ...] | None = None,
) -> pl.DataFrame:
    """Set `next_allowed_day` and `_open_after` of each refused row from every rule of
    `rules` that refuses it: the latest day and the latest instant they allow from (a cap's
    day is the first its count is under its max again), none when one of them has no next
    time; `hours.with_next_allowed` then finds the first open instant after both. A row
    refused by a cap and by a cool-off, or in quiet hours with a rest running, is so next
    allowed when all of them are over. The detail names the other rules that refuse (when
    there is a next time). `blocking`: the rules with a next time that refuse some row, in
    order, when the caller knows them."""
    rows = refused.filter(pl.col("rule").is_not_null())
    if rows.height == 0:
        return refused
    if blocking is None:
        timed, refusing = _timed(rules)
        flags = rows.select(refusing).row(0) if refusing else ()
        blocking = tuple(r for r, f in zip(timed, flags, strict=True) if f)
    if not set(rows.get_column("rule").unique().to_list()) & {r.id for r in blocking}:
        return refused  # every first refusing rule is for good: no next time, as it says
    ends = with_cap_ends(rows, ledger, presets, blocking).select("_r", *_ends(blocking))
    beside = refused.select("_r").join(ends, on="_r", how="left", maintain_order="left").drop("_r")
    return refused.with_columns(beside.get_columns())  # an allowed row's are null either way
