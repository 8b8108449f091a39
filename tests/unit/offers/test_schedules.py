"""Instalment schedules (count, first share, gaps) and the promises an accepted offer makes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.offers import (
    PROMISE_COLUMNS,
    Instalment,
    OfferRequest,
    decide,
    plan_schedule,
    promises_of,
)
from arrears.strategy.model import InstalmentTerms, OfferRule

ON = date(2026, 11, 30)
MADE = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
PLAN = OfferRule(
    "plan", None, None, ("instalments", "settlement"),
    floor=Decimal("0.5"),
    authority={"agent": Decimal("0.1"), "manager": Decimal("0.4")},
    instalments=InstalmentTerms(6, Decimal("0.2"), 31),
)  # fmt: skip
ONE_PAYMENT = OfferRule("single", None, None, ("settlement",), authority={"agent": Decimal("0.2")})


def account(balance: float = 1000.0, currency: str = "CNY") -> dict[str, object]:
    return {
        "account_id": "A7",
        "bucket": "M4",
        "currency": currency,
        "outstanding_balance": balance,
        "status": "active",
    }


def offer(request: OfferRequest, rule: OfferRule = PLAN, **acc: object):
    return decide(account(**acc), request, [rule], on=ON)  # type: ignore[arg-type]


def test_a_plan_is_built_from_the_decision_date_every_30_days_and_sums_to_the_total() -> None:
    d = offer(OfferRequest("instalments", instalments=3))
    assert d.outcome == "allowed" and d.terms is not None
    assert [i.due_date for i in d.terms.schedule] == [ON, ON + timedelta(30), ON + timedelta(60)]
    assert [i.amount for i in d.terms.schedule] == [
        Decimal("333.33"), Decimal("333.33"), Decimal("333.34"),
    ]  # fmt: skip
    assert sum(i.amount for i in d.terms.schedule) == d.terms.total == Decimal("1000.00")


def test_the_built_plan_raises_the_first_payment_to_the_rules_least_share() -> None:
    d = offer(OfferRequest("instalments", instalments=6))
    assert d.outcome == "allowed" and d.terms is not None
    amounts = [i.amount for i in d.terms.schedule]
    assert amounts[0] == Decimal("200.00")  # 20 % of 1,000, more than 1,000 / 6
    assert amounts[1:] == [Decimal("160.00")] * 5


def test_more_payments_than_the_rule_allows_are_refused() -> None:
    d = offer(OfferRequest("instalments", instalments=7))
    assert d.outcome == "refused" and "7 payments, more than the 6 offer 'plan' allows" in d.reason


def test_a_first_payment_below_the_least_share_is_refused() -> None:
    schedule = (
        Instalment(ON + timedelta(7), Decimal("199.99")),
        Instalment(ON + timedelta(37), Decimal("800.01")),
    )
    d = offer(OfferRequest("instalments", schedule=schedule))
    assert d.outcome == "refused"
    assert (
        "first payment 199.99 CNY is less than 20% of the total (at least 200.00 CNY)" in d.reason
    )


def test_a_gap_longer_than_the_rule_allows_is_refused_and_one_at_the_limit_is_not() -> None:
    def with_gap(days: int) -> str:
        schedule = (
            Instalment(ON, Decimal("500")),
            Instalment(ON + timedelta(days), Decimal("500")),
        )
        return offer(OfferRequest("instalments", schedule=schedule)).reason

    assert "between payments" not in with_gap(31)
    assert "32 days between payments 1 and 2, more than the 31 offer 'plan' allows" in with_gap(32)


def test_a_first_payment_too_far_off_or_in_the_past_is_refused() -> None:
    late = offer(OfferRequest("instalments", instalments=2, first_due=ON + timedelta(32)))
    past = offer(OfferRequest("instalments", instalments=2, first_due=ON - timedelta(1)))
    assert late.outcome == past.outcome == "refused"
    assert "first payment is due 32 days after the offer date" in late.reason
    assert "before the offer date" in past.reason


def test_due_dates_must_increase() -> None:
    schedule = (Instalment(ON + timedelta(5), Decimal("500")), Instalment(ON, Decimal("500")))
    d = offer(OfferRequest("instalments", schedule=schedule))
    assert d.outcome == "refused" and "payment 2 is not due after payment 1" in d.reason


def test_a_schedule_that_does_not_sum_to_the_agreed_total_is_refused() -> None:
    schedule = (Instalment(ON, Decimal("450")), Instalment(ON + timedelta(30), Decimal("450")))
    ok = offer(OfferRequest("settlement", "agent", discount="0.1", schedule=schedule))
    assert ok.outcome == "allowed"
    off = offer(OfferRequest("settlement", "agent", discount="0.15", schedule=schedule))
    assert "the payments sum to 900.00 CNY, the agreed total is 850.00 CNY" in off.reason


def test_a_rule_without_instalment_terms_takes_one_payment_only() -> None:
    d = offer(OfferRequest("settlement", discount="0.1", instalments=2), ONE_PAYMENT)
    assert d.outcome == "refused" and "does not allow instalments" in d.reason
    assert offer(OfferRequest("settlement", discount="0.1"), ONE_PAYMENT).outcome == "allowed"


def test_an_amount_with_more_decimals_than_the_currency_is_bad_input() -> None:
    with pytest.raises(ValueError, match="more decimals than CNY has"):
        offer(OfferRequest("settlement", amount="900.005"))
    yen = offer(OfferRequest("instalments", instalments=3), balance=100_000.0, currency="JPY")
    assert yen.terms is not None
    assert [i.amount for i in yen.terms.schedule] == [
        Decimal(33333),
        Decimal(33333),
        Decimal(33334),
    ]


def test_an_accepted_offer_becomes_one_open_promise_per_payment_in_the_contract_layout() -> None:
    d = offer(OfferRequest("settlement", "agent", discount="0.1", instalments=3))
    promises = promises_of(d, MADE)
    assert promises.columns[:6] == list(PROMISE_COLUMNS)
    assert promises.get_column("status").to_list() == ["open"] * 3
    assert promises.get_column("account_id").to_list() == ["A7"] * 3
    assert promises.get_column("due_date").to_list() == [i.due_date for i in d.terms.schedule]  # type: ignore[union-attr]
    assert promises.schema["made_at"] == pl.Datetime("us", "UTC")
    assert promises.get_column("amount").sum() == Decimal("900.00")
    assert promises.get_column("promise_id").n_unique() == 3
    assert promises.equals(promises_of(d, MADE))  # the same acceptance, the same ids


def test_an_offer_that_needs_approval_is_recorded_only_once_a_senior_enough_role_approves() -> None:
    d = offer(OfferRequest("settlement", "agent", discount="0.3"))
    assert (d.outcome, d.approver_role) == ("needs_approval", "manager")
    with pytest.raises(ValueError, match="needs a manager's approval"):
        promises_of(d, MADE)
    with pytest.raises(ValueError, match="needs a manager's approval"):
        promises_of(d, MADE, approved_by="supervisor")
    assert promises_of(d, MADE, approved_by="manager").height == 1


def test_a_refused_offer_records_nothing() -> None:
    d = offer(OfferRequest("settlement", "agent", discount="0.6"))
    with pytest.raises(ValueError, match="offer refused"):
        promises_of(d, MADE)


@settings(max_examples=300, deadline=None)
@given(
    total_cents=st.integers(min_value=1, max_value=10**11),
    count=st.integers(min_value=1, max_value=60),
    first_share=st.integers(min_value=0, max_value=100).map(lambda p: Decimal(p) / 100),
)
def test_a_built_schedule_always_sums_exactly_to_the_total_in_cents(
    total_cents: int, count: int, first_share: Decimal
) -> None:
    total = Decimal(total_cents) / 100
    schedule = plan_schedule(total, "USD", count, start=ON, min_first_share=first_share)
    amounts = [i.amount for i in schedule]
    assert len(schedule) == count
    assert sum(amounts) == total
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts)
    if total_cents >= count:
        assert amounts[0] >= first_share * total
        assert len(set(amounts[1:-1])) <= 1  # the middle ones are equal; the last takes the rest


@settings(max_examples=200, deadline=None)
@given(
    balance_cents=st.integers(min_value=100, max_value=10**9),
    discount_bp=st.integers(min_value=0, max_value=1000),
    count=st.integers(min_value=1, max_value=6),
)
def test_the_promises_of_an_accepted_offer_sum_exactly_to_its_total(
    balance_cents: int, discount_bp: int, count: int
) -> None:
    request = OfferRequest("settlement", "agent", discount=Decimal(discount_bp) / 10_000,
                           instalments=count)  # fmt: skip
    d = offer(request, balance=balance_cents / 100)
    if d.outcome != "allowed":  # a few cents cannot be split into six payments
        assert balance_cents < 6 * 100 or "cannot be split" in d.reason
        return
    assert d.terms is not None
    promises = promises_of(d, MADE)
    assert promises.height == count
    assert promises.get_column("amount").sum() == d.terms.total
    assert d.terms.total + d.terms.discount == d.terms.balance == Decimal(balance_cents) / 100
