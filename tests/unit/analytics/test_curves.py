"""Cure and recovery curves: life tables by dpd, labelled natural, observed or estimated."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.analytics.curves import (
    ESTIMATE,
    NATURAL,
    OBSERVED,
    before_contact,
    cure_curves,
    life_table,
)
from arrears.analytics.episodes import EPISODE_SCHEMA, PAYMENT_SCHEMA, Episodes
from arrears.analytics.inputs import RunFrames
from arrears.strategy.load import load_strategy_text


def episodes(rows, pays=(), accounts=None) -> Episodes:
    """rows: (first, last, cured, owed, first_contact, contact_known); one account each."""
    frame = pl.DataFrame(
        [
            {
                "episode": i,
                "account_id": accounts[i] if accounts else f"A{i}",
                "entry": date(2026, 11, 1),
                "first_dpd": f,
                "last_dpd": la,
                "cured": c,
                "owed": o,
                "first_contact_dpd": fc,
                "contact_known": k,
            }
            for i, (f, la, c, o, fc, k) in enumerate(rows)
        ],
        schema=EPISODE_SCHEMA,
    )
    payments = pl.DataFrame(
        [{"episode": e, "dpd": x, "amount": a} for e, x, a in pays], schema=PAYMENT_SCHEMA
    )
    return Episodes(frame, payments, "ledger", date(2026, 11, 30), date(2026, 11, 1), None)


FOUR = episodes(
    [
        (1, 2, True, 50.0, None, True),
        (1, 5, False, 100.0, None, True),
        (3, 4, True, 30.0, None, True),
        (1, 1, True, 10.0, None, True),
    ],
    pays=[(0, 2, 50.0), (1, 2, 20.0), (1, 4, 40.0), (2, 4, 30.0), (3, 1, 10.0)],
)


def one_curve(ep: Episodes, horizon: int = 5) -> pl.DataFrame:
    frame = ep.frame.with_columns(pl.lit("s").alias("segment"))
    pay = ep.payments.with_columns(pl.lit("s").alias("segment"))
    return life_table(frame, pay, ["segment"], horizon)


def test_the_life_table_counts_episodes_at_risk_and_cures_each_day():
    t = one_curve(FOUR)
    assert t.get_column("at_risk").to_list() == [3, 2, 2, 2, 1]
    assert t.get_column("cures").to_list() == [1, 1, 0, 1, 0]
    # 1 − (2/3); 1 − (2/3)(1/2); same; 1 − (1/3)(1/2); same.
    assert t.get_column("cured_share").to_list() == pytest.approx(
        [1 / 3, 2 / 3, 2 / 3, 5 / 6, 5 / 6]
    )
    assert t.get_column("daily_rate").to_list() == pytest.approx([1 / 3, 1 / 3, 0, 1 / 6, 0])


def test_the_amount_curve_compounds_the_share_of_what_is_outstanding_repaid_each_day():
    t = one_curve(FOUR)
    # Outstanding: 50+100+10; 50+100; 80+30 (after 20 paid on dpd 2); same; 40.
    assert t.get_column("outstanding").to_list() == pytest.approx([160, 150, 110, 110, 40])
    assert t.get_column("repaid").to_list() == pytest.approx([10, 70, 0, 70, 0])
    # 1/16; 1 − (15/16)(8/15); same; 1 − (1/2)(4/11); same.
    assert t.get_column("repaid_share").to_list() == pytest.approx(
        [1 / 16, 1 / 2, 1 / 2, 9 / 11, 9 / 11]
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.integers(0, 30),
            st.booleans(),
            st.floats(1, 1000),
            st.integers(0, 30),
            st.floats(0, 500),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_cumulative_curves_never_fall_and_stay_between_zero_and_one(rows):
    eps = [(f, f + span, c, owed, None, True) for f, span, c, owed, _, _ in rows]
    pays = [(i, f + min(at, span), amt) for i, (f, span, _, _, at, amt) in enumerate(rows)]
    t = one_curve(episodes(eps, pays), horizon=40)
    for column in ("cured_share", "repaid_share"):
        values = np.array(t.get_column(column).to_list())
        assert np.all(np.diff(values) >= -1e-12), column
        assert values.min() >= 0.0 and values.max() <= 1.0 + 1e-12, column


def test_before_contact_an_episode_leaves_the_day_before_its_first_contact():
    ep = episodes(
        [
            (1, 5, True, 10.0, 3, True),  # cured on dpd 5, contacted on 3: not a natural cure
            (1, 2, True, 10.0, 4, True),  # cured on 2, before its contact on 4
            (1, 6, True, 10.0, None, False),  # the ledger does not cover its first days
            (1, 1, True, 10.0, 1, True),  # cured on the day of its first contact
        ],
        pays=[(0, 5, 10.0), (1, 2, 10.0)],
    )
    cut, pay = before_contact(ep.frame, ep.payments)
    got = {r["episode"]: (r["last_dpd"], r["cured"]) for r in cut.iter_rows(named=True)}
    assert got == {0: (2, False), 1: (2, True)}
    assert pay.get_column("episode").to_list() == [1]


GROUPS = pl.DataFrame(
    {
        "account_id": ["A0", "A1", "A2", "A3"],
        "segment": ["early", "early", "late", "late"],
        "arm": ["holdout", "champion", "champion", "challenger"],
    }
)
EP4 = episodes(
    [
        (1, 3, True, 1.0, None, True),
        (1, 4, False, 1.0, 2, True),
        (1, 2, True, 1.0, None, True),
        (1, 4, False, 1.0, 3, True),
    ],
    accounts=["A0", "A1", "A2", "A3"],
)


def test_a_holdout_arm_gives_the_natural_curve_and_no_estimate_is_made_for_its_segment():
    curves = cure_curves(EP4, GROUPS, holdout={("early", "holdout")}, horizon=5)
    labels = set(curves.select("segment", "arm", "label").unique().iter_rows())
    assert ("early", "holdout", NATURAL) in labels
    assert ("early", "champion", OBSERVED) in labels
    assert not any(seg == "early" and label == ESTIMATE for seg, _, label in labels)


def test_a_segment_without_holdout_gets_an_estimate_from_accounts_not_yet_contacted():
    curves = cure_curves(EP4, GROUPS, holdout={("early", "holdout")}, horizon=5)
    late = curves.filter((pl.col("segment") == "late") & (pl.col("label") == ESTIMATE))
    assert set(late.get_column("arm")) == {"(all)"}
    # A2 (cured on 2, never contacted) and A3 (contacted on 3: at risk on 1 and 2 only).
    assert late.get_column("at_risk").to_list() == [2, 2, 0, 0, 0]
    assert late.get_column("cured_share").to_list() == pytest.approx([0, 0.5, 0.5, 0.5, 0.5])


STRATEGY = """
name: t
version: 1
jurisdiction: CN
buckets: {M1: [1, 30], M2: [31, null]}
segments:
  - id: early
    when: bucket == 'M1'
    steps:
      - {id: early.sms, days: [1, 3], channel: sms, template: t}
  - id: late
    steps:
      - {id: late.call, days: [40], channel: human_call}
experiment:
  id: x
  arms:
    - {id: champion, weight: 80}
    - id: holdout
      weight: 20
      overrides:
        early.sms: {enabled: false}
"""


def test_an_arm_whose_steps_are_all_disabled_in_a_segment_is_that_segments_holdout():
    strategy = load_strategy_text(STRATEGY)
    run = RunFrames(
        path=None,  # type: ignore[arg-type]
        run_date=date(2026, 11, 30),
        strategy=strategy,
        accounts=None,
        actions=pl.DataFrame(),
        blocked=pl.DataFrame(),
        checked=0,
        presets={},
    )
    assert run.holdout_cells() == {("early", "holdout")}
