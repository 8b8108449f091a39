"""The true next allowed time: the first instant at which every rule lets a contact go.

A refusal names one rule, the first that refuses; its next allowed time must not be that
rule's end alone. Six unanswered calls and a conversation in one week are a `US-7IN7` refusal
whose end falls inside the `US-COOL-OFF` that the conversation began. The next time is found
in two steps:

1. from every rule that refuses the row (`refusal.with_ends`): the first open instant
   (window, pauses, calendar) after the latest of their own ends. A cap's count and a rest
   only fall as time passes, so no rule refuses there (`known_free`) unless the ledger holds
   events after the instant asked, or the row is a third party's whose debtor is reachable
   again by then (then `THIRD-PARTY-GATE` refuses for good: `known_gated`, no next time);
2. otherwise the contact is asked again there, by the same guard (`settle`): if a rule with a
   time refuses, its time is the next candidate, and so on, `ROUNDS` at most; one refusing
   for good makes the next time unknown (null), as does running out of rounds.

Which rule is named does not change; the detail names the other rules that refuse ("also
refused by …") and any that still refused later ("still refused at … by …"). The daily plan,
the batch pre-dial check and the one-question path all call `settle`, each with its own way
to ask again (`again`), so they agree.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from arrears.compliance.ledger import UTC_TS
from arrears.compliance.windows import local_dates

ROUNDS = 8
"""At most this many checks again per refused row (a rule that lets a contact go does not
refuse it again later, bar events the ledger holds after the instant asked)."""

Again = Callable[[pl.DataFrame], pl.DataFrame]
"""(`_r`, `_next`) -> (`_r`, `rule`, `next_allowed_at`): the answer to each row at `_next`."""
Reach = Callable[[pl.DataFrame], pl.DataFrame]
"""(customer_id, `_as_of`) asked -> those of them whose debtor is unreachable then."""


GATE = "THIRD-PARTY-GATE"


def _gated() -> pl.Expr:
    """A row `rules.ThirdPartyGate` stops while the debtor is reachable."""
    return (
        (pl.col("role") != "debtor")
        & pl.col("_tp_gate").fill_null(True)
        & (pl.col("status") != "deceased")
    )


def known_free() -> pl.Expr:
    """For a row refused with a next time: is it allowed then, known without asking again?

    The next time is the first open instant (hours, pauses, calendar) after every rule that
    refused the row lets it go (`refusal.with_ends`), and caps' counts and rests only fall
    as time passes, unless the ledger holds events of the customer after the instant asked
    (`_later_events`). So yes, without such events, when the row is not a third party's or
    its debtor is still unreachable then (`_reach_until`: when the failed calls leave the
    look-back, if no call fails meanwhile)."""
    still = (pl.col("_reach_until") > pl.col("next_allowed_at")).fill_null(False)
    return (~pl.col("_later_events") & (~_gated() | still)).fill_null(False)


def known_gated() -> pl.Expr:
    """For a row refused with a next time: is it refused for good then by `GATE`, known
    without asking again (its debtor reachable again by then, with no later events)?"""
    over = (pl.col("_reach_until") <= pl.col("next_allowed_at")).fill_null(False)
    return (~pl.col("_later_events") & _gated() & over).fill_null(False)


def settle(checked: pl.DataFrame, again: Again) -> pl.DataFrame:
    """`checked` (rows with `_r`, rule, detail, next_allowed_at and what `known_free` reads)
    with each refused row's `next_allowed_at` moved to the first candidate at which `again`
    allows it (null when a rule refuses for good there, or after `ROUNDS`), and the later
    refusals added to its detail. A row `known_free` is allowed at its next time, one
    `known_gated` refused for good, without asking."""
    timed = pl.col("rule").is_not_null() & pl.col("next_allowed_at").is_not_null()
    free, gated = known_free(), known_gated()
    pending = checked.filter(timed & ~free & ~gated).select(
        "_r", pl.col("next_allowed_at").alias("_next"), pl.lit("").alias("_note")
    )
    stuck = checked.filter(timed & gated).select(
        "_r",
        pl.lit(None, dtype=UTC_TS).alias("_settled"),
        pl.format(
            "; still refused at {} by {}",
            pl.col("next_allowed_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            pl.lit(GATE),
        ).alias("_note"),
    )
    if pending.height == 0 and stuck.height == 0:
        return checked
    done: list[pl.DataFrame] = [stuck]
    for _ in range(ROUNDS):
        if pending.height == 0:
            break
        asked = pending.join(
            again(pending.select("_r", "_next")), on="_r", how="left", maintain_order="left"
        ).with_columns(
            pl.when(pl.col("rule").is_not_null())
            .then(
                pl.concat_str(
                    pl.col("_note"),
                    pl.format(
                        "; still refused at {} by {}",
                        pl.col("_next").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        pl.col("rule"),
                    ),
                )
            )
            .otherwise(pl.col("_note"))
            .alias("_note")
        )
        moved = pl.col("next_allowed_at") > pl.col("_next")
        done.append(
            asked.filter(pl.col("rule").is_null() | ~moved.fill_null(False)).select(
                "_r",
                pl.when(pl.col("rule").is_null()).then(pl.col("_next")).alias("_settled"),
                "_note",
            )
        )
        pending = asked.filter(pl.col("rule").is_not_null() & moved.fill_null(False)).select(
            "_r", pl.col("next_allowed_at").alias("_next"), "_note"
        )
    done.append(pending.select("_r", pl.lit(None, dtype=UTC_TS).alias("_settled"), "_note"))
    found = pl.concat(done).with_columns(pl.lit(True).alias("_asked"))
    return (
        checked.join(found, on="_r", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("_asked"))
            .then(pl.col("_settled"))
            .otherwise(pl.col("next_allowed_at"))
            .alias("next_allowed_at"),
            pl.concat_str(pl.col("detail"), pl.col("_note").fill_null("")).alias("detail"),
        )
        .drop("_settled", "_note", "_asked")
    )


def at_instants(rows: pl.DataFrame, instants: pl.Series) -> pl.DataFrame:
    """Check rows asked at `instants` (in real time): the instant and its local day."""
    return rows.with_columns(
        local_dates(rows.get_column("zones"), instants).alias("_day"),
        instants.alias("_as_of"),
        pl.lit(0, dtype=pl.UInt32).alias("_seq"),
    )


def with_free_columns(checked: pl.DataFrame, ledger: pl.DataFrame) -> pl.DataFrame:
    """What `known_free` reads beside the guard's columns: `_later_events` (has the row's
    customer a ledger event at or after the instant asked, or, in the plan, the start of its
    run date, as of which the plan judged reachability?) and `_reach_until` (the
    question's, the plan's `debtor_unreachable_until`, or null)."""
    since = pl.coalesce(pl.col("_as_of"), pl.col("_day").cast(UTC_TS))
    timed = checked.filter(pl.col("rule").is_not_null() & pl.col("next_allowed_at").is_not_null())
    last = (
        customers_ledger(ledger, timed)
        .group_by("customer_id")
        .agg(pl.col("at").max().alias("_last"))
    )
    later = (
        checked.select("customer_id", since.alias("_since"))
        .join(last, on="customer_id", how="left", maintain_order="left")
        .select((pl.col("_last") >= pl.col("_since")).fill_null(False).alias("_later_events"))
        .to_series()
    )
    checked = checked.with_columns(later)
    if "_reach_until" not in checked.columns:
        until = (
            pl.col("debtor_unreachable_until")
            if "debtor_unreachable_until" in checked.columns
            else pl.lit(None, dtype=UTC_TS)
        )
        checked = checked.with_columns(until.cast(UTC_TS).alias("_reach_until"))
    return checked


def customers_ledger(ledger: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The ledger's events of the customers of `rows` (every cap, rest and reachability
    looks within one customer), still in time order."""
    wanted = rows.get_column("customer_id").unique().implode()
    return ledger.filter(pl.col("customer_id").is_in(wanted)).with_columns(
        pl.col("at").set_sorted()
    )


