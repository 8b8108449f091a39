"""The strategy as loaded from its file: plain frozen values, no behaviour.

Every object keeps where it came from (`line`, `column`, and `marks` for its fields) so the
checker can point at the exact place in the file, but positions take no part in equality:
two files that say the same thing load to equal strategies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from arrears.strategy.ast import Node

CHAMPION = "champion"
"""The arm of every account when the strategy runs no experiment."""


def _no_marks() -> Mapping[str, Mark]:
    return MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Mark:
    """Where a value sits in the file (1-based), and where each of its characters sits.

    `chars` is filled for scalars whose text is parsed again (conditions), so an error at
    character 12 of a quoted, folded or escaped YAML string still lands on the right column.
    """

    line: int
    column: int
    chars: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def locate(self, text: str, line: int, column: int) -> tuple[int, int]:
        """The file position of `line:column` (1-based) within the scalar's value `text`."""
        lines = text.split("\n")
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
        if 0 <= offset < len(self.chars):
            return self.chars[offset]
        if self.chars and offset == len(self.chars):
            last_line, last_col = self.chars[-1]
            return last_line, last_col + 1
        return self.line, self.column + max(offset, 0)


NOWHERE = Mark(0, 0)


@dataclass(frozen=True)
class Bucket:
    """A DPD range, inclusive; `hi` None is an open end."""

    name: str
    lo: int
    hi: int | None
    mark: Mark = field(default=NOWHERE, compare=False, repr=False)

    def contains(self, dpd: int) -> bool:
        return self.lo <= dpd and (self.hi is None or dpd <= self.hi)


DEFAULT_BUCKETS: tuple[Bucket, ...] = (
    Bucket("M0", 0, 0),
    Bucket("M1", 1, 30),
    Bucket("M2", 31, 60),
    Bucket("M3", 61, 90),
    Bucket("M4", 91, 120),
    Bucket("M5", 121, 150),
    Bucket("M6", 151, 180),
    Bucket("M7+", 181, None),
)
"""The industry's 30-day buckets, where no strategy gives its own (training labels, reports)."""


@dataclass(frozen=True)
class Step:
    """One contact. It fires on `days` (days past due) or, for a due-relative step, on
    `days_before_due` (days before the account's next_due_date, while it is not overdue):
    exactly one of the two is given, the other is empty."""

    id: str
    days: tuple[int, ...]
    channel: str
    template: str | None = None
    team: str | None = None
    audience: str = "debtor"
    priority: int = 50
    tone: str = "reminder"  # reminder, negotiation, pressure, warning (TONES)
    third_party_safe: bool = False  # the template tells a third party nothing of the debt
    opt_out_notice: bool = False  # the template says how to opt out (e-mail, SMS)
    send_by: str | None = None  # local "HH:MM" the contact must start before (call lists)
    when: str | None = None
    when_ast: Node | None = None
    days_before_due: tuple[int, ...] = ()  # instead of `days`: 0 = the due date itself
    line: int = field(default=0, compare=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)

    @property
    def before_due(self) -> bool:
        """Fires relative to next_due_date (pre-due and due-day reminders), not to dpd."""
        return bool(self.days_before_due)

    @property
    def dpd_days(self) -> tuple[int, ...]:
        """The days past due the step can fire on: a due-relative step only on dpd 0."""
        return DUE_DPD if self.before_due else self.days

    def dpd_days_in(self, overrides: Mapping[str, Any]) -> tuple[int, ...]:
        """`dpd_days` in an arm whose `overrides` (of this step) may replace its days."""
        if "days" in overrides:
            return tuple(overrides["days"])
        return DUE_DPD if "days_before_due" in overrides else self.dpd_days


DUE_DPD: tuple[int, ...] = (0,)
"""The dpd of every account a due-relative step fires for: not yet overdue."""

DAY_FIELDS: tuple[str, ...] = ("days", "days_before_due")
"""When a step fires: exactly one of them is given (an arm's override replaces either)."""


ASSIGN_TO: tuple[str, ...] = ("team", "robot", "agency")
ASSIGN_MODES: tuple[str, ...] = ("dispatch", "pool", "hybrid")
EXITS: tuple[str, ...] = ("paid", "settled", "promise", "dispute", "hold")


