"""What the customer means: intents, and a keyword recognizer for Chinese and English.

A dialog branches on an intent, not on words. `Recognizer` is the whole interface a
recognizer needs: a real NLU service (or a model) can replace `KeywordRecognizer` by
answering `recognize(text, language)` with an `Intent`.

`KeywordRecognizer` is pure and deterministic: ordered regular expressions per intent and
language, the amount and date slots of `slots.extract_slots`. When several intents match,
the most consequential wins and the others are kept, in order, as `alternatives`, so a node
that does not handle the first can still act on the next ("是我，明天还" is a promise, and at
the identity check it is also a yes). The order, most consequential first:

    wrong_person, third_party, ask_human, dispute, hardship, refuse, callback, will_pay,
    affirm, deny

`third_party` is someone who knows the debtor ("他不在", "this is his wife"); it always
carries `wrong_person` as an alternative, so a script that does not tell the two apart lets
both go the same way.

A third party must be let go before anything else is said; a person asking for a human or
disputing the debt must not be pressed with a promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from arrears.dialogs.slots import extract_slots, language_family

__all__ = [
    "EXAMPLES",
    "INTENTS",
    "Intent",
    "KeywordRecognizer",
    "Recognizer",
]

INTENTS: tuple[str, ...] = (
    "wrong_person",
    "third_party",
    "ask_human",
    "dispute",
    "hardship",
    "refuse",
    "callback",
    "will_pay",
    "affirm",
    "deny",
    "unknown",
)
"""Every intent a script may branch on, in the keyword recognizer's order of precedence."""


@dataclass(frozen=True)
class Intent:
    """A recognized intent: its name (one of `INTENTS`), a confidence in [0, 1], the slots
    found in the utterance (`amount`: Decimal, `date`: date, `full`: True) and, best first,
    the other intents the utterance also matched."""

    name: str
    confidence: float = 1.0
    slots: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[Intent, ...] = ()

    def ranked(self) -> tuple[Intent, ...]:
        """This intent and its alternatives, best first."""
        return (self, *self.alternatives)


class Recognizer(Protocol):
    """Anything that turns a customer's line into an intent."""

    def recognize(self, text: str, language: str) -> Intent: ...


# Each intent's patterns, per language family. Chinese patterns look at the text as is;
# English ones are matched case-insensitively on word boundaries.
_ZH: dict[str, tuple[str, ...]] = {
    "wrong_person": (
        r"打错了?",
        r"打错电话",
        r"找错人",
        r"不认识(?!到)",
        r"没有这个人",
        r"查无此人",
        r"我不是(?!不|没|故意|说)",
        r"号码?(?:已经)?换人",
        r"^\s*不是\s*[。！!]?\s*$",
    ),
    "third_party": (
        r"不是(?:他|她)?本人",
        r"(?:他|她)不在",
        r"(?:他|她)(?:出去|上班|睡觉|没空)",
        r"我是(?:他|她)的?(?:朋友|家人|同事|老婆|老公|妻子|丈夫|爸爸?|妈妈?|父亲|母亲|"
        r"儿子|女儿|哥哥?|姐姐?|弟弟?|妹妹?|亲戚|室友)",
        r"(?:有什么事|什么事)?(?:我|可以)(?:帮你)?转告",
    ),
    "ask_human": (
        r"人工",
        r"真人",
        r"客服",
        r"坐席",
        r"(?:找|叫|让)(?:你们)?(?:领导|主管|经理|负责人)",
        r"跟人说",
        r"活人",
    ),
    "dispute": (
        r"不是我借",
        r"我?没(?:有)?借过?(?:钱|款)?",
        r"没(?:有)?贷过?",
        r"不是我的(?:欠款|债|账|钱)",
        r"(?:金额|数额|账|帐)(?:目)?不对",
        r"(?:已经|早就|早)还(?:过|了|清)",
        r"我还过了",
        r"盗用",
        r"冒用",
        r"被骗",
        r"不认(?:这笔|这个)?账",
        r"投诉",
        r"有异议",
    ),
    "hardship": (
        r"失业",
        r"没(?:有)?工作",
        r"丢了工作",
        r"被裁",
        r"没钱",
        r"没有钱",
        r"还不起",
        r"还不上",
        r"还不了",
        r"困难",
        r"生病",
        r"住院",
        r"工资没发",
        r"没发工资",
        r"破产",
        r"周转不开",
        r"手头紧",
        r"拿不出",
    ),
    "refuse": (
        r"(?<!还)不(?:想|会|打算|准备|愿意)?还(?![不没])",
        r"就不还",
        r"不给(?:钱)?",
        r"别(?:再)?打了?",
        r"不要(?:再)?打",
        r"爱咋咋",
        r"随便你",
    ),
    "callback": (
        r"在忙",
        r"正忙",
        r"很忙",
        r"开会",
        r"开车",
        r"(?:晚点|晚些|回头|待会|等会|稍后)",
        r"不方便",
        r"改天",
        r"下次再?(?:说|打)",
    ),
    "will_pay": (
        r"(?<!不)(?:可以|能|会|去|就|尽快|马上|立刻|这就|一定|保证)还(?![不没是有])",
        r"(?:今天|今晚|明天|后天|大后天|下?周.|星期.|礼拜.|月底|月末|\d+号|[一二三四五六七八九十]+号)"
        r"(?:就|会|能|可以|一定)?还(?![不没是有])",
        r"还\s*(?:\d|[一二两三四五六七八九十百千万]+[块元]?)",
        r"还(?:钱|款)(?!不)",
        r"好的?我?(?:去|马上|尽快)?(?:还|付|处理)",
        r"我(?:来|去)(?:还|付|处理)",
        r"(?:全[部额]|一次性)还",
        r"还清",
    ),
    "affirm": (
        r"^\s*(?:是|是的|是啊|对|对的|对啊|嗯+|恩|好|好的|行|可以|没错|请说|你说|在|在的|我在)"
        r"\s*[。！!,，.]?\s*$",
        r"(?<!不)是我",
        r"(?<!不)我就是",
        r"(?<![不])我是(?![他她])",
        r"本人(?![不])",
    ),
    "deny": (r"^\s*(?:不是|不对|没有|没|不行|不要|不)(?:[。！!,，.\s]|$)",),
}

