"""The tree of a strategy condition.

This tree, not the text, is what every engine compiles (Polars here, Spark later), so it holds
only what the language means: no engine types, no Python objects beyond plain literals.
Positions (1-based line and column within the condition text) ride along for diagnostics but
take no part in equality, so a condition printed and parsed again compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as Lit

LiteralKind = Lit["string", "int", "decimal", "bool"]
CompareOp = Lit["==", "!=", "<", "<=", ">", ">="]
ArithOp = Lit["+", "-", "*", "/", "%"]
BoolOpName = Lit["and", "or"]

COMPARE_OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=")
ARITH_OPS: tuple[str, ...] = ("+", "-", "*", "/", "%")


@dataclass(frozen=True)
class Column:
    name: str
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Literal:
    """A constant; `kind` keeps `true` apart from `1`, which Python alone would not."""

    value: str | int | Decimal | bool
    kind: LiteralKind
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class InList:
    operand: Node
    items: tuple[Literal, ...]
    negated: bool = False
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Between:
    """Inclusive at both ends, as in SQL."""

    operand: Node
    low: Node
    high: Node
    negated: bool = False
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class IsNull:
    operand: Node
    negated: bool = False
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class BoolOp:
    """Binary and left-associative: `a and b and c` is `(a and b) and c`."""

    op: BoolOpName
    left: Node
    right: Node
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Arith:
    op: ArithOp
    left: Node
    right: Node
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Neg:
    """Unary minus over anything but a number literal (`-5` parses as the literal -5)."""

    operand: Node
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


Node = Column | Literal | Compare | InList | Between | IsNull | BoolOp | Not | Arith | Neg

TRUE = Literal(True, "bool")


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Column() | Literal():
            return ()
        case Compare(left=left, right=right) | BoolOp(left=left, right=right):
            return (left, right)
        case Arith(left=left, right=right):
            return (left, right)
        case InList(operand=operand, items=items):
            return (operand, *items)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
        case IsNull(operand=operand) | Not(operand=operand) | Neg(operand=operand):
            return (operand,)
    raise TypeError(f"not a condition node: {node!r}")


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children, in source order."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


def columns(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, Column)}


# Binding strength, loosest first; the printer parenthesizes a child weaker than its slot.
_OR, _AND, _NOT, _PREDICATE, _SUM, _PRODUCT, _UNARY, _ATOM = range(1, 9)


def _precedence(node: Node) -> int:
    match node:
        case BoolOp(op="or"):
            return _OR
        case BoolOp():
            return _AND
        case Not():
            return _NOT
        case Compare() | InList() | Between() | IsNull():
            return _PREDICATE
        case Arith(op="+" | "-"):
            return _SUM
        case Arith():
            return _PRODUCT
        case Neg():
            return _UNARY
    return _ATOM


def literal_text(lit: Literal) -> str:
    match lit.kind:
        case "bool":
            return "true" if lit.value else "false"
        case "string":
            assert isinstance(lit.value, str)
            escaped = (
                lit.value.replace("\\", "\\\\")
                .replace("'", "\\'")
                .replace("\n", "\\n")
                .replace("\t", "\\t")
            )
            return f"'{escaped}'"
        case "decimal":
            assert isinstance(lit.value, Decimal)
            text = format(lit.value, "f")
            return text if "." in text else text + ".0"
    return str(lit.value)


def to_text(node: Node) -> str:
    """The canonical text of a condition: single spaces, lower-case keywords, minimal parens."""
    return _fmt(node, _OR)


def _fmt(node: Node, slot: int) -> str:
    text = _fmt_bare(node)
    return f"({text})" if _precedence(node) < slot else text


def _fmt_bare(node: Node) -> str:
    match node:
        case Column(name=name):
            return name
        case Literal():
            return literal_text(node)
        case BoolOp(op=op, left=left, right=right):
            level = _OR if op == "or" else _AND
            return f"{_fmt(left, level)} {op} {_fmt(right, level + 1)}"
        case Not(operand=operand):
            return f"not {_fmt(operand, _SUM)}"  # `not (a == 1)`: clearer than the minimum
        case Compare(op=op, left=left, right=right):
            return f"{_fmt(left, _SUM)} {op} {_fmt(right, _SUM)}"
        case InList(operand=operand, items=items, negated=negated):
            listed = ", ".join(literal_text(i) for i in items)
            return f"{_fmt(operand, _SUM)} {'not in' if negated else 'in'} ({listed})"
        case Between(operand=operand, low=low, high=high, negated=negated):
            keyword = "not between" if negated else "between"
            return f"{_fmt(operand, _SUM)} {keyword} {_fmt(low, _SUM)} and {_fmt(high, _SUM)}"
        case IsNull(operand=operand, negated=negated):
            return f"{_fmt(operand, _SUM)} is {'not null' if negated else 'null'}"
        case Arith(op=op, left=left, right=right):
            level = _SUM if op in ("+", "-") else _PRODUCT
            return f"{_fmt(left, level)} {op} {_fmt(right, level + 1)}"
        case Neg(operand=operand):
            return f"-{_fmt(operand, _UNARY)}"
    raise TypeError(f"not a condition node: {node!r}")
