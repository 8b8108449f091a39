"""The strategy's `offers:` block: how it loads, and every mistake reported at its position."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from arrears.strategy.check import check_strategy
from arrears.strategy.diagnostics import StrategyError
from arrears.strategy.load import load_strategy_text
from arrears.strategy.model import InstalmentTerms

BASE = """\
name: offers
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
  M2: [31, 90]
  M3+: [91, null]
segments:
  - id: early
    when: bucket in ('M1', 'M2')
    steps: []
  - id: late
    steps: []
offers:
  - id: m1_plan
    when: bucket == 'M1'
    kinds: [instalments, fee_waiver]
    instalments: {max_count: 6, min_first_share: 0.1, max_days_between: 31}
    authority: {agent: 0.02}
  - id: late_settlement
    when: segment == 'late' and outstanding_balance > 100
    kinds: [settlement]
    floor: 0.55
    authority: {agent: 0.10, supervisor: 0.25, manager: 0.45}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(StrategyError) as caught:
        load_strategy_text(text, "s.yaml")
    return [str(d) for d in caught.value.diagnostics]


def checked(text: str, columns: dict[str, pl.DataType] | None = None) -> list[str]:
    return [str(d) for d in check_strategy(load_strategy_text(text, "s.yaml"), columns)]


def test_the_offers_block_loads_with_exact_shares_and_positions() -> None:
    strategy = load_strategy_text(BASE, "s.yaml")
    plan, late = strategy.offers
    assert (plan.id, plan.kinds, plan.floor) == ("m1_plan", ("instalments", "fee_waiver"), None)
    assert plan.instalments == InstalmentTerms(6, Decimal("0.1"), 31)
    assert dict(late.authority) == {
        "agent": Decimal("0.10"), "supervisor": Decimal("0.25"), "manager": Decimal("0.45"),
    }  # fmt: skip
    assert late.floor == Decimal("0.55")
    assert (late.line, late.marks["floor"].line, late.marks["floor"].column) == (20, 23, 12)
    assert checked(BASE) == []


def test_a_strategy_without_offers_has_none() -> None:
    assert load_strategy_text(BASE.split("offers:")[0]).offers == ()


def test_an_unknown_kind_is_reported_at_its_position_with_the_kinds_allowed() -> None:
    [error] = errors_of(BASE.replace("kinds: [settlement]", "kinds: [settlment]"))
    assert error.startswith("s.yaml:22:13: error: offers[1].kinds[0]: 'settlment' is not one of")
    assert "'instalments', 'settlement', 'fee_waiver', 'interest_waiver'" in error


def test_an_unknown_role_is_reported_at_its_position_with_the_roles_allowed() -> None:
    [error] = errors_of(BASE.replace("manager: 0.45", "director: 0.45"))
    assert error == (
        "s.yaml:24:48: error: offers[1].authority: unknown field 'director' "
        "(one of: agent, supervisor, manager)"
    )


def test_shares_outside_zero_to_one_and_bad_instalment_terms_are_reported_where_they_are() -> None:
    text = BASE.replace("floor: 0.55", "floor: 55").replace("max_count: 6", "max_count: 0")
    assert errors_of(text) == [
        "s.yaml:18:30: error: offers[0].instalments.max_count: 0 is less than the minimum of 1",
        "s.yaml:23:12: error: offers[1].floor: 55 is greater than the maximum of 1",
    ]


def test_a_missing_kinds_and_an_unknown_field_are_reported() -> None:
    text = BASE.replace("    kinds: [settlement]\n", "    kind: settlement\n")
    errors = errors_of(text)
    assert any("offers[1]: 'kinds' is a required property" in e for e in errors)
    assert "s.yaml:22:5: error: offers[1]: unknown field 'kind' (did you mean 'kinds'?)" in errors


def test_a_syntax_error_in_an_offer_condition_points_at_its_character() -> None:
    [error] = errors_of(BASE.replace("when: bucket == 'M1'", "when: bucket = 'M1'"))
    assert error.startswith("s.yaml:16:18: error:")
    assert "==" in error


def test_a_senior_role_allowed_less_than_a_junior_one_is_an_error_at_its_limit() -> None:
    text = BASE.replace("supervisor: 0.25", "supervisor: 0.05")
    assert checked(text) == [
        "s.yaml:24:42: error: offer 'late_settlement': supervisor may grant 0.05, less than "
        "agent (0.1): a senior role may grant at least what a junior one may"
    ]


def test_a_limit_the_floor_never_lets_be_used_is_a_warning() -> None:
    [warning] = checked(BASE.replace("manager: 0.45", "manager: 0.5"))
    assert warning.startswith("s.yaml:24:57: warning: offer 'late_settlement': manager's limit 0.5")
    assert "beyond the floor 0.55 (a discount of at most 0.45)" in warning


def test_offering_instalments_without_terms_is_an_error() -> None:
    text = BASE.replace(
        "    instalments: {max_count: 6, min_first_share: 0.1, max_days_between: 31}\n", ""
    )
    [error] = checked(text)
    assert error.startswith("s.yaml:17:12: error: offer 'm1_plan' offers instalments but says")


def test_conditions_are_type_checked_and_may_name_the_segment() -> None:
    text = BASE.replace("outstanding_balance > 100", "outstanding_balance > 'high'")
    [error] = checked(text)
    assert error.startswith("s.yaml:21:33: error:") and "compares a number with a string" in error


def test_an_unknown_segment_bucket_or_column_in_a_condition_is_reported() -> None:
    text = BASE.replace("segment == 'late'", "segment == 'Late'").replace(
        "bucket == 'M1'", "bucket == 'M9' and scorecard > 1"
    )
    found = checked(text)
    assert "s.yaml:16:21: warning: there is no bucket 'M9'" in found
    assert any(f.startswith("s.yaml:16:30: warning: column 'scorecard' is not in the contract")
               for f in found)  # fmt: skip
    assert (
        "s.yaml:21:22: warning: offer 'late_settlement': there is no segment 'Late' "
        "(did you mean 'late'?)" in found
    )
    with_data = checked(text, {"outstanding_balance": pl.Float64(), "bucket": pl.String()})
    assert any(f.startswith("s.yaml:16:30: error: unknown column 'scorecard'") for f in with_data)


def test_duplicate_ids_and_rules_a_catch_all_hides_are_reported() -> None:
    text = (
        BASE + "  - id: m1_plan\n    kinds: [settlement]\n  - id: never\n    kinds: [settlement]\n"
    )
    found = checked(text)
    assert "s.yaml:25:9: error: duplicate offer id 'm1_plan'" in found
    assert (
        "s.yaml:27:5: warning: offer 'never' is unreachable: offer 'm1_plan' (line 25) takes "
        "every account for settlement before it"
    ) in found
