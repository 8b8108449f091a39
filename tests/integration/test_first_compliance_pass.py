"""The planner's first compliance pass: windows, holds, opt-outs, third parties, Reg F caps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder

STRATEGY = """
name: guard-test
version: 1
jurisdiction: [CN, US]
buckets:
  M1: [1, 30]
segments:
  - id: S
    steps:
      - {id: sms, days: [5], channel: sms, template: t1, opt_out_notice: true}
      - {id: call, days: [5], channel: human_call, team: x}
      - {id: em, days: [5], channel: human_call, audience: emergency, team: x,
         third_party_safe: true}
"""

NY_PHONE = "+12127360123"


def ts(days_before: float, hour: int = 3) -> str:
    start = datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, hour, tzinfo=UTC)
    return (start - timedelta(days=days_before)).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(
    tmp_path: Path, builder: PortfolioBuilder, strategy: str = STRATEGY, run_date: date = RUN_DATE
):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "s.yaml"
    path.write_text(strategy, encoding="utf-8")
    data = builder.write(tmp_path / "data")
    return run_plan(data=data, strategy_path=path, run_date=run_date, out=tmp_path / "run")


def rows(frame: pl.DataFrame, account: str, step: str) -> list[dict]:
    return frame.filter((pl.col("account_id") == account) & (pl.col("step") == step)).to_dicts()


def test_a_new_york_phone_with_a_los_angeles_address_gets_8_pacific_to_9_eastern(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/Los_Angeles", phone=NY_PHONE
    )
    result = plan(tmp_path, b).result
    (sms,) = rows(result.actions, "A00001", "sms")
    # 2026-11-30 is standard time: 08:00 PST = 16:00 UTC; 21:00 EST = 02:00 UTC next day.
    assert sms["window_start"] == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert sms["window_end"] == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert set(sms["timezone"].split("|")) == {"America/Los_Angeles", "America/New_York"}


def test_a_customer_without_a_zone_gets_the_zone_of_the_phone_number(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5, timezone=None)
    (sms,) = rows(plan(tmp_path, b).result.actions, "A00001", "sms")
    assert sms["timezone"] == "Asia/Shanghai"
    assert sms["window_start"] == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def test_a_us_customer_under_a_cn_window_never_gets_an_empty_window_planned(tmp_path):
    # A CN customer whose only phone is a New York number: no hour is allowed in both zones.
    b = PortfolioBuilder().debtor(1, dpd=5, phone=NY_PHONE)
    result = plan(tmp_path, b).result
    assert result.actions.height == 0
    assert set(result.blocked.filter(pl.col("step") != "em").get_column("rule")) == {"QUIET-HOURS"}


@pytest.mark.parametrize(
    "status", ["dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold"]
)
def test_each_hold_blocks_every_contact_with_its_rule(tmp_path, status):
    b = PortfolioBuilder().debtor(1, dpd=5, status=status)
    result = plan(tmp_path, b).result
    assert result.actions.height == 0
    rules = set(result.blocked.filter(pl.col("step") != "em").get_column("rule"))
    assert rules == {f"HOLD-{status.upper()}"}
    assert (
        result.blocked.filter(pl.col("step") != "em").get_column("next_allowed_at").null_count()
        == 2
    )


def test_a_settled_account_is_not_collected_at_all(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5, status="settled")
    result = plan(tmp_path, b).result
    assert result.actions.height == 0 and result.blocked.height == 0
    assert result.accounts.get_column("segment").to_list() == [None]


def test_an_opted_out_phone_is_skipped_for_the_next_debtor_phone(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5)
    b.tables["contacts"][0]["opt_out"] = "sms"
    b.point(1, "P2", "+8613900000001")
    result = plan(tmp_path, b).result
    assert [r["contact_id"] for r in rows(result.actions, "A00001", "sms")] == ["P2"]
    # The call step is not opted out: the first phone (lowest id, no history) is used.
    assert [r["contact_id"] for r in rows(result.actions, "A00001", "call")] == ["P00001"]
    assert rows(result.blocked, "A00001", "sms") == []


def test_when_every_phone_opted_out_each_refusal_is_listed(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5)
    b.tables["contacts"][0]["opt_out"] = "sms,robot_call"
    b.point(1, "P2", "+8613900000001", opt_out="sms")
    result = plan(tmp_path, b).result
    blocked = rows(result.blocked, "A00001", "sms")
    assert sorted((r["contact_id"], r["rule"]) for r in blocked) == [
        ("P00001", "OPT-OUT"),
        ("P2", "OPT-OUT"),
    ]


def _with_emergency(b: PortfolioBuilder, **extra) -> PortfolioBuilder:
    return b.point(1, "E1", "+8613900000009", role="emergency", relation="parent", **extra)


def failed_calls(
    b: PortfolioBuilder, n: int, days_apart: float = 1.0, hour: int = 3
) -> PortfolioBuilder:
    """`n` unanswered calls to debtor 1's phone, `days_apart` apart, before the run date."""
    for i in range(n):
        b.attempt(f"T{i}", ts((i + 1) * days_apart, hour=hour))
    return b


