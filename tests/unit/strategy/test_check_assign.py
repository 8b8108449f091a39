"""`arrears validate` on assign steps: value, columns, options and the teams they name."""

from __future__ import annotations

from arrears.strategy.check import check_strategy
from arrears.strategy.load import load_strategy_text

HEAD = """name: t
version: 1
jurisdiction: CN
buckets: {M1: [1, 30]}
segments:
  - id: S
    steps:
      - id: s.call
        days: [3]
        channel: human_call
"""


def diagnostics(step: str, teams: dict[str, str] | None = None) -> list[tuple[int, int, str, str]]:
    strategy = load_strategy_text(HEAD + step)
    return [
        (d.line, d.column, d.severity, d.message) for d in check_strategy(strategy, None, teams)
    ]


def test_a_clean_assign_step_passes_with_its_teams() -> None:
    step = (
        "      - id: s.owner\n"
        "        assign: {to: team, teams: [north], value: overdue_amount * 0.4}\n"
    )
    assert diagnostics(step, {"north": "human"}) == []


def test_teams_missing_from_the_data_or_of_the_wrong_kind_are_errors_where_named() -> None:
    step = "      - id: s.owner\n        assign: {to: robot, teams: [north, nobody]}\n"
    found = diagnostics(step, {"north": "human"})
    assert found == [
        (12, 37, "error", "step 's.owner' assigns to robot, but team 'north' is a human team "
         "(needs robot)"),
        (12, 44, "error", "step 's.owner': team 'nobody' is not in the teams table"),
    ]  # fmt: skip


def test_a_value_that_is_not_a_number_is_an_error_at_its_place() -> None:
    step = '      - id: s.owner\n        assign: {to: team, teams: north, value: "product"}\n'
    assert diagnostics(step) == [(12, 49, "error", "value must be a number, not a string")]


def test_an_unknown_column_in_value_or_skills_from_warns_without_data() -> None:
    step = (
        "      - id: s.owner\n"
        '        assign: {to: team, teams: north, value: "score * 2", skills_from: [produkt]}\n'
    )
    found = diagnostics(step)
    assert [(sev, msg) for _, _, sev, msg in found] == [
        ("warning", "value: unknown column 'score'"),
        ("warning", "skills_from: unknown column 'produkt'"),
    ]


def test_options_of_another_kind_of_owner_are_flagged() -> None:
    step = (
        "      - id: s.owner\n        assign: {to: team, teams: north, handoff: x, replace: true}\n"
    )
    messages = [m for *_, m in diagnostics(step)]
    assert messages == [
        "step 's.owner': handoff is for robot steps (to: robot)",
        "step 's.owner': recall and replace are for agency steps (to: agency)",
    ]


def test_an_assign_step_may_not_reuse_another_steps_id() -> None:
    step = "      - id: s.call\n        assign: {to: team, teams: north}\n"
    assert [m for *_, m in diagnostics(step)] == ["duplicate step id 's.call'"]
