"""Request bodies: every string bounded and free of NUL, every amount a positive decimal, so a
bad request is a 422 naming the field, never a database error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from arrears.channels.model import SEND_CHANNELS
from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.service.outcomes import HOLD_STATUSES
from arrears.service.roles import ROLES
from arrears.strategy.model import OFFER_KINDS

NO_NUL = r"^[^\x00]*$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
Text = Annotated[str, StringConstraints(max_length=1000, pattern=NO_NUL)]
Money = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]
Status = Literal[(*HOLD_STATUSES, "active")]  # type: ignore[valid-type]
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time with no zone is read as UTC; every time is kept in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


Instant = Annotated[
    dt.datetime,
    Field(ge=dt.datetime(1970, 1, 2, tzinfo=dt.UTC), le=dt.datetime(9998, 1, 1, tzinfo=dt.UTC)),
    AfterValidator(_utc),
]
Day = Annotated[dt.date, Field(ge=dt.date(1970, 1, 2), le=dt.date(9998, 1, 1))]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Body):
    user_id: Id
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AttemptIn(Body):
    account_id: Id
    contact_id: Id
    channel: Channel
    outcome: Outcome
    at: Instant | None = None


class PromiseIn(Body):
    account_id: Id
    due_date: Day
    amount: Money


class StatusIn(Body):
    account_id: Id
    status: Status
    note: Text | None = None


class OfferIn(Body):
    account_id: Id
    kind: Literal[OFFER_KINDS]  # type: ignore[valid-type]
    discount: Annotated[Decimal, Field(ge=0, lt=1, max_digits=8, decimal_places=6)] | None = None
    amount: Money | None = None
    instalments: Annotated[int, Field(ge=1, le=60)] = 1
    first_due: Day | None = None
    every_days: Annotated[int, Field(ge=1, le=366)] | None = None


class PaymentIn(Body):
    payment_id: Id
    account_id: Id
    amount: Money
    paid_at: Instant


class MessageEventIn(Body):
    """A channel provider's delivery receipt or an inbound reply (what `arrears inbound`
    reads from a JSON-lines file, one object a request)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    type: Literal["receipt", "reply"]
    key: Id | None = None
    status: Annotated[str, StringConstraints(max_length=32, pattern=NO_NUL)] | None = None
    text: Text | None = None
    sender: Annotated[str, StringConstraints(max_length=400, pattern=NO_NUL)] | None = Field(
        default=None, alias="from"
    )
    channel: Literal[SEND_CHANNELS] = "sms"  # type: ignore[valid-type]
    at: Instant | None = None


class PredialIn(Body):
    contact_id: Id
    channel: Channel = "human_call"
    at: Instant | None = None
    account_id: Id | None = None


class StrategyIn(Body):
    filename: Annotated[
        str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00/\\]+$")
    ] = "strategy.yaml"
    text: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000, pattern=NO_NUL)]


class ActivateIn(Body):
    effective_date: Day


class RollbackIn(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]


class ReassignIn(Body):
    agent_id: Id


class ReleaseIn(Body):
    done: bool = False


class UserIn(Body):
    user_id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    roles: Annotated[list[Role], Field(min_length=1)]  # type: ignore[valid-type]
    agent_id: Id | None = None
    teams: list[Id] = []
    email: (
        Annotated[str, StringConstraints(max_length=320, pattern=r"^[^\x00@]+@[^\x00@]+$")] | None
    ) = None
    language: (
        Annotated[
            str, StringConstraints(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
        ]
        | None
    ) = None
