"""timezone_errors accepts the IANA zones zoneinfo can load and names the others."""

from __future__ import annotations

import zoneinfo

import polars as pl

from arrears.contract.phones import timezone_errors, valid_timezones


def test_valid_timezones_is_what_zoneinfo_can_load() -> None:
    assert valid_timezones() == frozenset(zoneinfo.available_timezones())
    assert {"Asia/Shanghai", "America/New_York", "Europe/London"} <= valid_timezones()


def test_known_null_and_blank_zones_are_not_errors() -> None:
    values = pl.Series("timezone", ["Asia/Shanghai", None, "", "America/New_York"])
    assert timezone_errors(values).to_list() == [None, None, None, None]


def test_an_unknown_zone_is_named_in_the_error() -> None:
    values = pl.Series("timezone", ["Mars/Olympus_Mons", "asia/shanghai", "EST5EDT "])
    assert timezone_errors(values).to_list() == [
        "unknown time zone 'Mars/Olympus_Mons'",
        "unknown time zone 'asia/shanghai'",
        "unknown time zone 'EST5EDT '",
    ]


def test_the_answer_keeps_the_column_name_and_length() -> None:
    errors = timezone_errors(pl.Series("tz", [None] * 3))
    assert errors.name == "tz"
    assert errors.len() == 3
