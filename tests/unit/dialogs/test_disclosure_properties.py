"""Identity first, whatever the customer says: random conversations from the intents' example
lines never hear of the debt before the identity is confirmed, and a call goes to a human only
from a hand-over node."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.dialogs import Dialog, KeywordRecognizer, Script, Turn
from arrears.dialogs.check import unverified_nodes
from arrears.dialogs.intents import EXAMPLES

# What would tell a third party of the debt: the figures of the test account (conftest) and
# the words of debt collection, in each language.
DEBT_WORDS = {
    "zh": ("4,321.09", "4321", "¥", "44", "泽塔金融", "pay.example.com", "2026年10月17日",
           "欠", "借款", "逾期", "还款", "金额", "催收", "债"),
    "en": ("4,321.09", "4321", "$", "44", "Zeta Lending", "pay.example.com", "October",
           "debt", "owe", "overdue", "payment", "amount", "due", "collect", "balance", "pay"),
}  # fmt: skip

LINES = {
    fam: [line for lines in table.values() for line in lines] for fam, table in EXAMPLES.items()
}
DATES = {
    "zh": ["明天", "下周五还500", "周三", "后天还两千"],
    "en": ["tomorrow", "Friday", "pay 50 on the 3rd"],
}


def conversation(fam: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(LINES[fam] + DATES[fam]), min_size=1, max_size=12)


def play(dialog: Dialog, script: Script, context: dict, replies: list[str]) -> list[Turn]:
    turns = [dialog.start(script, context)]
    for text in replies:
        if turns[-1].done:
            break
        turns.append(dialog.reply(turns[-1].state, text))
    return turns


def check(script: Script, turns: list[Turn], fam: str) -> None:
    before = unverified_nodes(script)
    for turn in turns:
        if not turn.state.verified:
            told = [w for w in DEBT_WORDS[fam] if w.lower() in turn.say.lower()]
            assert not told, f"said {told} before the identity check: {turn.say!r}"
            assert set(turn.nodes) <= before
            assert turn.outcome is None or turn.outcome.ledger != "rpc"
            assert not turn.captured
        if turn.handoff:
            assert script.nodes[turn.state.node].handoff, turn.state.path
            assert turn.done
        else:
            assert not script.nodes[turn.state.node].handoff
    verified_at = next((i for i, t in enumerate(turns) if t.state.verified), None)
    if verified_at is not None:
        assert all(t.state.verified for t in turns[verified_at:])


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(replies=conversation("zh"))
def test_no_debt_detail_is_said_before_the_identity_check_in_chinese(
    dialog, scripts, context, replies
):
    script = scripts["m1_reminder_zh"]
    check(script, play(dialog, script, context("zh-CN"), replies), "zh")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(replies=conversation("en"))
def test_no_debt_detail_is_said_before_the_identity_check_in_english(
    dialog, scripts, context, replies
):
    script = scripts["m1_reminder_en"]
    check(script, play(dialog, script, context("en"), replies), "en")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(replies=conversation("zh"), seed_lines=st.lists(st.sampled_from(LINES["en"]), max_size=3))
def test_mixed_language_replies_keep_the_identity_check_first(
    today, scripts, context, replies, seed_lines
):
    """Customers mix languages: English lines in a Chinese call still never pass the check
    unless they say yes."""
    script = scripts["m1_reminder_zh"]
    dialog = Dialog(KeywordRecognizer(today), today)
    check(script, play(dialog, script, context("zh-CN"), seed_lines + replies), "zh")


def test_the_property_would_catch_a_script_that_reminds_before_verifying(dialog, scripts, context):
    """The check above is not vacuous: starting at the reminder tells of the debt at once."""
    from dataclasses import replace

    script = replace(scripts["m1_reminder_zh"], start="remind")
    turns = play(dialog, script, context("zh-CN"), [])
    try:
        check(script, turns, "zh")
    except AssertionError:
        return
    raise AssertionError("a reminder before the identity check went unnoticed")
