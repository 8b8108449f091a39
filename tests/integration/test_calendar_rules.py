"""Calendars in the guard: holidays, CN make-up workdays, rest days, pauses, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from arrears.compliance.predial import PreDial, check_one
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import load_portfolio
from arrears.planning.run import run_plan
from builders import PortfolioBuilder

STRATEGY = """
name: calendar-test
version: 1
jurisdiction: [CN, US]
house:
  calendar:
{calendar}
buckets:
  M1: [1, 30]
segments:
  - id: S
    steps:
      - {{id: sms, days: [5], channel: sms, template: t1, opt_out_notice: true}}
      - {{id: call, days: [5], channel: human_call, team: x}}
"""


def plan(tmp_path: Path, b: PortfolioBuilder, calendar: str, run_date: date):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "s.yaml").write_text(STRATEGY.format(calendar=calendar), encoding="utf-8")
    return run_plan(
        data=b.write(tmp_path / "data"),
        strategy_path=tmp_path / "s.yaml",
        run_date=run_date,
        out=tmp_path / "run",
    ).result


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def blocked_rules(result) -> set[str]:
    return set(result.blocked.get_column("rule"))


def test_a_cn_make_up_saturday_is_a_workday_and_the_spring_festival_is_not(tmp_path):
    rest = "    no_contact_on: [rest_days]"
    makeup = date(2026, 2, 14)  # a Saturday worked in exchange for the Spring Festival
    b = PortfolioBuilder().debtor(1, dpd=5, run_date=makeup)
    result = plan(tmp_path / "makeup", b, rest, makeup)
    assert result.actions.height == 2 and result.blocked.height == 0

    sunday = date(2026, 2, 15)
    b = PortfolioBuilder().debtor(1, dpd=5, run_date=sunday)
    result = plan(tmp_path / "sunday", b, rest, sunday)
    assert result.actions.height == 0 and blocked_rules(result) == {"CALENDAR"}
    # 16-23 February are the festival, days off and a weekend: the next workday is the 24th.
    assert set(result.blocked.get_column("next_allowed_at")) == {utc("2026-02-24T00:00:00")}
    assert "weekend rest day" in result.blocked.get_column("detail")[0]


def test_a_public_holiday_with_its_name_and_the_next_working_morning(tmp_path):
    day = date(2026, 10, 1)
    b = PortfolioBuilder().debtor(1, dpd=5, run_date=day)
    result = plan(tmp_path, b, "    no_contact_on: [holidays]", day)
    assert blocked_rules(result) == {"CALENDAR"}
    assert "National Day" in result.blocked.get_column("detail")[0]
    # 1-3 October are holidays; only holidays close here, so Sunday the 4th is open.
    assert set(result.blocked.get_column("next_allowed_at")) == {utc("2026-10-04T00:00:00")}


def test_sundays_close_except_a_make_up_sunday(tmp_path):
    sundays = "    no_contact_on: [sundays]"
    makeup = date(2026, 1, 4)  # a Sunday worked in exchange for New Year
    result = plan(
        tmp_path / "a", PortfolioBuilder().debtor(1, dpd=5, run_date=makeup), sundays, makeup
    )
    assert result.blocked.height == 0
    plain = date(2026, 1, 11)
    result = plan(
        tmp_path / "b", PortfolioBuilder().debtor(1, dpd=5, run_date=plain), sundays, plain
    )
    assert blocked_rules(result) == {"CALENDAR"}
    assert set(result.blocked.get_column("next_allowed_at")) == {utc("2026-01-12T00:00:00")}


def test_a_lenders_override_closes_a_day_and_a_region_has_its_own_holidays(tmp_path):
    calendar = (
        "    no_contact_on: [holidays]\n"
        "    overrides:\n"
        "      - {country: CN, date: '2026-11-30', kind: holiday, name: 公司假日}"
    )
    run = date(2026, 11, 30)
    result = plan(tmp_path / "cn", PortfolioBuilder().debtor(1, dpd=5), calendar, run)
    assert blocked_rules(result) == {"CALENDAR"}
    assert "公司假日" in result.blocked.get_column("detail")[0]

    chavez = date(2026, 3, 31)  # César Chávez Day: a public holiday in California only
    b = PortfolioBuilder()
    b.debtor(
        1,
        dpd=5,
        country="US",
        timezone="America/Los_Angeles",
        phone="+13107360199",
        run_date=chavez,
    )
    b.tables["customers"][-1]["region"] = "US-CA"
    b.debtor(
        2, dpd=5, country="US", timezone="America/New_York", phone="+12127360123", run_date=chavez
    )
    b.tables["customers"][-1]["region"] = "US-NY"
    result = plan(tmp_path / "us", b, "    no_contact_on: [holidays]", chavez)
    assert set(result.blocked.get_column("account_id")) == {"A00001"}
    assert set(result.actions.get_column("account_id")) == {"A00002"}


def test_a_lunch_pause_is_on_the_plan_and_refused_in_real_time(tmp_path):
    calendar = '    pauses: [["12:00", "13:30"]]'
    run = date(2026, 11, 30)
    b = PortfolioBuilder().debtor(1, dpd=5)
    result = plan(tmp_path, b, calendar, run)
    (call,) = result.actions.filter(pl.col("step") == "call").to_dicts()
    assert call["window_start"] == utc("2026-11-30T00:00:00")
    assert call["window_pauses"] == [
        {"start": utc("2026-11-30T04:00:00"), "end": utc("2026-11-30T05:30:00")}
    ]
    presets = presets_for(["CN", "US"], {"calendar": {"pauses": [["12:00", "13:30"]]}})
    portfolio = load_portfolio(tmp_path / "data")
    state = PreDial.of(portfolio.tables, presets, strictest_reach(presets))
    (lunch,) = check_one(state, "P00001", utc("2026-11-30T04:30:00")).to_dicts()
    assert lunch["rule"] == "PAUSE" and lunch["next_allowed_at"] == utc("2026-11-30T05:30:00")
    (before,) = check_one(state, "P00001", utc("2026-11-30T03:59:00")).to_dicts()
    assert before["allowed"]
    (after,) = check_one(state, "P00001", utc("2026-11-30T05:30:00")).to_dicts()
    assert after["allowed"]


def test_a_next_allowed_time_never_falls_in_a_pause_or_on_a_closed_day(tmp_path):
    # The CN conversation cap ends at the next open morning; with Sundays closed and the run
    # on a Saturday, that is Monday's window start.
    saturday = date(2026, 11, 28)
    b = PortfolioBuilder().debtor(1, dpd=5, run_date=saturday)
    for i in range(3):
        b.attempt(f"R{i}", f"2026-11-28T0{1 + i}:00:00Z", "rpc")
    result = plan(tmp_path, b, "    no_contact_on: [sundays]", saturday)
    (call,) = result.blocked.filter(pl.col("step") == "call").to_dicts()
    assert call["rule"] == "CN-3-CONVERSATIONS"
    assert call["next_allowed_at"] == utc("2026-11-30T00:00:00")


def customer_hours(tmp_path: Path, **hours: str):
    b = PortfolioBuilder().debtor(1, dpd=5)
    b.tables["customers"][-1].update(hours)
    return plan(tmp_path, b, "    no_contact_on: []", date(2026, 11, 30)), b


def test_agreed_hours_narrow_the_window_and_never_widen_it(tmp_path):
    result, _ = customer_hours(tmp_path / "a", contact_hours="19:00-20:30")
    (call,) = result.actions.filter(pl.col("step") == "call").to_dicts()
    assert (call["window_start"], call["window_end"]) == (
        utc("2026-11-30T11:00:00"),  # 19:00 Shanghai
        utc("2026-11-30T12:30:00"),
    )
    result, _ = customer_hours(tmp_path / "b", contact_hours="07:00-10:00")
    (call,) = result.actions.filter(pl.col("step") == "call").to_dicts()
    assert call["window_start"] == utc("2026-11-30T00:00:00")  # 08:00: the law's start
    result, _ = customer_hours(tmp_path / "c", contact_hours="05:00-07:30")
    assert blocked_rules(result) == {"QUIET-HOURS"}


def test_do_not_call_windows_are_pauses_in_the_plan_and_in_real_time(tmp_path):
    result, _ = customer_hours(tmp_path, do_not_call="12:00-14:00, 18:00-19:00")
    (call,) = result.actions.filter(pl.col("step") == "call").to_dicts()
    assert call["window_pauses"] == [
        {"start": utc("2026-11-30T04:00:00"), "end": utc("2026-11-30T06:00:00")},
        {"start": utc("2026-11-30T10:00:00"), "end": utc("2026-11-30T11:00:00")},
    ]
    presets = presets_for(["CN", "US"], {})
    portfolio = load_portfolio(tmp_path / "data")
    state = PreDial.of(portfolio.tables, presets, strictest_reach(presets))
    (asked,) = check_one(state, "P00001", utc("2026-11-30T10:30:00")).to_dicts()
    assert asked["rule"] == "PAUSE" and asked["next_allowed_at"] == utc("2026-11-30T11:00:00")
