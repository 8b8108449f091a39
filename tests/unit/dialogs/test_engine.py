"""The engine: pure turns, templates through the renderer passed in, promises, the turn limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from arrears.dialogs import Dialog, DialogError, KeywordRecognizer, load_script_text
from arrears.dialogs.engine import format_value, inline

TODAY = date(2026, 11, 30)
SCRIPT = """\
id: t
language: en
start: verify
promise_days: 7
max_turns: 4
nodes:
  verify:
    say: hello
    text: Is that {{ name }}?
    audience: third_party
    ask: true
    verify: true
    on: {affirm: remind, wrong_person: bye}
    default: verify
  remind:
    say: remind
    ask: true
    on: {will_pay: promise}
    default: remind
  promise:
    text: When?
    ask: true
    capture: promise
    next: done
    default: promise
  done:
    text: "Noted: {{ promise_amount }} on {{ promise_date }}."
    end: rpc/promise
  bye:
    text: Bye.
    audience: third_party
    end: wrong_party
"""
CONTEXT = {"name": "Alex", "amount_due": Decimal("99.50"), "currency": "USD", "language": "en"}


def renderer(calls: list[str]):
    def render(template_id, context):
        calls.append(template_id)
        if template_id == "remind":
            return f"You owe {context['amount_due']}."
        raise LookupError(template_id)

    return render


def test_start_speaks_until_the_first_question_and_leaves_the_state_to_the_caller():
    script = load_script_text(SCRIPT)
    turn = Dialog(KeywordRecognizer(TODAY), TODAY).start(script, CONTEXT)
    assert (turn.say, turn.done, turn.state.node, turn.state.verified) == (
        "Is that Alex?",
        False,
        "verify",
        False,
    )
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, renderer([]))
    again, other = dialog.reply(turn.state, "yes"), dialog.reply(turn.state, "wrong number")
    assert again.state.node == "remind" and other.state.node == "bye"
    assert turn.state.node == "verify"  # the old state is untouched


def test_templates_go_through_the_renderer_and_fall_back_to_the_inline_text():
    calls: list[str] = []
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, renderer(calls))
    turn = dialog.start(load_script_text(SCRIPT), CONTEXT)
    turn = dialog.reply(turn.state, "yes")
    assert turn.say == "You owe 99.50."
    assert calls == ["hello", "remind"]


def test_a_template_with_no_renderer_and_no_text_cannot_be_said():
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY)
    turn = dialog.start(load_script_text(SCRIPT), CONTEXT)
    with pytest.raises(DialogError, match="no template library is wired"):
        dialog.reply(turn.state, "yes")


def test_a_finished_dialog_takes_no_more_replies():
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY)
    turn = dialog.reply(dialog.start(load_script_text(SCRIPT), CONTEXT).state, "wrong number")
    assert turn.done and str(turn.outcome) == "wrong_party"
    with pytest.raises(DialogError, match="over"):
        dialog.reply(turn.state, "hello?")


def test_what_is_said_before_the_identity_check_is_not_kept_as_a_promise():
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, renderer([]))
    turn = dialog.start(load_script_text(SCRIPT), CONTEXT)
    for line in ("I will pay 500 on Friday", "yes", "I will pay", "tomorrow"):
        turn = dialog.reply(turn.state, line)
    assert turn.captured == {"promise_amount": Decimal("99.50"), "promise_date": date(2026, 12, 1)}
    assert turn.state.path == ("verify", "verify", "remind", "promise", "done")


def test_a_promised_day_too_far_away_or_past_is_asked_again():
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, renderer([]))
    script = replace(load_script_text(SCRIPT), max_turns=10)
    turn = dialog.start(script, CONTEXT)
    for line in ("yes", "I will pay", "December 20th", "2026-11-29", "I will pay 40 on Friday"):
        turn = dialog.reply(turn.state, line)
    assert turn.state.path[-4:] == ("promise", "promise", "promise", "done")
    assert turn.say == "Noted: $40.00 on 4 December 2026."


def test_the_robot_stops_after_the_turn_limit():
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, renderer([]))
    turn = dialog.start(load_script_text(SCRIPT), CONTEXT)
    for line in ("hm", "hm", "hm", "hm"):
        turn = dialog.reply(turn.state, line)
    assert turn.done and turn.reason == "turn limit" and turn.outcome is None
    assert not turn.handoff


def test_inline_values_are_shown_in_the_customers_way():
    ctx = {"amount_due": Decimal("1234.5"), "currency": "CNY", "due_date": date(2026, 12, 1)}
    assert inline("{{ amount_due }} {{ due_date }}", {**ctx, "language": "zh-CN"}) == (
        "¥1,234.50 2026年12月1日"
    )
    assert inline("{{ amount_due }} {{ due_date }}", {**ctx, "language": "en-GB"}) == (
        "CN¥1,234.50 1 December 2026"
    )
    assert inline("{{ payment_link }}|{{ dpd }}", {"dpd": 3}) == "|3"
    assert format_value(Decimal("7"), "amount_due", {"currency": "XYZ"}) == "7.00 XYZ"