def asking_again(
    base: pl.DataFrame,
    steps: Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame],
    ledger: pl.DataFrame,
    *,
    unreachable: Reach | None = None,
    planned: pl.DataFrame | None = None,
) -> Again:
    """`guard`'s way to ask again: its rows before any instant (`base`) asked at each
    candidate, through the same `steps` (on their customers' part of the `ledger`).

    A question of the pre-dial check is asked anew (whether the debtor is unreachable then
    from `unreachable`). A row of the plan (`planned`: the plan's checked rows) is the
    contact planned on its day, asked later: an open promise falls due as the days pass, and
    the debtor stops being unreachable when the plan found it would
    (`debtor_unreachable_until`). The contacts planned before it that day need not count:
    the caps they made refuse are over by the first candidate (`refusal.with_ends`), and a
    cap's count only falls after that day."""
    days = None if planned is None else planned.select("_r", pl.col("_day").alias("_plan_day"))

    def again(pending: pl.DataFrame) -> pl.DataFrame:
        rows = base.join(pending, on="_r", how="inner", maintain_order="left")
        rows = at_instants(rows, rows.get_column("_next")).drop("_next")
        if days is not None:
            rows = _planned_later(rows.join(days, on="_r", how="left", maintain_order="left"))
        elif unreachable is not None:
            found = unreachable(rows.select("customer_id", "_as_of")).select(
                "customer_id", "_as_of", pl.lit(True).alias("debtor_unreachable")
            )
            rows = rows.drop("debtor_unreachable").join(
                found, on=["customer_id", "_as_of"], how="left", maintain_order="left"
            )
            rows = rows.with_columns(pl.col("debtor_unreachable").fill_null(False))
        return steps(rows, customers_ledger(ledger, rows)).select("_r", "rule", "next_allowed_at")

    return again


def _planned_later(rows: pl.DataFrame) -> pl.DataFrame:
    """A plan's rows asked at a later instant: the promise's days to fall due counted from
    then, and the debtor unreachable only until the plan found it would end."""
    passed = (pl.col("_day") - pl.col("_plan_day")).dt.total_days().cast(pl.Int32)
    due = pl.col("promise_due_in") - passed
    rows = rows.with_columns(
        due.alias("promise_due_in"),
        (pl.col("has_open_promise") & (due >= 0).fill_null(True)).alias("has_open_promise"),
    )
    if "debtor_unreachable_until" in rows.columns:
        until = pl.col("debtor_unreachable_until")
        rows = rows.with_columns(
            (pl.col("debtor_unreachable") & (until.is_null() | (pl.col("_as_of") < until))).alias(
                "debtor_unreachable"
            )
        )
    return rows
