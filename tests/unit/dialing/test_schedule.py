"""Today's call lists: best hour by contactability, pauses, team hours, the retry gap."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.dialing.schedule import Settings, candidate_slots, rated_slots, schedule

T = pl.Datetime("us", "UTC")
PAUSES = pl.List(pl.Struct({"start": T, "end": T}))
DAY = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def actions(rows: list[dict[str, object]], window_end: datetime | None = None) -> pl.DataFrame:
    base = {
        "account_id": "A1", "contact_id": "P1", "channel": "human_call", "team": "t",
        "owner": None, "priority": 50, "timezone": "UTC", "window_start": at(8),
        "window_end": window_end or at(12), "window_pauses": [],
    }  # fmt: skip
    full = [{**base, "action_id": f"X{i}", **row} for i, row in enumerate(rows)]
    return pl.DataFrame(
        full,
        schema_overrides={
            "window_start": T, "window_end": T, "window_pauses": PAUSES, "priority": pl.Int32,
            "owner": pl.String,
        },
    )  # fmt: skip


def country_rates(by_hour: dict[int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"country": "CN", "hour": h, "weekday": 1, "rate": r} for h, r in by_hour.items()],
        schema={"country": pl.String, "hour": pl.Int8, "weekday": pl.Int8, "rate": pl.Float64},
    )


NO_POINTS = pl.DataFrame(
    schema={"contact_id": pl.String, "hour": pl.Int8, "weekday": pl.Int8, "rate": pl.Float64}
)


def lists(
    acts: pl.DataFrame,
    rates: dict[int, float],
    capacity: dict[str, int] | None = None,
    points: pl.DataFrame = NO_POINTS,
    gap_hours: float = 2,
) -> pl.DataFrame:
    where = acts.select("contact_id").unique().with_columns(pl.lit("CN").alias("country"))
    rated = rated_slots(acts, candidate_slots(acts), points, country_rates(rates), where)
    setup = Settings(retry_gap=timedelta(hours=gap_hours))
    return schedule(acts, rated, capacity or {}, setup)


def slot_of(result: pl.DataFrame, action: str) -> datetime | None:
    value = result.filter(pl.col("action_id") == action).item(0, "slot_start")
    assert value is None or isinstance(value, datetime)
    return value


def test_the_best_hour_of_the_window_is_taken_and_the_point_beats_its_country() -> None:
    acts = actions([{}, {"contact_id": "P2"}])
    points = pl.DataFrame(
        {"contact_id": ["P2"], "hour": [8], "weekday": [1], "rate": [0.9]},
        schema_overrides={"hour": pl.Int8, "weekday": pl.Int8},
    )
    result = lists(acts, {8: 0.1, 9: 0.2, 10: 0.4, 11: 0.3}, points=points)
    assert slot_of(result, "X0") == at(10)
    assert slot_of(result, "X1") == at(8)
    assert result.filter(pl.col("action_id") == "X1").item(0, "rate_source") == "point"


def test_a_slot_that_starts_in_a_pause_starts_when_it_ends() -> None:
    pause = [{"start": at(10), "end": at(10.5)}]
    result = lists(actions([{"window_pauses": pause}]), {8: 0.1, 9: 0.1, 10: 0.5, 11: 0.1})
    assert slot_of(result, "X0") == at(10.5)


def test_a_team_takes_no_more_calls_an_hour_than_its_capacity_higher_priority_first() -> None:
    acts = actions([{"contact_id": f"P{i}", "priority": 10 * i} for i in range(3)])
    result = lists(acts, {8: 0.1, 9: 0.2, 10: 0.4, 11: 0.3}, {"t": 2})
    assert [slot_of(result, f"X{i}") for i in range(3)] == [at(11), at(10), at(10)]
    assert result.filter(pl.col("slot_start") == at(10))["position"].sort().to_list() == [1, 2]


def test_two_calls_to_one_number_keep_the_retry_gap() -> None:
    acts = actions([{"priority": 60}, {"priority": 40}], window_end=at(14))
    result = lists(acts, {8: 0.1, 9: 0.3, 10: 0.4, 11: 0.35, 12: 0.2, 13: 0.05})
    first, second = slot_of(result, "X0"), slot_of(result, "X1")
    assert first == at(10)
    assert second == at(13)  # 2 hours after the end of the 10:00 slot


def test_the_retry_gap_runs_from_the_end_of_one_slot_to_the_start_of_the_next() -> None:
    """A call may be placed at any instant of its slot: slots 10:00-11:00 and 12:00-13:00 could
    hold calls at 10:50 and 12:10, 80 minutes apart, so with a 2-hour gap the second call does
    not take 12:00 (nor 08:00); with no later hour left it is not listed (issue 9)."""
    acts = actions([{"priority": 60}, {"priority": 40}], window_end=at(13))
    result = lists(acts, {8: 0.1, 9: 0.3, 10: 0.4, 11: 0.35, 12: 0.2})
    assert slot_of(result, "X0") == at(10)
    assert slot_of(result, "X1") is None
    assert "too close" in result.filter(pl.col("action_id") == "X1").item(0, "reason")
    # A robot call is a voice call too, and a slot cut by a pause (12:30-13:00) is too close.
    pause = [{"start": at(12), "end": at(12.5)}]
    acts = actions(
        [{"priority": 60}, {"priority": 40, "channel": "robot_call", "window_pauses": pause}],
        window_end=at(15),
    )
    result = lists(acts, {8: 0.1, 10: 0.4, 12: 0.3, 13: 0.2, 14: 0.1})
    assert slot_of(result, "X0") == at(10) and slot_of(result, "X1") == at(13)


def test_a_call_with_no_hour_left_is_listed_unscheduled_with_the_reason() -> None:
    acts = actions([{"contact_id": "P1"}, {"contact_id": "P2", "priority": 10}])
    acts = acts.with_columns(pl.lit(at(9)).alias("window_end"))  # one hour: 08:00-09:00
    result = lists(acts, {8: 0.2}, {"t": 1})
    assert slot_of(result, "X0") == at(8) and slot_of(result, "X1") is None
    assert "no slot left" in result.filter(pl.col("action_id") == "X1").item(0, "reason")


def test_letters_are_not_time_slotted_and_messages_ignore_team_hours() -> None:
    acts = actions([{"channel": "letter"}, {"channel": "sms", "contact_id": "P9"}])
    result = lists(acts, {8: 0.1, 9: 0.5}, {"t": 0})
    assert result["action_id"].to_list() == ["X1"]
    assert slot_of(result, "X1") == at(9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # contact
            st.sampled_from(["human_call", "robot_call", "sms"]),
            st.integers(0, 100),  # priority
            st.integers(6, 12),  # window start hour
            st.integers(1, 8),  # window length
            st.booleans(),  # lunch pause
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 4),
    st.dictionaries(st.integers(0, 23), st.floats(0, 1), min_size=1),
)
def test_lists_keep_windows_pauses_team_hours_and_the_gap(
    rows: list[tuple[int, str, int, int, int, bool]], capacity: int, rates: dict[int, float]
) -> None:
    acts = actions(
        [
            {
                "contact_id": f"P{c}", "channel": ch, "priority": p, "window_start": at(s),
                "window_end": at(s + n),
                "window_pauses": [{"start": at(12), "end": at(13.5)}] if pause else [],
            }
            for c, ch, p, s, n, pause in rows
        ]
    )  # fmt: skip
    result = lists(acts, rates, {"t": capacity}).join(
        acts.select("action_id", "window_start", "window_end", "window_pauses"), on="action_id"
    )
    placed = result.filter(pl.col("slot_start").is_not_null())
    assert result.height == acts.height
    for row in placed.iter_rows(named=True):
        assert row["window_start"] <= row["slot_start"] < row["slot_end"] <= row["window_end"]
        for pause in row["window_pauses"]:
            assert not (pause["start"] <= row["slot_start"] < pause["end"])
    calls = placed.filter(pl.col("channel") == "human_call")
    per_hour = calls.group_by(pl.col("slot_start").dt.truncate("1h")).len()
    assert per_hour.is_empty() or per_hour["len"].max() <= capacity  # type: ignore[operator]
    # Any instant of one voice slot is 2 hours from any instant of another on the number.
    voice = placed.filter(pl.col("channel") != "sms").sort("slot_start")
    for _, group in voice.group_by("contact_id"):
        slots = list(zip(group["slot_start"], group["slot_end"], strict=True))
        assert all(b[0] - a[1] >= timedelta(hours=2) for a, b in itertools.pairwise(slots))
