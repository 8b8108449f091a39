"""Pre-due and due-day reminders (`days_before_due`): the right accounts on the right day, the
guard as for any step, `explain`, and the reminder sent with the instalment's due date."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.contract.load import load_portfolio
from arrears.examples import templates_path
from arrears.planning.explain import explain
from arrears.planning.plan import plan_day
from arrears.planning.run import RunOutcome, run_plan
from arrears.strategy.load import load_strategy_text
from builders import RUN_DATE, PortfolioBuilder
from channel_book import SEND_AT, config
from channel_servers import Gateway

STRATEGY = """\
name: due-reminders
version: 1
jurisdiction: [CN, US]
buckets:
  M0: [0, 0]
  M1: [1, 30]
segments:
  - id: book
    when: product == 'cash_loan'   # no bucket test: overdue accounts are in the segment too
    steps:
      - id: due.sms
        days_before_due: [3, 0]
        channel: sms
        template: due_reminder
      - id: late.sms
        days: [2]
        channel: sms
        template: late_notice
"""
US_PHONE = "+1212736012"  # + the debtor's number


def due_in(days: int) -> str:
    return (RUN_DATE + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    root = tmp_path_factory.mktemp("due_reminders")
    b = PortfolioBuilder()
    for n, days in ((1, 5), (2, 3), (3, 1), (4, 0)):  # not overdue, due in 5, 3, 1, 0 days
        b.debtor(n, dpd=None, next_due_date=due_in(days))
    b.debtor(5, dpd=2, next_due_date=due_in(3))  # overdue, an instalment due in 3 days too
    b.debtor(6, dpd=None, next_due_date=None)  # no instalment on file
    b.debtor(7, dpd=None, next_due_date=due_in(3))  # due in 3 days, opted out of SMS
    b.tables["contacts"][-1]["opt_out"] = "sms"
    b.debtor(8, dpd=None, next_due_date=due_in(0), country="US",
             timezone="America/New_York", phone=US_PHONE + "8")  # fmt: skip
    data = b.write(root / "data")
    strategy = root / "strategy.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    return run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=root / "run")


def fired(frame: pl.DataFrame, step: str) -> list[str]:
    return sorted(frame.filter(pl.col("step") == step).get_column("account_id").unique())


def test_the_reminder_fires_3_days_before_due_and_on_the_due_date_only(run: RunOutcome) -> None:
    actions, blocked = run.record.actions, run.record.blocked
    # Due in 3 days and due today; not 5 or 1 days before, not the overdue account (dpd 2,
    # though its next instalment is 3 days off), not without a next_due_date. 7 and 8 fire
    # too and are refused by the guard (below).
    assert fired(actions, "due.sms") == ["A00002", "A00004"]
    both = pl.concat([f.select("account_id", "step") for f in (actions, blocked)])
    assert fired(both, "due.sms") == ["A00002", "A00004", "A00007", "A00008"]
    # The overdue account gets the step of its dpd instead.
    assert fired(actions, "late.sms") == ["A00005"]
    reasons = dict(actions.select("account_id", "reason").iter_rows())
    assert reasons["A00002"].startswith("segment book (bucket M0, dpd 0, 3 days before due)")
    assert reasons["A00004"].startswith("segment book (bucket M0, dpd 0, due today)")
    assert reasons["A00005"].startswith("segment book (bucket M1, dpd 2), arm champion")


def test_the_reminder_goes_through_the_guard_like_any_step(run: RunOutcome) -> None:
    actions, blocked = run.record.actions, run.record.blocked
    # Opted out of SMS: refused.
    [opted] = blocked.filter(pl.col("account_id") == "A00007").to_dicts()
    assert (opted["step"], opted["rule"]) == ("due.sms", "OPT-OUT")
    # A US debtor's SMS must say how to opt out, and this step is not flagged so.
    [us] = blocked.filter(pl.col("account_id") == "A00008").to_dicts()
    assert (us["step"], us["rule"]) == ("due.sms", "US-OPT-OUT-NOTICE")
    # The window is the preset's, the same as the overdue step's in the same zone.
    windows = {
        a: (s, e)
        for a, s, e in actions.select("account_id", "window_start", "window_end").iter_rows()
    }
    assert windows["A00002"] == windows["A00004"] == windows["A00005"]
    start, end = (t.astimezone(ZoneInfo("Asia/Shanghai")) for t in windows["A00002"])
    assert start.date() == RUN_DATE and start.hour >= 8 and end.hour <= 21


def test_explain_says_which_day_before_due_fired_and_why_the_others_did_not(
    run: RunOutcome,
) -> None:
    def why(account: str) -> tuple[bool, str, list[int]]:
        [check] = [s for s in explain(run.out, account).steps if s.step == "due.sms"]
        return check.fired, check.why, check.days_before_due

    assert why("A00002") == (True, "due in 3 days: a step day (3, 0 before due)", [3, 0])
    assert why("A00004")[:2] == (True, "due today: a step day (3, 0 before due)")
    assert why("A00001")[:2] == (False, "due in 5 days: not a step day (3, 0 before due)")
    assert why("A00003")[:2] == (False, "due in 1 day: not a step day (3, 0 before due)")
    assert why("A00005")[:2] == (
        False, "dpd 2: overdue, and the step fires only before due (3, 0)"
    )  # fmt: skip
    assert not why("A00006")[0] and "no next_due_date" in why("A00006")[1]


# -- property: fires iff the offset is listed and the account is not overdue -----------------

PROPERTY_STRATEGY = """\
name: due-property
version: 1
jurisdiction: CN
buckets:
  M0: [0, 0]
  M1: [1, 60]
