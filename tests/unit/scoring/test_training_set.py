"""The training frame: the planner's features as known at each snapshot, beside its label.

First on a tiny hand-built history (events placed on the snapshot instant, and a promise whose
stored status is the one of the last date), then on a generated history, where the features
are recounted here from the raw tables.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from arrears.generate._common import contract_schema
from arrears.generate.snapshots import SNAPSHOTS, generate_history
from arrears.scoring.training_set import FEATURES, KEYS, training_frame

D0, D7, D14 = dt.date(2025, 1, 1), dt.date(2025, 1, 8), dt.date(2025, 1, 15)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def frame(table: str, rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=contract_schema(table), orient="row")


@pytest.fixture
def tiny() -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    customers = frame(
        "customers",
        [(f"C{i}", "X", "CN", "CN-BJ", "Asia/Shanghai", "zh-CN", None, None) for i in (1, 2, 3)],
    )
    contacts = frame(
        "contacts",
        [
            (f"P0{i}", f"C{i}", "debtor", "self", "phone", f"+861380013800{i}", None, None, None)
            for i in (1, 2, 3)
        ],
    )
    attempts = frame(
        "attempts",
        [
            ("T1", "A1", "P01", "human_call", ts("2024-12-31T20:00:00"), "rpc", None),
            ("T0", "A1", "P01", "human_call", ts("2025-01-01T00:00:00"), "no_answer", None),
            ("T2", "A2", "P02", "sms", ts("2025-01-07T10:00:00"), "delivered", None),
        ],
    )
    payments = frame(
        "payments",
        [
            ("P1", "A1", ts("2024-12-31T23:59:59"), 50.0),
            ("P2", "A1", ts("2025-01-01T00:00:00"), 60.0),
            ("P4", "A2", ts("2025-01-08T00:00:00"), 200.0),
        ],
    )
    # Made 30 Dec for 60, due 3 Jan; by the last date it is kept (P1 + P2), but at the
    # 1 Jan snapshot only P1 (50) had come in: it was open then.
    promises = frame("promises", [("R1", "A1", ts("2024-12-30T10:00:00"), D0 + dt.timedelta(2),
                                   60.0, "kept")])  # fmt: skip
    acc = contract_schema("accounts")

    def snap(day: dt.date, aid: str, overdue: float, due: dt.date | None) -> dict[str, object]:
        return {"as_of": day, "account_id": aid, "customer_id": "C" + aid[1:],
                "product": "cash_loan", "currency": "CNY", "overdue_amount": overdue,
                "outstanding_balance": 1000.0, "due_date": due, "next_due_date": None,
                "status": "active"}  # fmt: skip

    snapshots = pl.DataFrame(
        [
            snap(D0, "A1", 100.0, dt.date(2024, 12, 27)),
            snap(D0, "A2", 200.0, dt.date(2024, 12, 2)),
            snap(D0, "A3", 0.0, None),
            snap(D7, "A1", 0.0, None),
            snap(D7, "A2", 200.0, dt.date(2024, 12, 2)),
            snap(D7, "A3", 80.0, dt.date(2025, 1, 5)),
            snap(D14, "A1", 0.0, None),
            snap(D14, "A2", 0.0, None),
            snap(D14, "A3", 80.0, dt.date(2025, 1, 5)),
        ],
        schema={"as_of": pl.Date, **acc},
    )
    tables = {
        "customers": customers,
        "accounts": snapshots.filter(pl.col("as_of") == D14).drop("as_of"),
        "contacts": contacts,
        "attempts": attempts,
        "payments": payments,
        "promises": promises,
    }
    return tables, snapshots


def test_features_are_those_known_before_the_snapshot_instant(
    tiny: tuple[dict[str, pl.DataFrame], pl.DataFrame],
) -> None:
    tables, snapshots = tiny
    got = training_frame(tables, snapshots, "pay", within_days=7)
    rows = {(r["account_id"], r["as_of"]): r for r in got.frame.iter_rows(named=True)}
    assert set(rows) == {("A1", D0), ("A2", D0), ("A2", D7), ("A3", D7)}
    a1 = rows[("A1", D0)]
    assert a1["dpd"] == 5 and a1["bucket"] == "M1"
    assert a1["attempts_1d"] == 1  # T1; T0 at the snapshot instant is not yet history
    assert a1["rpc_7d"] == 1
    assert a1["paid_30d"] == 50.0  # P1 only; P2 is at the instant
    assert a1["has_open_promise"] is True  # stored "kept" is the future: derived again
    assert a1["promise_amount"] == 60.0
    assert a1["pay"] is False  # P2 (60) < 100 in [1 Jan, 8 Jan)
    a2 = rows[("A2", D7)]
    assert a2["dpd"] == 37 and a2["bucket"] == "M2"
    assert a2["attempts_7d"] == 1 and a2["rpc_7d"] == 0
    assert a2["paid_30d"] == 0.0 and a2["pay"] is True  # P4 is at 8 Jan 00:00: label, not feature
    assert rows[("A3", D7)]["dpd"] == 3


def test_the_frame_has_keys_documented_features_and_only_the_label(
    tiny: tuple[dict[str, pl.DataFrame], pl.DataFrame],
) -> None:
    tables, snapshots = tiny
    got = training_frame(tables, snapshots, "self_cure", within_days=7)
    assert got.frame.columns == [*KEYS, *got.features, "self_cure"]
    assert set(got.features) == set(FEATURES)  # every documented feature is produced
    assert "paid_amount" not in got.frame.columns and "contacted" not in got.frame.columns
    assert got.dropped == {"not_overdue": 4, "window_past_end": 1}


def test_extra_account_columns_of_the_snapshots_become_features(
    tiny: tuple[dict[str, pl.DataFrame], pl.DataFrame],
) -> None:
    tables, snapshots = tiny
    scored = snapshots.with_columns(score=pl.col("overdue_amount") / 10)
    got = training_frame(tables, scored, "roll", within_days=7)
    assert "score" in got.features
    assert got.frame.filter(pl.col("account_id") == "A2", pl.col("as_of") == D0)["score"][0] == 20
    with pytest.raises(ValueError, match="target must be one of"):
        training_frame(tables, snapshots, "contactability")


@pytest.fixture(scope="module")
def history() -> dict[str, pl.DataFrame]:
    return generate_history(
        accounts=4000, seed=21, country="mixed", as_of=dt.date(2025, 6, 2), days=180
    )


@pytest.fixture(scope="module")
def pay_frame(history: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return training_frame(history, history[SNAPSHOTS], "pay", within_days=14).frame


def test_features_recounted_from_the_raw_tables_agree(
    history: dict[str, pl.DataFrame], pay_frame: pl.DataFrame
) -> None:
    day = dt.date(2025, 3, 3)
    rows = pay_frame.filter(pl.col("as_of") == day)
    assert rows.height > 300
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    counts = (
        history["attempts"]
        .filter(pl.col("at") < start, pl.col("at") >= start - dt.timedelta(days=7))
        .group_by("account_id")
        .agg(pl.len().alias("n"), (pl.col("outcome") == "rpc").sum().alias("r"))
    )
    snap = history[SNAPSHOTS].filter(pl.col("as_of") == day)
    check = (
        rows.join(counts, on="account_id", how="left")
        .join(snap.select("account_id", "due_date"), on="account_id")
        .with_columns(pl.col("n", "r").fill_null(0))
    )
    assert (check["attempts_7d"] == check["n"]).all()
    assert (check["rpc_7d"] == check["r"]).all()
    recount = check.select((pl.lit(day) - pl.col("due_date")).dt.total_days()).to_series()
    assert (check["dpd"] == recount).all()