_EN: dict[str, tuple[str, ...]] = {
    "wrong_person": (
        r"wrong (?:number|person|guy|lady)",
        r"you(?:'ve| have)? (?:got )?the wrong",
        r"(?:don'?t|do not) know (?:him|her|them|this person|who|anyone|any)",
        r"no ?one (?:by|with|named|called)",
        r"(?:he|she) (?:doesn'?t|does not) live here",
        r"i'?m not (?:him|her|that person|the person)",
        r"i am not (?:him|her|that person|the person)",
        r"never heard of",
        r"not (?:him|her)\b",
    ),
    "third_party": (
        r"(?:he|she)(?:'s| is) not (?:here|home|available|in)",
        r"this is (?:his|her) "
        r"(?:wife|husband|mother|mom|father|dad|son|daughter|brother|sister|friend|colleague)",
        r"(?:can i|i can|i'?ll) (?:take|pass on) a message",
    ),
    "ask_human": (
        r"\bagent\b",
        r"(?:real|live|actual) (?:person|human|agent)",
        r"\bhuman\b",
        r"\boperator\b",
        r"\brepresentative\b",
        r"speak (?:to|with) (?:someone|somebody|a person|a manager)",
        r"\bmanager\b",
        r"\bsupervisor\b",
    ),
    "dispute": (
        r"not my (?:debt|loan|account|bill)",
        r"(?:never|didn'?t|did not) (?:borrow|take out|open|sign)",
        r"(?:don'?t|do not) owe",
        r"already paid",
        r"i paid (?:it|this|that)",
        r"\bdispute",
        r"\bfraud",
        r"identity theft",
        r"(?:amount|balance|bill) is wrong",
        r"wrong amount",
        r"not mine\b",
        r"\bcomplain",
    ),
    "hardship": (
        r"lost (?:my|his|her) job",
        r"\bunemployed\b",
        r"laid off",
        r"\bfired\b",
        r"(?:can'?t|cannot|can not|unable to) (?:afford|pay)",
        r"no money",
        r"(?:don'?t|do not) have (?:the |any |enough )?(?:money|cash|funds)",
        r"\bbroke\b",
        r"\bsick\b",
        r"\bhospital",
        r"\bmedical\b",
        r"\bhardship\b",
        r"\bstruggling\b",
        r"(?:out of|no) work\b",
        r"short (?:on|of) (?:money|cash)",
    ),
    "refuse": (
        r"(?:won'?t|will not|not going to|refuse to|never going to|never) pay",
        r"not paying",
        r"stop calling",
        r"leave me alone",
        r"don'?t call",
    ),
    "callback": (
        r"call (?:me )?(?:back|later|tomorrow)",
        r"\bbusy\b",
        r"in a meeting",
        r"\bdriving\b",
        r"not a good time",
        r"bad time",
        r"(?:can'?t|cannot) talk",
        r"\blater\b",
    ),
    "will_pay": (
        r"\bi(?:'ll| will| can| could| shall|'m going to| am going to| am able to) "
        r"(?:make (?:a |the )?)?pay",
        r"\b(?:will|can|going to) pay\b",
        r"\bpay (?:it |that |this |you )?(?:today|tomorrow|"
        r"on|by|next|this|\$|\d)",
        r"\bpromise to pay\b",
        r"\bsure,? (?:i'?ll )?pay",
    ),
    "affirm": (
        r"^\s*(?:yes|yeah|yep|yup|sure|ok|okay|right|correct|speaking|certainly|indeed|"
        r"that'?s right|of course)\b",
        r"\b(?:that'?s|it'?s|this is) me\b",
        r"\bspeaking\b",
        r"\bi am (?:he|she|him|her)\b",
        r"\bthis is (?:he|she)\b",
    ),
    "deny": (r"^\s*(?:no|nope|nah|not really|negative)\b",),
}


