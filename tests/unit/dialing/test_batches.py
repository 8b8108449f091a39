"""Message and robot batches per hour slot: each channel's hourly limit, and a step's send_by."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.dialing.schedule import Settings, candidate_slots, rated_slots, schedule
from arrears.dialing.stage import lists_summary, settings_of
from arrears.strategy.load import load_strategy_text

T = pl.Datetime("us", "UTC")
PAUSES = pl.List(pl.Struct({"start": T, "end": T}))
DAY = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday everywhere below
COUNTRY = {"Asia/Shanghai": "CN", "America/New_York": "US", "UTC": "GB"}


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def actions(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    base: dict[str, object] = {
        "account_id": "A1", "channel": "sms", "team": None, "owner": None, "priority": 50,
        "timezone": "UTC", "window_start": at(8), "window_end": at(12), "window_pauses": [],
        "step": "s",
    }  # fmt: skip
    full = [
        {**base, "action_id": f"X{i:02d}", "contact_id": f"P{i:02d}", **row}
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(
        full,
        schema_overrides={
            "window_start": T, "window_end": T, "window_pauses": PAUSES, "priority": pl.Int32,
            "owner": pl.String, "team": pl.String,
        },
    )  # fmt: skip


def rates(by_local_hour: dict[int, float], countries: tuple[str, ...] = ("GB",)) -> pl.DataFrame:
    """The same rate at each local hour in every country (Monday)."""
    return pl.DataFrame(
        [
            {"country": c, "hour": h, "weekday": 1, "rate": r}
            for c in countries
            for h, r in by_local_hour.items()
        ],
        schema={"country": pl.String, "hour": pl.Int8, "weekday": pl.Int8, "rate": pl.Float64},
    )


NO_POINTS = pl.DataFrame(
    schema={"contact_id": pl.String, "hour": pl.Int8, "weekday": pl.Int8, "rate": pl.Float64}
)


def lists(
    acts: pl.DataFrame,
    by_hour: dict[int, float],
    setup: Settings,
    capacity: dict[str, int] | None = None,
) -> pl.DataFrame:
    where = acts.select(
        "contact_id", pl.col("timezone").replace_strict(COUNTRY).alias("country")
    ).unique()
    countries = tuple(COUNTRY.values())
    rated = rated_slots(acts, candidate_slots(acts), NO_POINTS, rates(by_hour, countries), where)
    return schedule(acts, rated, capacity or {}, setup)


def slot_of(result: pl.DataFrame, action: str) -> datetime | None:
    value = result.filter(pl.col("action_id") == action).item(0, "slot_start")
    assert value is None or isinstance(value, datetime)
    return value


def reason_of(result: pl.DataFrame, action: str) -> str:
    value = result.filter(pl.col("action_id") == action).item(0, "reason")
    assert isinstance(value, str)
    return value


FOUR_HOURS = {8: 0.1, 9: 0.2, 10: 0.4, 11: 0.3}  # best 10, then 11, 9, 8


# --- hourly limits per channel -------------------------------------------------------------


def test_a_channel_takes_no_more_than_its_limit_an_hour_and_the_rest_take_their_next_best() -> None:
    acts = actions([{"priority": 10 * i} for i in range(8)])  # X07 highest
    result = lists(acts, FOUR_HOURS, Settings(per_hour={"sms": 3}))
    per_hour = Counter(slot_of(result, f"X{i:02d}") for i in range(8))
    assert per_hour == {at(10): 3, at(11): 3, at(9): 2}
    # Higher priority first: the best hour holds the three highest, the next best the next three.
    assert {f"X{i:02d}" for i in (7, 6, 5)} == set(
        result.filter(pl.col("slot_start") == at(10))["action_id"]
    )
    assert {f"X{i:02d}" for i in (4, 3, 2)} == set(
        result.filter(pl.col("slot_start") == at(11))["action_id"]
    )
    assert result.filter(pl.col("slot_start") == at(10))["position"].sort().to_list() == [1, 2, 3]


def test_without_a_limit_the_same_batch_all_goes_in_the_best_hour() -> None:
    acts = actions([{"priority": 10 * i} for i in range(8)])
    result = lists(acts, FOUR_HOURS, Settings())
    assert set(result["slot_start"]) == {at(10)}


def test_each_channel_has_its_own_limit_and_human_calls_keep_team_capacity() -> None:
    acts = actions(
        [{"channel": "sms"}] * 2
        + [{"channel": "email"}] * 2
        + [{"channel": "robot_call"}] * 2
        + [{"channel": "human_call", "team": "t"}] * 2
    )
    result = lists(acts, FOUR_HOURS, Settings(per_hour={"sms": 1, "robot_call": 1}), {"t": 1})
    at_ten = Counter(result.filter(pl.col("slot_start") == at(10))["channel"])
    assert at_ten == {"sms": 1, "email": 2, "robot_call": 1, "human_call": 1}
    assert result["slot_start"].null_count() == 0


def test_an_action_with_no_hour_left_is_listed_with_the_channel_limit_as_reason() -> None:
    acts = actions(
        [{"priority": p, "window_end": at(9)} for p in (10, 90, 50)]  # one hour: 08:00-09:00
        + [{"channel": "robot_call", "window_end": at(9), "priority": p} for p in (1, 2)]
    )
    setup = Settings(per_hour={"sms": 1, "robot_call": 1})
    result = lists(acts, FOUR_HOURS, setup)
    assert slot_of(result, "X01") == at(8)  # the highest priority
    assert slot_of(result, "X00") is None and slot_of(result, "X02") is None
    reason = reason_of(result, "X00")
    assert reason.startswith("no slot left") and "sms limit of 1 an hour" in reason
    assert slot_of(result, "X04") == at(8) and slot_of(result, "X03") is None
    robot = reason_of(result, "X03")
    assert "robot_call limit of 1 an hour" in robot and "calls too close" in robot


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sms", "email", "robot_call", "ivr", "human_call"]),
            st.integers(0, 3),  # contact: voice contacts share numbers
            st.integers(0, 100),  # priority
            st.integers(6, 12),  # window start hour
            st.integers(1, 6),  # window length
        ),
        min_size=1,
        max_size=40,
    ),
    st.dictionaries(
        st.sampled_from(["sms", "email", "robot_call", "ivr"]), st.integers(1, 4), min_size=1
    ),
    st.integers(0, 3),
    st.dictionaries(st.integers(0, 23), st.floats(0, 1), min_size=1),
)
def test_no_hour_holds_more_than_its_limit_and_a_message_only_moves_off_a_full_hour(
    rows: list[tuple[str, int, int, int, int]],
    per_hour: dict[str, int],
    capacity: int,
    by_hour: dict[int, float],
) -> None:
    acts = actions(
        [
            {"channel": ch, "contact_id": f"P{c}", "priority": p, "window_start": at(s),
             "window_end": at(s + n), "team": "t" if ch == "human_call" else None}
            for ch, c, p, s, n in rows
        ]
    )  # fmt: skip
    result = lists(acts, by_hour, Settings(per_hour=per_hour), {"t": capacity})
    assert result.height == acts.height
    placed = result.filter(pl.col("slot_start").is_not_null())
    used = Counter(
        (ch, s.replace(minute=0)) for ch, s in placed.select("channel", "slot_start").iter_rows()
    )
    for (channel, _hour), n in used.items():
        limit = capacity if channel == "human_call" else per_hour.get(channel)
        assert limit is None or n <= limit
    # A message (no retry gap) leaves a better hour of its window only when that hour is full,
    # and finds no slot only when every hour of its window is.
    for row in result.filter(pl.col("channel").is_in(["sms", "email"])).iter_rows(named=True):
        limit = per_hour.get(row["channel"])
        window = acts.filter(pl.col("action_id") == row["action_id"])
        hours = {s.replace(minute=0) for s in candidate_slots(window)["slot_start"]}
        if row["slot_start"] is None:
            assert limit is not None
            assert all(used[(row["channel"], h)] == limit for h in hours)
        elif limit is None:
            assert row["slot_rank"] == 1


# --- send_by ---------------------------------------------------------------------------------


def local_window(zone: str, start: int, end: int) -> dict[str, object]:
    """The window of local hours [start, end) on the run date in `zone`."""
    offset = {"Asia/Shanghai": 8, "America/New_York": -5, "UTC": 0}[zone]  # November
    return {"timezone": zone, "window_start": at(start - offset), "window_end": at(end - offset)}


EVENING_BEST = {h: 0.1 + h / 100 for h in range(8, 21)} | {19: 0.9}  # local 19:00 is best


@pytest.mark.parametrize(("zone", "utc_offset"), [("Asia/Shanghai", 8), ("America/New_York", -5)])
def test_send_by_keeps_only_the_slots_before_its_local_time_in_the_contacts_zone(
    zone: str, utc_offset: int
) -> None:
    acts = actions(
        [
            {"step": "promise", **local_window(zone, 8, 21)},
            {"step": "other", **local_window(zone, 8, 21)},
        ]
    )
    result = lists(acts, EVENING_BEST, Settings(send_by={"promise": "11:00"}))
    reminder = result.filter(pl.col("action_id") == "X00").row(0, named=True)
    # The best-rated hour among 08:00, 09:00 and 10:00 local: rates rise with the hour.
    assert reminder["local_hour"] == 10 and reminder["slot_rank"] == 1
    assert reminder["slot_start"] == at(10 - utc_offset)
    assert reminder["send_by"] == "11:00"
    assert "before send_by 11:00 local" in reminder["reason"]
    other = result.filter(pl.col("action_id") == "X01").row(0, named=True)
    assert other["local_hour"] == 19 and other["send_by"] is None
    assert "send_by" not in other["reason"]


def test_a_slot_that_starts_at_the_send_by_time_is_not_before_it() -> None:
    acts = actions([{"step": "promise", **local_window("Asia/Shanghai", 8, 21)}])
    result = lists(acts, EVENING_BEST, Settings(send_by={"promise": "10:00"}))
    assert result.item(0, "local_hour") == 9


def test_a_slot_starting_after_a_pause_before_send_by_is_kept() -> None:
    # Local 08:00-21:00 in Shanghai with a pause until 10:30 local: the 10:30 start is before
    # 11:00, the best-rated hour after it is not.
    window = local_window("Asia/Shanghai", 8, 21)
    pause = [{"start": at(0), "end": at(2.5)}]
    acts = actions([{"step": "promise", **window, "window_pauses": pause}])
    result = lists(acts, EVENING_BEST, Settings(send_by={"promise": "11:00"}))
    assert result.item(0, "slot_start") == at(2.5)


def test_when_the_window_opens_after_send_by_the_whole_window_is_used_and_the_reason_says_so() -> (
    None
):
    acts = actions([{"step": "promise", **local_window("America/New_York", 12, 21)}])
    result = lists(acts, EVENING_BEST, Settings(send_by={"promise": "11:00"}))
    row = result.row(0, named=True)
    assert row["local_hour"] == 19 and row["slot_start"] == at(19 + 5)
    assert "no slot of the window starts before send_by 11:00 local" in row["reason"]


def test_send_by_and_a_full_hour_together_leave_the_reminder_unslotted_with_both_reasons() -> None:
    one_hour = local_window("Asia/Shanghai", 8, 21)
    acts = actions([{"step": "promise", **one_hour, "priority": p} for p in (90, 10)])
    result = lists(acts, EVENING_BEST, Settings(per_hour={"sms": 3}, send_by={"promise": "09:00"}))
    assert result.item(0, "local_hour") == 8  # only 08:00 starts before 09:00
    setup = Settings(per_hour={"sms": 1}, send_by={"promise": "09:00"})
    result = lists(acts, EVENING_BEST, setup)
    assert slot_of(result, "X00") == at(0) and slot_of(result, "X01") is None
    reason = reason_of(result, "X01")
    assert "sms limit of 1 an hour" in reason and "only slots before send_by 09:00" in reason


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_hour", "needle"),
    [
        ({"human_call": 5}, "dialing.per_hour.human_call: not a message or robot channel"),
        ({"sms": 0}, "dialing.per_hour.sms: 0 is not a positive"),
        ({"ivr": 2.5}, "dialing.per_hour.ivr: 2.5 is not a positive"),
        ({"email": True}, "dialing.per_hour.email: True is not a positive"),
    ],
)
def test_bad_hourly_limits_are_refused_naming_the_key(
    per_hour: dict[str, object], needle: str
) -> None:
    with pytest.raises(ValueError, match="^" + needle.replace(".", r"\.")):
        Settings(per_hour=per_hour)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["25:00", "9:00", "11h00", ""])
def test_a_bad_send_by_is_refused_naming_the_step(bad: str) -> None:
    with pytest.raises(ValueError, match="step 'promise': send_by"):
        Settings(send_by={"promise": bad})


def test_settings_come_from_the_strategys_dialing_block_and_its_steps() -> None:
    strategy = load_strategy_text(
        """