def test_an_emergency_contact_waits_until_the_debtor_is_unreachable(tmp_path):
    b = _with_emergency(PortfolioBuilder().debtor(1, dpd=5))
    (em,) = rows(plan(tmp_path / "before", b).result.blocked, "A00001", "em")
    assert em["rule"] == "THIRD-PARTY-GATE" and em["contact_id"] == "E1"

    failed_calls(b, 3)  # three failed calls on the only debtor phone within 14 days
    result = plan(tmp_path / "after", b).result
    assert [r["contact_id"] for r in rows(result.actions, "A00001", "em")] == ["E1"]
    assert result.accounts.get_column("debtor_unreachable").to_list() == [True]


def test_a_conversation_with_the_debtor_closes_the_gate_again(tmp_path):
    b = _with_emergency(PortfolioBuilder().debtor(1, dpd=5))
    failed_calls(b, 3)
    b.attempt("R", ts(10), "rpc")
    (em,) = rows(plan(tmp_path, b).result.blocked, "A00001", "em")
    assert em["rule"] == "THIRD-PARTY-GATE"


def test_a_contact_who_refused_is_never_used(tmp_path):
    b = _with_emergency(PortfolioBuilder().debtor(1, dpd=5), refused_at=ts(40))
    failed_calls(b, 3)
    (em,) = rows(plan(tmp_path, b).result.blocked, "A00001", "em")
    assert em["rule"] == "CONTACT-REFUSED" and em["next_allowed_at"] is None


def test_us_seven_calls_in_seven_days_block_the_eighth_call_but_not_the_sms(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    failed_calls(b, 7, days_apart=0.8, hour=0)
    result = plan(tmp_path, b).result
    (call,) = rows(result.blocked, "A00001", "call")
    assert call["rule"] == "US-7IN7"
    assert rows(result.actions, "A00001", "sms") != []


def test_us_cool_off_counts_the_conversation_day_as_day_one(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    # A conversation on Nov 24 (UTC date): calls are barred Nov 24–30, allowed from Dec 1.
    b.attempt("R", ts(6, hour=15), "rpc")
    (call,) = rows(plan(tmp_path, b).result.blocked, "A00001", "call")
    assert call["rule"] == "US-COOL-OFF"
    assert call["next_allowed_at"] == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)

    b2 = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    b2.attempt("R", ts(7, hour=15), "rpc")
    assert rows(plan(tmp_path / "later", b2).result.actions, "A00001", "call") != []


def test_a_customer_of_a_country_the_strategy_does_not_cover_is_blocked(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="GB", timezone="Europe/London", phone="+447911123456"
    )
    result = plan(tmp_path, b).result
    assert result.actions.height == 0
    assert set(result.blocked.filter(pl.col("step") != "em").get_column("rule")) == {"JURISDICTION"}


def test_the_manifest_reports_no_quiet_hour_violations(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5)
    outcome = plan(tmp_path, b)
    text = (outcome.out / "manifest.json").read_text()
    assert '"quiet_hour_violations": 0' in text


def test_an_accounts_file_without_status_plans_every_account_as_active(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5).debtor(2, dpd=5)
    for row in b.tables["accounts"]:
        del row["status"]
    b.tables["accounts"][1]["status"] = ""  # a blank cell too
    b.tables["accounts"][0]["status"] = None
    result = plan(tmp_path, b).result
    assert set(result.actions.get_column("account_id")) == {"A00001", "A00002"}


def test_a_conversation_on_another_account_of_the_customer_closes_the_gate(tmp_path):
    b = _with_emergency(PortfolioBuilder().debtor(1, dpd=5))
    b.account(1, "A2")
    failed_calls(b, 3)
    b.attempt("R", ts(1, hour=5), "rpc", account="A2")
    result = plan(tmp_path, b).result
    (em,) = rows(result.blocked, "A00001", "em")
    assert em["rule"] == "THIRD-PARTY-GATE"


def test_an_account_column_named_country_does_not_change_the_customers_law(tmp_path):
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE, country_of_product="x"
    )
    b.tables["accounts"][0]["country"] = "CN"
    b.tables["accounts"][0]["timezone"] = "Asia/Shanghai"
    failed_calls(b, 7, days_apart=0.8, hour=0)
    result = plan(tmp_path, b).result
    (call,) = rows(result.blocked, "A00001", "call")
    assert call["rule"] == "US-7IN7"
    (sms,) = rows(result.actions, "A00001", "sms")
    assert sms["timezone"] == "America/New_York"


