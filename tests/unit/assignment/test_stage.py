"""The assignment stage on hand-made books: keep, rotate, stay, recall, exits, pools, reasons."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from staff import RUN_DATE, Book, owner_of, reason_of, strategy

DISPATCH = """
  - id: S
    steps:
      - id: s.owner
        assign: {to: team, teams: collectors}
"""


def two_agents(cap_a: int = 5, cap_b: int = 5) -> Book:
    return (
        Book()
        .team("collectors", skills="M1,cash_loan")
        .agent("A", "collectors", cap_a)
        .agent("B", "collectors", cap_b)
    )


def test_a_held_case_stays_with_its_owner() -> None:
    book = two_agents().account("a1").account("a2").held("a1", "B", days=3)
    result = book.assign(strategy(DISPATCH))
    assert owner_of(result)["a1"] == "B"
    row = result.assignments.filter(pl.col("account_id") == "a1").row(0, named=True)
    assert row["mode"] == "keep" and row["previous_owner"] == "B"
    assert "held by B" in row["reason"]


def test_a_customers_accounts_go_to_one_owner_even_when_one_was_held_elsewhere() -> None:
    book = (
        two_agents()
        .account("a1", "C1", dpd=5)
        .account("a2", "C1", dpd=20)
        .account("a3", "C1", dpd=12)
        .held("a2", "A")
    )
    owners = owner_of(book.assign(strategy(DISPATCH)))
    assert owners == {"a1": "A", "a2": "A", "a3": "A"}


def test_rotation_after_n_days_moves_the_case_to_another_agent() -> None:
    plan = strategy(
        DISPATCH.replace("teams: collectors}", "teams: collectors, rotate_after_days: 20}")
    )
    book = two_agents().account("a1").account("a2").held("a1", "A", days=25).held("a2", "A", days=5)
    result = book.assign(plan)
    owners = owner_of(result)
    assert owners["a1"] == "B" and owners["a2"] == "A"
    row = result.assignments.filter(pl.col("account_id") == "a1").row(0, named=True)
    assert row["mode"] == "rotate" and row["previous_owner"] == "A"
    assert "rotated from A after 25 days" in row["reason"]


def test_a_stay_keeps_the_case_past_its_rotation_day() -> None:
    plan = strategy(
        DISPATCH.replace("teams: collectors}", "teams: collectors, rotate_after_days: 20}")
    )
    stay = RUN_DATE + timedelta(days=3)
    book = two_agents().account("a1").held("a1", "A", days=25, stay_until=stay)
    result = book.assign(plan)
    assert owner_of(result)["a1"] == "A"
    assert result.assignments.item(0, "mode") == "keep"
    ended = (
        two_agents().account("a1").held("a1", "A", days=25, stay_until=RUN_DATE - timedelta(days=1))
    )
    assert owner_of(ended.assign(plan))["a1"] == "B"


def test_no_right_party_contact_in_m_days_rotates() -> None:
    plan = strategy(
        DISPATCH.replace("teams: collectors}", "teams: collectors, rotate_no_rpc_days: 10}")
    )
    book = (
        two_agents()
        .account("silent", days_since_rpc=12)
        .account("talking", days_since_rpc=2)
        .account("never", days_since_rpc=None)
        .account("new_owner", days_since_rpc=None)
        .held("silent", "A", days=15)
        .held("talking", "A", days=15)
        .held("never", "A", days=11)
        .held("new_owner", "A", days=4)
    )
    owners = owner_of(book.assign(plan))
    assert owners == {"silent": "B", "talking": "A", "never": "B", "new_owner": "A"}


AGENCIES = """
  - id: S
    steps:
      - id: s.agency
        assign: {to: agency, teams: [alpha, beta], recall_after_days: 90, replace: REPLACE}
