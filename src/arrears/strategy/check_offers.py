"""Checks of the `offers:` rules: their conditions, ids, kinds, floors and authority ladders.

The schema has already refused unknown kinds and roles, shares outside [0, 1] and missing
fields (with the allowed values); this module finds rules that are well formed and still
wrong: a senior role allowed less than a junior one, an instalment kind without instalment
terms, a limit the floor never lets anyone use, a rule no account can reach.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

import polars as pl

from arrears.strategy import ast
from arrears.strategy.diagnostics import Severity
from arrears.strategy.model import NOWHERE, OFFER_ROLES, Mark, OfferRule, Strategy

OFFER_CONDITION_COLUMNS: Mapping[str, pl.DataType] = {
    "segment": pl.String(),
    "arm": pl.String(),
}
"""Columns an offer's `when` may read beyond a segment's: the account's segment and arm."""


class _Reporter(Protocol):
    schema: Mapping[str, pl.DataType]

    def add(self, mark: Mark, message: str, code: str, severity: Severity = "error") -> None: ...

    def condition(
        self, text: str | None, node: ast.Node | None, marks: Mapping[str, Mark]
    ) -> None: ...


def check_offers(checker: _Reporter, strategy: Strategy) -> None:
    # A view of the checker that also knows `segment` and `arm`; it reports into the same list.
    view = copy.copy(checker)
    view.schema = {**checker.schema, **OFFER_CONDITION_COLUMNS}
    segment_ids = {s.id for s in strategy.segments}
    seen: set[str] = set()
    catch_all: dict[str, OfferRule] = {}  # kind -> the earlier rule that takes every account
    for rule in strategy.offers:
        marks = rule.marks
        where = marks.get("", NOWHERE)
        if rule.id in seen:
            checker.add(marks.get("id", where), f"duplicate offer id '{rule.id}'", "duplicate-id")
        seen.add(rule.id)
        view.condition(rule.when, rule.when_ast, marks)
        if rule.when is not None and rule.when_ast is not None:
            _segments(checker, rule, segment_ids)
        _kinds(checker, rule, catch_all)
        _authority(checker, rule)


def _kinds(checker: _Reporter, rule: OfferRule, catch_all: dict[str, OfferRule]) -> None:
    marks = rule.marks
    listed: set[str] = set()
    for i, kind in enumerate(rule.kinds):
        mark = marks.get(f"kinds/{i}", NOWHERE)
        if kind in listed:
            checker.add(mark, f"offer '{rule.id}' lists '{kind}' twice", "offer", "warning")
        listed.add(kind)
    if "instalments" in listed and rule.instalments is None:
        message = (
            f"offer '{rule.id}' offers instalments but says nothing of them: add "
            "instalments: {max_count: …, min_first_share: …, max_days_between: …}"
        )
        checker.add(marks.get("kinds", NOWHERE), message, "offer")
    shadowed = [k for k in rule.kinds if k in catch_all]
    if shadowed and len(shadowed) == len(set(rule.kinds)):
        first = catch_all[shadowed[0]]
        message = (
            f"offer '{rule.id}' is unreachable: offer '{first.id}' (line {first.line}) takes "
            f"every account for {', '.join(dict.fromkeys(shadowed))} before it"
        )
        checker.add(marks.get("", NOWHERE), message, "unreachable-offer", "warning")
    if rule.when is None or rule.when_ast == ast.TRUE:
        for kind in rule.kinds:
            catch_all.setdefault(kind, rule)


def _authority(checker: _Reporter, rule: OfferRule) -> None:
    marks = rule.marks
    junior: tuple[str, Decimal] | None = None
    for role in OFFER_ROLES:
        if role not in rule.authority:
            continue
        limit = rule.authority[role]
        mark = marks.get(f"authority/{role}", marks.get("authority", NOWHERE))
        if junior is not None and limit < junior[1]:
            message = (
                f"offer '{rule.id}': {role} may grant {limit}, less than {junior[0]} "
                f"({junior[1]}): a senior role may grant at least what a junior one may"
            )
            checker.add(mark, message, "authority")
        if rule.floor is not None and limit > 1 - rule.floor:
            message = (
                f"offer '{rule.id}': {role}'s limit {limit} is beyond the floor {rule.floor} "
                f"(a discount of at most {1 - rule.floor}): larger discounts are refused whoever "
                "grants them"
            )
            checker.add(mark, message, "authority", "warning")
        junior = (role, limit)


def _segments(checker: _Reporter, rule: OfferRule, segment_ids: set[str]) -> None:
    """A segment id in the condition that no segment has (a typo matches no account)."""
    assert rule.when is not None and rule.when_ast is not None
    mark = rule.marks.get("when", NOWHERE)
    for node in ast.walk(rule.when_ast):
        literals: tuple[ast.Node, ...] = ()
        match node:
            case ast.Compare(left=ast.Column(name="segment"), right=right):
                literals = (right,)
            case ast.Compare(left=left, right=ast.Column(name="segment")):
                literals = (left,)
            case ast.InList(operand=ast.Column(name="segment"), items=items):
                literals = items
        for lit in literals:
            if isinstance(lit, ast.Literal) and str(lit.value) not in segment_ids:
                line, column = mark.locate(rule.when, lit.line, lit.column)
                message = f"offer '{rule.id}': there is no segment '{lit.value}'"
                by_case = [s for s in sorted(segment_ids) if s.lower() == str(lit.value).lower()]
                close = by_case or difflib.get_close_matches(
                    str(lit.value), sorted(segment_ids), n=1
                )
                if close:
                    message += f" (did you mean '{close[0]}'?)"
                checker.add(Mark(line, column), message, "unknown-segment", "warning")
