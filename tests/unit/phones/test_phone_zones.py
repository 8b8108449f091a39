"""phone_zones matches phonenumbers' time-zone data; country_zones covers a country's numbers."""

from __future__ import annotations

import phonenumbers
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers.timezone import time_zones_for_number

from arrears.contract.phones import country_zones, phone_checks, phone_errors, phone_zones


def expected_zones(value: str) -> list[str]:
    """time_zones_for_number for valid E.164 values, without its Etc/Unknown; else []."""
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return []
    canonical = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number) or canonical != value:
        return []
    return sorted(z for z in time_zones_for_number(number) if z != "Etc/Unknown")


def assert_zones_agree(values: list[str]) -> None:
    zones = phone_zones(pl.Series("value", values, dtype=pl.String)).to_list()
    for value, found in zip(values, zones, strict=True):
        assert found == expected_zones(value), value


def test_a_new_york_number_maps_to_new_york() -> None:
    assert phone_zones(pl.Series(["+12125551234"])).to_list() == [["America/New_York"]]


def test_a_chinese_mobile_is_located_by_its_prefix() -> None:
    assert phone_zones(pl.Series(["+8613800138000"])).to_list() == [["Asia/Shanghai"]]


def test_a_british_mobile_gets_the_zones_of_the_whole_calling_code() -> None:
    # GB mobiles are not geographical: phonenumbers falls back to the zones of +44.
    zones = phone_zones(pl.Series(["+447911123456"])).item().to_list()
    assert zones == expected_zones("+447911123456")
    assert "Europe/London" in zones


def test_invalid_unknown_and_null_numbers_have_no_zones_never_etc_unknown() -> None:
    values = ["+447700900123", "+999123", "garbage", "", None, "+4407911123456"]
    zones = phone_zones(pl.Series("value", values)).to_list()
    assert zones == [[], [], [], [], [], []]


def test_phone_checks_gives_the_errors_and_zones_of_the_single_functions() -> None:
    values = pl.Series("value", ["+8613800138000", "+11125551234", None, "+14165550123", "x"])
    checks = phone_checks(values)
    assert checks.get_column("error").to_list() == phone_errors(values).to_list()
    assert checks.get_column("zones").to_list() == phone_zones(values).to_list()


SAMPLE = [
    "+12015550123",
    "+12085550123",
    "+12082015555",
    "+13125550123",
    "+14155552671",
    "+19075550123",
    "+18085550123",
    "+18005550199",
    "+18885550199",
    "+14165550123",
    "+17875550123",
    "+16715550123",
    "+442071838750",
    "+441614960000",
    "+441481256789",
    "+441534456789",
    "+441624456789",
    "+443001234567",
    "+448001234567",
    "+8613800138000",
    "+862161234567",
    "+861012345678",
    "+8640012345678",
    "+78123456789",
    "+77012345678",
    "+5491123456789",
    "+61212345678",
    "+80012345678",
]


def test_a_sample_of_numbers_agrees_with_time_zones_for_number() -> None:
    assert_zones_agree(SAMPLE)


DIGITS = "0123456789"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.builds(
            lambda code, rest: f"+{code}{rest}",
            st.sampled_from(["1", "44", "86"]),
            st.text(DIGITS, min_size=7, max_size=11),
        ),
        min_size=1,
        max_size=80,
    )
)
def test_generated_numbers_agree_with_time_zones_for_number(values: list[str]) -> None:
    assert_zones_agree(values)


def test_us_zones_cover_the_mainland_alaska_and_hawaii_but_not_the_other_nanp_countries() -> None:
    zones = set(country_zones("US"))
    assert {"America/New_York", "America/Los_Angeles", "America/Chicago", "America/Denver"} <= zones
    assert {"America/Anchorage", "Pacific/Honolulu", "America/Phoenix"} <= zones
    assert zones.isdisjoint(
        {"Pacific/Guam", "America/Puerto_Rico", "America/Toronto", "America/St_Johns"}
    )


def test_country_zones_of_china_and_britain() -> None:
    assert country_zones("CN") == ("Asia/Shanghai",)
    assert "Europe/London" in country_zones("GB")
    assert country_zones("gb") == country_zones("GB")


def test_an_unknown_country_has_no_zones() -> None:
    assert country_zones("XX") == ()
    assert country_zones("") == ()


def test_every_zone_of_a_geographical_us_number_is_a_us_zone() -> None:
    values = [v for v in SAMPLE if v.startswith("+1")]
    us = set(country_zones("US"))
    for value, zones in zip(values, phone_zones(pl.Series(values)).to_list(), strict=True):
        number = phonenumbers.parse(value)
        geographical = phonenumbers.is_number_geographical(number)
        if phonenumbers.region_code_for_number(number) == "US" and geographical:
            assert set(zones) <= us, value