"""


def agencies() -> Book:
    return (
        Book()
        .team("alpha", "agency", capacity=10, commission=0.2)
        .team("beta", "agency", capacity=10, commission=0.3)
        .account("a1", dpd=200)
        .account("a2", dpd=200)
        .held("a1", "alpha", "agency", days=100)
        .held("a2", "alpha", "agency", days=30)
    )


def test_an_agency_placement_is_recalled_after_n_days() -> None:
    result = agencies().assign(strategy(AGENCIES.replace("REPLACE", "false")))
    assert owner_of(result) == {"a2": "alpha"}
    row = result.unassigned.filter(pl.col("account_id") == "a1").row(0, named=True)
    assert row["kind"] == "recall" and row["previous_owner"] == "alpha"
    assert "recalled from agency alpha after 100 days" in row["reason"]


def test_a_recalled_placement_goes_to_another_agency_when_the_step_says_replace() -> None:
    result = agencies().assign(strategy(AGENCIES.replace("REPLACE", "true")))
    assert owner_of(result) == {"a1": "beta", "a2": "alpha"}
    row = result.assignments.filter(pl.col("account_id") == "a1").row(0, named=True)
    assert row["mode"] == "agency" and "re-placed from alpha after 100 days" in row["reason"]


def test_new_placements_go_to_the_agency_that_keeps_more_of_the_recovery() -> None:
    book = (
        Book()
        .team("alpha", "agency", capacity=1, commission=0.2)
        .team("beta", "agency", capacity=5, commission=0.3)
        .account("big", dpd=200, overdue=1000.0)
        .account("small", dpd=200, overdue=10.0)
    )
    owners = owner_of(book.assign(strategy(AGENCIES.replace("REPLACE", "false"))))
    assert owners == {"big": "alpha", "small": "beta"}


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        ({"promise": True}, "promise to pay open"),
        ({"overdue": 0.0}, "paid: nothing overdue"),
        ({"status": "dispute"}, "in dispute"),
        ({"status": "legal_hold"}, "on hold"),
        ({"status": "settled"}, "settled"),
    ],
)
def test_a_case_leaves_the_queue_with_its_exit(facts: dict[str, object], why: str) -> None:
    book = two_agents().account("a1", **facts).held("a1", "A")  # type: ignore[arg-type]
    result = book.assign(strategy(DISPATCH))
    assert owner_of(result) == {}
    row = result.unassigned.row(0, named=True)
    assert row["kind"] == "release" and row["previous_owner"] == "A"
    assert row["reason"] == f"released from A: {why}"


def test_a_case_no_step_wants_any_more_is_released_with_its_segment() -> None:
    book = two_agents().account("a1", segment="elsewhere", dpd=40).held("a1", "A")
    result = book.assign(strategy(DISPATCH))
    assert reason_of(result, "a1") == (
        "released from A: no assign step wants it (segment elsewhere, dpd 40)"
    )


def test_more_demand_than_capacity_leaves_the_least_valuable_out_with_the_reason() -> None:
    book = two_agents(1, 1)
    for i, amount in enumerate([500.0, 50.0, 300.0, 10.0]):
        book.account(f"a{i}", overdue=amount)
    result = book.assign(strategy(DISPATCH))
    assert set(owner_of(result)) == {"a0", "a2"}
    assert reason_of(result, "a1").startswith("capacity: all 2 eligible owners are full")
    held = result.owners.filter(pl.col("owner_kind") == "agent")
    assert (held["accounts"] <= held["capacity"]).all()


def test_an_unknown_skill_leaves_the_case_unassigned_with_the_missing_skill() -> None:
    plan = strategy(DISPATCH.replace("teams: collectors}", "teams: collectors, skills: [legal]}"))
    result = two_agents().account("a1").assign(plan)
    assert owner_of(result) == {}
    assert reason_of(result, "a1") == (
        "no eligible owner: no active team owner in collectors with skills [legal] speaking zh"
    )


def test_an_unknown_team_leaves_every_case_unassigned_without_a_crash() -> None:
    plan = strategy(DISPATCH.replace("teams: collectors}", "teams: nobody}"))
    result = two_agents().account("a1").account("a2").assign(plan)
    assert result.assignments.is_empty()
    assert result.unassigned.get_column("reason").str.starts_with("no eligible owner").all()


def test_language_decides_who_may_hold_the_case() -> None:
    book = (
        Book()
        .team("collectors")
        .agent("ZH", "collectors", 5, languages="zh-CN")
        .agent("EN", "collectors", 5, languages="en-GB")
        .account("zh", language="zh-CN")
        .account("en", language="en-US")
    )
    assert owner_of(book.assign(strategy(DISPATCH))) == {"zh": "ZH", "en": "EN"}


def test_a_skill_taken_from_a_column_matches_the_product() -> None:
    plan = strategy(
        DISPATCH.replace("teams: collectors}", "teams: collectors, skills_from: [product]}")
    )
    book = (
        Book()
        .team("collectors")
        .agent("CARD", "collectors", 5, skills="credit_card")
        .agent("CASH", "collectors", 5, skills="cash_loan")
        .account("c", product="credit_card")
        .account("l", product="cash_loan")
    )
    assert owner_of(book.assign(plan)) == {"c": "CARD", "l": "CASH"}


def test_an_owner_over_capacity_keeps_its_most_valuable_cases() -> None:
    book = two_agents(1, 5).account("hi", overdue=900.0).account("lo", overdue=90.0)
    book.held("hi", "A").held("lo", "A")
    result = book.assign(strategy(DISPATCH))
    assert owner_of(result) == {"hi": "A", "lo": "B"}
    assert "A is over capacity" in reason_of(result, "lo")


def test_pool_mode_lists_cases_in_the_teams_pool_and_hybrid_dispatches_the_top() -> None:
    pool = strategy(DISPATCH.replace("teams: collectors}", "teams: collectors, mode: pool}"))
    book = two_agents()
    for i in range(10):
        book.account(f"a{i}", overdue=100.0 * (i + 1))
    result = book.assign(pool)
    assert set(owner_of(result).values()) == {"collectors"}
    assert set(result.assignments["mode"]) == {"pool"}
    hybrid = strategy(
        DISPATCH.replace(
            "teams: collectors}", "teams: collectors, mode: hybrid, dispatch_share: 0.3}"
        )
    )
    result = book.assign(hybrid)
    dispatched = result.assignments.filter(pl.col("mode") == "dispatch")
    assert sorted(dispatched["account_id"]) == ["a7", "a8", "a9"]  # the three most valuable
    assert set(dispatched["owner"]) <= {"A", "B"}


def test_robots_take_early_cases_and_name_the_team_for_hand_off() -> None:
    plan = strategy(
        """
  - id: S
    steps:
      - id: s.robot
        assign: {to: robot, teams: robo, handoff: collectors}
