"""Amounts and dates in what a customer says, in Chinese and English.

A promise to pay needs two facts: how much and when. This module finds them in a line of
text, deterministically: "下周五还500" gives 500 and the Friday of next week, "I can pay 200 on
Friday" gives 200 and the coming Friday. Dates are relative to a `today` passed in, never to
the clock.

It is pattern matching, not language understanding: it knows the common ways of saying a day
(today, tomorrow, a weekday, the 15th, 12月5号, 3天后, end of the month) and an amount (digits
with or without a currency or unit, Chinese numerals such as 两千五, English number words
such as "two hundred"). Vague times ("next week", 过几天) give no date on purpose, so that
the dialog asks for a day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

__all__ = ["Slots", "cn_number", "en_number", "extract_slots"]


@dataclass(frozen=True)
class Slots:
    """What was found: an amount, a date, or "the full amount" (全额, all of it)."""

    amount: Decimal | None = None
    date: date | None = None
    full: bool = False

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.amount is not None:
            out["amount"] = self.amount
        if self.date is not None:
            out["date"] = self.date
        if self.full:
            out["full"] = True
        return out


# --- numbers -------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇一二两三四五六七八九十百千万"


def cn_number(text: str) -> int | None:
    """A Chinese numeral as an integer: 五百 → 500, 两千五 → 2500, 一万二 → 12000, 十五 → 15.

    A trailing digit after a unit counts one unit lower (两千五 is 2500, 一万二 is 12000), as
    people say it. None when the text is not a numeral.
    """
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if "万" in text:
        high, _, low = text.partition("万")
        h = cn_number(high) if high else 1
        if h is None:
            return None
        if low and len(low) == 1 and low in _CN_DIGITS:
            return h * 10000 + _CN_DIGITS[low] * 1000
        rest = cn_number(low) if low else 0
        return None if rest is None else h * 10000 + rest
    total, digit, last_unit, zero = 0, None, None, False
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0 and digit != 0:
                return None  # two digits in a row: "五五" is not a numeral here
            zero = zero or _CN_DIGITS[ch] == 0
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            if last_unit is not None and unit >= last_unit:
                return None  # 百千: units must fall
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
    if digit is not None:
        # a trailing digit right after a unit is one unit lower (两千五 = 2500, 三百五 = 350),
        # after a zero it is units (一千零五 = 1005)
        lower = last_unit is not None and last_unit >= 100 and not zero
        total += digit * (last_unit // 10 if lower and last_unit else 1)
    return total


_EN_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000}
_EN_WORD = "|".join([*_EN_ONES, *_EN_SCALES, "a", "and"])
_EN_WORDS_RE = re.compile(rf"\b(?:{_EN_WORD})(?:[\s-]+(?:{_EN_WORD}))*\b", re.IGNORECASE)


def en_number(text: str) -> int | None:
    """English number words as an integer: "two hundred" → 200, "one thousand five hundred"
    → 1500, "a hundred" → 100. None when no number word is there."""
    words = [w for w in re.split(r"[\s-]+", text.lower().strip()) if w and w != "and"]
    if not words or not any(w in _EN_ONES or w in _EN_SCALES for w in words):
        return None
    total, current = 0, 0
    for w in words:
        if w == "a":
            current = max(current, 1)
        elif w in _EN_ONES:
            current += _EN_ONES[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    value = total + current
    return value if value > 0 else None


# --- dates ---------------------------------------------------------------------------------

_CN_WEEKDAY = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_EN_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_EN_MONTH = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_NUM = rf"(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})"


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else cn_number(text)


def _this_week(today: date, weekday: int) -> date:
    """That weekday in today's week (weeks start on Monday), or the next one if it is past."""
    day = today + timedelta(days=weekday - today.weekday())
    return day if day >= today else day + timedelta(days=7)


def _next_week(today: date, weekday: int) -> date:
    """That weekday in the week after today's."""
    return today + timedelta(days=7 - today.weekday() + weekday)


