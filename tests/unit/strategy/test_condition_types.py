import polars as pl
import pytest

from arrears.strategy.parse import parse_condition
from arrears.strategy.typecheck import check_types

SCHEMA: dict[str, pl.DataType] = {
    "dpd": pl.Int32(),
    "amount": pl.Decimal(18, 2),
    "rate": pl.Float64(),
    "product": pl.String(),
    "region": pl.Categorical(),
    "flag": pl.Boolean(),
    "due_date": pl.Date(),
    "at": pl.Datetime("us", "UTC"),
}


def issues(text: str) -> list[tuple[str, int, int]]:
    return [(i.code, i.line, i.column) for i in check_types(parse_condition(text), SCHEMA)]


@pytest.mark.parametrize(
    "text",
    [
        "dpd > 3 and product == 'bnpl'",
        "amount * 1.5 >= rate + dpd",
        "region in ('US-CA', 'US-NY')",
        "flag and not flag or flag == false",
        "due_date < '2024-01-31' and at >= '2024-01-01T08:00:00Z'",
        "due_date between '2024-01-01' and '2024-12-31'",
        "product is null or dpd is not null",
        "-dpd < 0",
    ],
)
def test_a_well_typed_condition_has_no_issues(text: str) -> None:
    assert issues(text) == []


def test_an_unknown_column_is_reported_with_its_line_and_column() -> None:
    assert issues("dpd > 1 and\n   prodcut == 'bnpl'") == [("unknown-column", 2, 4)]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("product > 5", (1, 1)),
        ("dpd == 'M1'", (1, 1)),
        ("flag == 1", (1, 1)),
        ("dpd in (1, 'two')", (1, 1)),
        ("dpd between 'a' and 5", (1, 1)),
        ("product + 1 > 2", (1, 1)),
        ("dpd > 1 and -product == 2", (1, 14)),
        ("dpd and flag", (1, 1)),
        ("flag or dpd + 1", (1, 9)),
        ("not dpd", (1, 5)),
        ("flag < true", (1, 1)),
        ("due_date < '31/01/2024'", (1, 12)),
        ("due_date < 5", (1, 1)),
    ],
)
def test_a_type_mismatch_is_reported_at_the_offending_node(
    text: str, position: tuple[int, int]
) -> None:
    found = issues(text)
    assert found, text
    assert found[0][0] == "type"
    assert found[0][1:] == position


def test_a_condition_must_be_true_or_false() -> None:
    assert issues("dpd + 1") == [("not-boolean", 1, 1)]
    assert issues("product") == [("not-boolean", 1, 1)]


def test_an_unknown_column_does_not_also_cause_type_errors() -> None:
    assert issues("mystery > 5 and mystery == 'x'") == [
        ("unknown-column", 1, 1),
        ("unknown-column", 1, 17),
    ]