"""
    )
    book = two_agents().team("robo", "robot", capacity=100, cost=0.05).account("a1")
    row = book.assign(plan).assignments.row(0, named=True)
    assert (row["owner"], row["owner_kind"], row["handoff"]) == ("robo", "team", "collectors")


def test_an_inactive_agent_holds_nothing_and_its_cases_move() -> None:
    book = (
        Book()
        .team("collectors")
        .agent("A", "collectors", 5, active=False)
        .agent("B", "collectors", 5)
        .account("a1")
        .held("a1", "A")
    )
    result = book.assign(strategy(DISPATCH))
    assert owner_of(result) == {"a1": "B"}
    assert "A may no longer hold it" in reason_of(result, "a1")


def test_talk_minutes_bound_how_many_cases_an_agent_holds() -> None:
    plan = strategy(
        DISPATCH.replace("teams: collectors}", "teams: collectors, minutes_per_case: 100}")
    )
    book = two_agents(10, 10)  # capacity_minutes 300 each: three cases of 100 minutes
    for i in range(10):
        book.account(f"a{i}", overdue=100.0 + i)
    result = book.assign(plan)
    assert result.assignments.group_by("owner").len().get_column("len").to_list() == [3, 3]
    assert result.owners.filter(pl.col("owner_kind") == "agent")["capacity"].to_list() == [3, 3]


def test_a_trigger_assigns_from_the_day_it_holds() -> None:
    plan = strategy(
        """
  - id: S
    steps:
      - id: s.after_broken_promise
        when: broken_promises_30d > 0
        assign: {to: team, teams: collectors}
      - id: s.late
        assign: {to: robot, teams: robo, from_dpd: 20}
"""
    )
    book = two_agents().team("robo", "robot", capacity=10)
    book.account("broke", dpd=5, broken_promises_30d=1)
    book.account("early", dpd=5, broken_promises_30d=0)
    book.account("late", dpd=25, broken_promises_30d=0)
    result = book.assign(plan)
    held = dict(result.assignments.select("account_id", "assign_step").iter_rows())
    assert held == {"broke": "s.after_broken_promise", "late": "s.late"}
    assert owner_of(result)["late"] == "robo"
