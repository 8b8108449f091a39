"""The offer engine: may this account be offered these terms, and who must agree?

Pure: an account (its columns and the planner's features), a request and the strategy's offer
rules in, a `Decision` out; the date is passed in, nothing is read or written. The answer is
one of three:

- `allowed` — the requesting role may agree it alone;
- `needs_approval` — within the rule, but beyond the requester's authority: `approver_role`
  is the lowest role that may grant it;
- `refused` — no rule offers this kind to the account, or the terms break the rule (below
  the floor, beyond every authority, a schedule the rule does not allow), with the reason.

Shares are exact fractions and money whole minor units (`arrears.offers.money`), so a
discount exactly at a role's limit is within it and one a hair above is not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import polars as pl

from arrears.offers.money import (
    ceil_share,
    decimal_of,
    from_minor,
    money_text,
    percent,
    share_of,
    to_minor,
)
from arrears.strategy import ast
from arrears.strategy.check import contract_columns
from arrears.strategy.check_offers import OFFER_CONDITION_COLUMNS
from arrears.strategy.compile_polars import condition_expr
from arrears.strategy.model import OFFER_KINDS, OFFER_ROLES, OfferRule, Strategy

Outcome = Literal["allowed", "needs_approval", "refused"]
OUTCOMES: tuple[Outcome, ...] = ("allowed", "needs_approval", "refused")

NO_OFFER_STATUSES: Mapping[str, str] = {
    "settled": "nothing is owed",
    "dispute": "the debt is disputed: resolve the dispute first",
    "bankruptcy": "the debtor is in bankruptcy: claims go through the insolvency process",
    "deceased": "the debtor is deceased: the estate is dealt with separately",
    "legal_hold": "the account is on legal hold",
}
"""Account statuses that get no offer whatever the rules say, and why."""

WAIVER_CAPS: Mapping[str, str] = {
    "fee_waiver": "fee_balance",
    "interest_waiver": "interest_balance",
}
"""Optional account columns: when present, a waiver may not exceed the fees (interest) owed."""

DEFAULT_EVERY_DAYS = 30
"""Days between payments of a schedule the engine builds (at most the rule's maximum)."""
DEFAULT_MAX_DAYS = 31
"""Most days from the offer to its payment when the rule has no instalment terms."""


@dataclass(frozen=True)
class Instalment:
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class OfferRequest:
    """What an agent asks to offer.

    Give the discount as a share of the outstanding balance (`discount=0.3`: the customer pays
    70 %) or as the total the customer pays (`amount`); neither is no discount. A plan of
    `instalments` payments is built from `first_due` (default: the decision date) every
    `every_days` days (default 30, at most the rule's maximum gap), equal amounts in minor
    units with the last taking the remainder and the first raised to the rule's least first
    share; or give the `schedule` yourself.
    """

    kind: str
    role: str = "agent"
    discount: Decimal | float | int | str | None = None
    amount: Decimal | float | int | str | None = None
    instalments: int = 1
    schedule: tuple[Instalment, ...] | None = None
    first_due: date | None = None
    every_days: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in OFFER_KINDS:
            raise ValueError(f"unknown offer kind '{self.kind}' (one of: {', '.join(OFFER_KINDS)})")
        if self.role not in OFFER_ROLES:
            raise ValueError(f"unknown role '{self.role}' (one of: {', '.join(OFFER_ROLES)})")
        if self.discount is not None and self.amount is not None:
            raise ValueError("give the discount or the amount, not both")
        if self.discount is not None:
            object.__setattr__(self, "discount", decimal_of(self.discount, "discount"))
            share_of(self.discount, "discount")
        if self.amount is not None:
            object.__setattr__(self, "amount", decimal_of(self.amount, "amount"))
            if decimal_of(self.amount, "amount") < 0:
                raise ValueError(f"amount: {self.amount} is negative")
        if self.schedule is not None:
            object.__setattr__(self, "schedule", tuple(self.schedule))
            if not self.schedule:
                raise ValueError("schedule: at least one payment")
            if self.instalments not in (1, len(self.schedule)):
                raise ValueError(
                    f"instalments: {self.instalments}, but the schedule has "
                    f"{len(self.schedule)} payments"
                )
            object.__setattr__(self, "instalments", len(self.schedule))
        if self.instalments < 1:
            raise ValueError(f"instalments: {self.instalments} (at least 1)")
        if self.every_days is not None and self.every_days < 1:
            raise ValueError(f"every_days: {self.every_days} (at least 1)")


@dataclass(frozen=True)
class Terms:
    """What the customer would agree to: the total paid, the discount and the schedule."""

    kind: str
    currency: str | None
    balance: Decimal
    total: Decimal
    discount: Decimal
    discount_share: Fraction
    schedule: tuple[Instalment, ...]


@dataclass(frozen=True)
class Decision:
    account_id: str
    kind: str
    requested_by: str
    outcome: Outcome
    approver_role: str | None  # the lowest role that may grant it alone; None when refused
    rule_id: str | None
    reason: str
    terms: Terms | None
    on: date
    problems: tuple[str, ...] = field(default=(), repr=False)  # every reason for a refusal

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly: amounts as decimal strings, the share as a decimal string too."""
        terms = self.terms
        return {
            "account_id": self.account_id,
            "on": self.on.isoformat(),
            "kind": self.kind,
            "requested_by": self.requested_by,
            "outcome": self.outcome,
            "approver_role": self.approver_role,
            "rule_id": self.rule_id,
            "reason": self.reason,
            "terms": None
            if terms is None
            else {
                "currency": terms.currency,
                "balance": str(terms.balance),
                "total": str(terms.total),
                "discount": str(terms.discount),
                "discount_share": _share_text(terms.discount_share),
                "schedule": [
                    {"due_date": i.due_date.isoformat(), "amount": str(i.amount)}
                    for i in terms.schedule
                ],
            },
        }


def role_rank(role: str) -> int:
    return OFFER_ROLES.index(role)


def rules_of(rules: Strategy | Sequence[OfferRule]) -> tuple[OfferRule, ...]:
    return rules.offers if isinstance(rules, Strategy) else tuple(rules)


def matching(rules: Strategy | Sequence[OfferRule], accounts: pl.DataFrame) -> pl.DataFrame:
    """One Boolean column per rule (in order, named by position `0`, `1` …): does its `when`
    hold for each account? Vectorized; a condition that cannot be decided does not match."""
    ruleset = rules_of(rules)
    schema = dict(accounts.schema)
    exprs = []
    for i, rule in enumerate(ruleset):
        if rule.when_ast is None:
            expr = pl.lit(rule.when is None)  # a `when` that failed to parse matches nothing
        else:
            missing = sorted(ast.columns(rule.when_ast) - set(accounts.columns))
            if missing:
                listed = ", ".join(f"'{m}'" for m in missing)
                raise ValueError(
                    f"offer '{rule.id}' reads {listed}, which the accounts do not have"
                )
            expr = condition_expr(rule.when_ast, schema)
        exprs.append(expr.fill_null(False).cast(pl.Boolean).alias(f"__offer_{i}"))
    if not exprs:
        return pl.DataFrame()
    # with_columns, not select: a rule without `when` is a literal, broadcast to every row
    names = {f"__offer_{i}": str(i) for i in range(len(exprs))}
    return accounts.with_columns(exprs).select(list(names)).rename(names)


def decide(
    account: Mapping[str, Any] | pl.DataFrame,
    request: OfferRequest,
    rules: Strategy | Sequence[OfferRule],
    *,
    on: date,
) -> Decision:
    """The decision on one request. `account` is a features row (`planning.plan.features` then
    `segment_accounts`: it has `bucket`, `dpd`, `segment` …) as a one-row frame or a mapping."""
    frame = _one_row(account)
    ruleset = rules_of(rules)
    hits = matching(ruleset, frame).row(0) if ruleset else ()
    return _decide(frame.row(0, named=True), tuple(bool(h) for h in hits), request, ruleset, on)


def decide_many(
    requests: pl.DataFrame, rules: Strategy | Sequence[OfferRule], *, on: date
) -> pl.DataFrame:
    """Decisions for a frame of requests: the accounts' columns (features) plus `kind`, `role`
    and optionally `discount`, `amount`, `instalments`, `first_due`, `every_days`.

    The rules' conditions are evaluated over the whole frame at once; the money arithmetic then
    runs per row through the same code as `decide`, so both always agree.
    """
    ruleset = rules_of(rules)
    hits = matching(ruleset, requests).rows() if ruleset else [()] * requests.height
    out: list[dict[str, Any]] = []
    for i, (row, hit) in enumerate(zip(requests.iter_rows(named=True), hits, strict=True)):
        try:
            request = _request_of(row)
        except ValueError as exc:
            raise ValueError(f"request {i} (account {row.get('account_id')}): {exc}") from None
        d = _decide(row, tuple(bool(h) for h in hit), request, ruleset, on)
        t = d.terms
        out.append(
            {
                "account_id": d.account_id,
                "kind": d.kind,
                "role": d.requested_by,
                "outcome": d.outcome,
                "approver_role": d.approver_role,
                "rule_id": d.rule_id,
                "reason": d.reason,
                "total": None if t is None else float(t.total),
                "discount": None if t is None else float(t.discount),
                "discount_share": None if t is None else float(t.discount_share),
                "instalments": None if t is None else len(t.schedule),
            }
        )
    return pl.DataFrame(out, schema=_DECISIONS_SCHEMA)


_DECISIONS_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "kind": pl.String(),
    "role": pl.String(),
    "outcome": pl.String(),
    "approver_role": pl.String(),
    "rule_id": pl.String(),
    "reason": pl.String(),
    "total": pl.Float64(),
    "discount": pl.Float64(),
    "discount_share": pl.Float64(),
    "instalments": pl.Int32(),
}


def plan_schedule(
    total: Decimal | int | str,
    currency: str | None,
    count: int,
    *,
    start: date,
    every_days: int = DEFAULT_EVERY_DAYS,
    min_first_share: Decimal | Fraction | float = 0,
) -> tuple[Instalment, ...]:
    """`count` payments of `total` from `start` every `every_days` days: equal in minor units,
    the first raised to `min_first_share` of the total if needed, the last taking the
    remainder, so they always sum exactly to the total."""
    minor = to_minor(total, currency, what="total")
    amounts = _split(minor, count, share_of(min_first_share, "min_first_share"))
    return tuple(
        Instalment(start + timedelta(days=k * every_days), from_minor(a, currency))
        for k, a in enumerate(amounts)
    )


# --- the decision -----------------------------------------------------------------------


def _decide(
    row: Mapping[str, Any],
    hits: tuple[bool, ...],
    request: OfferRequest,
    rules: tuple[OfferRule, ...],
    on: date,
) -> Decision:
    account_id = str(row.get("account_id") or "")
    currency = _opt_str(row.get("currency"))

    def refused(
        reasons: Sequence[str], rule: OfferRule | None = None, terms: Terms | None = None
    ) -> Decision:
        return Decision(
            account_id, request.kind, request.role, "refused", None,
            None if rule is None else rule.id, "; ".join(reasons), terms, on, tuple(reasons),
        )  # fmt: skip

    status = _opt_str(row.get("status")) or "active"
    if status in NO_OFFER_STATUSES:
        return refused([f"account status '{status}': {NO_OFFER_STATUSES[status]}"])
    raw_balance = row.get("outstanding_balance")
    balance = 0 if raw_balance is None else to_minor(raw_balance, currency, exact=False)
    if balance <= 0:
        return refused(["nothing is outstanding on the account"])
    matched = [rule for rule, hit in zip(rules, hits, strict=True) if hit]
    where = _where(row)
    if not matched:
        return refused([f"no offer rule matches the account ({where})"])
    rule = next((r for r in matched if request.kind in r.kinds), None)
    if rule is None:
        offered = "; ".join(f"'{r.id}' offers {', '.join(r.kinds)}" for r in matched)
        return refused([f"no offer rule gives {request.kind} to this account ({where}): {offered}"])

    problems: list[str] = []
    total, share = _total(request, balance, currency)
    if total > balance:
        reason = (
            f"the agreed total {money_text(total, currency)} is more than the outstanding "
            f"balance {money_text(balance, currency)}"
        )
        return refused([reason], rule)
    if total == 0:
        reason = "a discount of 100% leaves nothing to pay: that is a write-off, not an offer"
        return refused([reason], rule)
    schedule, schedule_problems = _schedule(request, total, currency, rule, on)
    terms = Terms(
        kind=request.kind,
        currency=currency,
        balance=from_minor(balance, currency),
        total=from_minor(total, currency),
        discount=from_minor(balance - total, currency),
        discount_share=share,
        schedule=schedule,
    )
    if rule.floor is not None and share > 1 - Fraction(rule.floor):
        least = ceil_share(Fraction(rule.floor), balance)
        problems.append(
            f"pays {percent(1 - share, beside=rule.floor)} of the balance, below the floor of "
            f"{percent(rule.floor)} of offer '{rule.id}' (at least {money_text(least, currency)})"
        )
    problems += _waiver_cap(row, request.kind, balance - total, currency)
    problems += schedule_problems
    approver, beyond = _approver(rule, share)
    if beyond is not None:
        problems.append(beyond)
    if problems or approver is None:
        return refused(problems, rule, terms)
    summary = _summary(terms, rule, currency, balance, total)
    mine = _limit_of(rule, request.role)
    if role_rank(approver) <= role_rank(request.role):
        if share == 0:
            reason = f"{summary}: no discount, any role may agree it"
        else:
            reason = f"{summary}: within the {request.role}'s authority (up to {percent(mine)})"
        return Decision(
            account_id, request.kind, request.role, "allowed", approver, rule.id, reason, terms, on
        )
    limit = rule.authority[approver]
    reason = (
        f"{summary}: a discount of {percent(share, beside=mine)} is beyond the "
        f"{request.role}'s authority (up to {percent(mine)}); a {approver} may grant it "
        f"(up to {percent(limit)})"
    )
    return Decision(
        account_id, request.kind, request.role, "needs_approval", approver, rule.id, reason,
        terms, on,
    )  # fmt: skip


def _summary(terms: Terms, rule: OfferRule, currency: str | None, balance: int, total: int) -> str:
    n = len(terms.schedule)
    paid = f"pays {money_text(total, currency)} of {money_text(balance, currency)}"
    plan = f" in {n} payments" if n > 1 else ""
    return f"{terms.kind} under offer '{rule.id}' ({paid}{plan})"


def _total(request: OfferRequest, balance: int, currency: str | None) -> tuple[int, Fraction]:
    """The total the customer pays, in minor units, and the exact discount share."""
    if request.discount is not None:
        share = share_of(request.discount, "discount")
        return balance - math.floor(share * balance), share  # the customer pays the odd cent
    if request.amount is not None:
        total = to_minor(request.amount, currency, what="amount")
    elif request.schedule is not None:
        total = sum(to_minor(i.amount, currency, what="schedule amount") for i in request.schedule)
    else:
        return balance, Fraction(0)
    return total, Fraction(max(balance - total, 0), balance)


def _approver(rule: OfferRule, share: Fraction) -> tuple[str | None, str | None]:
    """The lowest role whose limit covers `share`, or why none does."""
    if share == 0:
        return OFFER_ROLES[0], None
    if not rule.authority:
        return None, f"offer '{rule.id}' grants no discount (it gives no role authority)"
    for role in OFFER_ROLES:
        limit = rule.authority.get(role)
        if limit is not None and share <= Fraction(limit):
            return role, None
    ladder = ", ".join(
        f"{role} up to {percent(rule.authority[role])}"
        for role in OFFER_ROLES
        if role in rule.authority
    )
    top = max(rule.authority.values())
    text = f"a discount of {percent(share, beside=top)} is beyond every authority of offer "
    return None, f"{text}'{rule.id}' ({ladder})"


def _limit_of(rule: OfferRule, role: str) -> Fraction:
    """What `role` may grant alone: its own limit or any junior role's, whichever is larger."""
    limits = [
        Fraction(rule.authority[r])
        for r in OFFER_ROLES[: role_rank(role) + 1]
        if r in rule.authority
    ]
    return max(limits, default=Fraction(0))


def _waiver_cap(
    row: Mapping[str, Any], kind: str, discount: int, currency: str | None
) -> list[str]:
    column = WAIVER_CAPS.get(kind)
    if column is None or row.get(column) is None:
        return []
    cap = to_minor(row[column], currency, exact=False)
    if discount <= cap:
        return []
    what = "fees" if kind == "fee_waiver" else "interest"
    return [
        f"waives {money_text(discount, currency)}, more than the {what} owed "
        f"({money_text(cap, currency)}, {column})"
    ]


def _schedule(
    request: OfferRequest, total: int, currency: str | None, rule: OfferRule, on: date
) -> tuple[tuple[Instalment, ...], list[str]]:
    terms = rule.instalments
    problems: list[str] = []
    if request.schedule is not None:
        dates = [i.due_date for i in request.schedule]
        amounts = [to_minor(i.amount, currency, what="schedule amount") for i in request.schedule]
        if sum(amounts) != total:
            problems.append(
                f"the payments sum to {money_text(sum(amounts), currency)}, the agreed total is "
                f"{money_text(total, currency)}"
            )
    else:
        most = terms.max_days_between if terms is not None else DEFAULT_MAX_DAYS
        every = request.every_days or min(DEFAULT_EVERY_DAYS, most)
        first_share = Fraction(terms.min_first_share) if terms is not None else Fraction(0)
        start = request.first_due or on
        amounts = _split(total, request.instalments, first_share)
        dates = [start + timedelta(days=k * every) for k in range(request.instalments)]
    schedule = tuple(
        Instalment(d, from_minor(a, currency)) for d, a in zip(dates, amounts, strict=True)
    )
    n = len(schedule)
    if n > 1 and terms is None:
        problems.append(
            f"offer '{rule.id}' does not allow instalments (it has no instalments terms): "
            "one payment only"
        )
    if terms is not None and n > terms.max_count:
        problems.append(f"{n} payments, more than the {terms.max_count} offer '{rule.id}' allows")
    if any(a <= 0 for a in amounts):
        problems.append(
            f"{money_text(total, currency)} cannot be split into {n} payments of at least "
            f"{money_text(1, currency)}"
        )
    if terms is not None and n > 1 and amounts[0] < terms.min_first_share * total:
        least = ceil_share(Fraction(terms.min_first_share), total)
        problems.append(
            f"the first payment {money_text(amounts[0], currency)} is less than "
            f"{percent(terms.min_first_share)} of the total (at least "
            f"{money_text(least, currency)})"
        )
    problems += _gaps(dates, on, terms.max_days_between if terms else DEFAULT_MAX_DAYS, rule)
    return schedule, problems


def _gaps(dates: Sequence[date], on: date, most: int, rule: OfferRule) -> list[str]:
    problems: list[str] = []
    if dates[0] < on:
        problems.append(f"the first payment is due {dates[0]}, before the offer date {on}")
    elif (dates[0] - on).days > most:
        problems.append(
            f"the first payment is due {(dates[0] - on).days} days after the offer date, "
            f"more than the {most} offer '{rule.id}' allows"
        )
    for k in range(1, len(dates)):
        gap = (dates[k] - dates[k - 1]).days
        if gap <= 0:
            problems.append(f"payment {k + 1} is not due after payment {k}")
        elif gap > most:
            problems.append(
                f"{gap} days between payments {k} and {k + 1}, more than the {most} "
                f"offer '{rule.id}' allows"
            )
    return problems


def _split(total: int, count: int, first_share: Fraction) -> list[int]:
    """`count` amounts summing exactly to `total`: equal, the first at least `first_share` of
    the total, the last taking the remainder."""
    if count == 1:
        return [total]
    first = max(total // count, ceil_share(first_share, total))
    rest = (total - first) // (count - 1)
    return [first] + [rest] * (count - 2) + [total - first - rest * (count - 2)]


# --- inputs -------------------------------------------------------------------------------


def _one_row(account: Mapping[str, Any] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(account, pl.DataFrame):
        if account.height != 1:
            raise ValueError(f"one account at a time: the frame has {account.height} rows")
        return account
    frame = pl.DataFrame([dict(account)])
    # A missing value in a mapping has no type: give it the contract's (or the planner's) type
    # of that column, text otherwise, so it compares as unknown (null) rather than failing.
    known = {**contract_columns(), **OFFER_CONDITION_COLUMNS}
    nulls = [name for name, dtype in frame.schema.items() if dtype == pl.Null]
    return frame.with_columns(pl.col(n).cast(known.get(n, pl.String())) for n in nulls)


def _request_of(row: Mapping[str, Any]) -> OfferRequest:
    every = row.get("every_days")
    return OfferRequest(
        kind=str(row.get("kind")),
        role=str(row.get("role") or "agent"),
        discount=row.get("discount"),
        amount=row.get("amount"),
        instalments=int(row.get("instalments") or 1),
        first_due=row.get("first_due"),
        every_days=None if every is None else int(every),
    )


def _where(row: Mapping[str, Any]) -> str:
    parts = [
        f"{name} {row[name]}" for name in ("bucket", "segment", "dpd") if row.get(name) is not None
    ]
    return ", ".join(parts) if parts else "no bucket or segment"


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _share_text(share: Fraction) -> str:
    value = Decimal(share.numerator) / Decimal(share.denominator)
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"
