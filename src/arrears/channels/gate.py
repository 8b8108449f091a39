"""The send-time verdict on each action: send it, hold it, or cancel it, and why.

Between the plan and the send a number may have opted out, the debtor may have paid, a
template may have been withdrawn, or the data may say something new about the debtor's zone.
Three questions, in this order (the first refusal is the one recorded):

1. **The guard**, through the real-time pre-dial check (`compliance.predial.check`, the plan's
   own rules over the ledger as it is now): refused with its rule. When the guard names a time
   inside the action's window (`next_allowed_at`, e.g. after quiet hours), the action is
   **held** until then; otherwise it is **cancelled**.
2. **Payments since the plan.** The pre-dial check does not read `payments` (a paid account
   leaves collection through its `status`, which the lender's extract updates later), so this
   layer does: a payment the plan did not see (paid at or after the run date's 00:00 UTC, and
   not after the send) cancels a `pressure` or `warning` message; one that covers the overdue
   amount the plan saw, or an account the data now shows nothing overdue on, cancels every
   message about an overdue account (pre-due reminders are not about an overdue amount).
   Rule `PAID-SINCE-PLAN`.
3. **The words**: the planned template version must still be approved (`compose.Words`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from arrears.compliance.predial import PreDial, check

PAID = "PAID-SINCE-PLAN"
PRESSING_TONES: tuple[str, ...] = ("pressure", "warning")
UTC_TS = pl.Datetime("us", "UTC")


def plan_start(run_date: pl.Expr) -> pl.Expr:
    """00:00 UTC of the run date: the plan saw the payments before it
    (`planning.features.run_start`)."""
    return run_date.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


@dataclass(frozen=True)
class Verdicts:
    send: pl.DataFrame
    """The rows of the chunk that may go now."""
    hold: list[tuple[str, str, str, datetime]]
    """(key, rule, detail, until): not now, later inside the window."""
    cancel: list[tuple[str, str, str]]
    """(key, rule, detail): not in this window."""


def guard_answers(state: PreDial, chunk: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """The pre-dial answer for each action at `at`: action_id, allowed, rule, detail,
    next_allowed_at (one row per action: the question names its account)."""
    asked = chunk.select(
        "contact_id",
        pl.lit(at).cast(UTC_TS).alias("at"),
        "channel",
        "account_id",
        pl.lit(False).alias("agent_reserved"),
    )
    answers = check(state, asked).unique("question", keep="first", maintain_order=True)
    keys = chunk.select("action_id").with_row_index("question")
    return keys.join(
        answers.select("question", "allowed", "rule", "detail", "next_allowed_at"),
        on="question",
        how="left",
    ).select(
        "action_id",
        pl.col("allowed").fill_null(False),
        pl.col("rule").fill_null(pl.when(pl.col("allowed").is_null()).then(pl.lit("NO-ANSWER"))),
        "detail",
        "next_allowed_at",
    )


def paid_refusals(
    chunk: pl.DataFrame,
    payments: pl.DataFrame | None,
    overdue: pl.DataFrame,
    at: datetime,
) -> pl.DataFrame:
    """action_id, rule, detail for the actions a payment since the plan stops.

    `chunk` has action_id, account_id, run_date, dpd and `tone` (the template's);
    `overdue` has account_id, `plan_overdue` (what the plan saw; when unknown, any payment
    counts as covering it: fail closed) and `now_overdue` (what the data folder says now;
    null when unknown)."""
    empty = pl.DataFrame(schema={"action_id": pl.String, "rule": pl.String, "detail": pl.String})
    if chunk.height == 0:
        return empty
    paid = (
        chunk.select("account_id", "run_date")
        .unique()
        .join(
            payments.select("account_id", "paid_at", "amount")
            if payments is not None
            else pl.DataFrame(
                schema={"account_id": pl.String, "paid_at": UTC_TS, "amount": pl.Float64}
            ),
            on="account_id",
            how="inner",
        )
        .filter(
            (pl.col("paid_at") >= plan_start(pl.col("run_date")))
            & (pl.col("paid_at") <= pl.lit(at).cast(UTC_TS))
        )
        .group_by("account_id")
        .agg(pl.col("amount").cast(pl.Float64).sum().alias("_paid"))
    )
    rows = (
        chunk.select("action_id", "account_id", "dpd", "tone")
        .join(paid, on="account_id", how="left")
        .join(overdue, on="account_id", how="left")
        .with_columns(pl.col("_paid").fill_null(0.0))
    )
    overdue_message = pl.col("dpd").fill_null(0) > 0
    covered = (pl.col("_paid") > 0) & (pl.col("_paid") >= pl.col("plan_overdue").fill_null(0.0))
    cleared = (pl.col("plan_overdue").fill_null(0.0) > 0) & (
        pl.col("now_overdue").fill_null(1.0) <= 0
    )
    pressing = (pl.col("_paid") > 0) & pl.col("tone").is_in(list(PRESSING_TONES))
    detail = (
        pl.when(overdue_message & covered)
        .then(
            pl.format(
                "paid {} since the plan, the {} overdue it saw is covered",
                pl.col("_paid").round(2),
                pl.col("plan_overdue").round(2),
            )
        )
        .when(overdue_message & cleared)
        .then(pl.lit("the data shows nothing overdue on the account since the plan"))
        .when(pressing)
        .then(
            pl.format(
                "paid {} since the plan: no {} message after a payment",
                pl.col("_paid").round(2),
                pl.col("tone"),
            )
        )
    )
    return (
        rows.with_columns(detail.alias("detail"))
        .filter(pl.col("detail").is_not_null())
        .select("action_id", pl.lit(PAID).alias("rule"), "detail")
    )


def decide(
    chunk: pl.DataFrame,
    guard: pl.DataFrame,
    paid: pl.DataFrame,
    words_refusal: Callable[[dict[str, object]], tuple[str, str] | None],
) -> Verdicts:
    """The verdicts for a chunk (its rows keep their order in `send`)."""
    verdict = (
        chunk.select("action_id", "window_end")
        .join(guard, on="action_id", how="left")
        .join(
            paid.rename({"rule": "paid_rule", "detail": "paid_detail"}), on="action_id", how="left"
        )
    )
    hold: list[tuple[str, str, str, datetime]] = []
    cancel: list[tuple[str, str, str]] = []
    refused: set[str] = set()
    for row in verdict.iter_rows(named=True):
        key = row["action_id"]
        if not row["allowed"]:
            until = row["next_allowed_at"]
            rule, detail = row["rule"] or "REFUSED", row["detail"] or ""
            if until is not None and until < row["window_end"]:
                hold.append((key, rule, detail, until))
            else:
                cancel.append((key, rule, detail))
            refused.add(key)
        elif row["paid_rule"] is not None:
            cancel.append((key, row["paid_rule"], row["paid_detail"]))
            refused.add(key)
    for row in chunk.filter(~pl.col("action_id").is_in(list(refused))).iter_rows(named=True):
        words = words_refusal(row)
        if words is not None:
            cancel.append((row["action_id"], *words))
            refused.add(row["action_id"])
    return Verdicts(chunk.filter(~pl.col("action_id").is_in(list(refused))), hold, cancel)
