"""The keyword recognizer: each intent's example lines, precedence when several match, and the
interface a real NLU replaces it through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from arrears.dialogs import INTENTS, Dialog, Intent, KeywordRecognizer
from arrears.dialogs.intents import EXAMPLES

R = KeywordRecognizer(date(2026, 11, 30))
LANG = {"zh": "zh-CN", "en": "en"}
EXAMPLE_CASES = [
    (fam, intent, line)
    for fam, table in EXAMPLES.items()
    for intent, lines in table.items()
    for line in lines
]


def test_every_intent_has_examples_in_both_languages():
    for table in EXAMPLES.values():
        assert set(table) == set(INTENTS)


@pytest.mark.parametrize(("fam", "intent", "line"), EXAMPLE_CASES)
def test_each_example_line_is_recognized_as_its_intent(fam, intent, line):
    assert R.recognize(line, LANG[fam]).name == intent


@pytest.mark.parametrize(
    ("line", "language", "first", "also"),
    [
        ("是我，明天还500", "zh-CN", "will_pay", ["affirm"]),
        ("我是他老婆", "zh-CN", "third_party", ["wrong_person"]),
        ("不是我借的", "zh-CN", "dispute", []),
        ("明天还不了", "zh-CN", "hardship", []),
        ("我还没钱", "zh-CN", "hardship", []),
        ("转人工，这钱不是我借的", "zh-CN", "ask_human", ["dispute"]),
        ("I can't pay", "en", "hardship", []),
        ("I won't pay", "en", "refuse", []),
        ("I lost my job but I will pay 50 on Friday", "en", "hardship", ["will_pay"]),
        ("yes, that's me, I'll pay tomorrow", "en", "will_pay", ["affirm"]),
        ("wrong number, stop calling", "en", "wrong_person", ["refuse"]),
    ],
)
def test_the_most_consequential_intent_comes_first_and_the_others_follow(
    line, language, first, also
):
    intent = R.recognize(line, language)
    assert intent.name == first
    assert [a.name for a in intent.alternatives] == also


def test_confidence_is_lower_when_several_intents_match_and_zero_when_none_does():
    assert R.recognize("我失业了", "zh-CN").confidence == 0.9
    assert R.recognize("是我，明天还", "zh-CN").confidence == 0.7
    unknown = R.recognize("今天天气不错", "zh-CN")
    assert (unknown.name, unknown.confidence) == ("unknown", 0.0)


def test_a_line_in_the_other_language_is_still_understood():
    assert R.recognize("OK", "zh-CN").name == "affirm"
    assert R.recognize("转人工", "en").name == "ask_human"


def test_recognition_is_deterministic():
    assert [R.recognize("下周五还500", "zh-CN") for _ in range(3)] == [
        R.recognize("下周五还500", "zh-CN")
    ] * 3


@dataclass(frozen=True)
class Scripted:
    """A stand-in NLU: the intent for each exact line."""

    answers: dict[str, Intent]

    def recognize(self, text: str, language: str) -> Intent:
        return self.answers.get(text, Intent("unknown", 0.0))


def test_another_recognizer_drives_the_dialog_through_the_same_interface(scripts, context):
    today = date(2026, 11, 30)
    nlu = Scripted(
        {
            "uh-huh": Intent("affirm", 0.8),
            "end of next week": Intent("will_pay", 0.6, {"date": date(2026, 12, 11)}),
            "correct": Intent("affirm", 0.99),
        }
    )
    dialog = Dialog(nlu, today)
    turn = dialog.start(scripts["m1_reminder_en"], context("en"))
    for line in ("uh-huh", "end of next week", "correct"):
        turn = dialog.reply(turn.state, line)
    assert str(turn.outcome) == "rpc/promise"
    assert turn.captured["promise_date"] == date(2026, 12, 11)
