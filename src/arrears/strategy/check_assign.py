"""Checks of the `assign` steps: their conditions and value, the columns and teams they name.

Without data a column outside the contract is a warning (accounts may carry it); with the data's
columns it is an error. With the data's `teams` table, a team that is not there, or is not of the
kind the step draws on (`to: team` needs human teams, `robot` a robot team, `agency` agencies),
is an error: the step could never place a case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import polars as pl

from arrears.strategy import ast
from arrears.strategy.diagnostics import Severity
from arrears.strategy.model import NOWHERE, Assign, Mark, Strategy
from arrears.strategy.typecheck import check_types, infer_kind

TEAM_KIND_FOR: Mapping[str, str] = {"team": "human", "robot": "robot", "agency": "agency"}


class _Reporter(Protocol):
    schema: Mapping[str, pl.DataType]
    strict: bool

    def add(self, mark: Mark, message: str, code: str, severity: Severity = "error") -> None: ...

    def condition(
        self, text: str | None, node: ast.Node | None, marks: Mapping[str, Mark]
    ) -> None: ...


def check_assignments(
    checker: _Reporter, strategy: Strategy, teams: Mapping[str, str] | None
) -> None:
    seen: dict[str, int] = {s.id: s.line for s in strategy.steps()}
    for a in strategy.assignments():
        if a.step in seen and seen[a.step] != a.line:
            mark = a.marks.get("id", a.marks.get("", NOWHERE))
            checker.add(mark, f"duplicate step id '{a.step}'", "duplicate-id")
        seen[a.step] = a.line
        checker.condition(a.when, a.when_ast, a.marks)
        _value(checker, a)
        for i, column in enumerate(a.skills_from):
            if column not in checker.schema:
                mark = a.marks.get(f"assign/skills_from/{i}", NOWHERE)
                severity: Severity = "error" if checker.strict else "warning"
                checker.add(
                    mark, f"skills_from: unknown column '{column}'", "unknown-column", severity
                )
        _options(checker, a)
        if teams is not None:
            _teams(checker, a, teams)


def _value(checker: _Reporter, a: Assign) -> None:
    if a.value is None or a.value_ast is None:
        return
    mark = a.marks.get("assign/value", NOWHERE)
    for issue in check_types(a.value_ast, checker.schema, expect_boolean=False):
        line, column = mark.locate(a.value, issue.line, issue.column)
        severity: Severity = issue.severity
        if issue.code == "unknown-column" and not checker.strict:
            severity = "warning"
        checker.add(Mark(line, column), f"value: {issue.message}", issue.code, severity)
    kind = infer_kind(a.value_ast, checker.schema)
    if kind not in ("number", "unknown"):
        checker.add(mark, f"value must be a number, not a {kind}", "type")


def _options(checker: _Reporter, a: Assign) -> None:
    where = a.marks.get("assign", a.marks.get("", NOWHERE))
    if a.handoff is not None and a.to != "robot":
        checker.add(
            where, f"step '{a.step}': handoff is for robot steps (to: robot)", "assign", "warning"
        )
    if (a.recall_after_days is not None or a.replace) and a.to != "agency":
        message = f"step '{a.step}': recall and replace are for agency steps (to: agency)"
        checker.add(where, message, "assign", "warning")
    if a.mode != "dispatch" and a.to != "team":
        message = f"step '{a.step}': robots and agencies are dispatched; mode {a.mode} is ignored"
        checker.add(where, message, "assign", "warning")


def _teams(checker: _Reporter, a: Assign, teams: Mapping[str, str]) -> None:
    wanted = TEAM_KIND_FOR[a.to]
    for i, team in enumerate(a.teams):
        mark = a.marks.get(f"assign/teams/{i}", a.marks.get("assign/teams", NOWHERE))
        if team not in teams:
            checker.add(
                mark, f"step '{a.step}': team '{team}' is not in the teams table", "unknown-team"
            )
        elif teams[team] != wanted:
            message = (
                f"step '{a.step}' assigns to {a.to}, but team '{team}' is a {teams[team]} team "
                f"(needs {wanted})"
            )
            checker.add(mark, message, "team-kind")
    if a.handoff is not None and a.handoff not in teams:
        mark = a.marks.get("assign/handoff", NOWHERE)
        message = f"step '{a.step}': handoff team '{a.handoff}' is not in the teams table"
        checker.add(mark, message, "unknown-team", "warning")
