"""Daily contact windows: local calling hours in every candidate zone, as exact UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.windows import daily_windows, local_instant, window_for_one

EIGHT, NINE_PM = time(8), time(21)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one_row(zones: list[str], day: date, start: time = EIGHT, end: time = NINE_PM) -> tuple:
    frame = daily_windows(pl.Series([zones], dtype=pl.List(pl.String)), day, start, end)
    return frame.row(0)


def test_a_new_york_phone_and_a_los_angeles_address_get_8_pacific_to_9_eastern() -> None:
    zones = ["America/Los_Angeles", "America/New_York"]
    # June: PDT (UTC-7) and EDT (UTC-4): 08:00 PDT = 15:00Z, 21:00 EDT = 01:00Z next day.
    expected = (utc(2026, 6, 15, 15), utc(2026, 6, 16, 1))
    assert window_for_one(zones, date(2026, 6, 15), EIGHT, NINE_PM) == expected
    assert one_row(zones, date(2026, 6, 15)) == expected
    # January: PST/EST, one hour later in UTC.
    assert window_for_one(zones, date(2026, 1, 15), EIGHT, NINE_PM) == (
        utc(2026, 1, 15, 16),
        utc(2026, 1, 16, 2),
    )


def test_new_york_on_the_spring_forward_day_is_on_daylight_time_all_day() -> None:
    zone = ["America/New_York"]
    assert window_for_one(zone, date(2026, 3, 7), EIGHT, NINE_PM) == (
        utc(2026, 3, 7, 13),
        utc(2026, 3, 8, 2),
    )
    assert window_for_one(zone, date(2026, 3, 8), EIGHT, NINE_PM) == (
        utc(2026, 3, 8, 12),
        utc(2026, 3, 9, 1),
    )


def test_a_start_inside_the_spring_forward_gap_begins_when_the_gap_ends() -> None:
    # 02:00 EST jumps to 03:00 EDT at 07:00Z; 02:30 does not exist that night.
    assert local_instant(date(2026, 3, 8), time(2, 30), "America/New_York", later=True) == utc(
        2026, 3, 8, 7
    )
    assert window_for_one(["America/New_York"], date(2026, 3, 8), time(2, 30), time(4)) == (
        utc(2026, 3, 8, 7),
        utc(2026, 3, 8, 8),
    )
    # An end in the gap closes at the same instant: nothing after 01:59:59 EST is before 02:30.
    assert window_for_one(["America/New_York"], date(2026, 3, 8), time(1), time(2, 30)) == (
        utc(2026, 3, 8, 6),
        utc(2026, 3, 8, 7),
    )


def test_new_york_on_the_fall_back_day_is_on_standard_time_all_day() -> None:
    assert window_for_one(["America/New_York"], date(2026, 11, 1), EIGHT, NINE_PM) == (
        utc(2026, 11, 1, 13),
        utc(2026, 11, 2, 2),
    )


def test_a_repeated_local_time_starts_late_and_ends_early() -> None:
    # 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    day = date(2026, 11, 1)
    assert window_for_one(["America/New_York"], day, time(1, 30), time(3)) == (
        utc(2026, 11, 1, 6, 30),
        utc(2026, 11, 1, 8),
    )
    assert window_for_one(["America/New_York"], day, time(0, 30), time(1, 30)) == (
        utc(2026, 11, 1, 4, 30),
        utc(2026, 11, 1, 5, 30),
    )


def test_london_across_both_changes_of_2026() -> None:
    zone = ["Europe/London"]
    assert window_for_one(zone, date(2026, 3, 28), EIGHT, NINE_PM) == (
        utc(2026, 3, 28, 8),
        utc(2026, 3, 28, 21),
    )
    assert window_for_one(zone, date(2026, 3, 29), EIGHT, NINE_PM) == (
        utc(2026, 3, 29, 7),
        utc(2026, 3, 29, 20),
    )
    assert window_for_one(zone, date(2026, 3, 29), time(1, 30), time(3)) == (
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 2),
    )
    assert window_for_one(zone, date(2026, 10, 25), EIGHT, NINE_PM) == (
        utc(2026, 10, 25, 8),
        utc(2026, 10, 25, 21),
    )
    assert window_for_one(zone, date(2026, 10, 25), time(1, 30), time(3)) == (
        utc(2026, 10, 25, 1, 30),
        utc(2026, 10, 25, 3),
    )
    assert window_for_one(zone, date(2026, 10, 25), time(0, 30), time(1, 30)) == (
        utc(2026, 10, 24, 23, 30),
        utc(2026, 10, 25, 0, 30),
    )


def test_shanghai_has_no_daylight_saving_so_its_window_never_moves() -> None:
    for day in (date(2026, 1, 1), date(2026, 3, 8), date(2026, 7, 1), date(2026, 11, 1)):
        start = datetime.combine(day, time(0), tzinfo=UTC)
        assert one_row(["Asia/Shanghai"], day) == (start, start + timedelta(hours=13))


def test_an_empty_or_missing_zone_set_gives_no_window() -> None:
    zone_sets = pl.Series([[], None, ["Asia/Shanghai"]], dtype=pl.List(pl.String))
    frame = daily_windows(zone_sets, date(2026, 6, 15), EIGHT, NINE_PM)
    assert frame.columns == ["window_start", "window_end"]
    assert frame.schema["window_start"] == pl.Datetime("us", "UTC")
    assert frame.row(0) == (None, None)
    assert frame.row(1) == (None, None)
    assert frame.row(2) == (utc(2026, 6, 15, 0), utc(2026, 6, 15, 13))
    assert window_for_one([], date(2026, 6, 15), EIGHT, NINE_PM) is None


def test_zones_whose_hours_never_overlap_on_the_same_date_give_no_window() -> None:
    # 08:00-21:00 PDT is 15:00Z-04:00Z; 08:00-21:00 CST (Shanghai) is 00:00Z-13:00Z.
    assert one_row(["America/Los_Angeles", "Asia/Shanghai"], date(2026, 6, 15)) == (None, None)


def test_zones_twelve_hours_apart_share_the_hour_where_their_evening_meets_the_morning() -> None:
    # 08:00-09:00 EDT is 20:00-21:00 in Shanghai, on the same date.
    assert one_row(["America/New_York", "Asia/Shanghai"], date(2026, 6, 15)) == (
        utc(2026, 6, 15, 12),
        utc(2026, 6, 15, 13),
    )


def test_equal_sets_share_one_answer_and_rows_keep_their_order() -> None:
    zone_sets = pl.Series(
        [["America/New_York"], ["Asia/Shanghai"], ["America/New_York"], []],
        dtype=pl.List(pl.String),
    )
    frame = daily_windows(zone_sets, date(2026, 6, 15), EIGHT, NINE_PM)
    assert frame.row(0) == frame.row(2) == (utc(2026, 6, 15, 12), utc(2026, 6, 16, 1))
    assert frame.row(1) == (utc(2026, 6, 15, 0), utc(2026, 6, 15, 13))
    assert frame.row(3) == (None, None)


def test_hours_that_do_not_run_forward_or_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="start < end"):
        window_for_one(["Asia/Shanghai"], date(2026, 6, 15), NINE_PM, EIGHT)
    with pytest.raises(ValueError, match="unknown time zone"):
        window_for_one(["Mars/Olympus_Mons"], date(2026, 6, 15), EIGHT, NINE_PM)


ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/St_Johns",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Shanghai",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
HOURS = [
    (time(8), time(21)),
    (time(9), time(20)),
    (time(1, 30), time(21)),
    (time(2, 30), time(22)),
    (time(0, 30), time(1, 30)),
    (time(8, 15), time(8, 45)),
]


def inside(instant: datetime, zones: list[str], day: date, start: time, end: time) -> bool:
    for name in zones:
        local = instant.astimezone(ZoneInfo(name))
        if local.date() != day or not start <= local.time().replace(tzinfo=None) < end:
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=4, unique=True).map(sorted),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    hours=st.sampled_from(HOURS),
    fractions=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), max_size=5),
)
def test_every_instant_of_a_window_is_within_the_hours_in_every_zone(
    zones: list[str], day: date, hours: tuple[time, time], fractions: list[float]
) -> None:
    start, end = hours
    window = window_for_one(zones, day, start, end)
    vectorized = daily_windows(pl.Series([zones, zones[::-1]]), day, start, end)
    assert vectorized.row(0) == vectorized.row(1) == (window or (None, None))
    if window is None:
        # Nothing was missed: no instant of the surrounding days is inside in every zone.
        probe = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=1)
        while probe < datetime.combine(day, time(0), tzinfo=UTC) + timedelta(days=2):
            assert not inside(probe, zones, day, start, end), probe
            probe += timedelta(minutes=15)
        return
    opens, closes = window
    assert opens.tzinfo is not None and opens < closes
    tick = timedelta(microseconds=1)
    interior = [min(opens + (closes - opens) * f, closes - tick) for f in fractions]
    points = [opens, closes - tick, *interior]
    for point in points:
        assert inside(point, zones, day, start, end), point
    # And it is the widest such window: just outside it, some zone is outside its hours.
    assert not inside(opens - tick, zones, day, start, end)
    assert not inside(closes, zones, day, start, end)