def _compile(
    table: dict[str, tuple[str, ...]], flags: int
) -> dict[str, tuple[re.Pattern[str], ...]]:
    return {intent: tuple(re.compile(p, flags) for p in ps) for intent, ps in table.items()}


_PATTERNS = {"zh": _compile(_ZH, 0), "en": _compile(_EN, re.IGNORECASE)}

EXAMPLES: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "wrong_person": ("你打错了", "不认识这个人", "不是"),
        "third_party": ("我是他朋友，他不在", "他出去了，我是他老婆"),
        "ask_human": ("转人工", "我要找人工客服", "让你们主管来"),
        "dispute": ("这不是我借的", "我没借过钱", "我已经还过了"),
        "hardship": ("我失业了", "最近没钱", "实在还不起"),
        "refuse": ("我不还", "别再打了"),
        "callback": ("我在开会，晚点再打", "现在不方便"),
        "will_pay": ("我明天还", "可以还", "下周五还500", "好的我马上还"),
        "affirm": ("是的", "是我", "对，我就是", "嗯"),
        "deny": ("不对", "没有"),
        "unknown": ("喂？", "你说什么", "今天天气不错"),
    },
    "en": {
        "wrong_person": ("wrong number", "I don't know him", "you have the wrong person"),
        "third_party": ("She's not here, this is her sister", "he is not home"),
        "ask_human": ("let me talk to an agent", "I want a real person", "operator please"),
        "dispute": ("that's not my debt", "I never borrowed anything", "I already paid"),
        "hardship": ("I lost my job", "I can't afford it right now", "I'm in hospital"),
        "refuse": ("I won't pay", "stop calling me"),
        "callback": ("I'm driving, call me later", "not a good time"),
        "will_pay": ("I will pay tomorrow", "I can pay 200 on Friday", "I'll pay it today"),
        "affirm": ("yes", "speaking", "yes, that's me"),
        "deny": ("no", "nope"),
        "unknown": ("hello?", "what is this about", "the weather is nice"),
    },
}
"""Example lines per language and intent: the recognizer's tests, and material for tests
that generate conversations."""


@dataclass(frozen=True)
class KeywordRecognizer:
    """Keyword and pattern rules for zh-CN and en; dates in slots are relative to `today`.

    The customer's language is tried first; when none of its rules match, the other
    language's are (customers mix "OK" into Chinese and "¥" into English).
    """

    today: date

    def recognize(self, text: str, language: str) -> Intent:
        fam = language_family(language)
        matched = self._matches(text, fam) or self._matches(text, "en" if fam == "zh" else "zh")
        slots = extract_slots(text, language, self.today).as_dict()
        if not matched:
            return Intent("unknown", 0.0, slots)
        if "third_party" in matched and "wrong_person" not in matched:
            matched.insert(matched.index("third_party") + 1, "wrong_person")
        confidence = 0.9 if len(matched) == 1 else 0.7
        ranked = [
            Intent(name, confidence if i == 0 else 0.5, slots) for i, name in enumerate(matched)
        ]
        return Intent(ranked[0].name, confidence, slots, tuple(ranked[1:]))

    @staticmethod
    def _matches(text: str, family: str) -> list[str]:
        table = _PATTERNS[family]
        return [
            name for name in INTENTS if name in table and any(p.search(text) for p in table[name])
        ]
