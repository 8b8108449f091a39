"""Every transition of the shipped dialogs, by conversation: the nodes, the outcome, the hand-off.

Today is Monday 2026-11-30, so "下周五" / "next Friday" is 2026-12-11 and "Friday" is
2026-12-04. A case lists the customer's replies, the nodes entered (start included), the
outcome (None while the call goes on or has no ledger outcome) and whether the call went to
a human. The last test checks that the cases together take every edge of each script.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from arrears.dialogs import Dialog, Script, Turn


@dataclass(frozen=True)
class Case:
    replies: tuple[str, ...]
    path: str
    outcome: str | None
    handoff: bool = False
    done: bool = True


def c(replies: str, path: str, outcome: str | None, handoff: bool = False, done: bool = True):
    return Case(tuple(replies.split(" | ")) if replies else (), path, outcome, handoff, done)


ZH: dict[str, Case] = {
    "promise said at once": c("是我 | 下周五还500 | 对",
                              "verify remind promise confirm end_promise", "rpc/promise"),
    "promise asked for, then confirmed by a promise": c(
        "是我 | 好的 | 明天 | 明天还", "verify remind promise confirm end_promise", "rpc/promise"),
    "no to paying today, no day, then a day": c(
        "是我 | 不行 | 嗯？ | 下周一 | 对",
        "verify remind promise promise_again confirm end_promise", "rpc/promise"),
    "a wrong promise is taken again": c(
        "是我 | 可以 | 周五 | 不对 | 后天 | 是的",
        "verify remind promise confirm promise confirm end_promise", "rpc/promise"),
    "wrong number": c("你打错了", "verify goodbye_wrong_party", "wrong_party"),
    "a relative answers": c("他不在，我是他老婆", "verify goodbye_third_party", "third_party"),
    "not the debtor": c("不对", "verify goodbye_wrong_party", "wrong_party"),
    "a human before the identity check": c("转人工", "verify handoff_unverified", None, True),
    "busy before the identity check": c("我在开会", "verify callback_unverified", "callback"),
    "unheard, then confirmed": c("喂？ | 是我", "verify verify_again remind", None, done=False),
    "unheard, then a wrong number": c("喂？ | 打错了", "verify verify_again goodbye_wrong_party",
                                      "wrong_party"),
    "unheard, then a relative": c("喂？ | 她出去了", "verify verify_again goodbye_third_party",
                                  "third_party"),
    "unheard, then no": c("喂？ | 没有", "verify verify_again goodbye_wrong_party", "wrong_party"),
    "unheard, then a human": c("喂？ | 找人工", "verify verify_again handoff_unverified", None,
                               True),
    "unheard, then busy": c("喂？ | 不方便", "verify verify_again callback_unverified",
                            "callback"),
    "unheard twice at the identity check": c("喂？ | 什么？",
                                             "verify verify_again callback_unverified",
                                             "callback"),
    "dispute": c("是我 | 这不是我借的", "verify remind handoff_dispute", "rpc/dispute", True),
    "hardship": c("是我 | 我失业了", "verify remind handoff_hardship", "rpc/hardship", True),
    "a human after the reminder": c("是我 | 转人工", "verify remind handoff_human", "rpc", True),
    "refusal": c("是我 | 我不还", "verify remind end_refusal", "rpc/refusal"),
    "callback after the reminder": c("是我 | 在开车，晚点打", "verify remind end_callback",
                                     "rpc/callback"),
    "wrong number after all": c("是我 | 打错了", "verify remind goodbye_wrong_party",
                                "wrong_party"),
    "unheard reminder, then a promise": c("是我 | 啊？ | 明天还",
                                          "verify remind remind_again promise confirm", None,
                                          done=False),
    "unheard reminder, then yes": c("是我 | 啊？ | 好", "verify remind remind_again promise",
                                    None, done=False),
    "unheard reminder, then a dispute": c("是我 | 啊？ | 我没借过钱",
                                          "verify remind remind_again handoff_dispute",
                                          "rpc/dispute", True),
    "unheard reminder, then hardship": c("是我 | 啊？ | 最近没钱",
                                         "verify remind remind_again handoff_hardship",
                                         "rpc/hardship", True),
    "unheard reminder, then a human": c("是我 | 啊？ | 人工",
                                        "verify remind remind_again handoff_human", "rpc", True),
    "unheard reminder, then a refusal": c("是我 | 啊？ | 别再打了",
                                          "verify remind remind_again end_refusal",
                                          "rpc/refusal"),
    "unheard reminder, then busy": c("是我 | 啊？ | 改天再说",
                                     "verify remind remind_again end_callback", "rpc/callback"),
    "unknown twice after the reminder": c("是我 | 啊？ | 听不懂",
                                          "verify remind remind_again handoff_unclear", "rpc",
                                          True),
    "dispute when asked for a day": c("是我 | 好的 | 我已经还过了",
                                      "verify remind promise handoff_dispute", "rpc/dispute",
                                      True),
    "hardship when asked for a day": c("是我 | 好的 | 我还不起",
                                       "verify remind promise handoff_hardship", "rpc/hardship",
                                       True),
    "a human when asked for a day": c("是我 | 好的 | 转人工", "verify remind promise handoff_human",
                                      "rpc", True),
    "refusal when asked for a day": c("是我 | 好的 | 不还", "verify remind promise end_refusal",
                                      "rpc/refusal"),
    "busy when asked for a day": c("是我 | 好的 | 我在忙", "verify remind promise end_callback",
                                   "rpc/callback"),
    "dispute when asked again": c("是我 | 好的 | 嗯？ | 不是我借的",
                                  "verify remind promise promise_again handoff_dispute",
                                  "rpc/dispute", True),
    "hardship when asked again": c("是我 | 好的 | 嗯？ | 没工作",
                                   "verify remind promise promise_again handoff_hardship",
                                   "rpc/hardship", True),
    "a human when asked again": c("是我 | 好的 | 嗯？ | 真人",
                                  "verify remind promise promise_again handoff_human", "rpc",
                                  True),
    "refusal when asked again": c("是我 | 好的 | 嗯？ | 我不想还",
                                  "verify remind promise promise_again end_refusal",
                                  "rpc/refusal"),
    "no day twice": c("是我 | 好的 | 嗯？ | 啊？",
                      "verify remind promise promise_again handoff_unclear", "rpc", True),
    "dispute at the confirmation": c("是我 | 明天还 | 金额不对",
                                     "verify remind promise confirm handoff_dispute",
                                     "rpc/dispute", True),
    "hardship at the confirmation": c("是我 | 明天还 | 我失业了",
                                      "verify remind promise confirm handoff_hardship",
                                      "rpc/hardship", True),
    "a human at the confirmation": c("是我 | 明天还 | 人工",
                                     "verify remind promise confirm handoff_human", "rpc", True),
    "unclear confirmation": c("是我 | 明天还 | 嗯？",
                              "verify remind promise confirm handoff_unclear", "rpc", True),
}  # fmt: skip

EN: dict[str, Case] = {
    "promise said at once": c("yes, that's me | I can pay 200 on Friday | yes",
                              "verify remind promise confirm end_promise", "rpc/promise"),
    "promise asked for, then confirmed by a promise": c(
        "yes | ok | tomorrow | I will pay tomorrow",
        "verify remind promise confirm end_promise", "rpc/promise"),
    "no to paying today, no day, then a day": c(
        "yes | no, not today | what? | next Monday | yes",
        "verify remind promise promise_again confirm end_promise", "rpc/promise"),
    "a wrong promise is taken again": c(
        "yes | sure | Friday | no | the day after tomorrow | yes",
        "verify remind promise confirm promise confirm end_promise", "rpc/promise"),
    "wrong number": c("wrong number", "verify goodbye_wrong_party", "wrong_party"),
    "a relative answers": c("this is his wife", "verify goodbye_third_party", "third_party"),
    "not the debtor": c("no", "verify goodbye_wrong_party", "wrong_party"),
    "a human before the identity check": c("I want a real person", "verify handoff_unverified",
                                           None, True),
    "busy before the identity check": c("I'm in a meeting", "verify callback_unverified",
                                        "callback"),
    "unheard, then confirmed": c("hello? | speaking", "verify verify_again remind", None,
                                 done=False),
    "unheard, then a wrong number": c("hello? | you have the wrong person",
                                      "verify verify_again goodbye_wrong_party", "wrong_party"),
    "unheard, then a relative": c("hello? | he is not home",
                                  "verify verify_again goodbye_third_party", "third_party"),
    "unheard, then no": c("hello? | nope", "verify verify_again goodbye_wrong_party",
                          "wrong_party"),
    "unheard, then a human": c("hello? | operator", "verify verify_again handoff_unverified",
                               None, True),
    "unheard, then busy": c("hello? | call me later", "verify verify_again callback_unverified",
                            "callback"),
    "unheard twice at the identity check": c("hello? | huh?",
                                             "verify verify_again callback_unverified",
                                             "callback"),
    "dispute": c("yes | that's not my debt", "verify remind handoff_dispute", "rpc/dispute",
                 True),
    "hardship": c("yes | I lost my job", "verify remind handoff_hardship", "rpc/hardship", True),
    "a human after the reminder": c("yes | agent please", "verify remind handoff_human", "rpc",
                                    True),
    "refusal": c("yes | I won't pay", "verify remind end_refusal", "rpc/refusal"),
    "callback after the reminder": c("yes | I'm driving", "verify remind end_callback",
                                     "rpc/callback"),
    "wrong number after all": c("yes | wrong number", "verify remind goodbye_wrong_party",
                                "wrong_party"),
    "unheard reminder, then a promise": c("yes | what? | I will pay tomorrow",
                                          "verify remind remind_again promise confirm", None,
                                          done=False),
    "unheard reminder, then yes": c("yes | what? | ok", "verify remind remind_again promise",
                                    None, done=False),
    "unheard reminder, then a dispute": c("yes | what? | I already paid",
                                          "verify remind remind_again handoff_dispute",
                                          "rpc/dispute", True),
    "unheard reminder, then hardship": c("yes | what? | I can't afford it",
                                         "verify remind remind_again handoff_hardship",
                                         "rpc/hardship", True),
    "unheard reminder, then a human": c("yes | what? | operator",
                                        "verify remind remind_again handoff_human", "rpc", True),
    "unheard reminder, then a refusal": c("yes | what? | stop calling me",
                                          "verify remind remind_again end_refusal",
                                          "rpc/refusal"),
    "unheard reminder, then busy": c("yes | what? | call me later",
                                     "verify remind remind_again end_callback", "rpc/callback"),
    "unknown twice after the reminder": c("yes | what? | huh?",
                                          "verify remind remind_again handoff_unclear", "rpc",
                                          True),
    "dispute when asked for a day": c("yes | ok | I never borrowed",
                                      "verify remind promise handoff_dispute", "rpc/dispute",
                                      True),
    "hardship when asked for a day": c("yes | ok | I'm in hospital",
                                       "verify remind promise handoff_hardship", "rpc/hardship",
                                       True),
    "a human when asked for a day": c("yes | ok | real person please",
                                      "verify remind promise handoff_human", "rpc", True),
    "refusal when asked for a day": c("yes | ok | I won't pay",
                                      "verify remind promise end_refusal", "rpc/refusal"),
    "busy when asked for a day": c("yes | ok | I'm busy", "verify remind promise end_callback",
                                   "rpc/callback"),
    "dispute when asked again": c("yes | ok | hmm? | I don't owe anything",
                                  "verify remind promise promise_again handoff_dispute",
                                  "rpc/dispute", True),
    "hardship when asked again": c("yes | ok | hmm? | I'm unemployed",
                                   "verify remind promise promise_again handoff_hardship",
                                   "rpc/hardship", True),
    "a human when asked again": c("yes | ok | hmm? | a supervisor",
                                  "verify remind promise promise_again handoff_human", "rpc",
                                  True),
    "refusal when asked again": c("yes | ok | hmm? | not paying",
                                  "verify remind promise promise_again end_refusal",
                                  "rpc/refusal"),
    "no day twice": c("yes | ok | hmm? | maybe",
                      "verify remind promise promise_again handoff_unclear", "rpc", True),
    "dispute at the confirmation": c("yes | I will pay tomorrow | the amount is wrong",
                                     "verify remind promise confirm handoff_dispute",
                                     "rpc/dispute", True),
    "hardship at the confirmation": c("yes | I will pay tomorrow | actually I'm broke",
                                      "verify remind promise confirm handoff_hardship",
                                      "rpc/hardship", True),
    "a human at the confirmation": c("yes | I will pay tomorrow | let me talk to a human",
                                     "verify remind promise confirm handoff_human", "rpc", True),
    "unclear confirmation": c("yes | I will pay tomorrow | hmm?",
                              "verify remind promise confirm handoff_unclear", "rpc", True),
}  # fmt: skip

CASES = [("m1_reminder_zh", name, case) for name, case in ZH.items()] + [
    ("m1_reminder_en", name, case) for name, case in EN.items()
]


def converse(dialog: Dialog, script: Script, context: dict, replies: tuple[str, ...]) -> list[Turn]:
    turns = [dialog.start(script, context)]
    for text in replies:
        assert not turns[-1].done, f"the dialog ended before '{text}'"
        turns.append(dialog.reply(turns[-1].state, text))
    return turns


@pytest.mark.parametrize(
    ("script_name", "name", "case"), CASES, ids=[f"{s[-2:]}: {n}" for s, n, _ in CASES]
)
def test_a_conversation_follows_the_expected_nodes_to_its_outcome(
    dialog, scripts, context, script_name, name, case
):
    script = scripts[script_name]
    turns = converse(dialog, script, context(script.language), case.replies)
    last = turns[-1]
    assert " ".join(last.state.path) == case.path
    assert last.done is case.done
    assert (str(last.outcome) if last.outcome is not None else None) == case.outcome
    assert last.handoff is case.handoff


@pytest.mark.parametrize("script_name", ["m1_reminder_zh", "m1_reminder_en"])
def test_the_conversations_take_every_edge_of_each_shipped_script(
    dialog, scripts, context, script_name
):
    script = scripts[script_name]
    taken: set[tuple[str, str, str]] = set()
    for name, _, case in ((s, n, c) for s, n, c in CASES if s == script_name):
        del name
        for turn in converse(dialog, script, context(script.language), case.replies):
            taken.update(turn.steps)
    edges = {(n.id, how, to) for n in script.nodes.values() for how, to in n.targets()}
    assert edges - taken == set()
    assert taken <= edges


@pytest.mark.parametrize(
    ("script_name", "replies", "amount", "day"),
    [
        ("m1_reminder_zh", ("是我", "下周五还500"), Decimal(500), date(2026, 12, 11)),
        ("m1_reminder_zh", ("是我", "好的", "明天"), Decimal("4321.09"), date(2026, 12, 1)),
        ("m1_reminder_zh", ("是我", "我可以还800", "周三"), Decimal(800), date(2026, 12, 2)),
        ("m1_reminder_en", ("yes", "I can pay 200 on Friday"), Decimal(200), date(2026, 12, 4)),
        ("m1_reminder_en", ("yes", "I'll pay in full tomorrow"), Decimal("4321.09"),
         date(2026, 12, 1)),
    ],
)  # fmt: skip
def test_the_promise_is_captured_with_the_said_or_the_full_amount(
    dialog, scripts, context, script_name, replies, amount, day
):
    script = scripts[script_name]
    last = converse(dialog, script, context(script.language), replies)[-1]
    assert last.state.node == "confirm"
    assert last.captured == {"promise_amount": amount, "promise_date": day}
    shown = f"{amount:,.2f}"
    assert shown in last.say


def test_the_confirmation_says_the_promise_in_the_customers_way(dialog, scripts, context):
    zh = converse(dialog, scripts["m1_reminder_zh"], context("zh-CN"), ("是我", "下周五还500"))
    assert "2026年12月11日" in zh[-1].say and "¥500.00" in zh[-1].say
    en = converse(dialog, scripts["m1_reminder_en"], context("en-US"), ("yes", "pay 50 Friday"))
    assert "December 4, 2026" in en[-1].say and "$50.00" in en[-1].say