def _upcoming(today: date, weekday: int) -> date:
    """The next such weekday strictly after today: "Friday" said on a Friday is a week on."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _day_of_month(today: date, day: int) -> date | None:
    """The next date with that day of the month, this month or the next; None if impossible."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate >= today:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _month_day(today: date, month: int, day: int) -> date | None:
    """That month and day this year, or next year when it has passed."""
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _end_of_month(today: date, months_ahead: int = 0) -> date:
    year, month = today.year, today.month + months_ahead
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


DateRule = Callable[[re.Match[str], date], date | None]


def _zh_dates() -> list[tuple[re.Pattern[str], DateRule]]:
    rules: list[tuple[str, DateRule]] = [
        (r"大后天", lambda m, t: t + timedelta(days=3)),
        (r"后天", lambda m, t: t + timedelta(days=2)),
        (r"明[天日儿]|明早|明晚", lambda m, t: t + timedelta(days=1)),
        (r"今[天日晚]|当天|马上|立刻|现在", lambda m, t: t),
        (
            r"下个?(?:周|星期|礼拜)([一二三四五六日天1-7])",
            lambda m, t: _next_week(t, _CN_WEEKDAY[m.group(1)]),
        ),
        (
            r"(?:这|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])",
            lambda m, t: _this_week(t, _CN_WEEKDAY[m.group(1)]),
        ),
        (r"下个?月底", lambda m, t: _end_of_month(t, 1)),
        (r"月底|月末", lambda m, t: _end_of_month(t)),
        (
            rf"({_NUM})月({_NUM})[号日]",
            lambda m, t: _month_day(t, _int(m.group(1)) or 0, _int(m.group(2)) or 0),
        ),
        (
            rf"下个?月({_NUM})[号日]",
            lambda m, t: _day_of_month(_end_of_month(t) + timedelta(days=1), _int(m.group(1)) or 0),
        ),
        (rf"({_NUM})[号日]", lambda m, t: _day_of_month(t, _int(m.group(1)) or 0)),
        (
            rf"({_NUM})天(?:后|之后|以后|内|之内|以内)",
            lambda m, t: t + timedelta(days=_int(m.group(1)) or 0),
        ),
    ]
    return [(re.compile(p), f) for p, f in rules]


# Whole names only: "mon" would find Monday in "money" and "month", "dec" in "decide".
_WD = r"(monday|tuesday|tues|wednesday|thursday|thurs|friday|saturday|sunday)"
_MON = (
    r"(january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|"
    r"september|sept|sep|october|oct|november|nov|december|dec)\b\.?"
)


def _en_dates() -> list[tuple[re.Pattern[str], DateRule]]:
    rules: list[tuple[str, DateRule]] = [
        (
            r"\b(\d{4})-(\d{2})-(\d{2})\b",
            lambda m, t: _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))),
        ),
        (r"\b(?:the\s+)?day\s+after\s+tomorrow\b", lambda m, t: t + timedelta(days=2)),
        (r"\btomorrow\b", lambda m, t: t + timedelta(days=1)),
        (r"\b(?:today|tonight|right\s+now|now)\b", lambda m, t: t),
        (rf"\bnext\s+{_WD}\b", lambda m, t: _next_week(t, _EN_WEEKDAY[m.group(1)[:3].lower()])),
        (rf"\bthis\s+{_WD}\b", lambda m, t: _this_week(t, _EN_WEEKDAY[m.group(1)[:3].lower()])),
        (rf"\b{_WD}\b", lambda m, t: _upcoming(t, _EN_WEEKDAY[m.group(1)[:3].lower()])),
        (r"\bend\s+of\s+next\s+month\b", lambda m, t: _end_of_month(t, 1)),
        (r"\bend\s+of\s+(?:the\s+|this\s+)?month\b", lambda m, t: _end_of_month(t)),
        (
            rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b",
            lambda m, t: _month_day(t, _EN_MONTH[m.group(1)[:3].lower()], int(m.group(2))),
        ),
        (
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}",
            lambda m, t: _month_day(t, _EN_MONTH[m.group(2)[:3].lower()], int(m.group(1))),
        ),
        (
            r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b",
            lambda m, t: _day_of_month(t, int(m.group(1))),
        ),
        (
            r"\b(?:in|within)\s+(\d{1,2}|a|one|two|three|four|five|six|seven|ten)\s+days?\b",
            lambda m, t: t + timedelta(days=_en_int(m.group(1))),
        ),
        (r"\b(?:in|within)\s+a\s+week\b", lambda m, t: t + timedelta(days=7)),
    ]
    return [(re.compile(p, re.IGNORECASE), f) for p, f in rules]


