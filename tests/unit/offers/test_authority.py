"""Offer authority boundaries, floors, kinds by segment and bucket, and the account's status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.offers import OFFER_ROLES, OfferRequest, decide, decide_many
from arrears.strategy.load import load_strategy_text
from arrears.strategy.model import OfferRule

ON = date(2026, 11, 30)
STRATEGY = """\
name: offers-test
version: 1
jurisdiction: CN
buckets: {M1: [1, 30], M2: [31, 60], M3: [61, 90], M4: [91, 120], M5: [121, 150],
          M6: [151, 180], M6+: [181, null]}
segments:
  - id: early
    when: bucket in ('M1', 'M2', 'M3')
    steps: []
  - id: late
    steps: []
offers:
  - id: m1_instalments
    when: bucket in ('M1', 'M2')
    kinds: [instalments]
    instalments: {max_count: 6, min_first_share: 0.1, max_days_between: 31}
  - id: late_settlement
    when: bucket in ('M4', 'M5', 'M6', 'M6+')
    kinds: [settlement]
    floor: 0.55
    authority: {agent: 0.10, supervisor: 0.25, manager: 0.45}
  - id: late_waivers
    when: segment == 'late'
    kinds: [fee_waiver, settlement]
    authority: {agent: 0.02, supervisor: 0.05}
