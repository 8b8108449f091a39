"""The migration matrix on four accounts followed over three month ends."""

from __future__ import annotations

import polars as pl
import pytest

from arrears.analytics.migration import migration
from arrears.strategy.model import Bucket

from .ledger import AS_OF, accounts, d

BUCKETS = (Bucket("M0", 0, 0), Bucket("M1", 1, 30), Bucket("M2", 31, 60), Bucket("M3+", 61, None))


def snapshots() -> pl.DataFrame:
    rows = [
        # X1 rolls every month: M1 (dpd 10) → M2 (41) → M3+ (71).
        ("2026-09-30", "X1", "2026-09-20", 100.0, "active"),
        ("2026-10-31", "X1", "2026-09-20", 200.0, "active"),
        ("2026-11-30", "X1", "2026-09-20", 300.0, "active"),
        # X2 cures: M1 (dpd 20) → M0 → M0.
        ("2026-09-30", "X2", "2026-09-10", 300.0, "active"),
        ("2026-10-31", "X2", None, 0.0, "active"),
        ("2026-11-30", "X2", None, 0.0, "active"),
        # X3: current, then M1 (dpd 16), then settled.
        ("2026-09-30", "X3", None, 0.0, "active"),
        ("2026-10-31", "X3", "2026-10-15", 50.0, "active"),
        ("2026-11-30", "X3", "2026-10-15", 0.0, "settled"),
        # X4: M2 (dpd 46), then gone from the book.
        ("2026-09-30", "X4", "2026-08-15", 80.0, "active"),
        # A mid-month snapshot of X1: only the month's last one counts.
        ("2026-09-15", "X1", None, 0.0, "active"),
    ]
    return pl.DataFrame(
        [
            {
                "as_of": d(a),
                "account_id": k,
                "due_date": d(u) if u else None,
                "overdue_amount": x,
                "status": s,
            }
            for a, k, u, x, s in rows
        ]
    )


def cells(frame: pl.DataFrame) -> dict[tuple[str, str, str], tuple[int, float]]:
    return {
        (r["month"], r["from_state"], r["to_state"]): (r["accounts"], r["share"])
        for r in frame.iter_rows(named=True)
    }


def test_each_account_moves_from_its_bucket_to_where_it_was_a_month_later():
    m = migration(accounts(), AS_OF, BUCKETS, snapshots())
    assert m.complete
    assert cells(m.matrix) == {
        ("2026-09", "M0", "M1"): (1, 1.0),  # X3
        ("2026-09", "M1", "M2"): (1, 0.5),  # X1
        ("2026-09", "M1", "M0"): (1, 0.5),  # X2
        ("2026-09", "M2", "exited"): (1, 1.0),  # X4
        ("2026-10", "M0", "M0"): (1, 1.0),  # X2
        ("2026-10", "M1", "settled"): (1, 1.0),  # X3
        ("2026-10", "M2", "M3+"): (1, 1.0),  # X1
    }


def test_roll_cure_and_flow_rates_are_read_from_the_matrix():
    m = migration(accounts(), AS_OF, BUCKETS, snapshots())
    r = {(x["month"], x["from_state"]): x for x in m.rates.iter_rows(named=True)}
    sep_m1 = r["2026-09", "M1"]
    assert sep_m1["accounts"] == 2
    assert (sep_m1["cure_rate"], sep_m1["roll_rate"], sep_m1["flow_rate"]) == (0.5, 0.5, 0.5)
    # By amount: X1 owed 100 of the 400 in M1 at the end of September, and it rolled.
    assert sep_m1["flow_rate_amount"] == pytest.approx(0.25)
    assert r["2026-10", "M1"]["cure_rate"] == 1.0  # settled counts as cured
    assert r["2026-10", "M2"]["flow_rate"] == 1.0
    assert r["2026-09", "M2"]["roll_rate"] == 0.0  # exited is neither cure nor roll


def test_without_snapshots_last_month_is_reconstructed_and_marked_incomplete():
    acc = accounts(
        {"account_id": "A", "due_date": d("2026-10-15"), "overdue_amount": 10.0},  # dpd 46
        {"account_id": "B", "due_date": d("2026-11-20"), "overdue_amount": 10.0},  # dpd 10
        {"account_id": "C"},
    )
    m = migration(acc, AS_OF, BUCKETS, None)
    assert not m.complete
    # On 10-30, A was at dpd 15 (M1); B's due date had not come (M0); C was current.
    assert cells(m.matrix) == {
        ("2026-10", "M0", "M1"): (1, 0.5),
        ("2026-10", "M0", "M0"): (1, 0.5),
        ("2026-10", "M1", "M2"): (1, 1.0),
    }
