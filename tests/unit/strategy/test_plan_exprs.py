import textwrap

import polars as pl

from arrears.examples import strategy_path
from arrears.strategy.load import load_strategy, load_strategy_text
from arrears.strategy.plan_exprs import (
    STEPS_SCHEMA,
    bucket_expr,
    segment_expr,
    step_condition_exprs,
    steps_frame,
)

SEED = load_strategy(strategy_path("seed_example"))


def test_the_seed_example_yields_exactly_the_contracts_steps() -> None:
    frame = steps_frame(SEED)
    rows = set(frame.select("dpd", "channel", "template", "team").iter_rows())
    assert rows == {
        (1, "sms", "reminder_1", None),
        (7, "sms", "reminder_1", None),
        (15, "sms", "reminder_1", None),
        (21, "sms", "reminder_1", None),
        (24, "human_call", None, "m1_collectors"),
        (27, "human_call", None, "m1_collectors"),
        (30, "human_call", None, "m1_collectors"),
        (24, "sms", "notice_b", None),
        (27, "sms", "notice_b", None),
        (30, "sms", "notice_b", None),
    }
    assert frame.height == 10
    assert set(frame["segment"]) == {"A"} and set(frame["arm"]) == {"champion"}
    assert set(frame["audience"]) == {"debtor"} and set(frame["priority"]) == {50}


def test_steps_frame_has_the_documented_columns_and_types() -> None:
    assert dict(steps_frame(SEED).schema) == STEPS_SCHEMA


def test_bucket_expr_maps_dpd_to_the_bucket_name_and_null_outside_every_bucket() -> None:
    frame = pl.DataFrame({"dpd": [0, 1, 30, 31, 61, 1000, None, -3]})
    buckets = frame.select(bucket_expr(SEED)).to_series()
    assert buckets.to_list() == ["M0", "M1", "M1", "M2", "M3+", "M3+", None, None]
    assert buckets.name == "bucket" and buckets.dtype == pl.String


def test_bucket_expr_accepts_another_dpd_expression() -> None:
    frame = pl.DataFrame({"days_late": [45]})
    assert frame.select(bucket_expr(SEED, pl.col("days_late"))).item() == "M2"


def test_segment_expr_picks_the_first_segment_whose_when_holds() -> None:
    strategy = load_strategy_text(
        textwrap.dedent(
            """\
            name: t
            version: 1
            jurisdiction: CN
            buckets: {M1: [1, 30], M2: [31, null]}
            segments:
              - id: big
                when: bucket == 'M1' and overdue_amount > 1000
                steps: []
              - id: m1
                when: bucket == 'M1'
                steps: []
              - id: rest
                steps: []
            """
        )
    )
    frame = pl.DataFrame({"dpd": [5, 5, 40, None], "overdue_amount": [5000.0, 10.0, 5000.0, None]})
    frame = frame.with_columns(bucket_expr(strategy)).with_columns(segment_expr(strategy))
    assert frame["segment"].to_list() == ["big", "m1", "rest", "rest"]


def test_segment_expr_is_null_when_no_segment_matches() -> None:
    frame = pl.DataFrame({"dpd": [5, 40], "product": ["cash_loan", "cash_loan"]})
    frame = frame.with_columns(bucket_expr(SEED)).with_columns(segment_expr(SEED))
    assert frame["segment"].to_list() == ["A", None]


def test_segment_expr_reads_date_literals_against_the_contracts_date_columns() -> None:
    strategy = load_strategy_text(
        textwrap.dedent(
            """\
            name: t
            version: 1
            jurisdiction: CN
            buckets: {M1: [1, 30]}
            segments:
              - id: old
                when: due_date < '2024-01-01'
                steps: []
            """
        )
    )
    import datetime as dt

    frame = pl.DataFrame({"due_date": [dt.date(2023, 12, 1), dt.date(2024, 2, 1)]})
    assert frame.select(segment_expr(strategy)).to_series().to_list() == ["old", None]


EXPERIMENT_STRATEGY = """\
name: t
version: 1
jurisdiction: CN
buckets: {M1: [1, 30]}
segments:
  - id: A
    steps:
      - days: [1, 5, 5]
        channel: sms
        template: t1
      - id: call
        days: [10]
        channel: human_call
        team: m1
        when: rpc_7d == 0
experiment:
  id: e
  arms:
    - {id: champion, weight: 80}
    - id: challenger
      weight: 20
      overrides:
        A.1: {template: t2, days: [2], priority: 90}
        call: {enabled: false}
"""


def test_each_arm_gets_its_overrides_and_a_disabled_step_disappears() -> None:
    frame = steps_frame(load_strategy_text(EXPERIMENT_STRATEGY))
    rows = frame.select("arm", "dpd", "step", "template", "priority", "step_when").rows()
    assert rows == [
        ("champion", 1, "A.1", "t1", 50, None),
        ("champion", 5, "A.1", "t1", 50, None),
        ("champion", 10, "call", None, 50, "rpc_7d == 0"),
        ("challenger", 2, "A.1", "t2", 90, None),
    ]
    assert frame["step_order"].to_list() == [1, 1, 2, 1]


def test_step_conditions_are_compiled_for_steps_that_have_one() -> None:
    conditions = step_condition_exprs(load_strategy_text(EXPERIMENT_STRATEGY))
    assert list(conditions) == ["call"]
    frame = pl.DataFrame({"rpc_7d": [0, 2, None]}, schema={"rpc_7d": pl.UInt32})
    assert frame.select(conditions["call"]).to_series().to_list() == [True, False, False]
