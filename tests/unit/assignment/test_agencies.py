"""The agency performance table: recovery since placement, commission, complaints, blocks."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from arrears.assignment.agencies import agency_facts, agency_table

T = pl.Datetime("us", "UTC")


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, tzinfo=UTC)


def test_recovery_counts_payments_since_placement_and_the_commission_they_cost() -> None:
    tables: dict[str, pl.DataFrame | None] = {
        "teams": pl.DataFrame(
            {
                "team_id": ["alpha", "beta", "people"],
                "kind": ["agency", "agency", "human"],
                "capacity_cases": [10, 10, None],
                "commission_rate": [0.2, 0.3, None],
            }
        ),
        "cases": pl.DataFrame(
            {
                "account_id": ["a1", "a2", "b1", "h1"],
                "owner_id": ["alpha", "alpha", "beta", "AG1"],
                "assigned_at": [at(10), at(10), at(20), at(1)],
            },
            schema_overrides={"assigned_at": T},
        ),
        "accounts": pl.DataFrame(
            {"account_id": ["a1", "a2", "b1", "h1"], "overdue_amount": [100.0, 300.0, 50.0, 9.0]}
        ),
        "payments": pl.DataFrame(
            {
                "account_id": ["a1", "a1", "b1", "h1"],
                "paid_at": [at(5), at(12), at(25), at(2)],  # a1's first payment predates it
                "amount": [1000.0, 100.0, 50.0, 5.0],
            },
            schema_overrides={"paid_at": T},
        ),
        "complaints": pl.DataFrame(
            {"account_id": ["a2", "a2", "b1"], "received_at": [at(9), at(15), at(21)]},
            schema_overrides={"received_at": T},
        ),
    }
    blocked = pl.DataFrame(
        {"account_id": ["a1", "a1", "b1"], "rule": ["CN-HOURS", "NO-CONTACT-POINT", "CN-HOURS"]}
    )
    facts = agency_facts(tables, blocked)
    assert sorted(facts["account_id"]) == ["a1", "a2", "b1"]
    table = {r["agency"]: r for r in agency_table(facts, tables["teams"], None).to_dicts()}
    alpha, beta = table["alpha"], table["beta"]
    assert (alpha["placed"], alpha["recovered"], alpha["still_overdue"]) == (2, 100.0, 400.0)
    assert alpha["recovery_rate"] == pytest.approx(0.2)
    assert alpha["commission_cost"] == pytest.approx(20.0)
    assert (alpha["complaints"], alpha["blocked_today"]) == (1, 1)
    assert alpha["complaints_per_1000"] == pytest.approx(500.0)
    assert beta["recovery_rate"] == pytest.approx(0.5)
    assert list(table) == ["beta", "alpha"]  # best recovery rate first
