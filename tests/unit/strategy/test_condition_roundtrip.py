"""Printing a condition and parsing it again gives the same tree: the printer is the
canonical form tools (formatters, the workbench, explanations) can rely on."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.strategy import ast
from arrears.strategy.ast import to_text
from arrears.strategy.parse import parse_condition

KEYWORDS = {"and", "or", "not", "in", "between", "is", "null", "true", "false"}

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n.lower() not in KEYWORDS
)
strings = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
decimals = st.decimals(
    min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=3, allow_nan=False
)


def literals(signed: bool) -> st.SearchStrategy[ast.Literal]:
    lo = -(10**9) if signed else 0
    return st.one_of(
        strings.map(lambda v: ast.Literal(v, "string")),
        st.integers(lo, 10**9).map(lambda v: ast.Literal(v, "int")),
        decimals.filter(lambda d: signed or d >= 0).map(lambda v: ast.Literal(v, "decimal")),
        st.booleans().map(lambda v: ast.Literal(v, "bool")),
    )


def extend(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    # `-5` parses as the literal -5, never as Neg(5): keep generated trees in that normal form.
    not_a_number = children.filter(
        lambda n: not (isinstance(n, ast.Literal) and n.kind in ("int", "decimal"))
    )
    return st.one_of(
        st.builds(ast.Compare, st.sampled_from(ast.COMPARE_OPS), children, children),
        st.builds(
            ast.InList,
            children,
            st.lists(literals(True), min_size=1, max_size=4).map(tuple),
            st.booleans(),
        ),
        st.builds(ast.Between, children, children, children, st.booleans()),
        st.builds(ast.IsNull, children, st.booleans()),
        st.builds(ast.BoolOp, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.Not, children),
        st.builds(ast.Arith, st.sampled_from(ast.ARITH_OPS), children, children),
        st.builds(ast.Neg, not_a_number),
    )


nodes = st.recursive(st.one_of(names.map(ast.Column), literals(signed=True)), extend, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(nodes)
def test_a_printed_condition_parses_back_to_an_equal_tree(node: ast.Node) -> None:
    assert parse_condition(to_text(node)) == node


@settings(max_examples=200, deadline=None)
@given(nodes)
def test_printing_is_idempotent(node: ast.Node) -> None:
    text = to_text(node)
    assert to_text(parse_condition(text)) == text


def test_the_printer_adds_only_the_parentheses_the_meaning_needs() -> None:
    text = "((a or b)) and not c == 1 and (x + y) * (-z) > 2 - (3 - 4)"
    expected = "(a or b) and not (c == 1) and (x + y) * -z > 2 - (3 - 4)"
    assert to_text(parse_condition(text)) == expected
