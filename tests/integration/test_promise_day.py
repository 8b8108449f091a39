"""The mixed example on the day a promise falls due: one reminder, slotted before 11:00 local."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import RunOutcome, run_plan
from builders import RUN_DATE, PortfolioBuilder

MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"
NY_PHONE = "+12127360123"
ZONES = {"CN": "Asia/Shanghai", "US": "America/New_York"}
PAST_MONDAYS = (RUN_DATE - timedelta(days=14), RUN_DATE - timedelta(days=21))


def local_ts(day: date, hour: int, zone: str) -> str:
    start = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ZoneInfo(zone))
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    root = tmp_path_factory.mktemp("promise_day")
    b = PortfolioBuilder()
    for n, dpd in ((1, 12), (3, 1), (5, None)):
        b.debtor(n, dpd=dpd, country="CN", timezone=ZONES["CN"])
    for n, dpd in ((2, 20), (4, 1), (6, None)):
        b.debtor(n, dpd=dpd, country="US", timezone=ZONES["US"], phone=NY_PHONE[:-1] + str(n))
    # Promises falling due today (debtors 1 and 2); debtors 3 and 4 have none.
    for n in (1, 2):
        b.add(
            "promises", promise_id=f"PR{n}", account_id=f"A{n:05d}",
            made_at="2026-11-27T03:00:00Z", due_date=RUN_DATE.isoformat(), amount=50.0,
        )  # fmt: skip
    # The ledger says evenings answer: right-party contacts at 19:00 local on past Mondays,
    # none in the morning (debtors 5 and 6 are not overdue and get no contact today).
    for n, country in ((5, "CN"), (6, "US")):
        for k, day in enumerate(PAST_MONDAYS):
            for hour, outcome in ((8, "no_answer"), (9, "no_answer"), (10, "no_answer"),
                                  (19, "rpc")):  # fmt: skip
                b.attempt(
                    f"AT{n}-{k}-{hour}", local_ts(day, hour, ZONES[country]), outcome,
                    account=f"A{n:05d}", contact=f"P{n:05d}",
                )  # fmt: skip
    data = b.write(root / "data")
    return run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=root / "run")


def lists_of(run: RunOutcome) -> pl.DataFrame:
    lists = run.record.call_lists
    assert lists is not None
    return lists.join(
        run.record.actions.select("action_id", "step", "timezone"), on="action_id", how="left"
    )


def local_start(row: dict[str, object], zone: str) -> datetime:
    start = row["slot_start"]
    assert isinstance(start, datetime)
    return start.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(("account", "country"), [("A00001", "CN"), ("A00002", "US")])
def test_a_promise_falling_due_today_gets_one_reminder_slotted_before_11_local(
    run: RunOutcome, account: str, country: str
) -> None:
    actions = run.record.actions.filter(pl.col("account_id") == account)
    assert actions.select("segment", "step", "channel", "template").rows() == [
        ("promise_day", "promise_day.sms", "sms", "promise_day_reminder")
    ]
    [row] = lists_of(run).filter(pl.col("account_id") == account).to_dicts()
    start = local_start(row, ZONES[country])
    assert start.date() == RUN_DATE and start.hour < 11
    assert row["send_by"] == "11:00" and "before send_by 11:00 local" in row["reason"]


@pytest.mark.parametrize(("account", "country"), [("A00003", "CN"), ("A00004", "US")])
def test_without_send_by_the_same_ledger_sends_an_sms_in_the_evening(
    run: RunOutcome, account: str, country: str
) -> None:
    # The control: what the rates alone choose, so the morning slot above is send_by's doing.
    [row] = lists_of(run).filter(pl.col("account_id") == account).to_dicts()
    assert row["channel"] == "sms" and row["send_by"] is None
    assert local_start(row, ZONES[country]).hour == 19


def test_the_manifest_counts_the_batches_with_the_strategys_limits(run: RunOutcome) -> None:
    manifest = json.loads((run.out / "manifest.json").read_text(encoding="utf-8"))
    batches = manifest["dialing"]["batches"]
    assert batches["sms"]["slots"] >= 2 and batches["sms"]["per_hour"] == 5000


def test_on_a_generated_book_every_promise_day_reminder_starts_before_11_local_or_says_why(
    tmp_path: Path,
) -> None:
    tables = generate_portfolio(accounts=4000, seed=5, country="mixed", as_of=RUN_DATE)
    write_portfolio(tables, tmp_path / "data", fmt="parquet")
    outcome = run_plan(
        data=tmp_path / "data", strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "run"
    )
    reminders = lists_of(outcome).filter(pl.col("step") == "promise_day.sms")
    assert reminders.height > 0
    early = 0
    for row in reminders.to_dicts():
        assert row["send_by"] == "11:00" and row["slot_start"] is not None
        start = local_start(row, row["timezone"].split("|")[0])
        if "whole window was used" in row["reason"]:  # the window opened at 11:00 or later
            assert start.hour >= 11
        else:
            assert start.hour < 11, row
            early += 1
    assert early >= reminders.height * 0.9
