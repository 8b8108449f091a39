import textwrap

import polars as pl
import pytest

from arrears.compliance.presets import KNOWN_PRESETS
from arrears.strategy.check import KNOWN_JURISDICTIONS, check_strategy
from arrears.strategy.diagnostics import Diagnostic
from arrears.strategy.load import load_strategy_text

BASE = """\
name: test
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
  M2: [31, 60]
  M3+: [61, null]
segments:
  - id: A
    when: bucket == 'M1' and product == 'cash_loan'
    steps:
      - days: [1, 7]
        channel: sms
        template: reminder_1
      - days: [24]
        channel: human_call
        team: m1
  - id: B
    when: bucket in ('M2', 'M3+')
    steps:
      - days: [31, 61]
        channel: human_call
        team: late
"""


def check(text: str, columns: dict[str, pl.DataType] | None = None) -> list[Diagnostic]:
    return check_strategy(load_strategy_text(textwrap.dedent(text), source="s.yaml"), columns)


def found(text: str, code: str, columns: dict[str, pl.DataType] | None = None) -> list[str]:
    return [str(d) for d in check(text, columns) if d.code == code]


def test_a_sound_strategy_has_no_diagnostics() -> None:
    assert check(BASE) == []


def test_an_unknown_column_is_a_warning_against_the_contract_with_its_line_and_column() -> None:
    text = BASE.replace("product == 'cash_loan'", "score_v2 > 600")
    assert found(text, "unknown-column") == [
        "s.yaml:10:30: warning: column 'score_v2' is not in the contract: "
        "it must be present in the data (did you mean 'score_pay'?)"
    ]


def test_an_unknown_column_is_an_error_against_the_data_columns() -> None:
    text = BASE.replace("product == 'cash_loan'", "prodcut == 'cash_loan'")
    columns = {"product": pl.String(), "overdue_amount": pl.Float64()}
    [message] = found(text, "unknown-column", columns)
    assert message.startswith("s.yaml:10:30: error: unknown column 'prodcut'")
    assert "did you mean 'product'" in message


def test_derived_columns_are_known_even_when_the_data_columns_lack_them() -> None:
    text = BASE.replace("product == 'cash_loan'", "rpc_7d == 0 and product == 'x'")
    assert check(text, {"product": pl.String()}) == []


def test_a_type_mismatch_is_an_error_at_its_position() -> None:
    text = BASE.replace("product == 'cash_loan'", "overdue_amount == 'high'")
    assert found(text, "type") == ["s.yaml:10:30: error: '==' compares a number with a string"]


def test_a_type_mismatch_in_a_step_condition_is_reported_too() -> None:
    text = BASE.replace("team: m1\n", "team: m1\n        when: has_open_promise + 1 > 0\n")
    assert found(text, "type") == [
        "s.yaml:18:15: error: arithmetic '+' needs numbers, got a boolean"
    ]


def test_overlapping_buckets_are_an_error_at_the_later_bucket() -> None:
    text = BASE.replace("M2: [31, 60]", "M2: [30, 60]")
    assert found(text, "bucket-overlap") == [
        "s.yaml:6:3: error: bucket 'M2' (30-60) overlaps bucket 'M1' (up to 30)"
    ]


def test_a_bucket_after_an_open_ended_one_overlaps_it() -> None:
    text = BASE.replace("M3+: [61, null]", "M3+: [61, null]\n  M9: [400, 500]")
    assert [d.line for d in check(text) if d.code == "bucket-overlap"] == [8]


def test_a_gap_between_buckets_is_a_warning() -> None:
    text = BASE.replace("M2: [31, 60]", "M2: [35, 60]")
    assert found(text, "bucket-gap") == [
        "s.yaml:6:3: warning: dpd 31-34 fall in no bucket (before 'M2')"
    ]


def test_a_bucket_that_ends_before_it_starts_is_an_error() -> None:
    text = BASE.replace("M3+: [61, null]", "M3+: [61, 40]")
    assert [d.line for d in check(text) if d.code == "bucket"] == [7]


def test_an_unknown_channel_is_an_error_listing_the_channels() -> None:
    text = BASE.replace("channel: sms", "channel: whatsapp")
    [message] = found(text, "unknown-channel")
    assert message.startswith("s.yaml:13:18: error: unknown channel 'whatsapp' (one of: sms, ivr")


def test_an_unknown_audience_is_an_error() -> None:
    text = BASE.replace("team: m1\n", "team: m1\n        audience: neighbour\n")
    [message] = found(text, "unknown-audience")
    assert message.startswith("s.yaml:18:19: error: unknown audience 'neighbour'")


