"""SMS length and parts at the boundaries: GSM-7 160/153, UCS-2 70/67, escapes count two."""

from __future__ import annotations

import pytest

from arrears.templates.sms import GSM7_EXTENSION, sms_info


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(1, 1, 160), (160, 1, 160), (161, 2, 153), (306, 2, 153), (307, 3, 153), (459, 3, 153)],
)
def test_a_gsm7_text_fits_160_septets_in_one_message_and_153_in_each_part(
    length: int, segments: int, per_segment: int
) -> None:
    info = sms_info("a" * length)
    assert (info.encoding, info.length, info.segments, info.per_segment) == (
        "GSM-7",
        length,
        segments,
        per_segment,
    )


def test_extension_characters_count_two_septets_each() -> None:
    assert sms_info("€" * 80).length == 160
    assert sms_info("€" * 80).segments == 1
    assert sms_info("€" * 81).segments == 2
    assert sms_info("a" * 159 + "{").length == 161
    assert sms_info("a" * 159 + "{").segments == 2
    assert sms_info("a" * 158 + "[").segments == 1
    for ch in GSM7_EXTENSION:
        info = sms_info(ch)
        assert (info.encoding, info.length) == ("GSM-7", 2), repr(ch)


def test_an_escaped_character_is_never_split_between_two_parts() -> None:
    # 152 + 2 + 152 = 306 septets would fit two parts of 153 if the euro could be split.
    info = sms_info("a" * 152 + "€" + "a" * 152)
    assert info.length == 306
    assert info.segments == 3


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(1, 1, 70), (70, 1, 70), (71, 2, 67), (134, 2, 67), (135, 3, 67)],
)
def test_a_ucs2_text_fits_70_characters_in_one_message_and_67_in_each_part(
    length: int, segments: int, per_segment: int
) -> None:
    info = sms_info("还" * length)
    assert (info.encoding, info.length, info.segments, info.per_segment) == (
        "UCS-2",
        length,
        segments,
        per_segment,
    )


def test_one_character_outside_gsm7_sends_the_whole_text_as_ucs2_and_is_named() -> None:
    info = sms_info("a" * 69 + "’")  # a curly apostrophe, the classic accident
    assert (info.encoding, info.length, info.segments) == ("UCS-2", 70, 1)
    assert info.non_gsm == ("’",)
    assert sms_info("a" * 70 + "’").segments == 2
    assert "UCS-2 because of" in str(sms_info("a" * 70 + "’"))


def test_a_character_outside_the_basic_plane_takes_two_units_and_is_not_split() -> None:
    assert sms_info("😀" * 35).length == 70
    assert sms_info("😀" * 35).segments == 1
    assert sms_info("😀" * 36).segments == 2
    # 66 units then a surrogate pair: the pair moves to the next part.
    assert sms_info("a" * 66 + "😀" + "a" * 66).segments == 3


def test_the_gsm7_basic_alphabet_keeps_accents_pound_and_yen_in_one_septet() -> None:
    text = "£1,234.50 ¥ é è à ü Ñ ß Δ @ _ ! ? \n"
    info = sms_info(text)
    assert info.encoding == "GSM-7"
    assert info.length == len(text)
