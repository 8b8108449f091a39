"""Small hand-made portfolios for tests: every row visible in the test that uses it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

RUN_DATE = date(2026, 11, 30)  # a Monday, no CN holiday


def cn_phone(i: int) -> str:
    return f"+86138{i:08d}"


class PortfolioBuilder:
    """Collects rows table by table and writes them as CSV (the format lenders send most)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {
            "accounts": [],
            "customers": [],
            "contacts": [],
        }

    def add(self, table: str, **row: Any) -> PortfolioBuilder:
        self.tables.setdefault(table, []).append(row)
        return self

    def debtor(
        self,
        n: int,
        *,
        dpd: int | None,
        product: str = "cash_loan",
        country: str = "CN",
        timezone: str | None = "Asia/Shanghai",
        phone: str | None = None,
        status: str = "active",
        run_date: date = RUN_DATE,
        **account_extra: Any,
    ) -> PortfolioBuilder:
        """A customer with one account and one debtor phone; `dpd` None = not overdue."""
        cid, aid = f"C{n:05d}", f"A{n:05d}"
        self.add("customers", customer_id=cid, name=f"客户{n}", country=country, timezone=timezone)
        self.add(
            "accounts",
            account_id=aid,
            customer_id=cid,
            product=product,
            currency="CNY",
            overdue_amount=100.0 if dpd else 0.0,
            outstanding_balance=1000.0,
            due_date=(run_date - timedelta(days=dpd)).isoformat() if dpd is not None else None,
            status=status,
            **account_extra,
        )
        self.add(
            "contacts",
            contact_id=f"P{n:05d}",
            customer_id=cid,
            role="debtor",
            relation="self",
            kind="phone",
            value=phone or cn_phone(n),
        )
        return self

    def point(
        self, n: int, contact_id: str, value: str, *, role: str = "debtor", **extra: Any
    ) -> PortfolioBuilder:
        """Another contact point of customer `n` (a phone unless `kind` says otherwise)."""
        row = {"kind": "phone", **extra}
        return self.add(
            "contacts",
            contact_id=contact_id,
            customer_id=f"C{n:05d}",
            role=role,
            value=value,
            **row,
        )

    def attempt(
        self,
        attempt_id: str,
        at: str,
        outcome: str = "no_answer",
        *,
        account: str = "A00001",
        contact: str = "P00001",
        channel: str = "human_call",
    ) -> PortfolioBuilder:
        """A row of the contact ledger (by default a failed call to debtor 1's phone)."""
        return self.add(
            "attempts",
            attempt_id=attempt_id,
            account_id=account,
            contact_id=contact,
            channel=channel,
            at=at,
            outcome=outcome,
        )

    def account(
        self, n: int, account_id: str, *, due_date: str | None = None, **extra: Any
    ) -> PortfolioBuilder:
        """Another account of customer `n`: a small BNPL balance, overdue when `due_date`."""
        row = {
            "product": "bnpl",
            "currency": "CNY",
            "overdue_amount": 50.0,
            "outstanding_balance": 50.0,
            **extra,
        }
        return self.add(
            "accounts", account_id=account_id, customer_id=f"C{n:05d}", due_date=due_date, **row
        )

    def write(self, folder: Path, overrides: Mapping[str, Iterable[dict[str, Any]]] = ()) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in {**self.tables, **dict(overrides)}.items():
            rows = list(rows)
            if rows:
                columns: dict[str, None] = {}
                for row in rows:
                    columns.update(dict.fromkeys(row))
                frame = pl.DataFrame(
                    [{c: _text(row.get(c)) for c in columns} for row in rows],
                    schema=dict.fromkeys(columns, pl.String),
                )
                frame.write_csv(folder / f"{name}.csv")
        return folder


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
