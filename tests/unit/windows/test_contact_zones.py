"""contact_zone_sets: every source of whereabouts counts; knowing nothing means the country."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import polars as pl

from arrears.compliance.windows import daily_windows
from arrears.compliance.zones import (
    contact_zone_info,
    contact_zone_sets,
    contact_zone_sources,
    country_zone_lists,
)
from arrears.contract.phones import country_zones, phone_zones

ZONES = pl.List(pl.String)


def frame(rows: list[tuple[str | None, str | None, list[str] | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "contact_tz": pl.String,
            "customer_tz": pl.String,
            "phone": ZONES,
            "country": pl.String,
        },
        orient="row",
    )


def sets_and_sources(df: pl.DataFrame) -> pl.DataFrame:
    args = ("contact_tz", "customer_tz", "phone", "country")
    return df.select(zones=contact_zone_sets(*args), sources=contact_zone_sources(*args))


def test_a_new_york_phone_and_a_los_angeles_address_are_both_kept() -> None:
    out = sets_and_sources(frame([(None, "America/Los_Angeles", ["America/New_York"], "US")]))
    assert out.row(0) == (["America/Los_Angeles", "America/New_York"], "address, phone")


def test_the_set_is_sorted_and_without_duplicates_so_equal_sets_compare_equal() -> None:
    out = sets_and_sources(
        frame(
            [
                ("America/New_York", "America/Los_Angeles", ["America/New_York"], "US"),
                ("America/Los_Angeles", None, ["America/New_York", "America/Los_Angeles"], "US"),
            ]
        )
    )
    first, second = out.get_column("zones").to_list()
    assert first == second == ["America/Los_Angeles", "America/New_York"]
    assert out.get_column("sources").to_list() == ["contact, address, phone", "contact, phone"]


def test_blank_zones_count_as_missing() -> None:
    out = sets_and_sources(frame([(" ", "", ["Asia/Shanghai"], "CN")]))
    assert out.row(0) == (["Asia/Shanghai"], "phone")


def test_with_nothing_known_the_whole_country_is_used() -> None:
    out = sets_and_sources(frame([(None, None, None, "US"), (None, "", [], "CN")]))
    assert out.get_column("zones").to_list() == [list(country_zones("US")), ["Asia/Shanghai"]]
    assert out.get_column("sources").to_list() == ["country", "country"]


def test_with_nothing_known_and_no_country_the_set_is_empty_and_gives_no_window() -> None:
    out = sets_and_sources(frame([(None, None, None, None), (None, None, [], "XX")]))
    assert out.get_column("zones").to_list() == [[], []]
    assert out.get_column("sources").to_list() == ["none", "none"]
    windows = daily_windows(out.get_column("zones"), date(2026, 6, 15), time(8), time(21))
    assert windows.null_count().row(0) == (2, 2)


def test_the_country_fallback_is_the_narrowest_window_in_the_country() -> None:
    zone_sets = pl.Series([list(country_zones("US"))], dtype=ZONES)
    window = daily_windows(zone_sets, date(2026, 6, 15), time(8), time(21)).row(0)
    # 08:00 in Honolulu (HST, UTC-10) to 21:00 in New York (EDT, UTC-4).
    assert window == (
        datetime(2026, 6, 15, 18, tzinfo=UTC),
        datetime(2026, 6, 16, 1, tzinfo=UTC),
    )


def test_phone_zones_feed_the_sets_in_a_lazy_query() -> None:
    contacts = pl.DataFrame(
        {
            "value": ["+12125551234", "+8613800138000", "+447700900123"],
            "contact_tz": [None, None, None],
            "customer_tz": ["America/Los_Angeles", None, None],
            "country": ["US", "CN", "GB"],
        },
        schema_overrides={"contact_tz": pl.String},
    ).with_columns(
        phone=phone_zones(pl.Series(["+12125551234", "+8613800138000", "+447700900123"]))
    )
    out = (
        contacts.lazy()
        .select(
            zones=contact_zone_sets("contact_tz", "customer_tz", "phone", "country"),
            sources=contact_zone_sources(
                pl.col("contact_tz"), pl.col("customer_tz"), pl.col("phone"), pl.col("country")
            ),
        )
        .collect()
    )
    assert out.rows() == [
        (["America/Los_Angeles", "America/New_York"], "address, phone"),
        (["Asia/Shanghai"], "phone"),
        (list(country_zones("GB")), "country"),
    ]


def test_country_zone_lists_maps_each_row_and_tolerates_nulls_and_case() -> None:
    out = country_zone_lists(pl.Series("country", ["CN", None, "cn", "XX"]))
    assert out.to_list() == [["Asia/Shanghai"], [], ["Asia/Shanghai"], []]
    assert country_zone_lists(pl.Series("country", [None], dtype=pl.String)).to_list() == [[]]


def test_contact_zone_info_gives_both_answers_from_one_pass() -> None:
    df = frame([("Europe/London", None, ["Europe/London"], "GB"), (None, None, None, "CN")])
    args = ("contact_tz", "customer_tz", "phone", "country")
    info = df.select(info=contact_zone_info(*args)).unnest("info")
    assert info.rows() == sets_and_sources(df).rows()
    assert info.rows() == [(["Europe/London"], "contact, phone"), (["Asia/Shanghai"], "country")]


def test_an_empty_frame_gives_an_empty_answer() -> None:
    out = sets_and_sources(frame([]))
    assert out.height == 0
    assert out.schema["zones"] == ZONES
