"""Semantic checks of a loaded strategy, run before it touches any account.

The loader guarantees the file is well formed; this module finds what is well formed and
still wrong: a column that does not exist, a type mismatch, buckets that overlap, a segment
no account can reach, a channel or role the planner does not know, an experiment that
overrides a step that is not there. Every diagnostic points into the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import polars as pl

from arrears.contract.tables import CHANNELS, ROLES, TABLES
from arrears.dialing.schedule import SLOTTED
from arrears.planning.derived import CUSTOMER_COLUMNS, DERIVED, SCORES
from arrears.strategy import ast
from arrears.strategy.check_assign import check_assignments
from arrears.strategy.check_offers import check_offers
from arrears.strategy.diagnostics import Diagnostic, Severity
from arrears.strategy.model import NOWHERE, Bucket, Mark, Segment, Step, Strategy
from arrears.strategy.typecheck import check_types
from arrears.strategy.yamlpos import did_you_mean

KNOWN_JURISDICTIONS: tuple[str, ...] = ("CN", "US", "GB")

_KIND_DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us", "UTC"),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
}


@cache
def contract_columns() -> Mapping[str, pl.DataType]:
    """What a condition may use when no data is at hand: the contract's accounts columns,
    the customer's columns and the planner's derived features (the account's win a clash)."""
    out: dict[str, pl.DataType] = {**DERIVED, **SCORES}
    customers = TABLES["customers"]
    for name in CUSTOMER_COLUMNS:
        out[name] = _KIND_DTYPES[customers.column(name).kind]
    for col in TABLES["accounts"].columns:
        out[col.name] = _KIND_DTYPES[col.kind]
    return out


def check_strategy(
    strategy: Strategy,
    columns: Mapping[str, pl.DataType] | None = None,
    teams: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """Diagnostics sorted by position.

    Without `columns` a column outside the contract is only a warning, since accounts may
    carry any extra column; with `columns` (the data's schema; derived features are added)
    it is an error. `teams` (team id → kind, from the data) lets assign steps be checked
    against the staff they name.
    """
    checker = _Checker(strategy, columns)
    checker.jurisdictions()
    checker.buckets()
    checker.conditions()
    checker.reachability()
    checker.steps()
    checker.experiment()
    checker.house()
    check_assignments(checker, strategy, teams)
    check_offers(checker, strategy)
    return sorted(checker.out, key=lambda d: (d.line, d.column, d.message))


class _Checker:
    def __init__(self, strategy: Strategy, columns: Mapping[str, pl.DataType] | None) -> None:
        self.strategy = strategy
        self.strict = columns is not None
        self.schema: Mapping[str, pl.DataType] = (
            {**DERIVED, **columns} if columns is not None else contract_columns()
        )
        self.bucket_names = frozenset(b.name for b in strategy.buckets)
        self.out: list[Diagnostic] = []

    def add(self, mark: Mark, message: str, code: str, severity: Severity = "error") -> None:
        file = self.strategy.source
        self.out.append(Diagnostic(file, mark.line, mark.column, message, severity, code))

    def jurisdictions(self) -> None:
        seen: set[str] = set()
        marks = self.strategy.marks
        single = len(self.strategy.jurisdiction) == 1 and "jurisdiction/0" not in marks
        for i, code in enumerate(self.strategy.jurisdiction):
            mark = marks.get("jurisdiction" if single else f"jurisdiction/{i}", NOWHERE)
            if code not in KNOWN_JURISDICTIONS:
                known = ", ".join(KNOWN_JURISDICTIONS)
                self.add(mark, f"unknown jurisdiction '{code}' (known: {known})", "jurisdiction")
            elif code in seen:
                self.add(mark, f"jurisdiction '{code}' is listed twice", "jurisdiction", "warning")
            seen.add(code)

    def buckets(self) -> None:
        ordered = sorted(self.strategy.buckets, key=lambda b: b.lo)
        for b in ordered:
            if b.hi is not None and b.hi < b.lo:
                self.add(
                    b.mark, f"bucket '{b.name}' ends ({b.hi}) before it starts ({b.lo})", "bucket"
                )
        widest = None
        for b in ordered:
            if b.hi is not None and b.hi < b.lo:
                continue
            if widest is not None:
                end = widest.hi
                if end is None or b.lo <= end:
                    until = "open end" if end is None else str(end)
                    message = (
                        f"bucket '{b.name}' ({b.lo}-{b.hi if b.hi is not None else 'open'}) "
                        f"overlaps bucket '{widest.name}' (up to {until})"
                    )
                    self.add(b.mark, message, "bucket-overlap")
                elif b.lo > end + 1:
                    message = f"dpd {end + 1}-{b.lo - 1} fall in no bucket (before '{b.name}')"
                    self.add(b.mark, message, "bucket-gap", "warning")
            if widest is None or (widest.hi is not None and (b.hi is None or b.hi > widest.hi)):
                widest = b

    def conditions(self) -> None:
        for segment in self.strategy.segments:
            self.condition(segment.when, segment.when_ast, segment.marks)
            for step in segment.steps:
                self.condition(step.when, step.when_ast, step.marks)

    def condition(self, text: str | None, node: ast.Node | None, marks: Mapping[str, Mark]) -> None:
        if text is None or node is None:
            return
        mark = marks.get("when", NOWHERE)
        for issue in check_types(node, self.schema):
            line, column = mark.locate(text, issue.line, issue.column)
            message, severity = issue.message, issue.severity
            if issue.code == "unknown-column":
                name = message.split("'")[1]
                if self.strict and name in SCORES:
                    target = name.removeprefix("score_")
                    message += (
                        f": a model score; plan with --models holding a '{target}' model "
                        f"(arrears train --model {target})"
                    )
                elif self.strict:
                    message += did_you_mean(name, self.schema)
                else:
                    message = (
                        f"column '{name}' is not in the contract: it must be present in the data"
                    )
                    message += did_you_mean(name, self.schema)
                    severity = "warning"
            self.add(Mark(line, column), message, issue.code, severity)
        for lit in _bucket_literals(node):
            if lit.value not in self.bucket_names:
                line, column = mark.locate(text, lit.line, lit.column)
                message = f"there is no bucket '{lit.value}'" + did_you_mean(
                    str(lit.value), self.bucket_names
                )
                self.add(Mark(line, column), message, "unknown-bucket", "warning")

    def reachability(self) -> None:
        catch_all: Segment | None = None
        for segment in self.strategy.segments:
            mark = segment.marks.get("", NOWHERE)
            if catch_all is not None:
                message = (
                    f"segment '{segment.id}' is unreachable: segment '{catch_all.id}' "
                    f"(line {catch_all.line}) takes every account before it"
                )
                self.add(mark, message, "unreachable-segment", "warning")
                continue
            if segment.when is None or segment.when_ast == ast.TRUE:
                catch_all = segment
                continue
            allowed = self.allowed_buckets(segment)
            if allowed is not None and not allowed:
                message = (
                    f"segment '{segment.id}' is unreachable: no bucket satisfies its condition"
                )
                self.add(segment.marks.get("when", mark), message, "unreachable-segment", "warning")

    def allowed_buckets(self, segment: Segment) -> frozenset[str] | None:
        if segment.when_ast is None:
            return None
        allowed = _allowed(segment.when_ast, self.bucket_names)
        return None if allowed is None else allowed & self.bucket_names

    def steps(self) -> None:
        segment_ids: set[str] = set()
        step_ids: set[str] = set()
        for segment in self.strategy.segments:
            if segment.id in segment_ids:
                mark = segment.marks.get("id", NOWHERE)
                self.add(mark, f"duplicate segment id '{segment.id}'", "duplicate-id")
            segment_ids.add(segment.id)
            allowed = self.allowed_buckets(segment)
            buckets = [b for b in self.strategy.buckets if allowed is None or b.name in allowed]
            for step in segment.steps:
                marks = step.marks
                if step.id in step_ids:
                    mark = marks.get("id", marks.get("", NOWHERE))
                    self.add(mark, f"duplicate step id '{step.id}'", "duplicate-id")
                step_ids.add(step.id)
                self.enums(step.channel, step.audience, marks, "")
                self.send_by(step)
                if allowed and step.before_due:
                    self.before_due_in_buckets(step, buckets, segment.id)
                elif allowed:
                    self.days_in_buckets(step.days, buckets, marks, segment.id, step.id)

    def send_by(self, step: Step) -> None:
        """A `send_by` the call lists cannot honour: an unslotted channel, or a time no window
        of the house contact hours starts before."""
        if step.send_by is None:
            return
        mark = step.marks.get("send_by", NOWHERE)
        if step.channel not in SLOTTED:
            message = (
                f"step '{step.id}': send_by has no effect on {step.channel}: only "
                f"{', '.join(SLOTTED)} are time-slotted"
            )
            self.add(mark, message, "send-by", "warning")
        hours = self.strategy.house.get("contact_hours")
        if isinstance(hours, list | tuple) and len(hours) == 2 and step.send_by <= str(hours[0]):
            message = (
                f"step '{step.id}': send_by {step.send_by} is not after the house contact hours' "
                f"start {hours[0]}: no slot starts before it, so the whole window is used"
            )
            self.add(mark, message, "send-by", "warning")

    def days_in_buckets(
        self,
        days: tuple[int, ...],
        buckets: list[Bucket],
        marks: Mapping[str, Mark],
        seg: str,
        step: str,
    ) -> None:
        names = ", ".join(b.name for b in buckets)
        for k, day in enumerate(days):
            if not any(b.contains(day) for b in buckets):
                message = (
                    f"step '{step}' never fires on day {day}: segment '{seg}' only holds "
                    f"accounts in {names}"
                )
                mark = marks.get(f"days/{k}", NOWHERE)
                self.add(mark, message, "unreachable-step", "warning")

    def before_due_in_buckets(self, step: Step, buckets: list[Bucket], seg: str) -> None:
        """A due-relative step fires only on dpd 0: its segment must hold a bucket with it."""
        if any(b.contains(day) for b in buckets for day in step.dpd_days):
            return
        names = ", ".join(b.name for b in buckets)
        message = (
            f"step '{step.id}' never fires: days_before_due fires only while the account is "
            f"not overdue (dpd 0), and segment '{seg}' only holds accounts in {names}"
        )
        mark = step.marks.get("days_before_due#key", step.marks.get("", NOWHERE))
        self.add(mark, message, "unreachable-step", "warning")

    def enums(self, channel: object, audience: object, marks: Mapping[str, Mark], at: str) -> None:
        if channel is not None and channel not in CHANNELS:
            message = f"unknown channel '{channel}' (one of: {', '.join(CHANNELS)})"
            self.add(marks.get(f"{at}channel", NOWHERE), message, "unknown-channel")
        if audience is not None and audience not in ROLES:
            message = f"unknown audience '{audience}' (a contact role: {', '.join(ROLES)})"
            self.add(marks.get(f"{at}audience", NOWHERE), message, "unknown-audience")

    def experiment(self) -> None:
        experiment = self.strategy.experiment
        if experiment is None:
            return
        step_ids = {s.id for s in self.strategy.steps()}
        arm_ids: set[str] = set()
        for arm in experiment.arms:
            marks = arm.marks
            if arm.id in arm_ids:
                self.add(marks.get("id", NOWHERE), f"duplicate arm id '{arm.id}'", "duplicate-id")
            arm_ids.add(arm.id)
            if not arm.weight > 0:
                message = f"arm '{arm.id}' has weight {arm.weight}: weights must be positive"
                self.add(marks.get("weight", NOWHERE), message, "arm-weight")
            for step_id, fields in arm.overrides.items():
                if step_id not in step_ids:
                    message = f"arm '{arm.id}' overrides unknown step '{step_id}'"
                    message += did_you_mean(step_id, step_ids)
                    self.add(
                        marks.get(f"overrides/{step_id}#key", NOWHERE), message, "unknown-step"
                    )
                at = f"overrides/{step_id}/"
                self.enums(fields.get("channel"), fields.get("audience"), marks, at)

    def house(self) -> None:
        hours = self.strategy.house.get("contact_hours")
        if isinstance(hours, list | tuple) and len(hours) == 2 and str(hours[0]) >= str(hours[1]):
            mark = self.strategy.marks.get("house/contact_hours", NOWHERE)
            message = f"house contact_hours {hours[0]}-{hours[1]}: the start must be before the end"
            self.add(mark, message, "house")


def _bucket_test(node: ast.Node) -> tuple[str, frozenset[str]] | None:
    """(op, names) when `node` tests the bucket column against string literals."""
    match node:
        case (
            ast.Compare(
                op=("==" | "!=") as op,
                left=ast.Column(name="bucket"),
                right=ast.Literal(kind="string", value=v),
            )
            | ast.Compare(
                op=("==" | "!=") as op,
                left=ast.Literal(kind="string", value=v),
                right=ast.Column(name="bucket"),
            )
        ):
            return ("in" if op == "==" else "not in"), frozenset({str(v)})
        case ast.InList(operand=ast.Column(name="bucket"), items=items, negated=negated):
            names = frozenset(str(i.value) for i in items if i.kind == "string")
            return ("not in" if negated else "in"), names
    return None


def _bucket_literals(node: ast.Node) -> list[ast.Literal]:
    out: list[ast.Literal] = []
    for n in ast.walk(node):
        if _bucket_test(n) is not None:
            out.extend(
                c for c in ast.children(n) if isinstance(c, ast.Literal) and c.kind == "string"
            )
    return out


def _allowed(node: ast.Node, names: frozenset[str]) -> frozenset[str] | None:
    """The buckets an account can be in when `node` holds; None when it does not say."""
    test = _bucket_test(node)
    if test is not None:
        op, listed = test
        return listed if op == "in" else names - listed
    match node:
        case ast.BoolOp(op="and", left=left, right=right):
            lhs, rhs = _allowed(left, names), _allowed(right, names)
            if lhs is None or rhs is None:
                return lhs if rhs is None else rhs
            return lhs & rhs
        case ast.BoolOp(op="or", left=left, right=right):
            lhs, rhs = _allowed(left, names), _allowed(right, names)
            return None if lhs is None or rhs is None else lhs | rhs
    return None