def _en_int(text: str) -> int:
    return int(text) if text.isdigit() else (en_number(text) or 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_DATE_RULES = {"zh": _zh_dates(), "en": _en_dates()}


# --- amounts -------------------------------------------------------------------------------

_ZH_FULL = re.compile(r"全[部额款]|全都|一次性|结清|还清")
_EN_FULL = re.compile(
    r"\b(?:in\s+full|the\s+(?:full|whole|entire)\s+(?:amount|balance|thing)|all\s+of\s+it|"
    r"everything|pay\s+(?:it\s+)?(?:all|off))\b",
    re.IGNORECASE,
)
_DIGIT_AMOUNT = re.compile(
    r"(?:[$¥£€]|rmb|usd|cny|gbp)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\s*(万|千|k\b)?",
    re.IGNORECASE,
)
_CN_AMOUNT = re.compile(rf"([{_CN_NUM}]+)\s*(块|元|圆)?")


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money(value: Decimal) -> Decimal:
    """Whole amounts without decimals (1.5万 is 15000), others to the cent."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.01"))


def _digit_amounts(text: str) -> Decimal | None:
    for m in _DIGIT_AMOUNT.finditer(text):
        value = _decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        if value is None or value <= 0:
            continue
        scale = {"万": 10000, "千": 1000, "k": 1000}.get((m.group(3) or "").lower(), 1)
        return _money(value * scale)
    return None


def _amount(text: str, lang: str) -> Decimal | None:
    found = _digit_amounts(text)
    if found is not None:
        return found
    if lang == "zh":
        for m in _CN_AMOUNT.finditer(text):
            numeral, currency = m.group(1), m.group(2)
            # a bare 一 or 两 is "a little", not an amount: ask for a unit or a currency
            if not currency and not any(u in numeral for u in "十百千万"):
                continue
            value = cn_number(numeral)
            if value:
                return Decimal(value)
    else:
        for m in _EN_WORDS_RE.finditer(text):
            if m.group(0).lower() in ("a", "and", "a and"):
                continue
            value = en_number(m.group(0))
            if value:
                return Decimal(value)
    return None


# A day said to be the wrong one: "not on Friday", "不是周五".
_NEGATED = re.compile(r"(?:\bnot\s+(?:on\s+|by\s+|until\s+)?|不是|不)\s*$", re.IGNORECASE)


def language_family(language: str) -> str:
    """ "zh" for zh, zh-CN, zh-Hans…; "en" otherwise."""
    return "zh" if language.lower().startswith("zh") else "en"


def extract_slots(text: str, language: str, today: date) -> Slots:
    """The amount and the date said in `text`, dates relative to `today`.

    Date phrases are found first and cut out of the text, so that the 15 of "15号" or "the
    15th" is not also taken for an amount. Both languages' date phrases are tried, the
    customer's own first: people mix "周五" and "OK", or "Friday" and "¥".
    """
    fam = language_family(language)
    rest, found_date = text, None
    for family in (fam, "en" if fam == "zh" else "zh"):
        for pattern, rule in _DATE_RULES[family]:
            m = pattern.search(rest)
            if m is None:
                continue
            value = rule(m, today)
            negated = _NEGATED.search(rest[: m.start()]) is not None
            if found_date is None and isinstance(value, date) and not negated:
                found_date = value
            rest = rest[: m.start()] + " " + rest[m.end() :]
    full = bool((_ZH_FULL if fam == "zh" else _EN_FULL).search(text))
    return Slots(amount=_amount(rest, fam), date=found_date, full=full)