def test_us_calls_planned_today_count_toward_seven_in_seven(tmp_path):
    # Six calls in the ledger: the call step (priority 50) is the seventh and is planned; the
    # robot call, also due today, would be the eighth and is refused.
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    failed_calls(b, 6, days_apart=0.8, hour=0)
    robot = "      - {id: robot, days: [5], channel: robot_call, template: r, priority: 10}\n"
    strategy = STRATEGY.replace("      - {id: em,", robot + "      - {id: em,")
    result = plan(tmp_path, b, strategy).result
    assert [r["step"] for r in result.actions.filter(pl.col("channel") != "sms").to_dicts()] == [
        "call"
    ]
    (robot,) = rows(result.blocked, "A00001", "robot")
    assert robot["rule"] == "US-7IN7"
    assert "7 calls in the last 7 days (1 of them planned before this one today)" in robot["detail"]


def test_the_cool_off_ends_at_eight_local_time_even_across_the_dst_change(tmp_path):
    run_date = date(2026, 10, 31)  # EDT; the cool-off ends on 5 November, in EST
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE, run_date=run_date
    )
    b.attempt("R", "2026-10-29T15:00:00Z", "rpc")
    result = plan(tmp_path, b, run_date=run_date).result
    (call,) = rows(result.blocked, "A00001", "call")
    assert call["rule"] == "US-COOL-OFF"
    assert call["next_allowed_at"] == datetime(2026, 11, 5, 13, 0, tzinfo=UTC)  # 08:00 EST


def test_a_deceased_status_on_one_account_holds_the_customers_other_accounts(tmp_path):
    b = PortfolioBuilder().debtor(1, dpd=5, status="deceased")
    b.account(1, "A2", due_date=(RUN_DATE - timedelta(days=5)).isoformat(), status="active")
    result = plan(tmp_path, b).result
    assert result.actions.height == 0
    other = rows(result.blocked, "A2", "sms")
    assert [r["rule"] for r in other] == ["HOLD-DECEASED"]
    assert "another account" in other[0]["detail"]


def test_a_seven_in_seven_refusal_says_when_the_oldest_calls_leave_the_window(tmp_path):
    # Reg F counts the call being placed and the six local days before it. Calls at 10:00
    # New York time on each of 24-29 November and a second one on the 24th: a call on the
    # 30th would be the eighth in 24-30 November. On 1 December the window holds 5 of them.
    b = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    for i, day in enumerate((24, 24, 25, 26, 27, 28, 29)):
        b.attempt(f"T{i}", f"2026-11-{day}T{15 + (i == 0):02d}:00:00Z")
    (call,) = rows(plan(tmp_path / "spread", b).result.blocked, "A00001", "call")
    assert call["rule"] == "US-7IN7"
    assert call["next_allowed_at"] == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 08:00 EST

    # Seven calls all yesterday: they leave the 7-day window on the sixth day from today.
    b2 = PortfolioBuilder().debtor(
        1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
    )
    failed_calls(b2, 7, days_apart=0.01, hour=0)
    (call2,) = rows(plan(tmp_path / "bunched", b2).result.blocked, "A00001", "call")
    assert call2["rule"] == "US-7IN7"
    assert call2["next_allowed_at"] == datetime(2026, 12, 6, 13, 0, tzinfo=UTC)


def test_the_words_a_step_uses_are_checked(tmp_path):
    # An emergency-contact step whose script is not flagged third-party-safe, and a US SMS
    # whose template does not offer an opt-out, are refused; a pressure call while a promise
    # is open waits until the day after it falls due.
    b = _with_emergency(
        PortfolioBuilder().debtor(
            1, dpd=5, country="US", timezone="America/New_York", phone=NY_PHONE
        )
    )
    failed_calls(b, 3)
    b.add(
        "promises",
        promise_id="PR1",
        account_id="A00001",
        made_at=ts(2),
        due_date=(RUN_DATE + timedelta(days=2)).isoformat(),
        amount=50.0,
    )
    strategy = (
        STRATEGY.replace(", opt_out_notice: true", "")
        .replace(",\n         third_party_safe: true", "")
        .replace("team: x}", "team: x, tone: pressure}", 1)
    )
    result = plan(tmp_path, b, strategy).result
    (sms,) = rows(result.blocked, "A00001", "sms")
    assert sms["rule"] == "US-OPT-OUT-NOTICE"
    (em,) = rows(result.blocked, "A00001", "em")
    assert em["rule"] == "THIRD-PARTY-DISCLOSURE"
    (call,) = rows(result.blocked, "A00001", "call")
    assert call["rule"] == "PROMISE-OPEN"
    assert call["next_allowed_at"] == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 08:00 EST
