"""Each KPI on a tiny ledger whose right answer is worked out by hand in the test."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from arrears.analytics.episodes import ledger_episodes
from arrears.analytics.inputs import RunFrames
from arrears.analytics.kpis import (
    compliance_summary,
    connect_rate,
    cost_per_recovered,
    promise_kpis,
    recovery_rate,
    rpc_rate,
)
from arrears.analytics.performance import agent_performance, team_performance
from arrears.compliance.presets import presets_for
from arrears.strategy.model import Bucket

from .ledger import AS_OF, TS, accounts, attempts, d, payments, ts

BUCKETS = (Bucket("M0", 0, 0), Bucket("M1", 1, 30), Bucket("M2", 31, 60), Bucket("M3+", 61, None))

ACCOUNTS = accounts(
    {"account_id": "A1", "customer_id": "C1", "due_date": d("2026-11-20"), "overdue_amount": 100.0},
    {
        "account_id": "A2",
        "customer_id": "C2",
        "due_date": d("2026-10-10"),
        "overdue_amount": 300.0,
        "currency": "USD",
    },
    {"account_id": "A3", "customer_id": "C3"},
    {"account_id": "A4", "customer_id": "C1", "due_date": d("2026-11-25"), "overdue_amount": 50.0},
)
ATTEMPTS = attempts(
    ("A1", "human_call", "2026-11-21 12:00", "rpc", "G1"),  # 1
    ("A1", "human_call", "2026-11-22", "no_answer", "G1"),  # 2
    ("A1", "sms", "2026-11-21", "delivered", None),  # 3: not dialled
    ("A2", "robot_call", "2026-11-02", "voicemail", None),  # 4: a machine, not connected
    ("A2", "human_call", "2026-11-03", "third_party", "G2"),  # 5
    ("A2", "human_call", "2026-11-04", "wrong_party", "G2"),  # 6
    ("A4", "ivr", "2026-11-26", "rpc", None),  # 7
    ("A3", "email", "2026-11-05", "delivered", None),  # 8
)
PAYMENTS = payments(
    ("A3", "2026-10-31", 500.0),  # a current account's instalment: not a recovery
    ("A2", "2026-11-04", 50.0),  # dpd 25
    ("A1", "2026-11-23", 60.0),  # dpd 3
)
PROMISES = pl.DataFrame(
    {
        "promise_id": ["PR1", "PR2", "PR3"],
        "account_id": ["A1", "A2", "A1"],
        "made_at": [ts("2026-11-21 12:10"), ts("2026-11-03 12:10"), ts("2026-11-28 09:00")],
        "due_date": [d("2026-11-24"), d("2026-11-05"), d("2026-12-03")],
        "amount": [60.0, 200.0, 40.0],
        "status": [None, None, None],
    },
    schema_overrides={"made_at": TS, "status": pl.String},
)
TEAMS = pl.DataFrame(
    {
        "team_id": ["TH", "TR", "TA"],
        "kind": ["human", "robot", "agency"],
        "name": ["people", "robots", "agency"],
        "cost_per_contact": [2.0, 0.1, 0.0],
        "commission_rate": [None, None, 0.2],
    }
)
AGENTS = pl.DataFrame({"agent_id": ["G1", "G2"], "team_id": ["TH", "TH"], "name": ["甲", "乙"]})
CASES = pl.DataFrame(
    {
        "account_id": ["A1", "A4", "A2"],
        "owner_id": ["G1", "G1", "TA"],
        "owner_kind": ["agent", "agent", "agency"],
    }
)
UNIT_COSTS = {
    "sms": 0.1,
    "email": 0.02,
    "letter": 1.0,
    "visit": 5.0,
    "ivr": 0.3,
    "robot_call": 0.3,
    "human_call": 9.0,
}


def rows(frame: pl.DataFrame, key: str) -> dict[str, dict]:
    return {r[key]: r for r in frame.iter_rows(named=True)}


def episodes():
    return ledger_episodes(ACCOUNTS, PAYMENTS, ATTEMPTS, AS_OF)


def test_connect_rate_is_connected_over_dialled_voice_attempts():
    # Dialled: attempts 1, 2, 4, 5, 6, 7; connected: rpc (1, 7), third_party, wrong_party.
    total = connect_rate(ATTEMPTS).row(0, named=True)
    assert (total["dialled"], total["connected"]) == (6, 4)
    assert total["connect_rate"] == pytest.approx(4 / 6)
    by = rows(connect_rate(ATTEMPTS, by=["channel"]), "channel")
    assert by["human_call"]["connect_rate"] == pytest.approx(3 / 4)
    assert by["robot_call"]["connect_rate"] == 0.0
    assert "sms" not in by


def test_rpc_rate_is_customers_reached_over_customers_attempted():
    # C1 (A1 and A4) and C2 were called; only C1 spoke to us. C3 only got an e-mail.
    r = rpc_rate(ATTEMPTS, ACCOUNTS).row(0, named=True)
    assert (r["customers_attempted"], r["customers_reached"]) == (2, 1)
    assert r["rpc_rate"] == pytest.approx(0.5)


def test_promise_and_kept_rates_and_amounts_per_currency():
    got = rows(promise_kpis(PROMISES, PAYMENTS, ATTEMPTS, ACCOUNTS, AS_OF), "currency")
    cny, usd = got["CNY"], got["USD"]
    # CNY: 2 rpc (A1, A4), PR1 kept by the 60 paid on 11-23, PR3 not due yet.
    assert (cny["rpc"], cny["promises"], cny["kept"], cny["broken"], cny["open"]) == (
        2,
        2,
        1,
        0,
        1,
    )
    assert cny["promise_rate"] == pytest.approx(1.0)
    assert cny["kept_rate"] == pytest.approx(1.0)
    assert (cny["amount_promised"], cny["amount_paid"]) == (100.0, 60.0)
    # USD: PR2 promised 200, only 50 came before its due date: broken; no rpc at all.
    assert usd["promise_rate"] is None
    assert usd["kept_rate"] == 0.0
    assert (usd["amount_promised"], usd["amount_paid"]) == (200.0, 50.0)


def test_recovery_rate_by_bucket_is_paid_in_the_bucket_over_owed_on_entering_it():
    got = recovery_rate(episodes(), ACCOUNTS, BUCKETS, by=["bucket"])
    r = {(x["bucket"], x["currency"]): x for x in got.iter_rows(named=True)}
    # M1 CNY: A1 owed 160 (100 + 60 paid), paid 60; A4 owed 50, paid 0.
    assert (r["M1", "CNY"]["exposure"], r["M1", "CNY"]["recovered"]) == (210.0, 60.0)
    assert r["M1", "CNY"]["recovery_rate"] == pytest.approx(60 / 210)
    # A2 is seen from dpd 21 (the ledger starts 10-31) owing 350; pays 50 at dpd 25 (M1),
    # so it enters M2 owing 300 and pays nothing there.
    assert r["M1", "USD"]["recovery_rate"] == pytest.approx(50 / 350)
    assert (r["M2", "USD"]["exposure"], r["M2", "USD"]["recovered"]) == (300.0, 0.0)
    assert ("M0", "CNY") not in r


def test_recovery_rate_by_vintage_counts_each_episode_once():
    got = recovery_rate(episodes(), ACCOUNTS, BUCKETS, by=["vintage"])
    r = {(x["vintage"], x["currency"]): x for x in got.iter_rows(named=True)}
    assert (r["2026-10", "USD"]["exposure"], r["2026-10", "USD"]["recovered"]) == (350.0, 50.0)
    assert r["2026-11", "CNY"]["recovery_rate"] == pytest.approx(60 / 210)


def test_cost_per_unit_recovered_adds_contact_costs_and_agency_commission():
    got = rows(
        cost_per_recovered(ATTEMPTS, episodes(), ACCOUNTS, TEAMS, AGENTS, CASES, UNIT_COSTS),
        "currency",
    )
    # CNY: calls 1, 2 by TH agents (2.0 each), sms 0.1, ivr by the robot team 0.1, e-mail
    # 0.02; recovered: A1's 60 (A3's instalment was never in arrears).
    cny = got["CNY"]
    assert cny["contacts"] == 5
    assert cny["contact_cost"] == pytest.approx(4.22)
    assert cny["recovered"] == 60.0
    assert cny["cost_per_unit"] == pytest.approx(4.22 / 60)
    # USD: robot call 0.1, two TH calls 2.0 each; the agency holds A2: 20 % of its 50.
    usd = got["USD"]
    assert usd["contact_cost"] == pytest.approx(4.1)
    assert usd["commission"] == pytest.approx(10.0)
    assert usd["cost_per_unit"] == pytest.approx(14.1 / 50)


def test_agent_performance_counts_calls_credited_promises_cases_and_recovery():
    got = rows(
        agent_performance(ATTEMPTS, PROMISES, PAYMENTS, AGENTS, CASES, episodes(), ACCOUNTS, AS_OF),
        "agent_id",
    )
    g1, g2 = got["G1"], got["G2"]
    # G1: calls 1 and 2, one rpc; PR1 and PR3 follow its rpc on A1; holds A1 and A4.
    assert (g1["calls"], g1["connected"], g1["rpc"]) == (2, 1, 1)
    assert (g1["promises"], g1["kept"], g1["broken"]) == (2, 1, 0)
    assert g1["cases"] == 2
    assert g1["recovered_CNY"] == 60.0
    assert g1["connect_rate"] == pytest.approx(0.5)
    # G2: two connected calls, nobody right; no promise credited (PR2 had no rpc before it).
    assert (g2["calls"], g2["connected"], g2["rpc"], g2["promises"]) == (2, 2, 0, 0)
    assert g2["kept_rate"] is None


def test_team_performance_adds_its_agents_and_the_unmanned_calls_on_its_cases():
    got = rows(
        team_performance(
            ATTEMPTS, PROMISES, PAYMENTS, TEAMS, AGENTS, CASES, episodes(), ACCOUNTS, AS_OF
        ),
        "team_id",
    )
    th, ta, tr = got["TH"], got["TA"], got["TR"]
    # TH: its agents' calls 1, 2, 5, 6 and the unmanned ivr rpc (7) on A4, which G1 holds.
    assert (th["agents"], th["calls"], th["connected"], th["rpc"]) == (2, 5, 4, 2)
    assert (th["promises"], th["kept"], th["cases"]) == (2, 1, 2)
    # The agency holds A2: the robot call on it is its; A2's 50 USD is its recovery.
    assert (ta["calls"], ta["cases"], ta["recovered_USD"]) == (1, 1, 50.0)
    assert (tr["calls"], tr["cases"]) == (0, 0)


CN = presets_for(["CN"], {})


def run(windows: list[tuple[str, str]], rules: list[str]) -> RunFrames:
    actions = pl.DataFrame(
        {
            "action_id": [f"a{i}" for i in range(len(windows))],
            "jurisdiction": ["CN"] * len(windows),
            "timezone": ["Asia/Shanghai"] * len(windows),
            "window_start": [datetime.fromisoformat(s).replace(tzinfo=UTC) for s, _ in windows],
            "window_end": [datetime.fromisoformat(e).replace(tzinfo=UTC) for _, e in windows],
        },
        schema_overrides={"window_start": TS, "window_end": TS},
    )
    blocked = pl.DataFrame({"rule": rules}, schema={"rule": pl.String})
    return RunFrames(None, AS_OF, None, None, actions, blocked, len(windows) + len(rules), CN)  # type: ignore[arg-type]


def test_a_clean_run_has_no_quiet_hour_violation_and_counts_blocks_by_rule():
    clean = run(
        [("2026-11-30T00:00:00", "2026-11-30T13:00:00"), ("2026-11-30T02:00", "2026-11-30T03:00")],
        ["CN-3-CONVERSATIONS", "CN-3-CONVERSATIONS", "OPT-OUT"],
    )
    by_run, by_rule = compliance_summary([clean])
    r = by_run.row(0, named=True)
    assert (r["quiet_hour_violations"], r["cap_hits"], r["blocked"], r["contacts_checked"]) == (
        0,
        2,
        3,
        5,
    )
    assert rows(by_rule, "rule") == {
        "CN-3-CONVERSATIONS": {"rule": "CN-3-CONVERSATIONS", "kind": "cap", "blocked": 2},
        "OPT-OUT": {"rule": "OPT-OUT", "kind": "rule", "blocked": 1},
    }


def test_a_planted_window_at_night_is_a_quiet_hour_violation():
    # 13:30Z is 21:30 in Shanghai: past the CN default end of 21:00.
    planted = run(
        [("2026-11-30T01:00", "2026-11-30T02:00"), ("2026-11-30T12:00", "2026-11-30T13:30")], []
    )
    by_run, by_rule = compliance_summary([planted])
    assert by_run.item(0, "quiet_hour_violations") == 1
    assert by_rule.height == 0
