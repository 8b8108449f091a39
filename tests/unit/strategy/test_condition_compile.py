import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_series_equal

from arrears.strategy.compile_polars import condition_expr, to_polars
from arrears.strategy.parse import ConditionError, parse_condition

FRAME = pl.DataFrame(
    {
        "dpd": [0, 5, 31, None, 90],
        "product": ["cash_loan", "bnpl", None, "cash_loan", "credit_card"],
        "amount": [100.0, 2500.5, 0.0, 40.0, None],
        "due_date": [dt.date(2024, 1, 1), None, dt.date(2024, 3, 1), dt.date(2024, 2, 1), None],
        "flag": [True, None, False, True, False],
        "score": [1, 2, 3, 4, 5],
    },
    schema_overrides={"dpd": pl.Int32, "score": pl.UInt32},
)
SCHEMA = dict(FRAME.schema)


def run(text: str) -> pl.Series:
    return FRAME.select(to_polars(parse_condition(text), SCHEMA).alias("r")).to_series()


def run_condition(text: str) -> pl.Series:
    return FRAME.select(condition_expr(parse_condition(text), SCHEMA).alias("r")).to_series()


@pytest.mark.parametrize(
    ("text", "hand_written"),
    [
        ("dpd == 5", pl.col("dpd") == 5),
        ("dpd != 5", pl.col("dpd") != 5),
        ("dpd < 31", pl.col("dpd") < 31),
        ("dpd <= 31", pl.col("dpd") <= 31),
        ("dpd > 0", pl.col("dpd") > 0),
        ("dpd >= 0", pl.col("dpd") >= 0),
        ("amount > 99.5", pl.col("amount") > 99.5),
        ("product == 'cash_loan'", pl.col("product") == "cash_loan"),
        ("product in ('bnpl', 'credit_card')", pl.col("product").is_in(["bnpl", "credit_card"])),
        ("product not in ('bnpl')", ~pl.col("product").is_in(["bnpl"])),
        ("dpd in (0, 90)", pl.col("dpd").is_in([0, 90])),
        ("amount in (100, 40)", (pl.col("amount") == 100) | (pl.col("amount") == 40)),
        ("score in (1.0, 5)", (pl.col("score") == 1.0) | (pl.col("score") == 5)),
        ("dpd between 1 and 31", pl.col("dpd").is_between(1, 31)),
        ("dpd not between 1 and 31", ~pl.col("dpd").is_between(1, 31)),
        (
            "dpd between score and score * 10",
            pl.col("dpd").is_between(pl.col("score"), pl.col("score") * 10),
        ),
        ("product is null", pl.col("product").is_null()),
        ("product is not null", pl.col("product").is_not_null()),
        ("flag and dpd > 0", pl.col("flag") & (pl.col("dpd") > 0)),
        ("flag or dpd > 0", pl.col("flag") | (pl.col("dpd") > 0)),
        ("not flag", ~pl.col("flag")),
        ("dpd + score * 2 > 10", pl.col("dpd") + pl.col("score") * 2 > 10),
        ("dpd / 2 > 2", pl.col("dpd") / 2 > 2),
        (
            "amount / dpd > 2",
            pl.when(pl.col("dpd") != 0).then(pl.col("amount") / pl.col("dpd")) > 2,
        ),
        ("dpd % 2 == 1", pl.col("dpd") % 2 == 1),
        ("-dpd < -4", -pl.col("dpd") < -4),
        ("amount - 0.5 >= 99.5", pl.col("amount") - 0.5 >= 99.5),
        ("flag == true", pl.col("flag") == True),  # noqa: E712
        ("due_date < '2024-02-01'", pl.col("due_date") < dt.date(2024, 2, 1)),
        ("due_date == '2024-03-01'", pl.col("due_date") == dt.date(2024, 3, 1)),
        (
            "due_date between '2024-01-15' and '2024-12-31'",
            pl.col("due_date").is_between(dt.date(2024, 1, 15), dt.date(2024, 12, 31)),
        ),
        (
            "due_date in ('2024-01-01', '2024-02-01')",
            pl.col("due_date").is_in([dt.date(2024, 1, 1), dt.date(2024, 2, 1)]),
        ),
        ("'2024-02-01' > due_date", pl.col("due_date") < dt.date(2024, 2, 1)),
    ],
)
def test_each_construct_compiles_to_what_one_would_write_by_hand(
    text: str, hand_written: pl.Expr
) -> None:
    expected = FRAME.select(hand_written.alias("r")).to_series()
    assert_series_equal(run(text), expected)


def test_a_comparison_with_a_null_is_null_not_false() -> None:
    assert run("dpd > 0").to_list() == [False, True, True, None, True]
    assert run("not dpd > 0").to_list() == [True, False, False, None, False]


def test_and_or_follow_three_valued_logic() -> None:
    assert run("flag and false").to_list() == [False] * 5
    assert run("flag or true").to_list() == [True] * 5
    assert run("flag and true").to_list() == [True, None, False, True, False]


def test_null_never_matches_at_the_top_of_a_condition() -> None:
    assert run_condition("not dpd > 0").to_list() == [True, False, False, False, False]
    assert run_condition("product != 'bnpl'").to_list() == [True, False, False, True, True]
    assert run_condition("product not in ('bnpl')").to_list() == [True, False, False, True, True]


def test_is_null_is_the_way_to_match_missing_values() -> None:
    assert run_condition("product is null or product == 'bnpl'").to_list() == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_a_bare_boolean_column_is_a_condition() -> None:
    assert run_condition("flag").to_list() == [True, False, False, True, False]


def test_a_literal_true_condition_matches_every_row() -> None:
    assert FRAME.select(condition_expr(parse_condition("true"))).height == 1
    assert FRAME.with_columns(condition_expr(parse_condition("true")).alias("r"))["r"].all()


def test_without_a_schema_a_date_string_stays_a_string() -> None:
    expr = to_polars(parse_condition("product == '2024-01-01'"))
    assert FRAME.select(expr).to_series().to_list() == [False, False, None, False, False]


def test_an_impossible_date_is_reported_at_its_literal() -> None:
    with pytest.raises(ConditionError) as caught:
        to_polars(parse_condition("due_date < '2024-02-30'"), SCHEMA)
    assert (caught.value.line, caught.value.column) == (1, 12)


def test_a_string_literal_meets_a_timestamp_column_as_a_timestamp() -> None:
    frame = pl.DataFrame(
        {"at": [dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC), dt.datetime(2024, 1, 3, tzinfo=dt.UTC)]}
    )
    expr = condition_expr(parse_condition("at >= '2024-01-02T00:00:00Z'"), dict(frame.schema))
    assert frame.select(expr).to_series().to_list() == [False, True]


def test_division_or_remainder_by_zero_is_null_so_it_never_matches() -> None:
    frame = pl.DataFrame({"paid": [5.0, 0.0, 3.0], "balance": [0.0, 0.0, 6.0], "n": [0, 0, 4]})
    schema = dict(frame.schema)
    for text, expected in [
        ("paid / balance > 0.1", [False, False, True]),
        ("paid / balance <= 0.1", [False, False, False]),
        ("n % n == 0", [False, False, True]),
        ("(paid / balance) is null", [True, True, False]),
    ]:
        got = frame.select(condition_expr(parse_condition(text), schema)).to_series().to_list()
        assert got == expected, text
