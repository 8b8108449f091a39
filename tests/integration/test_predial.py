"""The pre-dial check: one contact at one instant, answered by the plan's own guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.compliance.predial import PreDial, check_one
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import load_portfolio
from builders import PortfolioBuilder

NY_PHONE = "+12127360123"
LA_ZONE = "America/Los_Angeles"


def state_of(tmp_path: Path, b: PortfolioBuilder, jurisdictions=("CN", "US", "GB"), house=None):
    portfolio = load_portfolio(b.write(tmp_path / "data"))
    presets = presets_for(list(jurisdictions), house or {})
    return PreDial.of(portfolio.tables, presets, strictest_reach(presets))


def ask(state, contact="P00001", at="2026-11-30T18:00:00Z", **kw):
    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    rows = check_one(state, contact, instant, **kw).to_dicts()
    assert len(rows) == 1
    return rows[0]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def us_debtor(**kw) -> PortfolioBuilder:
    return PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone=kw.pop("timezone", LA_ZONE), phone=NY_PHONE, **kw
    )


@pytest.mark.parametrize(
    ("at", "allowed", "next_at"),
    [
        ("2026-11-30T15:59:59Z", False, "2026-11-30T16:00:00Z"),  # 07:59 Pacific
        ("2026-11-30T16:00:00Z", True, None),  # 08:00 Pacific
        ("2026-12-01T01:59:59Z", True, None),  # 20:59 Eastern
        ("2026-12-01T02:00:00Z", False, "2026-12-01T16:00:00Z"),  # 21:00 Eastern
    ],
)
def test_a_new_york_phone_with_a_los_angeles_address(tmp_path, at, allowed, next_at):
    answer = ask(state_of(tmp_path, us_debtor()), at=at)
    assert answer["allowed"] is allowed
    if not allowed:
        assert answer["rule"] == "QUIET-HOURS"
        assert answer["next_allowed_at"] == utc(next_at)
    assert answer["window_start"] == utc("2026-11-30T16:00:00Z")
    assert answer["window_end"] == utc("2026-12-01T02:00:00Z")


def test_the_window_follows_the_dst_change(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    state = state_of(tmp_path, b)
    # 1 November 2026: New York falls back from EDT (UTC-4) to EST (UTC-5) at 02:00.
    early = ask(state, at="2026-11-01T12:30:00Z")  # 07:30 EST: too early on that day
    assert early["rule"] == "QUIET-HOURS"
    assert early["next_allowed_at"] == utc("2026-11-01T13:00:00Z")
    assert ask(state, at="2026-10-31T12:30:00Z")["allowed"]  # 08:30 EDT the day before


def test_seven_calls_in_seven_days_refuse_the_eighth_and_say_when(tmp_path):
    # CFPB's reading of 1006.14(b)(2)(i)(A): seven calls about one debt in the seven days
    # ending today; the eighth is refused until the oldest leaves the seven-day period.
    b = us_debtor(timezone="America/New_York")
    for i, day in enumerate((24, 25, 25, 26, 27, 28, 29)):
        b.attempt(f"T{i}", f"2026-11-{day}T15:{i:02d}:00Z")
    answer = ask(state_of(tmp_path, b), at="2026-11-30T15:00:00Z")
    assert answer["rule"] == "US-7IN7"
    assert answer["next_allowed_at"] == utc("2026-12-01T13:00:00Z")  # 24th leaves: 08:00 EST

    b2 = us_debtor(timezone="America/New_York")
    for i, day in enumerate((23, 25, 25, 26, 27, 28, 29)):  # the 23rd is outside 24-30
        b2.attempt(f"T{i}", f"2026-11-{day}T15:{i:02d}:00Z")
    assert ask(state_of(tmp_path / "b2", b2), at="2026-11-30T15:00:00Z")["allowed"]


def test_a_conversation_starts_a_cool_off_that_counts_its_day_as_day_one(tmp_path):
    b = us_debtor(timezone="America/New_York")
    b.attempt(f"T{0}", "2026-11-30T15:00:00Z", outcome="rpc")  # 10:00 EST on the 30th
    state = state_of(tmp_path, b)
    later_today = ask(state, at="2026-11-30T19:00:00Z")
    assert later_today["rule"] == "US-COOL-OFF"
    assert later_today["next_allowed_at"] == utc("2026-12-07T13:00:00Z")  # day 8, 08:00 EST
    assert ask(state, at="2026-12-06T20:00:00Z")["rule"] == "US-COOL-OFF"  # day 7
    assert ask(state, at="2026-12-07T13:00:00Z")["allowed"]
    # Before the conversation happened, the same call was allowed.
    assert ask(state, at="2026-11-30T14:00:00Z")["allowed"]


def test_cn_allows_three_conversations_a_day_then_refuses(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5)
    for i in range(3):
        b.attempt(f"T{i}", f"2026-11-30T0{2 + i}:00:00Z", outcome="rpc", channel="robot_call")
    answer = ask(state_of(tmp_path, b), at="2026-11-30T06:00:00Z")
    assert answer["rule"] == "CN-3-CONVERSATIONS"
    assert answer["next_allowed_at"] == utc("2026-12-01T00:00:00Z")  # 08:00 Shanghai
    b2 = PortfolioBuilder().debtor(1, dpd=5)
    for i in range(2):
        b2.attempt(f"T{i}", f"2026-11-30T0{2 + i}:00:00Z", outcome="rpc")
    assert ask(state_of(tmp_path / "b2", b2), at="2026-11-30T06:00:00Z")["allowed"]


def test_gb_abandoned_call_rests_the_number_72_hours_unless_an_agent_is_reserved(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="GB", timezone="Europe/London", phone="+447911123456"
    )
    b.attempt(f"T{0}", "2026-11-29T10:00:00Z", outcome="abandoned")
    state = state_of(tmp_path, b)
    answer = ask(state, at="2026-11-30T10:00:00Z")
    assert answer["rule"] == "GB-ABANDONED-72H"
    assert answer["next_allowed_at"] == utc("2026-12-02T10:00:00Z")
    assert ask(state, at="2026-11-30T10:00:00Z", agent_reserved=True)["allowed"]
    assert ask(state, at="2026-12-02T10:00:00Z")["allowed"]


def test_emergency_contact_only_once_the_debtor_is_unreachable(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5)
    b.point(1, "E1", "+8613900000002", role="emergency", relation="friend")
    assert ask(state_of(tmp_path / "a", b), contact="E1", at="2026-11-30T03:00:00Z")["rule"] == (
        "THIRD-PARTY-GATE"
    )
    for i in range(3):
        b.attempt(f"T{i}", f"2026-11-2{5 + i}T03:00:00Z")
    assert ask(state_of(tmp_path / "b", b), contact="E1", at="2026-11-30T03:00:00Z")["allowed"]
    # A refusal by the contact is final.
    b.tables["contacts"][-1]["refused_at"] = "2026-11-28T00:00:00Z"
    refused = ask(state_of(tmp_path / "c", b), contact="E1", at="2026-11-30T03:00:00Z")
    assert refused["rule"] == "CONTACT-REFUSED" and refused["next_allowed_at"] is None


@pytest.mark.parametrize(
    "status", ["dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold", "attorney"]
)
def test_each_hold_refuses_every_channel(tmp_path, status):
    b = PortfolioBuilder().debtor(1, dpd=5, status=status)
    for channel in ("human_call", "sms", "robot_call"):
        answer = ask(state_of(tmp_path / channel, b), at="2026-11-30T03:00:00Z", channel=channel)
        assert answer["rule"] == f"HOLD-{status.upper()}"


def test_unknown_contact_and_settled_debt_fail_closed(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5, status="settled")
    state = state_of(tmp_path, b)
    assert ask(state, contact="nobody")["rule"] == "UNKNOWN-CONTACT"
    assert ask(state)["rule"] == "NO-OPEN-DEBT"


def test_the_cli_answers_with_exit_code_and_json(tmp_path):
    b = us_debtor()
    data = b.write(tmp_path / "data")
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["check", "--data", str(data), "--contact", "P00001", "--at", "2026-11-30T18:00:00Z"],
    )
    assert ok.exit_code == 0, ok.output
    no = runner.invoke(
        app,
        [
            "check",
            "--data",
            str(data),
            "--contact",
            "P00001",
            "--at",
            "2026-11-30T06:00:00-05:00",
            "--json",
        ],
    )
    assert no.exit_code == 1
    (answer,) = json.loads(no.output)
    assert answer["rule"] == "QUIET-HOURS" and answer["allowed"] is False
    assert answer["next_allowed_at"].startswith("2026-11-30 16:00:00")
    bad = runner.invoke(
        app,
        [
            "check",
            "--data",
            str(tmp_path / "nope"),
            "--contact",
            "x",
            "--at",
            "2026-11-30T00:00:00Z",
        ],
    )
    assert bad.exit_code == 2


def test_a_rest_counts_only_events_before_the_instant_asked(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="GB", timezone="Europe/London", phone="+447911123456"
    )
    b.attempt(f"T{0}", "2026-11-30T12:00:00Z", outcome="machine")
    state = state_of(tmp_path, b)
    assert ask(state, at="2026-11-30T11:00:00Z")["allowed"]
    after = ask(state, at="2026-11-30T13:00:00Z")
    assert after["rule"] == "GB-AMD-24H"
    assert after["next_allowed_at"] == utc("2026-12-01T12:00:00Z")
    assert (after["next_allowed_at"] - utc("2026-11-30T12:00:00Z")) == timedelta(hours=24)


def test_seven_in_seven_counts_per_debt(tmp_path):
    # Eight calls in the week, four about each of two debts: each debt is under its cap.
    b = us_debtor(timezone="America/New_York")
    b.account(1, "A2", due_date="2026-11-20", currency="USD")
    for i in range(8):
        b.attempt(
            f"T{i}", f"2026-11-2{4 + i % 6}T15:{i:02d}:00Z", account="A00001" if i % 2 else "A2"
        )
    answers = check_one(state_of(tmp_path, b), "P00001", utc("2026-11-30T15:00:00Z")).to_dicts()
    assert [(a["account_id"], a["allowed"]) for a in answers] == [("A00001", True), ("A2", True)]
    # Three more calls about A2 make seven there: A2 is refused, A00001 is not.
    for i in range(8, 11):
        b.attempt(f"T{i}", f"2026-11-29T1{i - 6}:00:00Z", account="A2")
    answers = check_one(
        state_of(tmp_path / "more", b), "P00001", utc("2026-11-30T15:00:00Z")
    ).to_dicts()
    assert [(a["account_id"], a["rule"]) for a in answers] == [("A00001", None), ("A2", "US-7IN7")]


def test_a_massachusetts_customer_gets_the_state_overlay_on_top_of_reg_f(tmp_path):
    # Two calls this week: fine under Reg F's seven, the third is over Massachusetts' two.
    b = PortfolioBuilder()
    for n, region in ((1, "US-MA"), (2, "US-NY")):
        b.debtor(n, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE)
        b.tables["customers"][-1]["region"] = region
    b.tables["contacts"][-1]["value"] = "+12127360124"
    for n in (1, 2):
        b.attempt(f"T{n}a", "2026-11-27T15:00:00Z", contact=f"P{n:05d}", account=f"A{n:05d}")
        b.attempt(f"T{n}b", "2026-11-28T15:00:00Z", contact=f"P{n:05d}", account=f"A{n:05d}")
    state = state_of(tmp_path, b)
    boston = ask(state, contact="P00001", at="2026-11-30T15:00:00Z")
    assert boston["rule"] == "US-MA-2IN7"
    assert boston["next_allowed_at"] == utc("2026-12-04T13:00:00Z")  # the 27th leaves the 7 days
    assert ask(state, contact="P00002", at="2026-11-30T15:00:00Z")["allowed"]
    # A text counts in Massachusetts too.
    assert ask(state, contact="P00001", at="2026-11-30T15:00:00Z", channel="sms")["rule"] == (
        "US-MA-2IN7"
    )


def test_a_dialers_hopper_is_checked_from_a_file_and_bad_rows_are_answered_refused(tmp_path):
    b = us_debtor()
    data = b.write(tmp_path / "data")
    hopper = tmp_path / "hopper.csv"
    hopper.write_text(
        "contact_id,at,channel\n"
        "P00001,2026-11-30T18:00:00Z,human_call\n"  # allowed
        "P00001,2026-11-30T06:00:00-05:00,\n"  # 06:00 New York: quiet hours
        "P00001,yesterday,human_call\n"  # bad row: answered, refused, with its reason
        "nobody,2026-11-30T18:00:00Z,sms\n"  # unknown contact
        "P00001,2026-11-30T18:00:00Z,pigeon\n",  # unknown channel
        encoding="utf-8",
    )
    out = tmp_path / "answers.csv"
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["check", "--data", str(data), "--questions", str(hopper), "--out", str(out)],
    )
    assert done.exit_code == 1, done.output  # some refused
    answers = pl.read_csv(out).sort("question")
    assert answers.get_column("question").to_list() == [0, 1, 2, 3, 4]
    assert answers.get_column("rule").to_list() == [
        None,
        "QUIET-HOURS",
        "BAD-QUESTION",
        "UNKNOWN-CONTACT",
        "BAD-QUESTION",
    ]
    assert "not a timestamp" in answers.row(2, named=True)["detail"]
    assert "pigeon" in answers.row(4, named=True)["detail"]

    broken = tmp_path / "broken.csv"
    broken.write_text("contact,at\nP00001,2026-11-30T18:00:00Z\n", encoding="utf-8")
    bad = runner.invoke(app, ["check", "--data", str(data), "--questions", str(broken)])
    assert bad.exit_code == 2
    assert "broken.csv" in bad.output and "contact_id" in bad.output
