"""Frequency caps and rest periods: how often, and how soon again, a contact may happen.

Both are data in the presets (and in a strategy's `house:` block), never code:

* a **cap** counts events of the contact ledger in the last `days` local days (today
  included) within a scope, and refuses when the count reaches `max`. The ledger holds what
  happened; in the daily plan the contacts planned before this one today count too, so the
  plan itself never exceeds a cap.
* a **rest** refuses a contact point for `hours` after an event on it (an abandoned call, an
  answering machine, any attempt for a minimum interval).

Scopes:

* `debt_person` — one debt (account) and one person: the debtor's own points are one person
  (the customer), every other contact point is its own person (Reg F counts per person, per debt);
* `debtor` — the debtor across all their accounts, only contacts with the debtor's own points;
* `customer` — every contact about any of the customer's accounts, whoever was contacted;
* `account` — every contact about one account;
* `number` — one contact point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from arrears.contract.tables import CHANNELS, OUTCOMES, ROLES, VOICE_CHANNELS

_Item = TypeVar("_Item", "Cap", "Rest")

SCOPES = ("debt_person", "debtor", "customer", "account", "number")
COUNTS = ("attempts", "conversations")


class CapError(ValueError):
    pass


@dataclass(frozen=True)
class Cap:
    id: str
    scope: str
    channels: tuple[str, ...]
    counts: str
    days: int
    max: int
    planned: bool
    source: str
    summary: str = ""
    roles: tuple[str, ...] = ROLES  # the roles of the contact points it applies to
    not_counted: tuple[str, ...] = ()  # outcomes of placed contacts it does not count


@dataclass(frozen=True)
class Rest:
    id: str
    channels: tuple[str, ...]
    after: tuple[str, ...]  # outcomes that start the rest; empty = any attempt
    hours: float
    source: str
    summary: str = ""
    waived_by: str | None = None  # a pre-dial flag that lifts the rest (e.g. agent_reserved)


def _channels(raw: Any, where: str) -> tuple[str, ...]:
    if raw in (None, "all"):
        return tuple(CHANNELS)
    if raw == "voice":
        return tuple(VOICE_CHANNELS)
    items = [raw] if isinstance(raw, str) else list(raw)
    unknown = [c for c in items if c not in CHANNELS]
    if unknown:
        raise CapError(f"{where}: unknown channel(s) {', '.join(map(str, unknown))}")
    return tuple(items)


def _roles(raw: Any, where: str) -> tuple[str, ...]:
    if raw in (None, "all"):
        return tuple(ROLES)
    if raw == "third_parties":
        return tuple(r for r in ROLES if r != "debtor")
    items = [raw] if isinstance(raw, str) else list(raw)
    unknown = [r for r in items if r not in ROLES]
    if unknown:
        raise CapError(f"{where}: unknown role(s) {', '.join(map(str, unknown))}")
    return tuple(items)


def _need(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise CapError(f"{where}: missing '{key}'")
    return raw[key]


def _positive_int(value: Any, key: str, where: str, *, zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        floor = "≥ 0" if zero else "≥ 1"
        raise CapError(f"{where}: '{key}' must be an integer {floor}, got {value!r}")
    return value


def cap_of(raw: Mapping[str, Any], where: str) -> Cap:
    cap_id = str(_need(raw, "id", where))
    where = f"{where} cap {cap_id}"
    scope = _need(raw, "scope", where)
    if scope not in SCOPES:
        raise CapError(f"{where}: scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    counts = raw.get("counts", "attempts")
    if counts not in COUNTS:
        raise CapError(f"{where}: counts must be one of {', '.join(COUNTS)}, got {counts!r}")
    not_counted = raw.get("not_counted") or []
    not_counted = [not_counted] if isinstance(not_counted, str) else list(not_counted)
    unknown = [o for o in not_counted if o not in OUTCOMES]
    if unknown:
        raise CapError(f"{where}: unknown outcome(s) {', '.join(map(str, unknown))}")
    if not_counted and counts != "attempts":
        raise CapError(f"{where}: 'not_counted' is for caps that count attempts")
    return Cap(
        id=cap_id,
        scope=scope,
        channels=_channels(raw.get("channels"), where),
        counts=counts,
        days=_positive_int(_need(raw, "days", where), "days", where),
        max=_positive_int(_need(raw, "max", where), "max", where),
        planned=bool(raw.get("planned", True)),
        source=" ".join(str(raw.get("source", "house policy")).split()),
        summary=" ".join(str(raw.get("summary", "")).split()),
        roles=("debtor",) if scope == "debtor" else _roles(raw.get("roles"), where),
        not_counted=tuple(not_counted),
    )


def rest_of(raw: Mapping[str, Any], where: str) -> Rest:
    rest_id = str(_need(raw, "id", where))
    where = f"{where} rest {rest_id}"
    after = raw.get("after") or []
    after = [after] if isinstance(after, str) else list(after)
    unknown = [o for o in after if o not in OUTCOMES]
    if unknown:
        raise CapError(f"{where}: unknown outcome(s) {', '.join(map(str, unknown))}")
    hours = _need(raw, "hours", where)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
        raise CapError(f"{where}: 'hours' must be a number > 0, got {hours!r}")
    return Rest(
        id=rest_id,
        channels=_channels(raw.get("channels"), where),
        after=tuple(after),
        hours=float(hours),
        source=" ".join(str(raw.get("source", "house policy")).split()),
        summary=" ".join(str(raw.get("summary", "")).split()),
        waived_by=raw.get("waived_by"),
    )


def caps_of(items: Iterable[Mapping[str, Any]] | None, where: str) -> tuple[Cap, ...]:
    return _unique(tuple(cap_of(raw, where) for raw in items or ()), where)


def rests_of(items: Iterable[Mapping[str, Any]] | None, where: str) -> tuple[Rest, ...]:
    return _unique(tuple(rest_of(raw, where) for raw in items or ()), where)


def _unique(items: tuple[_Item, ...], where: str) -> tuple[_Item, ...]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise CapError(f"{where}: '{item.id}' is defined twice")
        seen.add(item.id)
    return items


def _stricter(
    law: Sequence[_Item], house: Sequence[_Item], tighten: Callable[[_Item, _Item], _Item]
) -> tuple[_Item, ...]:
    """The preset's items with the house's added; a house item with a preset's id is merged
    into it by `tighten` (which may only make it stricter)."""
    by_id = {item.id: item for item in law}
    extra: list[_Item] = []
    for item in house:
        base = by_id.get(item.id)
        if base is None:
            extra.append(item)
        else:
            by_id[item.id] = tighten(base, item)
    return tuple(by_id.values()) + tuple(extra)


def stricter_caps(law: Sequence[Cap], house: Sequence[Cap]) -> tuple[Cap, ...]:
    """A house cap with a preset's id may only lower its `max`, not change what it counts."""
    return _stricter(law, house, lambda base, cap: replace(base, max=min(base.max, cap.max)))


def stricter_rests(law: Sequence[Rest], house: Sequence[Rest]) -> tuple[Rest, ...]:
    """A house rest with a preset's id may only lengthen it."""
    return _stricter(
        law, house, lambda base, rest: replace(base, hours=max(base.hours, rest.hours))
    )
