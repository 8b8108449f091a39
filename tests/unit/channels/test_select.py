"""Which actions are open at an instant: inside [window_start, window_end), outside every pause,
of a channel asked for; the highest priority first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.channels.select import UTC_TS, open_at

BASE = datetime(2026, 11, 30, tzinfo=UTC)
PAUSE = pl.List(pl.Struct({"start": UTC_TS, "end": UTC_TS}))
minutes = st.integers(min_value=0, max_value=48 * 60)


@st.composite
def actions(draw: st.DrawFn) -> list[dict[str, object]]:
    rows = []
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        start = draw(minutes)
        end = draw(st.one_of(st.none(), minutes))
        pauses = [
            (BASE + timedelta(minutes=a), BASE + timedelta(minutes=a + b))
            for a, b in draw(st.lists(st.tuples(minutes, st.integers(0, 180)), max_size=3))
        ]
        rows.append(
            {
                "action_id": f"a{i:02d}",
                "channel": draw(st.sampled_from(["sms", "email", "human_call"])),
                "priority": draw(st.integers(0, 3)),
                "window_start": BASE + timedelta(minutes=start),
                "window_end": None if end is None else BASE + timedelta(minutes=end),
                "window_pauses": [{"start": s, "end": e} for s, e in pauses],
            }
        )
    return rows


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "action_id": pl.String, "channel": pl.String, "priority": pl.Int32,
        "window_start": UTC_TS, "window_end": UTC_TS, "window_pauses": PAUSE,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def brute_force(rows: list[dict[str, object]], at: datetime, channels: tuple[str, ...]) -> set[str]:
    out = set()
    for r in rows:
        start, end = r["window_start"], r["window_end"]
        if r["channel"] not in channels or end is None:
            continue
        assert isinstance(start, datetime) and isinstance(end, datetime)
        paused = any(p["start"] <= at < p["end"] for p in r["window_pauses"])  # type: ignore[attr-defined]
        if start <= at < end and not paused:
            out.add(str(r["action_id"]))
    return out


@settings(max_examples=200, deadline=None)
@given(actions(), minutes, st.sampled_from([("sms",), ("sms", "email"), ("email", "human_call")]))
def test_open_actions_are_exactly_those_whose_window_holds_the_instant(
    rows: list[dict[str, object]], at_minute: int, channels: tuple[str, ...]
) -> None:
    at = BASE + timedelta(minutes=at_minute)
    chosen = open_at(frame(rows), at, channels)
    assert set(chosen.get_column("action_id")) == brute_force(rows, at, channels)
    priorities = chosen.get_column("priority").to_list()
    assert priorities == sorted(priorities, reverse=True)


def test_the_window_end_is_not_in_the_window() -> None:
    rows = [{"action_id": "a", "channel": "sms", "priority": 1, "window_start": BASE,
             "window_end": BASE + timedelta(hours=13), "window_pauses": []}]  # fmt: skip
    assert open_at(frame(rows), BASE, ("sms",)).height == 1
    assert open_at(frame(rows), BASE + timedelta(hours=13), ("sms",)).height == 0
