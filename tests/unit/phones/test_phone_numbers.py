"""phone_errors agrees with phonenumbers on E.164 values and says why a value is refused."""

from __future__ import annotations

import re

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.contract.phone_metadata import NOT_E164
from arrears.contract.phones import phone_checks, phone_errors

E164_SHAPE = re.compile(r"\+[0-9]+")


def expected_valid(value: str | None) -> bool:
    """The oracle: phonenumbers says valid, and the value is already its E.164 form."""
    if value is None:
        return False
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return False
    canonical = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.is_valid_number(number) and canonical == value


def phonenumbers_valid(value: str) -> bool:
    """What ``is_valid_number(parse(v))`` alone says (accepts a national prefix after +cc)."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value))
    except phonenumbers.NumberParseException:
        return False


def assert_agrees(values: list[str]) -> None:
    errors = phone_errors(pl.Series("value", values, dtype=pl.String)).to_list()
    for value, error in zip(values, errors, strict=True):
        assert (error is None) == expected_valid(value), (value, error)
        if error is not None and E164_SHAPE.fullmatch(value) and phonenumbers_valid(value):
            # Valid for phonenumbers only after rewriting: the message names the E.164 form.
            canonical = phonenumbers.format_number(
                phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.E164
            )
            assert canonical in error, (value, error)


CURATED = [
    # CN mobiles, valid and not
    "+8613800138000",
    "+8615912345678",
    "+8619912345678",
    "+8617012345678",
    "+8612345678901",
    "+861380013800",
    "+86138001380001",
    "+8610012345678",
    # CN landlines, carrier and trunk prefixes after the code
    "+861012345678",
    "+862161234567",
    "+8601012345678",
    "+86013800138000",
    "+861795113800138000",
    "+8617951138001",
    # US: good numbers, invalid area codes, invalid exchanges, toll-free
    "+12015550123",
    "+12125551234",
    "+14155552671",
    "+11125551234",
    "+10125551234",
    "+19115551234",
    "+12121234567",
    "+18005550199",
    "+112125551234",
    # NANP neighbours sharing +1
    "+14165550123",
    "+17875550123",
    "+16715550123",
    # GB landlines and mobiles, with and without the trunk 0
    "+442071838750",
    "+441614960000",
    "+447911123456",
    "+447400123456",
    "+4407911123456",
    "+4402071838750",
    "+447700900123",
    "+44791112345",
    "+4479111234567",
    "+441481256789",
    "+441624456789",
    # other calling codes and non-geographic entities
    "+78123456789",
    "+5491123456789",
    "+390612345678",
    "+80012345678",
    # garbage
    "",
    "+",
    "abc",
    "8613800138000",
    "++8613800138000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+0086138001380000",
    "+0",
    "+999123456789",
    "+8613800138000x",
    "+\uff18\uff16\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
    "+86",
    "+1",
    # too long
    "+861380013800012345",
    "+12125551234123456789",
    "+44" + "7" * 30,
]


def test_curated_numbers_agree_with_phonenumbers() -> None:
    assert_agrees(CURATED)


def test_a_valid_number_has_no_error_and_a_null_stays_null() -> None:
    errors = phone_errors(pl.Series("value", ["+8613800138000", None, "+12015550123"]))
    assert errors.to_list() == [None, None, None]
    assert errors.name == "value"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", NOT_E164),
        ("abc", NOT_E164),
        ("+86 138 0013 8000", NOT_E164),
        ("8613800138000", NOT_E164),
        ("+999123456789", "unknown country calling code +999"),
        ("+0123456", "unknown country calling code +012"),
        ("+447700900123", "not a valid number for +44"),
        ("+11125551234", "not a valid number for +1"),
        ("+8612345678901", "not a valid number for +86"),
    ],
)
def test_each_refusal_says_why(value: str, reason: str) -> None:
    assert phone_errors(pl.Series([value])).item() == reason


def test_a_national_prefix_after_the_country_code_is_refused_with_the_e164_form() -> None:
    error = phone_errors(pl.Series(["+4407911123456"])).item()
    assert error is not None
    assert "+447911123456" in error


def test_an_empty_column_gives_an_empty_answer() -> None:
    assert phone_errors(pl.Series("value", [], dtype=pl.String)).len() == 0
    checks = phone_checks(pl.Series("value", [], dtype=pl.String))
    assert checks.columns == ["error", "zones"]
    assert checks.height == 0


def test_an_all_null_column_of_no_type_is_accepted() -> None:
    assert phone_errors(pl.Series("value", [None, None])).to_list() == [None, None]


DIGITS = "0123456789"


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


# Shapes that are mostly valid, plus free digit strings that are mostly not.
cn_numbers = st.one_of(
    st.builds(lambda a, b: f"+861{a}{b}", st.sampled_from(DIGITS), digits(9)),
    st.builds(
        lambda a, b: f"+86{a}{b}", st.sampled_from(["10", "21", "20", "755", "0"]), digits(8)
    ),
    st.builds(lambda b: f"+86{b}", st.text(DIGITS, min_size=0, max_size=14)),
)
us_numbers = st.one_of(
    st.builds(lambda a, b, c: f"+1{a}{b}{c}", digits(3), st.sampled_from(DIGITS), digits(6)),
    st.builds(lambda b: f"+1{b}", st.text(DIGITS, min_size=0, max_size=12)),
)
gb_numbers = st.one_of(
    st.builds(lambda b: f"+447{b}", digits(9)),
    st.builds(
        lambda a, b: f"+44{a}{b}", st.sampled_from(["20", "161", "1481", "0", "3", "8"]), digits(7)
    ),
    st.builds(lambda b: f"+44{b}", st.text(DIGITS, min_size=0, max_size=12)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(cn_numbers, us_numbers, gb_numbers), min_size=1, max_size=80))
def test_generated_cn_us_gb_numbers_agree_with_phonenumbers(values: list[str]) -> None:
    assert_agrees(values)


def test_example_numbers_of_every_region_and_type_are_accepted() -> None:
    # One pass over the whole metadata: each region's example numbers are valid E.164.
    examples = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in phonenumbers.PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                examples.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                )
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            examples.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    assert len(examples) > 1000
    assert_agrees(examples)


def test_every_metadata_pattern_compiles_as_a_polars_regex() -> None:
    # The vectorized path relies on it; a phonenumbers upgrade that breaks it must fail here.
    probe = pl.Series(["0123456789"])
    checked = 0
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
                meta = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code, None)
            else:
                meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
            assert meta is not None
            descs = [
                meta.general_desc,
                meta.fixed_line,
                meta.mobile,
                meta.toll_free,
                meta.premium_rate,
                meta.shared_cost,
                meta.personal_number,
                meta.voip,
                meta.pager,
                meta.uan,
                meta.voicemail,
            ]
            patterns = [d.national_number_pattern for d in descs if d is not None]
            patterns += [meta.leading_digits, meta.national_prefix_for_parsing]
            for pattern in filter(None, patterns):
                probe.str.contains(f"^(?:{pattern})$")
                checked += 1
    assert checked > 1000
