"""next_window_start: when a refused contact may next be made."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.windows import next_start_for_one, next_window_start, window_for_one

EIGHT, NINE_PM = time(8), time(21)
NY = ["America/New_York"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_a_window_the_next_start_is_now() -> None:
    now = utc(2026, 6, 15, 14)
    assert next_start_for_one(NY, now, EIGHT, NINE_PM) == now


def test_before_the_window_the_next_start_is_the_window_start() -> None:
    assert next_start_for_one(NY, utc(2026, 6, 15, 5), EIGHT, NINE_PM) == utc(2026, 6, 15, 12)


def test_after_the_window_the_next_start_is_tomorrow_morning() -> None:
    # 01:30Z on the 16th is 21:30 EDT on the 15th: the window has closed.
    assert next_start_for_one(NY, utc(2026, 6, 16, 1, 30), EIGHT, NINE_PM) == utc(2026, 6, 16, 12)


def test_days_that_are_not_allowed_are_skipped() -> None:
    def not_sunday(day: date) -> bool:
        return day.weekday() != 6

    saturday_night = utc(2026, 6, 14, 2)  # Saturday 22:00 EDT
    assert next_start_for_one(NY, saturday_night, EIGHT, NINE_PM, allowed_day=not_sunday) == utc(
        2026, 6, 15, 12
    )


def test_nothing_within_the_horizon_gives_none() -> None:
    never = next_start_for_one(NY, utc(2026, 6, 15, 5), EIGHT, NINE_PM, allowed_day=lambda d: False)
    assert never is None
    assert next_start_for_one([], utc(2026, 6, 15, 5), EIGHT, NINE_PM) is None
    far = next_start_for_one(NY, utc(2026, 6, 16, 2), EIGHT, NINE_PM, horizon_days=1)
    assert far is None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_start_for_one(NY, datetime(2026, 6, 15, 5), EIGHT, NINE_PM)


def test_the_column_version_answers_each_row_like_the_scalar_one() -> None:
    zone_sets = pl.Series(
        [NY, ["Asia/Shanghai"], [], None, ["America/Los_Angeles", "America/New_York"], NY],
        dtype=pl.List(pl.String),
    )
    after = utc(2026, 6, 15, 14)
    found = next_window_start(zone_sets, after, EIGHT, NINE_PM)
    assert found.dtype == pl.Datetime("us", "UTC")
    assert found.to_list() == [
        after,
        utc(2026, 6, 16, 0),
        None,
        None,
        utc(2026, 6, 15, 15),
        after,
    ]


ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True).map(sorted),
    after=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
)
def test_the_next_start_lies_in_a_window_and_no_earlier_window_instant_exists(
    zones: list[str], after: datetime
) -> None:
    found = next_start_for_one(zones, after, EIGHT, NINE_PM)
    column = next_window_start(pl.Series([zones]), after, EIGHT, NINE_PM)
    assert column.to_list() == [found]
    first_day = (after - timedelta(days=2)).date()
    windows = [
        w
        for k in range(20)
        if (w := window_for_one(zones, first_day + timedelta(days=k), EIGHT, NINE_PM))
    ]
    in_reach = [max(w[0], after) for w in windows if w[1] > after]
    if found is None:
        assert not [t for t in in_reach if t - after < timedelta(days=13)]
    else:
        assert found >= after
        assert any(w[0] <= found < w[1] for w in windows)
        assert found == min(in_reach)
