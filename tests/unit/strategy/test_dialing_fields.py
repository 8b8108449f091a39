"""The strategy's call-list fields: `dialing.per_hour` and a step's `send_by`."""

from __future__ import annotations

import pytest

from arrears.strategy.check import check_strategy
from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.load import load_strategy_text

BASE = """\
name: test
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
segments:
  - id: A
    steps:
      - id: remind
        days: [1, 7]
        channel: sms
        send_by: "11:00"
dialing:
  per_hour: {sms: 50000, robot_call: 3000, ivr: 3000, email: 100000}
"""


def errors(text: str) -> list[Diagnostic]:
    with pytest.raises(StrategyError) as caught:
        load_strategy_text(text, source="s.yaml")
    return caught.value.diagnostics


def test_send_by_and_per_hour_are_read() -> None:
    strategy = load_strategy_text(BASE)
    assert strategy.steps()[0].send_by == "11:00"
    assert dict(strategy.dialing["per_hour"]) == {
        "sms": 50000, "robot_call": 3000, "ivr": 3000, "email": 100000,
    }  # fmt: skip
    plain = load_strategy_text(BASE.replace('        send_by: "11:00"\n', ""))
    assert plain.steps()[0].send_by is None


@pytest.mark.parametrize(
    ("per_hour", "column", "needle"),
    [
        ("{sms: 50000, human_call: 40}", 26, "dialing.per_hour: unknown field 'human_call'"),
        ("{sms: 50000, letter: 40}", 26, "dialing.per_hour: unknown field 'letter' (one of: sms"),
        ("{sms: 0}", 19, "dialing.per_hour.sms: 0 is less than the minimum of 1"),
        ("{sms: -5}", 19, "dialing.per_hour.sms: -5 is less than the minimum of 1"),
        ("{sms: 1.5}", 19, "dialing.per_hour.sms: 1.5 is not of type 'integer'"),
        ("{sms: lots}", 19, "dialing.per_hour.sms: 'lots' is not of type 'integer'"),
    ],
)
def test_a_bad_hourly_limit_is_an_error_at_its_key_or_value(
    per_hour: str, column: int, needle: str
) -> None:
    text = BASE.replace("{sms: 50000, robot_call: 3000, ivr: 3000, email: 100000}", per_hour)
    [d] = errors(text)
    assert (d.file, d.line, d.column, d.code) == ("s.yaml", 14, column, "schema")
    assert needle in d.message


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ('"25:00"', "'25:00': not a local time HH:MM (00:00 to 23:59)"),
        ('"9:00"', "'9:00': not a local time HH:MM"),
        ('"11h"', "'11h': not a local time HH:MM"),
        ("11:00", "quote it, '11:00'"),  # YAML 1.1 reads it as 660
    ],
)
def test_a_bad_send_by_is_an_error_at_its_value(value: str, needle: str) -> None:
    [d] = errors(BASE.replace('send_by: "11:00"', f"send_by: {value}"))
    assert (d.line, d.column, d.code) == (12, 18, "schema")
    assert d.message.startswith("segments[0].steps[0].send_by: ") and needle in d.message


def test_send_by_on_a_channel_that_is_not_time_slotted_is_a_warning() -> None:
    strategy = load_strategy_text(BASE.replace("channel: sms", "channel: letter"), "s.yaml")
    [d] = [d for d in check_strategy(strategy) if d.code == "send-by"]
    assert (d.line, d.column, d.severity) == (12, 18, "warning")
    assert "send_by has no effect on letter" in d.message


def test_send_by_no_window_of_the_house_hours_starts_before_is_a_warning() -> None:
    house = 'house:\n  contact_hours: ["11:00", "21:00"]\n'
    [d] = [d for d in check_strategy(load_strategy_text(BASE + house)) if d.code == "send-by"]
    assert d.severity == "warning" and "not after the house contact hours' start 11:00" in d.message
    later = load_strategy_text(BASE.replace('"11:00"', '"11:30"') + house)
    assert [d for d in check_strategy(later) if d.code == "send-by"] == []