"""
RULES = load_strategy_text(STRATEGY, "offers.yaml").offers
A, B, C = Decimal("0.10"), Decimal("0.25"), Decimal("0.45")
EPS = Decimal("0.0001")


def account(bucket: str = "M4", segment: str = "late", **extra: object) -> dict[str, object]:
    return {
        "account_id": "A1",
        "bucket": bucket,
        "segment": segment,
        "dpd": 100,
        "currency": "CNY",
        "outstanding_balance": 10_000.00,
        "status": "active",
        **extra,
    }


def settle(discount: Decimal | str, role: str = "agent", **acc: object):
    return decide(account(**acc), OfferRequest("settlement", role, discount=discount), RULES, on=ON)


@pytest.mark.parametrize(
    ("discount", "outcome", "approver"),
    [
        (Decimal(0), "allowed", "agent"),
        (A, "allowed", "agent"),
        (A + EPS, "needs_approval", "supervisor"),
        (B, "needs_approval", "supervisor"),
        (B + EPS, "needs_approval", "manager"),
        (C, "needs_approval", "manager"),
        (C + EPS, "refused", None),
        (Decimal("0.9"), "refused", None),
    ],
)
def test_an_agent_may_grant_exactly_its_limit_and_each_step_above_goes_to_the_next_role(
    discount: Decimal, outcome: str, approver: str | None
) -> None:
    decision = settle(discount)
    assert (decision.outcome, decision.approver_role) == (outcome, approver)
    assert decision.rule_id == "late_settlement"


@pytest.mark.parametrize(
    ("role", "discount", "outcome"),
    [
        ("supervisor", A + EPS, "allowed"),
        ("supervisor", B, "allowed"),
        ("supervisor", B + EPS, "needs_approval"),
        ("manager", C, "allowed"),
        ("manager", C + EPS, "refused"),
    ],
)
def test_a_senior_role_may_grant_what_the_junior_ones_may_and_its_own_limit(
    role: str, discount: Decimal, outcome: str
) -> None:
    assert settle(discount, role).outcome == outcome


def test_a_hair_above_a_limit_needs_the_next_role_even_when_the_cents_are_the_same() -> None:
    at = settle("0.1")
    above = settle("0.100000000001")
    assert at.terms is not None and above.terms is not None
    assert at.terms.total == above.terms.total == Decimal("9000.00")
    assert (at.outcome, above.outcome) == ("allowed", "needs_approval")
    assert "10.000000000100%" not in above.reason and "10.0000000001%" in above.reason


def test_the_reasons_say_who_may_grant_it_and_up_to_what() -> None:
    assert "within the agent's authority (up to 10%)" in settle(A).reason
    needs = settle("0.3").reason
    assert "beyond the agent's authority (up to 10%)" in needs
    assert "a manager may grant it (up to 45%)" in needs
    assert "pays 7,000.00 CNY of 10,000.00 CNY" in needs


def test_a_discount_given_as_the_amount_paid_is_held_to_the_same_boundaries() -> None:
    def pay(amount: str) -> str:
        request = OfferRequest("settlement", "agent", amount=amount)
        return decide(account(), request, RULES, on=ON).outcome

    assert pay("9000.00") == "allowed"  # exactly 10 % off
    assert pay("8999.99") == "needs_approval"
    assert pay("5500.00") == "needs_approval"  # exactly 45 % off and exactly the floor
    assert pay("5499.99") == "refused"


def test_below_the_floor_is_refused_with_the_least_the_customer_must_pay() -> None:
    rule = OfferRule(
        "generous", None, None, ("settlement",), floor=Decimal("0.55"),
        authority={"agent": Decimal("0.9")},
    )  # fmt: skip
    at_floor = decide(account(), OfferRequest("settlement", discount="0.45"), [rule], on=ON)
    below = decide(account(), OfferRequest("settlement", discount="0.4501"), [rule], on=ON)
    assert at_floor.outcome == "allowed"
    assert below.outcome == "refused"
    assert "below the floor of 55%" in below.reason
    assert "at least 5,500.00 CNY" in below.reason


def test_above_every_authority_is_refused_naming_the_ladder() -> None:
    decision = settle("0.5")
    assert decision.outcome == "refused"
    assert "beyond every authority of offer 'late_settlement'" in decision.reason
    assert "agent up to 10%, supervisor up to 25%, manager up to 45%" in decision.reason


def test_a_rule_without_authority_grants_no_discount_but_allows_a_plan_at_full_balance() -> None:
    m1 = account(bucket="M1", segment="early")
    plan = decide(m1, OfferRequest("instalments", instalments=3), RULES, on=ON)
    cut = decide(m1, OfferRequest("instalments", discount="0.01"), RULES, on=ON)
    assert (plan.outcome, plan.approver_role, plan.rule_id) == (
        "allowed",
        "agent",
        "m1_instalments",
    )
    assert cut.outcome == "refused" and "grants no discount" in cut.reason


def test_a_kind_the_accounts_rules_do_not_offer_is_refused_naming_what_they_do_offer() -> None:
    decision = decide(
        account(bucket="M1", segment="early"), OfferRequest("settlement"), RULES, on=ON
    )
    assert decision.outcome == "refused"
    assert decision.reason.startswith("no offer rule gives settlement to this account (bucket M1")
    assert "'m1_instalments' offers instalments" in decision.reason


def test_an_account_no_rule_matches_is_refused_with_its_bucket_and_segment() -> None:
    decision = settle("0", bucket="M3", segment="early")
    assert decision.outcome == "refused" and decision.rule_id is None
    assert (
        decision.reason == "no offer rule matches the account (bucket M3, segment early, dpd 100)"
    )


def test_the_first_rule_that_matches_and_offers_the_kind_applies() -> None:
    # late_settlement comes first for settlements; fee waivers fall through to late_waivers.
    waiver = decide(account(), OfferRequest("fee_waiver", discount="0.03"), RULES, on=ON)
    assert (waiver.rule_id, waiver.outcome, waiver.approver_role) == (
        "late_waivers", "needs_approval", "supervisor",
    )  # fmt: skip
    # in the late segment but in no late bucket: only late_waivers matches.
    assert settle("0.02", bucket="M3").rule_id == "late_waivers"


def test_a_waiver_larger_than_the_fees_owed_is_refused_when_the_account_says_what_they_are() -> (
    None
):
    request = OfferRequest("fee_waiver", discount="0.02")
    ok = decide(account(fee_balance=200.0), request, RULES, on=ON)
    too_much = decide(account(fee_balance=199.99), request, RULES, on=ON)
    assert ok.outcome == "allowed"
    assert too_much.outcome == "refused" and "more than the fees owed" in too_much.reason


@pytest.mark.parametrize("status", ["dispute", "bankruptcy", "deceased", "legal_hold", "settled"])
def test_accounts_in_dispute_bankruptcy_or_on_hold_get_no_offer(status: str) -> None:
    decision = settle("0", status=status)
    assert decision.outcome == "refused" and f"account status '{status}'" in decision.reason


def test_a_written_off_account_may_still_be_settled() -> None:
    assert settle("0.05", status="written_off").outcome == "allowed"


def test_an_unknown_kind_or_role_is_bad_input_listing_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="one of: instalments, settlement, fee_waiver"):
        OfferRequest("cashback")
    with pytest.raises(ValueError, match="one of: agent, supervisor, manager"):
        OfferRequest("settlement", "director")
    with pytest.raises(ValueError, match="not a share between 0 and 1"):
        OfferRequest("settlement", discount="1.2")


# --- properties ----------------------------------------------------------------------------

RANK = {"allowed": 0, "needs_approval": 1, "refused": 2}
shares = st.integers(min_value=0, max_value=10_000).map(lambda bp: Decimal(bp) / 10_000)


@st.composite
def ladders(draw: st.DrawFn) -> OfferRule:
    limits = sorted(draw(st.lists(shares, min_size=1, max_size=3)))
    roles = sorted(draw(st.sets(st.sampled_from(OFFER_ROLES), min_size=len(limits),
                                max_size=len(limits))), key=OFFER_ROLES.index)  # fmt: skip
    floor = draw(st.none() | shares)
    return OfferRule("r", None, None, ("settlement",), floor, dict(zip(roles, limits, strict=True)))


@settings(max_examples=300, deadline=None)
@given(
    rule=ladders(),
    role=st.sampled_from(OFFER_ROLES),
    balance_cents=st.integers(min_value=1, max_value=10**9),
    d1=shares,
    d2=shares,
)
def test_the_outcome_and_the_approver_never_go_down_as_the_discount_grows(
    rule: OfferRule, role: str, balance_cents: int, d1: Decimal, d2: Decimal
) -> None:
    lo, hi = sorted((d1, d2))
    acc = account(outstanding_balance=balance_cents / 100)
    first = decide(acc, OfferRequest("settlement", role, discount=lo), [rule], on=ON)
    second = decide(acc, OfferRequest("settlement", role, discount=hi), [rule], on=ON)
    assert RANK[first.outcome] <= RANK[second.outcome]
    if second.approver_role is not None:
        assert first.approver_role is not None
        assert OFFER_ROLES.index(first.approver_role) <= OFFER_ROLES.index(second.approver_role)


@settings(max_examples=300, deadline=None)
@given(rule=ladders(), role=st.sampled_from(OFFER_ROLES), discount=shares)
def test_the_outcome_is_the_one_the_ladder_and_the_floor_say(
    rule: OfferRule, role: str, discount: Decimal
) -> None:
    decision = settle_with(rule, role, discount)
    d = Fraction(discount)
    covering = [r for r in OFFER_ROLES if r in rule.authority and d <= rule.authority[r]]
    below_floor = rule.floor is not None and d > 1 - Fraction(rule.floor)
    if below_floor or (d > 0 and not covering) or d == 1:  # 100 % off is a write-off
        assert decision.outcome == "refused"
    else:
        lowest = covering[0] if d > 0 else "agent"
        assert decision.approver_role == lowest
        mine = OFFER_ROLES.index(role) >= OFFER_ROLES.index(lowest)
        assert decision.outcome == ("allowed" if mine else "needs_approval")


def settle_with(rule: OfferRule, role: str, discount: Decimal):
    return decide(account(), OfferRequest("settlement", role, discount=discount), [rule], on=ON)


def test_many_requests_at_once_get_the_same_decisions_as_one_at_a_time() -> None:
    rows = [
        {**account(bucket=b, segment=s), "account_id": f"A{i}", "kind": k, "role": r,
         "discount": d}
        for i, (b, s, k, r, d) in enumerate([
            ("M4", "late", "settlement", "agent", 0.1),
            ("M4", "late", "settlement", "agent", 0.3),
            ("M5", "late", "settlement", "supervisor", 0.6),
            ("M1", "early", "instalments", "agent", 0.0),
            ("M1", "early", "settlement", "agent", 0.0),
            ("M3", "late", "fee_waiver", "manager", 0.04),
        ])
    ]  # fmt: skip
    frame = pl.DataFrame(rows)
    many = decide_many(frame, RULES, on=ON)
    one = [
        decide(row, OfferRequest(row["kind"], row["role"], discount=row["discount"]), RULES, on=ON)
        for row in rows
    ]
    assert many.get_column("outcome").to_list() == [d.outcome for d in one]
    assert many.get_column("approver_role").to_list() == [d.approver_role for d in one]
    assert many.get_column("reason").to_list() == [d.reason for d in one]
    assert many.get_column("outcome").to_list() == [
        "allowed", "needs_approval", "refused", "allowed", "refused", "allowed",
    ]  # fmt: skip


def test_a_role_left_out_of_the_ladder_may_grant_what_the_role_below_it_may() -> None:
    rule = OfferRule(
        "gap", None, None, ("settlement",),
        authority={"agent": Decimal("0.1"), "manager": Decimal("0.3")},
    )  # fmt: skip
    assert settle_with(rule, "supervisor", Decimal("0.1")).outcome == "allowed"
    above = settle_with(rule, "supervisor", Decimal("0.2"))
    assert (above.outcome, above.approver_role) == ("needs_approval", "manager")


def test_an_account_may_be_a_one_row_frame_and_a_missing_value_does_not_match() -> None:
    frame = pl.DataFrame([account()])
    assert decide(frame, OfferRequest("settlement"), RULES, on=ON).rule_id == "late_settlement"
    no_bucket = decide(account(bucket=None), OfferRequest("settlement"), RULES, on=ON)
    assert no_bucket.rule_id == "late_waivers"  # the segment still matches
    with pytest.raises(ValueError, match="reads 'segment', which the accounts do not have"):
        decide({"account_id": "A1", "bucket": "M4"}, OfferRequest("settlement"), RULES, on=ON)


def test_a_rule_without_a_condition_matches_every_row_of_a_frame() -> None:
    rule = OfferRule("all", None, None, ("settlement",), authority={"agent": Decimal("0.1")})
    frame = pl.DataFrame(
        [{**account(), "account_id": f"A{i}", "kind": "settlement", "discount": 0.06 * i}
         for i in range(3)]
    )  # fmt: skip
    decided = decide_many(frame, [rule], on=ON)
    assert decided.get_column("outcome").to_list() == ["allowed", "allowed", "refused"]
    assert decided.get_column("rule_id").to_list() == ["all"] * 3
