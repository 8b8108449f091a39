"""Hand-built ledgers for the analytics tests: every row is in the test module that uses it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl

AS_OF = date(2026, 11, 30)
TS = pl.Datetime("us", "UTC")


def ts(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM' (or a date: midday)."""
    value = datetime.fromisoformat(text if " " in text else f"{text} 12:00")
    return value.replace(tzinfo=UTC)


def accounts(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {
        "customer_id": None,
        "product": "cash_loan",
        "currency": "CNY",
        "overdue_amount": 0.0,
        "outstanding_balance": 1000.0,
        "due_date": None,
        "next_due_date": None,
        "status": "active",
    }
    full = [base | {"customer_id": "C" + r["account_id"]} | r for r in rows]
    return pl.DataFrame(
        full,
        schema={
            "account_id": pl.String,
            "customer_id": pl.String,
            "product": pl.String,
            "currency": pl.String,
            "overdue_amount": pl.Float64,
            "outstanding_balance": pl.Float64,
            "due_date": pl.Date,
            "next_due_date": pl.Date,
            "status": pl.String,
        },
    )


def payments(*rows: tuple[str, str, float]) -> pl.DataFrame:
    """(account_id, when, amount) rows."""
    return pl.DataFrame(
        [
            {"payment_id": f"P{i}", "account_id": a, "paid_at": ts(w), "amount": x}
            for i, (a, w, x) in enumerate(rows)
        ],
        schema={
            "payment_id": pl.String,
            "account_id": pl.String,
            "paid_at": TS,
            "amount": pl.Float64,
        },
    )


def attempts(*rows: tuple[str, str, str, str, str | None]) -> pl.DataFrame:
    """(account_id, channel, when, outcome, agent_id) rows."""
    return pl.DataFrame(
        [
            {
                "attempt_id": f"T{i}",
                "account_id": a,
                "contact_id": "P" + a,
                "channel": ch,
                "at": ts(w),
                "outcome": o,
                "agent_id": ag,
            }
            for i, (a, ch, w, o, ag) in enumerate(rows)
        ],
        schema={
            "attempt_id": pl.String,
            "account_id": pl.String,
            "contact_id": pl.String,
            "channel": pl.String,
            "at": TS,
            "outcome": pl.String,
            "agent_id": pl.String,
        },
    )


def d(text: str) -> date:
    return date.fromisoformat(text)
