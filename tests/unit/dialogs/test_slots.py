"""Amounts and dates in what customers say, in Chinese and English, relative to a given today
(Monday 2026-11-30)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from arrears.dialogs.slots import cn_number, en_number, extract_slots

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "language", "amount", "day", "full"),
    [
        ("下周五还500", "zh-CN", Decimal(500), date(2026, 12, 11), False),
        ("明天还两千五", "zh-CN", Decimal(2500), date(2026, 12, 1), False),
        ("12月5号还一千五百块", "zh-CN", Decimal(1500), date(2026, 12, 5), False),
        ("3天后还1.5万", "zh-CN", Decimal(15000), date(2026, 12, 3), False),
        ("这周三还300元", "zh-CN", Decimal(300), date(2026, 12, 2), False),
        ("星期日还", "zh-CN", None, date(2026, 12, 6), False),
        ("15号还", "zh-CN", None, date(2026, 12, 15), False),
        ("二十号", "zh-CN", None, date(2026, 12, 20), False),
        ("月底全部还清", "zh-CN", None, date(2026, 11, 30), True),
        ("下个月5号还¥800", "zh-CN", Decimal(800), date(2026, 12, 5), False),
        ("后天先还一部分", "zh-CN", None, date(2026, 12, 2), False),
        ("不是周五", "zh-CN", None, None, False),
        ("I can pay 200 on Friday", "en", Decimal(200), date(2026, 12, 4), False),
        ("I'll pay $1,250.50 next Tuesday", "en", Decimal("1250.50"), date(2026, 12, 8), False),
        ("two hundred tomorrow", "en", Decimal(200), date(2026, 12, 1), False),
        ("I will pay in full on December 20th", "en", None, date(2026, 12, 20), True),
        ("by the 3rd", "en", None, date(2026, 12, 3), False),
        ("in 5 days, 2k", "en", Decimal(2000), date(2026, 12, 5), False),
        ("5 January", "en", None, date(2027, 1, 5), False),
        ("2026-12-24", "en", None, date(2026, 12, 24), False),
        ("this Monday", "en", None, date(2026, 11, 30), False),
        ("Monday", "en", None, date(2026, 12, 7), False),
        ("I have no money this month", "en", None, None, False),
        ("I may decide later", "en", None, None, False),
        ("next week", "en", None, None, False),
        ("no, not on Friday", "en", None, None, False),
        ("周五 I can pay 100", "en", Decimal(100), date(2026, 12, 4), False),
    ],
)
def test_the_amount_and_the_date_are_found_in_a_line(text, language, amount, day, full):
    slots = extract_slots(text, language, TODAY)
    assert (slots.amount, slots.date, slots.full) == (amount, day, full)


def test_a_day_of_the_month_already_past_is_next_months():
    assert extract_slots("5号", "zh-CN", date(2026, 11, 30)).date == date(2026, 12, 5)
    assert extract_slots("31号", "zh-CN", date(2026, 11, 30)).date == date(2026, 12, 31)
    assert extract_slots("the 30th", "en", date(2027, 1, 31)).date == date(2027, 3, 30)


@pytest.mark.parametrize(
    ("text", "value"),
    [("五百", 500), ("两千五", 2500), ("一万二", 12000), ("十五", 15), ("三百五", 350),
     ("一千零五", 1005), ("一千五百", 1500), ("二十", 20), ("一万零五百", 10500),
     ("五五", None), ("百千", None), ("abc", None)],
)  # fmt: skip
def test_chinese_numerals_read_as_people_say_them(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("two hundred", 200), ("one thousand five hundred", 1500), ("a hundred", 100),
     ("fifty-five", 55), ("nothing", None)],
)  # fmt: skip
def test_english_number_words_read_as_numbers(text, value):
    assert en_number(text) == value
