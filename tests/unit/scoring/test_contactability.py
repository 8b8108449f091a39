"""The contactability model: one row per call, features known before the call (no leakage),
judged out of time, and the hour pattern of each phone learned from its own history."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from arrears.generate.snapshots import SNAPSHOTS, generate_history
from arrears.scoring.contactability import (
    FEATURES,
    call_history,
    contactability_frame,
    final_state,
    history_at,
    history_tables,
    point_facts,
    train_contactability,
    voice_calls,
    with_clock,
)
from arrears.scoring.train import Trained

UTC = dt.UTC
TS = pl.Datetime("us", "UTC")


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 1, day, hour, minute, tzinfo=UTC)


# P1 is read in its customer's zone (Shanghai, UTC+8); P2 has a zone of its own (New York).
# 2025-01-05 is a Sunday.
LEDGER = [
    ("A0", "P1", "human_call", _at(5, 1), "rpc"),  # Sun 09:00 local
    ("A1", "P1", "human_call", _at(6, 1), "no_answer"),  # Mon 09:00
    ("A2", "P1", "human_call", _at(6, 11), "rpc"),  # Mon 19:00
    ("A3", "P1", "robot_call", _at(7, 1), "rpc"),  # Tue 09:00
    ("A4", "P1", "ivr", _at(7, 1), "no_answer"),  # Tue 09:00, the same instant as A3
    ("A5", "P1", "human_call", _at(11, 2), "busy"),  # Sat 10:00
    ("A6", "P1", "sms", _at(8, 3), "delivered"),  # not a call: neither a row nor history
    ("A7", "P1", "human_call", _at(12, 11, 30), "rpc"),  # Sun 19:30
    ("B1", "P2", "human_call", _at(6, 12), "rpc"),  # Mon 07:00 in New York
]


def tables() -> dict[str, pl.DataFrame]:
    customers = pl.DataFrame(
        {"customer_id": ["C1"], "country": ["CN"], "timezone": ["Asia/Shanghai"]}
    )
    contacts = pl.DataFrame(
        {
            "contact_id": ["P1", "P2"],
            "customer_id": ["C1", "C1"],
            "role": ["debtor", "emergency"],
            "kind": ["phone", "phone"],
            "timezone": [None, "America/New_York"],
        },
        schema_overrides={"timezone": pl.String},
    )
    names = ("attempt_id", "contact_id", "channel", "at", "outcome")
    attempts = pl.DataFrame(
        [dict(zip(names, row, strict=True)) for row in LEDGER], schema_overrides={"at": TS}
    ).with_columns(
        pl.when(pl.col("contact_id") == "P1").then(pl.lit("X1")).otherwise(pl.lit("X2"))
        .alias("account_id")
    )  # fmt: skip
    return {"customers": customers, "contacts": contacts, "attempts": attempts}


HISTORY_COLUMNS = (
    "hour", "weekday", "point_calls", "point_rpcs", "band_calls", "band_rpcs",
    "daytype_calls", "daytype_rpcs", "last_outcome", "lean_band",
)  # fmt: skip
EXPECTED = {  # counted over the calls strictly before each call, on its own point only
    "A0": (9, 7, 0, 0, 0, 0, 0, 0, "none", "none@morning"),
    "A1": (9, 1, 1, 1, 1, 1, 0, 0, "rpc", "morning@morning"),
    "A2": (19, 1, 2, 1, 0, 0, 1, 0, "no_answer", "morning@evening"),
    "A3": (9, 2, 3, 2, 2, 1, 2, 1, "rpc", "mixed@morning"),
    "A4": (9, 2, 3, 2, 2, 1, 2, 1, "rpc", "mixed@morning"),  # A3, at its instant, is not past
    "A5": (10, 6, 5, 3, 4, 2, 1, 1, "no_answer", "morning@morning"),
    "A7": (19, 7, 6, 3, 1, 1, 2, 1, "busy", "morning@evening"),
    "B1": (7, 1, 0, 0, 0, 0, 0, 0, "none", "none@morning"),
}
DAYS_SINCE_RPC = {
    "A0": None, "A1": 1.0, "A2": 34 / 24, "A3": 14 / 24, "A4": 14 / 24, "A5": 4 + 1 / 24,
    "A7": 5 + 10.5 / 24, "B1": None,
}  # fmt: skip


def test_a_calls_history_counts_only_the_earlier_calls_of_its_own_point() -> None:
    got = contactability_frame(tables())
    assert got.label == "contactability" and "dpd" not in got.features
    assert got.dropped == {"no_zone": 0}
    frame = got.frame
    assert sorted(frame["attempt_id"]) == sorted(EXPECTED)  # the SMS is not a call
    rows = {r[0]: r[1:] for r in frame.select("attempt_id", *HISTORY_COLUMNS).iter_rows()}
    assert rows == EXPECTED
    since = dict(frame.select("attempt_id", "days_since_rpc").iter_rows())
    for attempt, days in DAYS_SINCE_RPC.items():
        assert since[attempt] == (None if days is None else pytest.approx(days)), attempt
    a7 = frame.filter(pl.col("attempt_id") == "A7").row(0, named=True)
    # q = (3 + 2·0.1) / (6 + 2) = 0.4; evening (1 + 2q) / (1 + 2) = 0.6; weekend 1.8 / 4
    assert a7["point_rpc_rate"] == pytest.approx(0.5)
    assert a7["band_rpc_lift"] == pytest.approx(1.5)
    assert a7["daytype_rpc_lift"] == pytest.approx(1.125)
    label = dict(frame.select("attempt_id", "contactability").iter_rows())
    assert [k for k, v in sorted(label.items()) if v] == ["A0", "A2", "A3", "A7", "B1"]


def test_calls_before_the_first_snapshot_are_dropped_yet_still_count_as_history() -> None:
    snapshots = pl.DataFrame(
        {
            "as_of": [dt.date(2025, 1, 6), dt.date(2025, 1, 10)],
            "account_id": ["X1", "X1"],
            "due_date": [dt.date(2024, 12, 27), None],
        }
    )
    got = contactability_frame(tables(), snapshots)
    assert got.dropped == {"no_zone": 0, "no_snapshot": 2}  # A0 (Jan 5) and X2's B1
    assert got.features == FEATURES
    dpd = dict(got.frame.select("attempt_id", "dpd").iter_rows())
    assert dpd == {"A1": 10, "A2": 10, "A3": 11, "A4": 11, "A5": 0, "A7": 0}
    a1 = got.frame.filter(pl.col("attempt_id") == "A1").row(0, named=True)
    assert (a1["point_calls"], a1["point_rpcs"]) == (1, 1)  # A0 happened


def test_calls_at_or_after_the_data_end_are_not_rows() -> None:
    got = contactability_frame(tables(), data_end=dt.date(2025, 1, 11))
    assert got.dropped == {"no_zone": 0, "after_end": 2}
    assert "A5" not in got.frame["attempt_id"] and "A7" not in got.frame["attempt_id"]


def test_the_plan_reads_the_same_history_from_the_ledgers_last_counts() -> None:
    # Queries after the whole ledger: the as-of join over every running count and the join
    # over each point's last one (what the plan keeps) agree, column for column.
    t = tables()
    facts = point_facts(t["contacts"], t["customers"])
    calls = voice_calls(t["attempts"], facts)
    hours = [_at(13, h) for h in range(0, 14)]
    queries = with_clock(
        pl.DataFrame(
            {"contact_id": ["P1", "P2"] * 7, "at": hours}, schema_overrides={"at": TS}
        ).join(facts, on="contact_id", how="left", maintain_order="left")
    )
    everything = history_at(queries, history_tables(calls))
    last = history_at(queries, final_state(history_tables(calls)))
    assert everything.equals(last)
    plan = call_history(t["attempts"], t["contacts"], t["customers"])
    assert history_at(queries, plan.state).equals(everything)
    p1 = everything.filter(pl.col("contact_id") == "P1")
    assert (p1["point_calls"] == 7).all() and (p1["point_rpcs"] == 4).all()


# -- on a generated history ---------------------------------------------------------------------

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def history() -> dict[str, pl.DataFrame]:
    return generate_history(accounts=3000, seed=5, country="mixed", as_of=AS_OF, days=150)


@pytest.fixture(scope="module", params=["scorecard", "lightgbm"])
def trained(request: pytest.FixtureRequest, history: dict[str, pl.DataFrame]) -> Trained:
    return train_contactability(history, history[SNAPSHOTS], backend=request.param)


def test_the_model_ranks_calls_on_days_it_never_saw(trained: Trained) -> None:
    card = trained.card
    assert card["target"] == "contactability" and card["label"]["unit"] == "call"
    assert date_of(card["training_window"]["end"]) < trained.test_from
    assert card["rows"]["test"] > 2000
    assert card["metrics"]["test"]["auc"] > 0.6, card["metrics"]


def date_of(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _local(zone: str, day: dt.date, hour: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_morning_phones_rate_higher_at_nine_and_evening_phones_at_seven_pm(
    trained: Trained, history: dict[str, pl.DataFrame]
) -> None:
    # Phones are typed by their own history: rpcs in the morning band and none in the evening
    # though called then ("am"), or the reverse ("pm"). Each is rated for a human call on the
    # Wednesday after the history, at 09:00 and at 19:00 local.
    ledger = call_history(history["attempts"], history["contacts"], history["customers"])
    counts = ledger.state["band"].pivot(
        on="hour_band", index="contact_id", values=["band_calls", "band_rpcs"]
    )
    counts = counts.fill_null(0)
    am_r, pm_r = pl.col("band_rpcs_morning"), pl.col("band_rpcs_evening")
    am_n, pm_n = pl.col("band_calls_morning"), pl.col("band_calls_evening")
    typed = counts.select(
        "contact_id",
        pl.when((am_r > 0) & (pm_r == 0) & (pm_n > 0))
        .then(pl.lit("am"))
        .when((pm_r > 0) & (am_r == 0) & (am_n > 0))
        .then(pl.lit("pm"))
        .alias("type"),
    ).drop_nulls("type")
    points = ledger.points.join(typed, on="contact_id")
    wednesday = AS_OF + dt.timedelta(days=2)
    assert wednesday.isoweekday() == 3
    rated = {}
    for hour in (9, 19):
        at = [_local(z, wednesday, hour) for z in points["zone"]]
        queries = points.with_columns(
            pl.Series("at", at, dtype=TS),
            pl.lit("human_call").alias("channel"),
            pl.lit(10, dtype=pl.Int32).alias("dpd"),
        )
        framed = history_at(with_clock(queries), ledger.state)
        assert (framed["hour"] == hour).all()
        names = [str(n) for n in trained.model.feature_names_in_]
        p = trained.model.predict_proba(framed.select(names))[:, 1]
        rated[hour] = framed.select("contact_id", "type").with_columns(pl.Series("p", p))
    mean = (
        rated[9]
        .join(rated[19], on=["contact_id", "type"], suffix="_19")
        .group_by("type")
        .agg(pl.len(), pl.col("p").mean().alias("at_9"), pl.col("p_19").mean().alias("at_19"))
    )
    by_type = {t: (n, a, b) for t, n, a, b in mean.iter_rows()}
    assert by_type["am"][0] > 100 and by_type["pm"][0] > 100
    assert by_type["am"][1] > by_type["am"][2], by_type  # a morning phone: 09:00 beats 19:00
    assert by_type["pm"][2] > by_type["pm"][1], by_type  # an evening phone: the reverse
