from decimal import Decimal
from pathlib import Path

import pytest

from arrears.strategy import ast
from arrears.strategy.ast import (
    Arith,
    Between,
    BoolOp,
    Column,
    Compare,
    InList,
    IsNull,
    Literal,
    Neg,
    Not,
)
from arrears.strategy.parse import ConditionError, parse_condition


def s(value: str) -> Literal:
    return Literal(value, "string")


def i(value: int) -> Literal:
    return Literal(value, "int")


def test_the_contract_example_parses_to_a_conjunction_of_comparisons() -> None:
    node = parse_condition("bucket == 'M1' and product == 'cash_loan'")
    assert node == BoolOp(
        "and",
        Compare("==", Column("bucket"), s("M1")),
        Compare("==", Column("product"), s("cash_loan")),
    )


def test_keywords_are_case_insensitive() -> None:
    assert parse_condition("a AND b Or NOT c") == parse_condition("a and b or not c")
    assert parse_condition("x IS NOT NULL") == IsNull(Column("x"), negated=True)
    assert parse_condition("x Between 1 AND 2") == Between(Column("x"), i(1), i(2))


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    node = parse_condition("not a and b or c")
    assert node == BoolOp("or", BoolOp("and", Not(Column("a")), Column("b")), Column("c"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "x in (1, -2, 'a', true)",
            InList(Column("x"), (i(1), i(-2), s("a"), Literal(True, "bool"))),
        ),
        ("x not in ('a',)", InList(Column("x"), (s("a"),), negated=True)),
        ("x between -1 and y", Between(Column("x"), i(-1), Column("y"))),
        ("x not between 1 and 2", Between(Column("x"), i(1), i(2), negated=True)),
        ("x is null", IsNull(Column("x"))),
        ("x is not null", IsNull(Column("x"), negated=True)),
        ("a != 2.50", Compare("!=", Column("a"), Literal(Decimal("2.50"), "decimal"))),
        ("a <= -3", Compare("<=", Column("a"), i(-3))),
        ("-a > 0", Compare(">", Neg(Column("a")), i(0))),
        ('name == "it\'s"', Compare("==", Column("name"), s("it's"))),
        ("name == 'say \\'hi\\''", Compare("==", Column("name"), s("say 'hi'"))),
        ("flag == false", Compare("==", Column("flag"), Literal(False, "bool"))),
        ("debtor_unreachable", Column("debtor_unreachable")),
        ("android and notes", BoolOp("and", Column("android"), Column("notes"))),
    ],
)
def test_each_construct_parses_to_its_node(text: str, expected: ast.Node) -> None:
    assert parse_condition(text) == expected


def test_arithmetic_follows_the_usual_precedence_and_associates_left() -> None:
    node = parse_condition("a + b * c % 2 - d / e")
    assert node == Arith(
        "-",
        Arith("+", Column("a"), Arith("%", Arith("*", Column("b"), Column("c")), i(2))),
        Arith("/", Column("d"), Column("e")),
    )


def test_between_ends_at_its_upper_bound_so_a_following_and_joins_conditions() -> None:
    node = parse_condition("dpd between 1 and 30 and product == 'bnpl'")
    assert node == BoolOp(
        "and",
        Between(Column("dpd"), i(1), i(30)),
        Compare("==", Column("product"), s("bnpl")),
    )


def test_nodes_carry_their_positions_in_the_text() -> None:
    node = parse_condition("a == 1 and\n  b in ('x')")
    assert isinstance(node, BoolOp)
    assert (node.right.line, node.right.column) == (2, 3)
    assert isinstance(node.right, InList)
    assert (node.right.items[0].line, node.right.items[0].column) == (2, 9)


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("__import__('os')", 1, 11, "function calls"),
        ("x.__class__", 1, 2, "attribute access"),
        ("().__class__.__bases__", 1, 2, "unexpected ')'"),
        ("lambda: 1", 1, 7, "unexpected character ':'"),
        ("eval('1')", 1, 5, "function calls"),
        ("open('f')", 1, 5, "function calls"),
        ("a[0]", 1, 2, "subscripts"),
        ("f(x)", 1, 2, "function calls"),
        ("__class__ == 1", 1, 1, "'__'"),
        ("x == 1 or __builtins__", 1, 11, "'__'"),
        ("a = 1", 1, 3, "use '=='"),
        ("a && b", 1, 3, "use 'and'"),
        ("a <> b", 1, 4, "'!='"),
        ("x == null", 1, 6, "is null"),
        ("a < b < c", 1, 7, "do not chain"),
        ("x in (y)", 1, 7, "literals"),
        ("a ==", 1, 5, "end of condition"),
        ("", 1, 1, "end of condition"),
        ("(a", 1, 3, "expected ')'"),
        ("'abc", 1, 1, "unterminated string"),
        ("a ==\n  1 +", 2, 6, "end of condition"),
        ("a == 1\n  and b ===", 2, 11, "use '=='"),
        ("1e5 > x", 1, 2, "unexpected"),
    ],
)
def test_an_invalid_condition_is_rejected_with_a_position_and_a_reason(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert fragment in caught.value.message


def test_a_condition_error_lists_what_was_expected_in_plain_words() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition("a == ")
    assert "a column name" in caught.value.message
    assert "a number" in caught.value.message
    assert "NAME" not in caught.value.message


def test_the_parser_never_evaluates_text() -> None:
    import arrears.strategy.parse as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    for forbidden in ("eval(", "exec(", "compile("):
        assert forbidden not in source


def test_columns_lists_every_column_a_condition_reads() -> None:
    node = parse_condition("a + b > c and d in (1) or not e is null and f between g and 3")
    assert ast.columns(node) == {"a", "b", "c", "d", "e", "f", "g"}