def test_a_segment_after_a_catch_all_is_unreachable() -> None:
    text = BASE.replace("    when: bucket == 'M1' and product == 'cash_loan'\n", "")
    assert found(text, "unreachable-segment") == [
        "s.yaml:17:5: warning: segment 'B' is unreachable: "
        "segment 'A' (line 9) takes every account before it"
    ]


def test_a_segment_whose_when_is_literally_true_is_a_catch_all() -> None:
    text = BASE.replace("bucket == 'M1' and product == 'cash_loan'", "TRUE")
    assert [d.line for d in check(text) if d.code == "unreachable-segment"] == [18]


def test_a_segment_testing_a_bucket_that_does_not_exist_is_unreachable() -> None:
    text = BASE.replace("bucket == 'M1' and", "bucket == 'M7' and")
    diagnostics = check(text)
    assert [str(d) for d in diagnostics if d.code == "unknown-bucket"] == [
        "s.yaml:10:21: warning: there is no bucket 'M7'"
    ]
    assert [str(d) for d in diagnostics if d.code == "unreachable-segment"] == [
        "s.yaml:10:11: warning: segment 'A' is unreachable: no bucket satisfies its condition"
    ]


def test_contradictory_bucket_tests_make_a_segment_unreachable() -> None:
    text = BASE.replace(
        "bucket == 'M1' and product", "bucket == 'M1' and bucket != 'M1' and product"
    )
    assert [d.line for d in check(text) if d.code == "unreachable-segment"] == [10]


def test_a_step_day_outside_its_segments_buckets_never_fires() -> None:
    text = BASE.replace("days: [31, 61]", "days: [31, 61, 20]")
    assert found(text, "unreachable-step") == [
        "s.yaml:21:24: warning: step 'B.1' never fires on day 20: segment 'B' only holds "
        "accounts in M2, M3+"
    ]


def test_duplicate_segment_and_step_ids_are_errors() -> None:
    text = BASE.replace("id: B", "id: A").replace("team: late", "team: late\n        id: A.1")
    assert [(d.line, d.message) for d in check(text) if d.code == "duplicate-id"] == [
        (18, "duplicate segment id 'A'"),
        (24, "duplicate step id 'A.1'"),
    ]


EXPERIMENT = """\
experiment:
  id: e
  arms:
    - id: champion
      weight: 80
    - id: challenger
      weight: 20
      overrides:
        A.1: {channel: email}
"""


def test_a_sound_experiment_passes() -> None:
    assert check(BASE + EXPERIMENT) == []


def test_arm_weights_must_be_positive() -> None:
    text = BASE + EXPERIMENT.replace("weight: 20", "weight: 0")
    assert found(text, "arm-weight") == [
        "s.yaml:30:15: error: arm 'challenger' has weight 0: weights must be positive"
    ]


def test_an_override_of_an_unknown_step_is_an_error_at_its_key() -> None:
    text = BASE + EXPERIMENT.replace("A.1:", "A.9:")
    [message] = found(text, "unknown-step")
    assert message.startswith("s.yaml:32:9: error: arm 'challenger' overrides unknown step 'A.9'")


def test_an_override_to_an_unknown_channel_is_an_error() -> None:
    text = BASE + EXPERIMENT.replace("channel: email", "channel: fax")
    [message] = found(text, "unknown-channel")
    assert message.startswith("s.yaml:32:24: error: unknown channel 'fax'")


@pytest.mark.parametrize(
    ("jurisdiction", "position"),
    [("jurisdiction: XX", (3, 15)), ("jurisdiction: [CN, XX]", (3, 20))],
)
def test_an_unknown_jurisdiction_is_an_error(jurisdiction: str, position: tuple[int, int]) -> None:
    text = BASE.replace("jurisdiction: CN", jurisdiction)
    [d] = [d for d in check(text) if d.code == "jurisdiction"]
    assert (d.line, d.column, d.severity) == (*position, "error")


def test_the_known_jurisdictions_are_the_compliance_presets() -> None:
    assert set(KNOWN_JURISDICTIONS) == set(KNOWN_PRESETS)


def test_house_contact_hours_must_start_before_they_end() -> None:
    text = BASE + 'house:\n  contact_hours: ["21:00", "08:00"]\n'
    assert [(d.line, d.severity) for d in check(text) if d.code == "house"] == [(25, "error")]


def test_diagnostics_come_sorted_by_position() -> None:
    text = BASE.replace("channel: sms", "channel: fax").replace(
        "jurisdiction: CN", "jurisdiction: XX"
    )
    lines = [d.line for d in check(text)]
    assert lines == sorted(lines) and len(lines) == 2
