"""Labels on a tiny hand-built history: three accounts, snapshots on 1, 8 and 15 January.

The expected labels are worked out by hand in each test from the events below; several events
sit exactly on a window's edge, so a label that peeks at or before the snapshot instant, or at
the end of its window, comes out different.

    A1  1 Jan: overdue 100, due 27 Dec (dpd 5)   8 Jan: paid up      15 Jan: paid up
    A2  1 Jan: overdue 200, due 2 Dec (dpd 30)   8 Jan: dpd 37       15 Jan: paid up
    A3  1 Jan: current                           8 Jan: 80, dpd 3    15 Jan: 80, dpd 10
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from arrears.generate._common import contract_schema
from arrears.scoring.labels import (
    contactability_label,
    pay_label,
    roll_label,
    self_cure_label,
)
from arrears.strategy.model import Bucket

D0, D7, D14 = dt.date(2025, 1, 1), dt.date(2025, 1, 8), dt.date(2025, 1, 15)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def account(as_of: dt.date, aid: str, overdue: float, due: dt.date | None) -> dict[str, object]:
    return {
        "as_of": as_of,
        "account_id": aid,
        "customer_id": "C" + aid[1:],
        "product": "cash_loan",
        "currency": "CNY",
        "overdue_amount": overdue,
        "outstanding_balance": 1000.0,
        "due_date": due,
        "next_due_date": None,
        "status": "active",
    }


@pytest.fixture
def snapshots() -> pl.DataFrame:
    rows = [
        account(D0, "A1", 100.0, dt.date(2024, 12, 27)),
        account(D0, "A2", 200.0, dt.date(2024, 12, 2)),
        account(D0, "A3", 0.0, None),
        account(D7, "A1", 0.0, None),
        account(D7, "A2", 200.0, dt.date(2024, 12, 2)),
        account(D7, "A3", 80.0, dt.date(2025, 1, 5)),
        account(D14, "A1", 0.0, None),
        account(D14, "A2", 0.0, None),
        account(D14, "A3", 80.0, dt.date(2025, 1, 5)),
    ]
    return pl.DataFrame(rows, schema={"as_of": pl.Date, **contract_schema("accounts")})


@pytest.fixture
def payments() -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("P1", "A1", ts("2024-12-31T23:59:59"), 50.0),  # a second before the 1 Jan snapshot
            ("P2", "A1", ts("2025-01-01T00:00:00"), 60.0),  # at the snapshot instant: after it
            ("P3", "A1", ts("2025-01-07T12:00:00"), 30.0),
            ("P4", "A2", ts("2025-01-08T00:00:00"), 200.0),  # the end of the 1 Jan 7-day window
        ],
        schema=contract_schema("payments"),
        orient="row",
    )


@pytest.fixture
def attempts() -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("T1", "A1", "P01", "human_call", ts("2024-12-31T20:00:00"), "rpc", None),
            ("T2", "A2", "P02", "human_call", ts("2025-01-09T10:00:00"), "no_answer", None),
            ("T3", "A3", "P03", "human_call", ts("2025-01-15T00:00:00"), "rpc", None),
        ],
        schema=contract_schema("attempts"),
        orient="row",
    )


def labels_of(frame: pl.DataFrame, column: str) -> dict[tuple[str, dt.date], bool]:
    return {(a, d): v for a, d, v in frame.select("account_id", "as_of", column).iter_rows()}


def test_pay_counts_payments_from_the_snapshot_instant_to_before_the_window_end(
    snapshots: pl.DataFrame, payments: pl.DataFrame
) -> None:
    got = pay_label(snapshots, payments, within_days=7, share=1.0)
    # A1 on 1 Jan owes 100; P2 + P3 = 90 fall in [1 Jan, 8 Jan) (P1 is before) -> not paid.
    # A2 on 1 Jan: P4 at 8 Jan 00:00 is the window's end -> not paid; on 8 Jan it is inside.
    # A3 on 8 Jan owes 80, pays nothing. 15 Jan's window ends after the data (15 Jan).
    assert labels_of(got.frame, "pay") == {
        ("A1", D0): False,
        ("A2", D0): False,
        ("A2", D7): True,
        ("A3", D7): False,
    }
    assert got.frame.filter(pl.col("account_id") == "A1")["paid_amount"].to_list() == [90.0]
    assert got.dropped == {"not_overdue": 4, "window_past_end": 1}
    assert got.data_end == D14


def test_pay_with_a_share_needs_only_that_part_of_the_overdue_amount(
    snapshots: pl.DataFrame, payments: pl.DataFrame
) -> None:
    got = labels_of(pay_label(snapshots, payments, within_days=7, share=0.9).frame, "pay")
    assert got[("A1", D0)] is True  # 90 >= 0.9 x 100
    got = labels_of(pay_label(snapshots, payments, within_days=7, share=0.95).frame, "pay")
    assert got[("A1", D0)] is False


def test_a_window_must_end_by_the_data_end_so_late_snapshots_are_dropped(
    snapshots: pl.DataFrame, payments: pl.DataFrame
) -> None:
    # 8 days: the 8 Jan window ends 16 Jan, after the data; only 1 Jan rows remain.
    got = pay_label(snapshots, payments, within_days=8)
    assert set(got.frame["as_of"]) == {D0}
    assert got.dropped["window_past_end"] == 3  # A2 and A3 on 8 Jan, A3 on 15 Jan
    got = pay_label(snapshots, payments, within_days=8, data_end=dt.date(2025, 2, 1))
    assert got.dropped["window_past_end"] == 0
    assert labels_of(got.frame, "pay")[("A2", D0)] is True  # now P4 (8 Jan) is inside


def test_roll_is_crossing_the_upper_end_of_the_bucket_by_the_later_snapshot(
    snapshots: pl.DataFrame,
) -> None:
    got = roll_label(snapshots, within_days=7)
    # 1 Jan: A1 dpd 5 -> 0 (no), A2 dpd 30 (M1 ends at 30) -> 37 (yes), A3 0 -> 3 (M0 -> M1).
    # 8 Jan: A1 0 -> 0, A2 37 -> 0 (paid), A3 3 -> 10 (still M1).
    assert labels_of(got.frame, "roll") == {
        ("A1", D0): False,
        ("A2", D0): True,
        ("A3", D0): True,
        ("A1", D7): False,
        ("A2", D7): False,
        ("A3", D7): False,
    }
    assert got.dropped["window_past_end"] == 3


def test_roll_uses_the_strategy_buckets_when_given(snapshots: pl.DataFrame) -> None:
    wide = (Bucket("current", 0, 0), Bucket("early", 1, 59), Bucket("late", 60, None))
    got = labels_of(roll_label(snapshots, within_days=7, buckets=wide).frame, "roll")
    assert got[("A2", D0)] is False  # 30 -> 37 stays in "early"
    assert got[("A3", D0)] is True


def test_roll_needs_a_later_snapshot_at_exactly_the_window(snapshots: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="multiple of the snapshot spacing"):
        roll_label(snapshots, within_days=5)


def test_an_account_in_the_open_last_bucket_cannot_roll_and_is_not_labelled(
    snapshots: pl.DataFrame,
) -> None:
    two = (Bucket("current", 0, 0), Bucket("late", 1, None))
    got = roll_label(snapshots, within_days=7, buckets=two)
    assert labels_of(got.frame, "roll") == {
        ("A3", D0): True,
        ("A1", D7): False,
    }
    assert got.dropped["cannot_roll"] == 4


def test_self_cure_is_paying_with_no_attempt_inside_the_window(
    snapshots: pl.DataFrame, payments: pl.DataFrame, attempts: pl.DataFrame
) -> None:
    got = self_cure_label(snapshots, payments, attempts, within_days=7, share=0.9)
    # A1 1 Jan: paid 90 of 100; its call was on 31 Dec, before the snapshot -> self-cure.
    # A2 8 Jan: paid, but called on 9 Jan -> not a self-cure. A3 8 Jan: called at 15 Jan
    # 00:00, the window's end (not inside), but paid nothing.
    assert labels_of(got.frame, "self_cure") == {
        ("A1", D0): True,
        ("A2", D0): False,
        ("A2", D7): False,
        ("A3", D7): False,
    }
    assert labels_of(got.frame, "contacted") == {
        ("A1", D0): False,
        ("A2", D0): False,
        ("A2", D7): True,
        ("A3", D7): False,
    }
    # Counting only right-party contacts, A2's unanswered call is no contact.
    only_rpc = self_cure_label(
        snapshots, payments, attempts, within_days=7, share=0.9, outcomes=("rpc",)
    )
    assert labels_of(only_rpc.frame, "self_cure")[("A2", D7)] is True


def test_contactability_reads_the_hour_and_weekday_where_the_point_is() -> None:
    customers = pl.DataFrame(
        [
            ("C1", "Li", "CN", None, "Asia/Shanghai", None, None, None),
            ("C2", "Wu", "CN", None, None, None, None, None),
        ],
        schema=contract_schema("customers"),
        orient="row",
    )
    contacts = pl.DataFrame(
        [
            ("P1", "C1", "debtor", "self", "phone", "+8613800138000", None, None, None),
            ("P2", "C1", "debtor", "self", "phone", "+12125550100", "America/New_York", None, None),
            ("P3", "C2", "debtor", "self", "phone", "+8613800138001", None, None, None),
        ],
        schema=contract_schema("contacts"),
        orient="row",
    )
    attempts = pl.DataFrame(
        [
            # Monday 6 Jan 01:30 UTC = 09:30 Monday in Shanghai (the customer's zone).
            ("T1", "A1", "P1", "human_call", ts("2025-01-06T01:30:00"), "rpc", None),
            # Saturday 11 Jan 23:30 UTC = 18:30 Saturday in New York (the point's own zone),
            # though Sunday 07:30 in the customer's.
            ("T2", "A1", "P2", "robot_call", ts("2025-01-11T23:30:00"), "no_answer", None),
            ("T3", "A1", "P1", "sms", ts("2025-01-06T02:00:00"), "delivered", None),
            ("T4", "A2", "P3", "human_call", ts("2025-01-06T02:00:00"), "rpc", None),  # no zone
            ("T5", "A1", "P1", "human_call", ts("2025-01-20T02:00:00"), "rpc", None),
        ],
        schema=contract_schema("attempts"),
        orient="row",
    )
    got = contactability_label(attempts, contacts, customers, data_end=dt.date(2025, 1, 20))
    rows = got.frame.select("attempt_id", "hour", "weekday", "contactability").rows()
    assert rows == [("T1", 9, 1, True), ("T2", 18, 6, False)]
    assert got.label == "contactability"
    assert got.dropped == {"after_end": 1, "no_zone": 1}
