"""The generated training history: seeded, within the contract, consistent with itself, and
with the structure the models must find — self-cure falling with DPD, contactability by hour
and weekday (and per contact point), promises kept and broken."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from arrears.contract.load import load_portfolio
from arrears.generate.portfolio import TABLE_ORDER, write_portfolio
from arrears.generate.snapshots import SNAPSHOTS, generate_history, snapshot_dates
from arrears.scoring.labels import contactability_label, self_cure_label

AS_OF = dt.date(2025, 6, 2)
CUTOFF = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def book() -> dict[str, pl.DataFrame]:
    return generate_history(accounts=4000, seed=5, country="mixed", as_of=AS_OF, days=180)


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    kw = {"accounts": 400, "country": "mixed", "as_of": AS_OF, "days": 28}
    one, two = generate_history(seed=3, **kw), generate_history(seed=3, **kw)
    assert list(one) == [*TABLE_ORDER, SNAPSHOTS]
    for name in one:
        assert_frame_equal(one[name], two[name])
    other = generate_history(seed=4, **kw)
    assert not other[SNAPSHOTS].equals(one[SNAPSHOTS])
    assert not other["attempts"].equals(one["attempts"])


def test_snapshots_are_every_step_days_ending_with_the_accounts_table(
    book: dict[str, pl.DataFrame],
) -> None:
    snaps = book[SNAPSHOTS]
    dates = sorted(snaps["as_of"].unique())
    assert dates == snapshot_dates(AS_OF, 180, 7)
    assert dates[0] == AS_OF - dt.timedelta(days=175) and dates[-1] == AS_OF
    assert snaps.columns == ["as_of", *book["accounts"].columns]
    assert snaps.group_by("as_of").len()["len"].unique().to_list() == [4000]
    last = snaps.filter(pl.col("as_of") == AS_OF).drop("as_of")
    assert_frame_equal(last, book["accounts"])
    monthly = generate_history(accounts=50, seed=1, as_of=AS_OF, days=60, step=30)[SNAPSHOTS]
    assert sorted(monthly["as_of"].unique()) == [AS_OF - dt.timedelta(days=d) for d in (60, 30, 0)]


def test_the_history_passes_the_contract_loader_with_no_rejects(
    book: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    for fmt in ("parquet", "csv"):
        out = tmp_path / fmt
        write_portfolio(book, out, fmt=fmt)  # type: ignore[arg-type]
        assert (out / f"{SNAPSHOTS}.{fmt}").exists()
        loaded = load_portfolio(out)
        assert loaded.rejects.height == 0, loaded.rejects.head()
        for name in ("accounts", "attempts", "payments", "promises", "contacts"):
            assert loaded.tables[name].height == book[name].height


def test_events_lie_before_the_date_and_over_the_whole_history(
    book: dict[str, pl.DataFrame],
) -> None:
    first = dt.datetime.combine(AS_OF - dt.timedelta(days=180), dt.time(), dt.UTC)
    for table, column in (("attempts", "at"), ("payments", "paid_at"), ("promises", "made_at")):
        at = book[table][column]
        assert at.max() < CUTOFF  # type: ignore[operator]
        assert at.min() < first  # the warm-up before the first snapshot


def test_balances_fall_only_with_payments_between_snapshots(
    book: dict[str, pl.DataFrame],
) -> None:
    # Between two snapshots, the overdue amount can fall (and the oldest due date move on or
    # clear) only by what was paid in between.
    snaps = book[SNAPSHOTS].sort("account_id", "as_of")
    pairs = snaps.with_columns(
        pl.col("as_of", "overdue_amount", "due_date")
        .shift(-1)
        .over("account_id")
        .name.suffix("_next")
    ).drop_nulls("as_of_next")
    start = pl.col("as_of").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    end = pl.col("as_of_next").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    paid = (
        pairs.select("account_id", "as_of", "as_of_next")
        .join(book["payments"], on="account_id")
        .filter(pl.col("paid_at") >= start, pl.col("paid_at") < end)
        .group_by("account_id", "as_of")
        .agg(pl.col("amount").sum().alias("paid"))
    )
    check = pairs.join(paid, on=["account_id", "as_of"], how="left").with_columns(
        pl.col("paid").fill_null(0.0)
    )
    fell = check.filter(pl.col("overdue_amount_next") < pl.col("overdue_amount") - 0.005)
    assert fell.height > 1000
    assert (fell["overdue_amount"] - fell["overdue_amount_next"] <= fell["paid"] + 0.01).all()
    moved = check.filter(
        pl.col("due_date").is_not_null()
        & (pl.col("due_date_next").is_null() | (pl.col("due_date_next") > pl.col("due_date")))
    )
    assert moved.height > 500 and (moved["paid"] > 0).all()


def test_promises_follow_a_right_party_contact_and_are_kept_or_broken(
    book: dict[str, pl.DataFrame],
) -> None:
    pr = book["promises"]
    shares = pr["status"].value_counts(normalize=True)
    s = dict(zip(shares["status"], shares["proportion"], strict=True))
    assert 0.3 < s["kept"] < 0.7 and 0.3 < s["broken"] < 0.7
    rpc = book["attempts"].filter(pl.col("outcome") == "rpc").select("account_id", "at")
    after = (
        pr.join(rpc, on="account_id")
        .filter(
            pl.col("at") <= pl.col("made_at"),
            pl.col("at") >= pl.col("made_at") - dt.timedelta(minutes=10),
        )
        .select("promise_id")
        .unique()
    )
    assert after.height == pr.height


def _band(dpd: pl.Expr) -> pl.Expr:
    return pl.when(dpd <= 30).then(1).when(dpd <= 60).then(2).when(dpd <= 90).then(3).otherwise(4)


def test_self_cure_falls_with_the_dpd_bucket(book: dict[str, pl.DataFrame]) -> None:
    got = self_cure_label(book[SNAPSHOTS], book["payments"], book["attempts"], within_days=7)
    dpd = (pl.col("as_of") - pl.col("due_date")).dt.total_days()
    rows = got.frame.join(
        book[SNAPSHOTS].select("account_id", "as_of", _band(dpd).alias("band")),
        on=["account_id", "as_of"],
    )
    alone = rows.filter(~pl.col("contacted"))  # paying with no attempt in the week
    rate = dict(alone.group_by("band").agg(pl.col("paid").mean()).iter_rows())
    count = dict(alone.group_by("band").len().iter_rows())
    assert min(count[b] for b in (1, 2, 3)) > 500
    assert rate[1] > 0.25  # many early accounts pay without contact...
    assert rate[1] > 2 * rate[2] > 2 * 1.2 * rate[3]  # ...fewer and fewer later
    assert rate[4] < 0.03
    label = dict(rows.group_by("band").agg(pl.col("self_cure").mean()).iter_rows())
    assert label[1] > label[2] > label[3] > label[4]


def test_reached_accounts_pay_more_than_those_called_but_not_reached_at_the_same_dpd(
    book: dict[str, pl.DataFrame],
) -> None:
    # Per account and day with calls: reached (a right-party contact that day) or not, and
    # whether it paid in the 7 days after that day. DPD from the snapshot of that week.
    calls = book["attempts"].filter(pl.col("channel").is_in(["ivr", "robot_call", "human_call"]))
    days = calls.group_by("account_id", pl.col("at").dt.date().alias("day")).agg(
        (pl.col("outcome") == "rpc").any().alias("reached")
    )
    week = pl.lit(AS_OF) - pl.duration(
        days=((pl.lit(AS_OF) - pl.col("day")).dt.total_days() + 6) // 7 * 7
    )
    days = days.filter(pl.col("day") < AS_OF - dt.timedelta(days=8)).with_columns(as_of=week)
    days = days.join(
        book[SNAPSHOTS].select("account_id", "as_of", "due_date"), on=["account_id", "as_of"]
    )
    after = pl.col("day").cast(pl.Datetime("us")).dt.replace_time_zone("UTC") + pl.duration(days=1)
    paid = (
        days.select("account_id", "day")
        .join(book["payments"], on="account_id")
        .filter(pl.col("paid_at") >= after, pl.col("paid_at") < after + pl.duration(days=7))
        .select("account_id", "day", pl.lit(True).alias("paid"))
        .unique()
    )
    rows = days.join(paid, on=["account_id", "day"], how="left").with_columns(
        pl.col("paid").fill_null(False),
        _band((pl.col("day") - pl.col("due_date")).dt.total_days()).alias("band"),
    )
    rates = rows.group_by("band", "reached").agg(
        pl.len().alias("n"), pl.col("paid").mean().alias("r")
    )
    r = {(b, c): v for b, c, _, v in rates.iter_rows()}
    n = {(b, c): k for b, c, k, _ in rates.iter_rows()}
    for band in (1, 2, 3):
        assert n[(band, True)] > 200 and n[(band, False)] > 1000
        assert r[(band, True)] > 2 * r[(band, False)] + 0.05, rates.sort("band", "reached")
    assert r[(1, False)] > r[(2, False)] > r[(3, False)]  # the uncontacted pay less with DPD


@pytest.fixture(scope="module")
def calls(book: dict[str, pl.DataFrame]) -> pl.DataFrame:
    got = contactability_label(book["attempts"], book["contacts"], book["customers"])
    return got.frame.filter(pl.col("role") == "debtor")


def test_contactability_varies_by_local_hour_and_weekday(calls: pl.DataFrame) -> None:
    by_hour = calls.group_by("hour").agg(pl.len(), pl.col("contactability").mean().alias("r"))
    busy = by_hour.filter(pl.col("len") >= 500)
    assert busy.height >= 10
    assert busy["r"].max() > 1.6 * busy["r"].min()  # type: ignore[operator]
    rate = dict(by_hour.select("hour", "r").iter_rows())
    assert min(rate[18], rate[19]) > max(rate[14], rate[15], rate[16])  # after work
    weekend = calls.group_by(pl.col("weekday") >= 6).agg(pl.col("contactability").mean())
    w = dict(weekend.iter_rows())
    assert w[True] > 1.1 * w[False]


def test_each_phone_has_its_own_hours(calls: pl.DataFrame) -> None:
    # Points that answered only mornings in the first half of the history answer mornings
    # better than points that answered only evenings, and the reverse in the evening.
    morning, evening = pl.col("hour").is_between(8, 11), pl.col("hour").is_between(17, 20)
    mid = CUTOFF - dt.timedelta(days=105)
    seen = (
        calls.filter(pl.col("at") < mid)
        .group_by("contact_id")
        .agg(
            (pl.col("contactability") & morning).sum().alias("am"),
            (pl.col("contactability") & evening).sum().alias("pm"),
        )
        .with_columns(
            pl.when((pl.col("am") > 0) & (pl.col("pm") == 0))
            .then(pl.lit("am"))
            .when((pl.col("pm") > 0) & (pl.col("am") == 0))
            .then(pl.lit("pm"))
            .alias("kind")
        )
        .drop_nulls("kind")
    )
    later = (
        calls.filter(pl.col("at") >= mid)
        .join(seen, on="contact_id")
        .with_columns(
            pl.when(morning).then(pl.lit("am")).when(evening).then(pl.lit("pm")).alias("slot")
        )
    )
    table = (
        later.drop_nulls("slot")
        .group_by("kind", "slot")
        .agg(pl.len(), pl.col("contactability").mean().alias("r"))
    )
    r = {(k, s): v for k, s, _, v in table.iter_rows()}
    n = {(k, s): c for k, s, c, _ in table.iter_rows()}
    assert min(n.values()) > 150
    assert r[("am", "am")] > 1.5 * r[("pm", "am")]
    assert r[("pm", "pm")] > 1.3 * r[("am", "pm")]
