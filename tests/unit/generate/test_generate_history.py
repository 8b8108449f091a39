"""The contact history respects what the planner will assume about the past: nothing at or after
the run date, calls only at local 08:00-21:00, emergency contacts only after failed debtor calls,
promises whose status agrees with the payments, and owners within their capacity."""

from __future__ import annotations

import datetime as dt

import polars as pl

AS_OF = dt.date(2025, 3, 10)
CUTOFF = dt.datetime(2025, 3, 10, tzinfo=dt.UTC)


def _attempts_with_zone(book: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return (
        book["attempts"]
        .join(book["accounts"].select("account_id", "customer_id"), on="account_id")
        .join(book["customers"].select("customer_id", "timezone"), on="customer_id")
    )


def test_attempts_are_never_at_or_after_the_run_date_and_within_the_window(
    mixed_book: dict[str, pl.DataFrame], us_book: dict[str, pl.DataFrame]
) -> None:
    for book in (mixed_book, us_book):
        at = book["attempts"]["at"]
        assert (at < CUTOFF).all()
        assert (at >= CUTOFF - dt.timedelta(days=31)).all()


def test_attempts_fall_between_08_00_and_21_00_in_the_customers_zone(
    mixed_book: dict[str, pl.DataFrame], us_book: dict[str, pl.DataFrame]
) -> None:
    for book in (mixed_book, us_book):
        frame = _attempts_with_zone(book)
        for (zone,), group in frame.group_by("timezone"):
            local = group["at"].dt.convert_time_zone(str(zone))
            minutes = local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)
            assert minutes.min() >= 8 * 60, zone
            assert minutes.max() < 21 * 60, zone


def test_attempt_volume_is_light_and_grows_with_dpd_in_m1(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    per_account = mixed_book["attempts"].height / mixed_book["accounts"].height
    assert 2.0 < per_account < 4.5
    counts = (
        mixed_book["attempts"]
        .group_by("account_id")
        .len()
        .join(mixed_book["accounts"], on="account_id", how="right")
        .with_columns(
            dpd=(pl.lit(AS_OF) - pl.col("due_date")).dt.total_days().fill_null(0),
            len=pl.col("len").fill_null(0),
        )
    )
    early = counts.filter(pl.col("dpd").is_between(2, 7))["len"].mean()
    late_m1 = counts.filter(pl.col("dpd").is_between(20, 30))["len"].mean()
    assert early is not None and late_m1 is not None and late_m1 > early


def test_outcomes_fit_the_channel_and_human_calls_name_an_agent(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    att = mixed_book["attempts"]
    texts = att.filter(pl.col("channel").is_in(["sms", "email"]))
    assert set(texts["outcome"].unique()) <= {"sent", "delivered", "failed"}
    calls = att.filter(pl.col("channel").is_in(["ivr", "robot_call", "human_call"]))
    assert not set(calls["outcome"].unique()) & {"sent", "delivered", "failed"}
    share = calls["outcome"].value_counts(normalize=True)
    s = dict(zip(share["outcome"], share["proportion"], strict=True))
    assert 0.06 < s["rpc"] < 0.2 and s["no_answer"] > s["rpc"] and 0 < s["abandoned"] < 0.03
    assert (att["agent_id"].is_not_null() == (att["channel"] == "human_call")).all()


def test_emergency_contacts_are_called_only_after_six_failed_debtor_calls(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    att = mixed_book["attempts"].join(
        mixed_book["contacts"].select("contact_id", "role"), on="contact_id"
    )
    failed = pl.col("outcome").is_in(
        ["no_connect", "no_answer", "voicemail", "machine", "abandoned"]
    )
    voice = pl.col("channel").is_in(["ivr", "robot_call", "human_call"])
    ordered = att.sort("account_id", "at", "attempt_id").with_columns(
        prior_failed=((failed & voice & (pl.col("role") == "debtor")).cast(pl.Int32))
        .cum_sum()
        .shift(1, fill_value=0)
        .over("account_id")
    )
    others = ordered.filter(pl.col("role").is_in(["emergency", "guarantor"]))
    assert others.height > 0
    assert (others["channel"] == "human_call").all()
    assert (others["prior_failed"] >= 6).all()
    assert not (others["outcome"] == "rpc").any()


def test_promise_status_agrees_with_payments_and_the_run_date(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    pr = mixed_book["promises"]
    assert pr.height > 0
    paid = (
        pr.join(mixed_book["payments"], on="account_id", how="left")
        .with_columns(
            inside=(pl.col("paid_at") >= pl.col("made_at"))
            & (pl.col("paid_at").dt.date() <= pl.col("due_date"))
        )
        .group_by("promise_id")
        .agg(paid=pl.when(pl.col("inside")).then(pl.col("amount_right")).otherwise(0.0).sum())
    )
    check = pr.join(paid, on="promise_id")
    assert (check.filter(pl.col("status") == "open")["due_date"] >= AS_OF).all()
    closed = check.filter(pl.col("status") != "open")
    assert (closed["due_date"] < AS_OF).all()
    kept = closed.filter(pl.col("status") == "kept")
    broken = closed.filter(pl.col("status") == "broken")
    assert kept.height > 0 and broken.height > 0
    assert (kept["paid"] >= kept["amount"] - 1e-9).all()
    assert (broken["paid"] < broken["amount"]).all()
    delay = (pr["due_date"] - pr["made_at"].dt.date()).dt.total_days()
    assert delay.is_between(0, 8).all()


def test_case_owners_stay_within_capacity_and_a_customer_has_one_owner(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    cases = mixed_book["cases"]
    assert cases.height > 0
    load = cases.group_by("owner_id").len()
    caps = pl.concat(
        [
            mixed_book["agents"].select(pl.col("agent_id").alias("owner_id"), "capacity_cases"),
            mixed_book["teams"].select(pl.col("team_id").alias("owner_id"), "capacity_cases"),
        ]
    )
    joined = load.join(caps, on="owner_id")
    assert joined.height == load.height
    assert (joined["len"] <= joined["capacity_cases"]).all()
    owners = (
        cases.join(mixed_book["accounts"], on="account_id")
        .group_by("customer_id")
        .agg(pl.col("owner_id").n_unique())
    )
    assert (owners["owner_id"] == 1).all()
    kinds = set(cases["owner_kind"].unique())
    assert kinds == {"agent", "team", "agency"}
    inactive = mixed_book["agents"].filter(~pl.col("active"))["agent_id"]
    assert not cases["owner_id"].is_in(inactive.implode()).any()