@dataclass(frozen=True)
class Assign:
    """A step's `assign` block: who may own the case, how it is given, when it moves on.

    The case is wanted by the step from `from_dpd` on while the account is in the segment, the
    step's `when` holds and none of `exits` applies. `value` (an expression, None for the
    default) is the expected recovery the optimizer ranks by.
    """

    step: str
    segment: str
    to: str
    teams: tuple[str, ...]
    from_dpd: int = 0
    from_knee: bool = False  # `from_dpd: knee`: start at the suggested knee (plan --timing)
    mode: str = "dispatch"
    dispatch_share: float = 0.3
    value: str | None = None
    value_ast: Node | None = None
    skills: tuple[str, ...] = ()
    skills_from: tuple[str, ...] = ()
    language: bool = True
    contacts_per_case: float = 8.0
    minutes_per_case: float | None = None
    lift: Mapping[str, float] = field(default_factory=_empty)
    rotate_after_days: int | None = None
    rotate_no_rpc_days: int | None = None
    recall_after_days: int | None = None
    replace: bool = False
    handoff: str | None = None
    exits: tuple[str, ...] = EXITS
    when: str | None = None
    when_ast: Node | None = None
    line: int = field(default=0, compare=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)


@dataclass(frozen=True)
class Segment:
    """Segments are ordered: an account belongs to the first whose `when` holds."""

    id: str
    when: str | None
    when_ast: Node | None
    steps: tuple[Step, ...]
    assignments: tuple[Assign, ...] = ()
    line: int = field(default=0, compare=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)


TONES: tuple[str, ...] = ("reminder", "negotiation", "pressure", "warning")
"""How a contact presses: the product brief's four kinds of words (话术)."""

OVERRIDABLE: tuple[str, ...] = (
    "channel",
    "template",
    "team",
    "priority",
    "days",
    "days_before_due",
    "audience",
    "enabled",
)


@dataclass(frozen=True)
class Arm:
    """One arm; `overrides` maps a step id to the fields this arm changes on it."""

    id: str
    weight: float
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)
    line: int = field(default=0, compare=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)


@dataclass(frozen=True)
class Experiment:
    """Champion/challenger arms; `salt` keeps assignments independent between experiments."""

    id: str
    salt: str
    arms: tuple[Arm, ...]
    line: int = field(default=0, compare=False)


OFFER_KINDS: tuple[str, ...] = ("instalments", "settlement", "fee_waiver", "interest_waiver")
"""What an agent may offer (协商还款): a repayment plan, a settlement below the balance, or
a waiver of fees or interest. See docs/offers.md."""

OFFER_ROLES: tuple[str, ...] = ("agent", "supervisor", "manager")
"""Who may grant an offer, most junior first: each role may grant what those below it may."""


@dataclass(frozen=True)
class InstalmentTerms:
    """How an agreed total may be split: at most `max_count` payments, the first at least
    `min_first_share` of the total, no more than `max_days_between` days without a payment."""

    max_count: int
    min_first_share: Decimal = Decimal(0)
    max_days_between: int = 31


@dataclass(frozen=True)
class OfferRule:
    """One `offers:` entry: which accounts (`when`), which kinds, the floor (the least share of
    the outstanding balance the customer pays) and each role's authority (the largest discount
    share, of the outstanding balance, it may grant alone)."""

    id: str
    when: str | None
    when_ast: Node | None
    kinds: tuple[str, ...]
    floor: Decimal | None = None
    authority: Mapping[str, Decimal] = field(default_factory=_empty)
    instalments: InstalmentTerms | None = None
    line: int = field(default=0, compare=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)


@dataclass(frozen=True)
class Strategy:
    name: str
    version: int | str
    jurisdiction: tuple[str, ...]
    buckets: tuple[Bucket, ...]
    segments: tuple[Segment, ...]
    experiment: Experiment | None = None
    house: Mapping[str, Any] = field(default_factory=_empty)
    dialing: Mapping[str, Any] = field(default_factory=_empty)
    offers: tuple[OfferRule, ...] = ()
    templates: str | None = None  # the template library's folder, relative to the file
    content_hash: str = ""
    source: str = "<string>"
    text: str = field(default="", repr=False)
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)

    @property
    def arm_ids(self) -> tuple[str, ...]:
        if self.experiment is None:
            return (CHAMPION,)
        return tuple(a.id for a in self.experiment.arms)

    def steps(self) -> tuple[Step, ...]:
        """The contact steps (a step that only assigns is in `assignments`)."""
        return tuple(step for segment in self.segments for step in segment.steps)

    def assignments(self) -> tuple[Assign, ...]:
        return tuple(a for segment in self.segments for a in segment.assignments)
