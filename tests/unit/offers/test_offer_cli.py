"""`arrears offer` as a user runs it (a subprocess) on a generated portfolio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from arrears.contract.load import load_portfolio
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.offers.account import account_frame
from arrears.strategy.load import load_strategy

ON = date(2026, 11, 30)
STRATEGY = """\
name: offers-cli
version: 1
jurisdiction: [CN, US, GB]
buckets: {M0: [0, 0], M1: [1, 30], M2: [31, 60], M3: [61, 90], M4+: [91, null]}
segments:
  - id: early
    when: bucket in ('M1', 'M2')
    steps: []
  - id: rest
    steps: []
offers:
  - id: m1_instalments
    when: bucket in ('M1', 'M2')
    kinds: [instalments]
    instalments: {max_count: 6, min_first_share: 0.1, max_days_between: 31}
  - id: late_settlement
    when: bucket == 'M4+'
    kinds: [settlement]
    floor: 0.55
    authority: {agent: 0.10, supervisor: 0.25, manager: 0.45}
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("offers")
    data = root / "data"
    tables = generate_portfolio(accounts=800, seed=11, country="mixed", as_of=ON)
    write_portfolio(tables, data)
    strategy = root / "offers.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    accounts = tables["accounts"].with_columns(
        (pl.lit(ON) - pl.col("due_date")).dt.total_days().alias("dpd")
    )
    promised = tables["promises"].get_column("account_id")
    active = accounts.filter(
        (pl.col("status") == "active") & ~pl.col("account_id").is_in(promised.implode())
    )

    def first(where: pl.Expr) -> str:
        return str(active.filter(where).get_column("account_id")[0])

    picks = {"late": first(pl.col("dpd") >= 91), "early": first(pl.col("dpd").is_between(1, 30))}
    return data, strategy, picks


def arrears(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arrears", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def offer(book: tuple[Path, Path, dict[str, str]], who: str, *args: str | Path):
    data, strategy, picks = book
    return arrears(
        "offer", "--data", data, "--strategy", strategy, "--account", picks[who],
        "--date", ON.isoformat(), *args,
    )  # fmt: skip


def test_an_agent_settles_within_authority_and_the_schedule_is_printed(book) -> None:
    done = offer(book, "late", "--kind", "settlement", "--discount", "0.1")
    assert done.returncode == 0, done.stderr
    assert "allowed" in done.stdout and "late_settlement" in done.stdout
    assert "within the agent's authority (up to 10%)" in done.stdout
    assert "payment schedule" in done.stdout


def test_a_larger_discount_exits_3_naming_the_role_that_must_approve(book) -> None:
    done = offer(book, "late", "--kind", "settlement", "--discount", "0.3", "--role", "agent")
    assert done.returncode == 3, done.stderr
    assert "needs approval by a manager" in done.stdout
    assert "payment schedule" not in done.stdout
    assert "proposed schedule (needs a manager's approval)" in done.stdout
    as_supervisor = offer(book, "late", "--kind", "settlement", "--discount", "0.25",
                          "--role", "supervisor")  # fmt: skip
    assert as_supervisor.returncode == 0, as_supervisor.stdout


def test_below_the_floor_or_a_kind_not_offered_exits_4_with_the_reason(book) -> None:
    floor = offer(book, "late", "--kind", "settlement", "--discount", "0.5", "--role", "manager")
    assert floor.returncode == 4
    assert "below the floor of 55%" in floor.stdout
    kind = offer(book, "early", "--kind", "settlement", "--discount", "0.05")
    assert kind.returncode == 4
    assert "no offer rule gives settlement to this account (bucket M1" in kind.stdout


def test_an_accepted_plan_is_written_as_promises_the_planner_then_sees(book, tmp_path) -> None:
    data, strategy, picks = book
    out = tmp_path / "promises.csv"
    first_due = (ON + timedelta(days=3)).isoformat()
    done = offer(book, "early", "--kind", "instalments", "--instalments", "3", "--json",
                 "--first-due", first_due, "--out", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["outcome"], body["rule_id"], body["account"]["bucket"]) == (
        "allowed", "m1_instalments", "M1",
    )  # fmt: skip
    total = Decimal(body["terms"]["total"])
    assert sum(Decimal(p["amount"]) for p in body["terms"]["schedule"]) == total
    written = pl.read_csv(out, schema_overrides={"amount": pl.String})
    assert written.height == 3
    assert sum(Decimal(a) for a in written.get_column("amount")) == total
    assert body["terms"]["balance"] == body["terms"]["total"]  # a plan without a discount

    assert [p["due_date"] for p in body["terms"]["schedule"]] == [
        first_due, (ON + timedelta(days=33)).isoformat(), (ON + timedelta(days=63)).isoformat(),
    ]  # fmt: skip

    # Recorded in the lender's promises table, the next day's plan sees the open promise.
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    old = pl.read_parquet(copy / "promises.parquet")
    new = written.select(old.columns).with_columns(
        pl.col("made_at").str.to_datetime(time_zone="UTC").cast(old.schema["made_at"]),
        pl.col("due_date").str.to_date(),
        pl.col("amount").cast(pl.Float64),
    )
    pl.concat([old, new.cast(dict(old.schema))]).write_parquet(copy / "promises.parquet")
    portfolio = load_portfolio(copy)
    assert portfolio.rejects.filter(pl.col("table") == "promises").height == 0
    row = account_frame(portfolio, load_strategy(strategy), picks["early"], ON + timedelta(days=1))
    assert row.get_column("has_open_promise")[0] is True
    assert row.get_column("promise_due_in")[0] == 2
    first = Decimal(body["terms"]["schedule"][0]["amount"])
    assert Decimal(str(row.get_column("promise_amount")[0])) == first


def test_bad_input_exits_2_with_a_clear_message(book, tmp_path) -> None:
    data, strategy, _ = book
    unknown = arrears("offer", "--data", data, "--strategy", strategy, "--account", "NOPE",
                      "--kind", "settlement")  # fmt: skip
    assert unknown.returncode == 2
    assert "account 'NOPE' is not in the accounts table" in unknown.stderr
    role = offer(book, "late", "--kind", "settlement", "--role", "director")
    assert role.returncode == 2
    assert "unknown role 'director' (one of: agent, supervisor, manager)" in role.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(STRATEGY.replace("kinds: [settlement]", "kinds: [settle]"), encoding="utf-8")
    broken = arrears("offer", "--data", data, "--strategy", bad, "--account", "X",
                     "--kind", "settlement")  # fmt: skip
    assert broken.returncode == 2
    assert f"{bad}:18:13: error: offers[1].kinds[0]: 'settle' is not one of" in broken.stderr