name: t
version: 1
jurisdiction: CN
buckets: {M1: [1, 30]}
segments:
  - id: A
    steps:
      - {id: remind, days: [1], channel: sms, send_by: "11:00"}
      - {id: call, days: [1], channel: human_call}
dialing:
  per_hour: {sms: 50000, robot_call: 3000}
"""
    )
    setup = settings_of(strategy.dialing, strategy.steps())
    assert dict(setup.per_hour) == {"sms": 50000, "robot_call": 3000}
    assert dict(setup.send_by) == {"remind": "11:00"}
    assert setup.calls_per_agent_hour == 12


def test_the_manifest_summary_gives_each_channels_batches_and_limit() -> None:
    acts = actions([{"priority": i} for i in range(5)] + [{"channel": "email"}])
    setup = Settings(per_hour={"sms": 2})
    summary = lists_summary(lists(acts, FOUR_HOURS, setup), setup)
    assert summary["batches"] == {
        "email": {"slots": 1, "largest": 1, "per_hour": None},
        "sms": {"slots": 3, "largest": 2, "per_hour": 2},
    }
    assert summary["unslotted"] == 0


def test_a_window_that_is_all_pause_says_so_rather_than_blame_the_limit() -> None:
    acts = actions([{"window_pauses": [{"start": at(8), "end": at(12)}]}])
    result = lists(acts, FOUR_HOURS, Settings(per_hour={"sms": 1}))
    assert slot_of(result, "X00") is None
    assert reason_of(result, "X00") == "no slot left: the window has no slot outside its pauses"


def test_the_retry_gap_is_at_least_the_longest_rest_after_any_voice_call() -> None:
    """A house rest of 3 hours after any call outlasts a 60-minute retry gap: the call lists
    keep the rest. Rests after an outcome only (abandoned, machine) or waived by a reserved
    agent, and rests on other channels, do not widen the gap."""
    from arrears.compliance.caps import Rest

    def rest(hours: float, **kw: object) -> Rest:
        fields: dict = {"channels": ("human_call",), "after": (), "source": "house"} | kw
        return Rest(id=f"R{hours}", hours=hours, **fields)

    dialing = {"retry_gap_minutes": 60}
    assert settings_of(dialing).retry_gap == timedelta(minutes=60)
    assert settings_of(dialing, rests=[rest(3)]).retry_gap == timedelta(hours=3)
    others = [
        rest(72, after=("abandoned",)),
        rest(24, waived_by="agent_reserved"),
        rest(48, channels=("sms",)),
        rest(0.5),
    ]
    assert settings_of(dialing, rests=others).retry_gap == timedelta(minutes=60)
    assert settings_of({"retry_gap_minutes": 240}, rests=[rest(3)]).retry_gap == timedelta(hours=4)


def test_a_strategy_with_a_short_retry_gap_keeps_its_house_rest() -> None:
    from pathlib import Path

    from arrears.dialing.stage import strategy_settings

    root = Path(__file__).resolve().parents[3]
    text = (root / "examples/strategies/mixed_example.yaml").read_text(encoding="utf-8")
    assert "retry_gap_minutes: 120" in text
    strategy = load_strategy_text(text.replace("retry_gap_minutes: 120", "retry_gap_minutes: 30"))
    # HOUSE-2H-BETWEEN-CALLS: at least 2 hours between two calls to one number
    assert strategy_settings(strategy).retry_gap == timedelta(hours=2)