segments:
  - id: all
    steps:
      - {{id: a, days_before_due: {a}, channel: sms, template: t}}
      - {{id: b, days_before_due: {b}, channel: email, template: e}}
      - {{id: late, days: [1, 5], channel: sms, template: t}}
"""
OFFSET = st.one_of(st.none(), st.integers(-3, 12))  # days to next_due_date (None: no date)
DPD = st.sampled_from([0, 0, 0, 1, 5, 40])  # mostly not overdue
DAYS = st.lists(st.integers(0, 10), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(book=st.lists(st.tuples(OFFSET, DPD), min_size=1, max_size=12), a=DAYS, b=DAYS)
def test_a_due_relative_step_fires_iff_the_offset_is_listed_and_the_account_is_not_overdue(
    tmp_path: Path, book: list[tuple[int | None, int]], a: list[int], b: list[int]
) -> None:
    builder = PortfolioBuilder()
    for n, (offset, dpd) in enumerate(book, start=1):
        builder.debtor(n, dpd=dpd or None, next_due_date=None if offset is None else due_in(offset))
        builder.point(n, f"E{n:05d}", f"debtor{n}@example.com", kind="email")
    folder = tmp_path / f"book{len(list(tmp_path.iterdir()))}"
    strategy = load_strategy_text(PROPERTY_STRATEGY.format(a=a, b=b))
    result = plan_day(load_portfolio(builder.write(folder)), strategy, RUN_DATE)
    got = {
        (account, step)
        for frame in (result.actions, result.blocked)
        for account, step in frame.select("account_id", "step").iter_rows()
    }
    expected = set()
    for n, (offset, dpd) in enumerate(book, start=1):
        account = f"A{n:05d}"
        for step, days in (("a", a), ("b", b)):
            if dpd == 0 and offset is not None and offset in days:
                expected.add((account, step))
        if dpd in (1, 5):
            expected.add((account, "late"))
    assert got == expected


# -- sent: the words name the instalment's due date ------------------------------------------

SEND_STRATEGY = f"""\
name: due-send
version: 1
jurisdiction: CN
templates: {templates_path()}
buckets:
  M0: [0, 0]
  M1: [1, 30]
segments:
  - id: m0
    when: bucket == 'M0'
    steps:
      - id: m0.sms
        days_before_due: [3]
        channel: sms
        tone: reminder
"""


def test_the_pre_due_reminder_is_sent_with_the_instalments_due_date(tmp_path: Path) -> None:
    b = PortfolioBuilder()
    for n, days in ((1, 3), (2, 4)):
        b.debtor(n, dpd=None, next_due_date=due_in(days))
    data = b.write(tmp_path / "data")
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text(SEND_STRATEGY, encoding="utf-8")
    run = run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=tmp_path / "run")
    [action] = run.record.actions.to_dicts()
    assert (action["account_id"], action["template"]) == ("A00001", "predue_reminder")
    gateway = Gateway(tmp_path / "gateway.jsonl").start()
    try:
        cfg = config(tmp_path, gateway=gateway.url)
        result = CliRunner().invoke(
            app,
            ["send", "--run", str(tmp_path / "run"), "--data", str(data), "--config", str(cfg),
             "--until", SEND_AT, "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)
        [sent] = gateway.events("accepted")
    finally:
        gateway.stop()
    due: date = RUN_DATE + timedelta(days=3)
    assert sent["key"] == action["action_id"]
    assert f"将于{due.year}年{due.month}月{due.day}日到期" in sent["text"]
    attempts = pl.read_csv(data / "attempts.csv", infer_schema=False)
    assert attempts.select("account_id", "channel", "outcome").rows() == [("A00001", "sms", "sent")]
    assert datetime.fromisoformat(attempts.item(0, "at")).date() == RUN_DATE


def test_the_explain_command_shows_the_days_before_due(run: RunOutcome) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["explain", "--run", str(run.out), "--account", "A00002"])
    assert result.exit_code == 0, result.output
    assert "3,0 before due" in result.output
    as_json = runner.invoke(
        app, ["explain", "--run", str(run.out), "--account", "A00002", "--json"]
    )
    steps = {s["step"]: s for s in json.loads(as_json.output)["steps"]}
    assert (steps["due.sms"]["days"], steps["due.sms"]["days_before_due"]) == ([], [3, 0])
    assert steps["due.sms"]["fired"] is True
