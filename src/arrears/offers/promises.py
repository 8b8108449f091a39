"""An accepted offer recorded as promises to pay, in the contract's `promises` layout.

One row per payment of the schedule (`promise_id`, `account_id`, `made_at`, `due_date`,
`amount`, `status` = `open`), plus the optional columns `offer` (the rule id), `kind`,
`instalment` (1-based) and `instalments` (how many). Amounts are Decimals with the currency's
minor digits and sum exactly to the agreed total. `promise_id` is a hash of the account, the
moment, the offer and the payment: recording the same acceptance twice gives the same ids.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from arrears.hashing import fnv1a64_one
from arrears.offers.engine import Decision, role_rank
from arrears.offers.money import minor_digits

PROMISE_COLUMNS: tuple[str, ...] = (
    "promise_id",
    "account_id",
    "made_at",
    "due_date",
    "amount",
    "status",
)


def promises_of(
    decision: Decision, made_at: datetime, *, approved_by: str | None = None
) -> pl.DataFrame:
    """The promises an accepted offer makes. A decision that needs approval is recorded once
    `approved_by` names a role at least as senior as its approver; a refused one never is."""
    if decision.outcome == "refused" or decision.terms is None:
        raise ValueError(f"offer refused, nothing to record: {decision.reason}")
    if decision.outcome == "needs_approval":
        assert decision.approver_role is not None
        if approved_by is None or role_rank(approved_by) < role_rank(decision.approver_role):
            who = approved_by or "nobody"
            raise ValueError(
                f"the offer needs a {decision.approver_role}'s approval (approved by {who})"
            )
    at = made_at.replace(tzinfo=UTC) if made_at.tzinfo is None else made_at.astimezone(UTC)
    terms = decision.terms
    n = len(terms.schedule)
    rows = []
    for k, payment in enumerate(terms.schedule, start=1):
        key = "|".join(
            (
                decision.account_id, at.isoformat(), decision.rule_id or "", terms.kind,
                str(k), str(n), payment.due_date.isoformat(), str(payment.amount),
            )
        )  # fmt: skip
        rows.append(
            {
                "promise_id": f"OFR-{fnv1a64_one(key):016x}",
                "account_id": decision.account_id,
                "made_at": at,
                "due_date": payment.due_date,
                "amount": payment.amount,
                "status": "open",
                "offer": decision.rule_id,
                "kind": terms.kind,
                "instalment": k,
                "instalments": n,
            }
        )
    schema = {
        "promise_id": pl.String(),
        "account_id": pl.String(),
        "made_at": pl.Datetime("us", "UTC"),
        "due_date": pl.Date(),
        "amount": pl.Decimal(18, minor_digits(terms.currency)),
        "status": pl.String(),
        "offer": pl.String(),
        "kind": pl.String(),
        "instalment": pl.Int32(),
        "instalments": pl.Int32(),
    }
    return pl.DataFrame(rows, schema=schema)
