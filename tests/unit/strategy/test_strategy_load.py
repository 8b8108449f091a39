import textwrap
from pathlib import Path

import pytest

from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.load import load_strategy, load_strategy_text, strategy_schema
from arrears.strategy.model import Arm

BASE = """\
name: test
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
  M2: [31, null]
segments:
  - id: A
    when: "bucket == 'M1'"
    steps:
      - days: [1, 7]
        channel: sms
        template: reminder_1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "strategy.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def diagnostics_of(tmp_path: Path, text: str) -> list[Diagnostic]:
    with pytest.raises(StrategyError) as caught:
        load_strategy(write(tmp_path, text))
    return caught.value.diagnostics


def test_a_minimal_strategy_loads_with_defaults_filled_in() -> None:
    strategy = load_strategy_text(BASE)
    step = strategy.segments[0].steps[0]
    assert strategy.jurisdiction == ("CN",)
    assert [(b.name, b.lo, b.hi) for b in strategy.buckets] == [("M1", 1, 30), ("M2", 31, None)]
    assert (step.id, step.audience, step.priority, step.team, step.when) == (
        "A.1",
        "debtor",
        50,
        None,
        None,
    )
    assert strategy.experiment is None
    assert strategy.segments[0].line == 8


def test_a_yaml_syntax_error_is_reported_at_its_file_line_and_column(tmp_path: Path) -> None:
    text = BASE.replace("  M2: [31, null]", "  M2: [31, null")
    [d] = diagnostics_of(tmp_path, text)
    assert d.code == "yaml"
    assert str(d).startswith(f"{tmp_path / 'strategy.yaml'}:7:9: error: YAML syntax")
    assert "flow sequence started at line 6, column 7" in d.message


def test_a_schema_error_points_at_the_offending_value(tmp_path: Path) -> None:
    text = BASE.replace("days: [1, 7]", "days: [1, seven]")
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column, d.code) == (11, 19, "schema")
    assert "segments[0].steps[0].days[1]" in d.message
    assert str(d).startswith(f"{tmp_path / 'strategy.yaml'}:11:19: error: ")


def test_an_unknown_field_is_reported_at_its_key_with_a_suggestion(tmp_path: Path) -> None:
    text = BASE.replace("template: reminder_1", "templte: reminder_1")
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (13, 9)
    assert "unknown field 'templte'" in d.message and "did you mean 'template'" in d.message


def test_a_missing_required_field_is_reported_at_its_parent(tmp_path: Path) -> None:
    text = BASE.replace("        channel: sms\n", "")
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (11, 9)
    assert "'channel' is a required property" in d.message


def test_every_schema_error_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = BASE.replace("version: 1", "version: [1]").replace("channel: sms", "channel: 3")
    assert [(d.line, d.column) for d in diagnostics_of(tmp_path, text)] == [(2, 10), (12, 18)]


def test_a_bad_when_is_reported_at_its_column_in_the_file(tmp_path: Path) -> None:
    text = BASE.replace("\"bucket == 'M1'\"", "\"bucket = 'M1'\"")
    [d] = diagnostics_of(tmp_path, text)
    # `when: "` puts the condition's first character at column 12; `=` is its 8th.
    assert (d.line, d.column, d.code) == (9, 19, "syntax")
    assert "use '=='" in d.message


@pytest.mark.parametrize(
    ("when", "line", "column"),
    [
        ("bucket = 'M1'", 9, 18),  # plain scalar
        ("'bucket == ''M1'' or f(x)'", 9, 33),  # single-quoted, '' escapes before the error
        ('"bucket == \\"M1\\" or f(x)"', 9, 33),  # double-quoted with escapes
        (">-\n      bucket == 'M1'\n      and f(x)", 11, 12),  # folded block
        ("|\n      bucket == 'M1'\n      and x.y", 11, 12),  # literal block
    ],
)
def test_a_when_error_lands_on_the_right_column_whatever_the_yaml_quoting(
    tmp_path: Path, when: str, line: int, column: int
) -> None:
    text = BASE.replace("\"bucket == 'M1'\"", when)
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (line, column), str(d)


def test_an_error_in_a_step_when_is_reported_too(tmp_path: Path) -> None:
    text = BASE.replace("template: reminder_1", "template: reminder_1\n        when: rpc_7d >")
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (14, 23)
    assert "end of condition" in d.message


def test_duplicate_keys_are_an_error_because_yaml_would_keep_only_the_last(tmp_path: Path) -> None:
    text = BASE.replace("  M2: [31, null]", "  M2: [31, null]\n  M1: [1, 29]")
    [d] = diagnostics_of(tmp_path, text)
    assert (d.line, d.column) == (7, 3) and "duplicate key 'M1'" in d.message


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    [d] = diagnostics_of(tmp_path, "# nothing\n")
    assert (d.line, d.column) == (1, 1) and "empty" in d.message


def test_a_control_character_is_an_error_at_its_position(tmp_path: Path) -> None:
    [d] = diagnostics_of(tmp_path, "name: x\nversion: 1\x1f\n")
    assert (d.line, d.column) == (2, 11) and "U+001F" in d.message


def test_jurisdiction_may_be_a_list_for_a_mixed_strategy() -> None:
    strategy = load_strategy_text(BASE.replace("jurisdiction: CN", "jurisdiction: [CN, US]"))
    assert strategy.jurisdiction == ("CN", "US")


def test_experiment_house_and_step_fields_are_read() -> None:
    text = BASE + textwrap.dedent(
        """\
        experiment:
          id: exp1
          arms:
            - {id: champion, weight: 80}
            - id: challenger
              weight: 20
              overrides:
                A.1: {template: soft, days: [2, 8], enabled: true}
        house:
          contact_hours: ["08:00", "21:00"]
          anything_else: 3
        """
    )
    strategy = load_strategy_text(text)
    assert strategy.experiment is not None
    assert strategy.experiment.salt == "exp1"
    challenger = strategy.experiment.arms[1]
    assert isinstance(challenger, Arm)
    assert dict(challenger.overrides["A.1"]) == {
        "template": "soft",
        "days": (2, 8),
        "enabled": True,
    }
    assert dict(strategy.house) == {"contact_hours": ["08:00", "21:00"], "anything_else": 3}


def test_the_content_hash_is_stable_and_changes_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    first, again = load_strategy(path), load_strategy(path)
    assert first.content_hash == again.content_hash
    assert len(first.content_hash) == 64
    path.write_text(BASE + "# a comment changes the version too\n", encoding="utf-8")
    assert load_strategy(path).content_hash != first.content_hash
    assert load_strategy(path).text.endswith("too\n")
    assert load_strategy(path).source == str(path)


def test_two_files_that_say_the_same_thing_load_to_equal_strategies_apart_from_hash() -> None:
    a = load_strategy_text(BASE)
    b = load_strategy_text("\n\n" + BASE)
    assert a.segments == b.segments and a.buckets == b.buckets


def test_the_schema_documents_every_top_level_field_for_editors() -> None:
    schema = strategy_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name


@pytest.mark.parametrize(
    ("before", "after", "read_as"),
    [
        ("jurisdiction: CN", "jurisdiction: NO", "bool False"),
        ("template: reminder_1", "template: 21:00", "int 1260"),
    ],
)
def test_a_plain_value_yaml_reads_as_a_number_or_boolean_gets_a_quoting_hint(
    tmp_path: Path, before: str, after: str, read_as: str
) -> None:
    [d] = diagnostics_of(tmp_path, BASE.replace(before, after))
    assert "quote it" in d.message and read_as in d.message
