"""Due-relative steps (`days_before_due`): read, refused where malformed, planned as table rows."""

import textwrap
from pathlib import Path

import polars as pl
import pytest

from arrears.strategy.check import check_strategy
from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.load import load_strategy, load_strategy_text
from arrears.strategy.plan_exprs import steps_frame

BASE = """\
name: test
version: 1
jurisdiction: CN
buckets:
  M0: [0, 0]
  M1: [1, 30]
segments:
  - id: A
    when: bucket == 'M0'
    steps:
      - id: pre
        days_before_due: [3, 0]
        channel: sms
        template: predue_reminder
"""


def diagnostics_of(tmp_path: Path, text: str) -> list[Diagnostic]:
    path = tmp_path / "strategy.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(StrategyError) as caught:
        load_strategy(path)
    return caught.value.diagnostics


def test_a_due_relative_step_loads_with_no_days_past_due() -> None:
    [step] = load_strategy_text(BASE).steps()
    assert (step.days_before_due, step.days) == ((3, 0), ())
    assert step.before_due and step.dpd_days == (0,)


def test_its_rows_are_keyed_on_dpd_0_and_days_to_due_once_per_day() -> None:
    text = BASE.replace("[3, 0]", "[3, 0, 3]") + textwrap.indent(
        "- id: late\n  days: [1, 2]\n  channel: sms\n", "      "
    )
    frame = steps_frame(load_strategy_text(text))
    assert frame.select("step", "dpd", "days_to_due").rows() == [
        ("pre", 0, 0),
        ("pre", 0, 3),
        ("late", 1, None),
        ("late", 2, None),
    ]


@pytest.mark.parametrize(
    ("before", "after", "line", "column", "says"),
    [
        (  # both: at the second of the two keys
            "        days_before_due: [3, 0]\n",
            "        days: [1]\n        days_before_due: [3, 0]\n",
            13,
            9,
            "needs exactly one of `days` (days past due) and `days_before_due`",
        ),
        (  # neither: at the step
            "        days_before_due: [3, 0]\n",
            "",
            11,
            9,
            "it gives neither",
        ),
        ("[3, 0]", "[3, -1]", 12, 30, "days_before_due[1]: -1 is less than the minimum of 0"),
        ("[3, 0]", "3", 12, 26, "days_before_due: 3 is not of type 'array'"),
        ("[3, 0]", "'3, 0'", 12, 26, "days_before_due: '3, 0' is not of type 'array'"),
        ("[3, 0]", "[]", 12, 26, "days_before_due: [] should be non-empty"),
        ("[3, 0]", "[3, two]", 12, 30, "days_before_due[1]: 'two' is not of type 'integer'"),
    ],
)
def test_a_malformed_due_relative_step_is_an_error_at_its_line_and_column(
    tmp_path: Path, before: str, after: str, line: int, column: int, says: str
) -> None:
    text = BASE.replace(before, after)
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column, d.code, d.severity) == (line, column, "schema", "error"), str(d)
    assert says in d.message
    assert str(d).startswith(f"{tmp_path / 'strategy.yaml'}:{line}:{column}: error: ")


def test_both_given_names_the_two_fields() -> None:
    text = BASE.replace("        channel: sms\n", "        channel: sms\n        days: [0]\n")
    with pytest.raises(StrategyError) as caught:
        load_strategy_text(text, "s.yaml")
    [d] = caught.value.diagnostics
    assert (d.line, d.column) == (14, 9)  # `days`, written after `days_before_due`
    assert d.message.endswith("it gives both")


def test_an_assign_step_cannot_be_due_relative(tmp_path: Path) -> None:
    text = BASE.replace(
        "        channel: sms\n        template: predue_reminder\n",
        "        assign: {to: team, teams: t}\n",
    )
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (12, 9)
    assert "`days_before_due` is for contact steps" in d.message


EXPERIMENT = """\
experiment:
  id: e
  arms:
    - {id: champion, weight: 50}
    - id: challenger
      weight: 50
      overrides:
        pre: OVERRIDE
"""


def test_an_arm_may_move_a_step_between_days_and_days_before_due() -> None:
    after = load_strategy_text(BASE + EXPERIMENT.replace("OVERRIDE", "{days: [1]}"))
    frame = steps_frame(after).select("arm", "dpd", "days_to_due")
    assert frame.rows() == [("champion", 0, 0), ("champion", 0, 3), ("challenger", 1, None)]
    dpd_step = BASE.replace("days_before_due: [3, 0]", "days: [1]")
    before = load_strategy_text(dpd_step + EXPERIMENT.replace("OVERRIDE", "{days_before_due: [5]}"))
    frame = steps_frame(before).select("arm", "dpd", "days_to_due")
    assert frame.rows() == [("champion", 1, None), ("challenger", 0, 5)]


def test_an_override_with_both_kinds_of_days_is_an_error_at_the_second() -> None:
    text = BASE + EXPERIMENT.replace("OVERRIDE", "{days: [1], days_before_due: [5]}")
    with pytest.raises(StrategyError) as caught:
        load_strategy_text(text, "s.yaml")
    [d] = caught.value.diagnostics
    assert (d.line, d.column) == (22, 26), str(d)  # `days_before_due`
    assert "an override gives `days` or `days_before_due`, not both" in d.message


def test_a_due_relative_step_in_a_segment_that_is_never_at_dpd_0_is_a_warning() -> None:
    text = BASE.replace("when: bucket == 'M0'", "when: bucket == 'M1'")
    strategy = load_strategy_text(text, "s.yaml")
    assert [str(d) for d in check_strategy(strategy)] == [
        "s.yaml:12:9: warning: step 'pre' never fires: days_before_due fires only while the "
        "account is not overdue (dpd 0), and segment 'A' only holds accounts in M1"
    ]
    assert check_strategy(load_strategy_text(BASE)) == []
    anywhere = BASE.replace("    when: bucket == 'M0'\n", "")  # no bucket test: not known
    assert check_strategy(load_strategy_text(anywhere)) == []


def test_the_steps_frame_types_its_days_to_due_column_as_the_derived_feature() -> None:
    from arrears.planning.derived import DERIVED

    frame = steps_frame(load_strategy_text(BASE))
    assert frame.schema["days_to_due"] == DERIVED["days_to_due"] == pl.Int32()
