"""The grab pool (抢案): agents of a team claim its cases, one customer at a time.

* The claim unit is the customer: claiming any account claims every pooled account of its
  customer; a release or an expiry returns them all. Get Next takes the claimable customer of
  highest value (the sum of its accounts' values), ties by smallest account id.
* The holder needs every skill tag of the customer's accounts and, where an account names a
  language, must speak it (primary subtag, so 'zh-CN' ~ 'zh'; no languages = speaks any).
* Caps, per agent: `claims_per_day` claims per UTC date of `now`, `claims_per_hour` claims in
  the 60 minutes up to `now` (a claim exactly an hour old no longer counts), one claim per
  customer claimed; `max_held` accounts held at once.
* Fairness: the accounts valued at or above the `top_quantile` quantile of all the pool's
  account values (linear interpolation, fixed when the pool is built) are the tail; an agent
  holds at most ceil(top_share * tail size) tail accounts at once.
* A claim not worked within `expiry_hours` returns to the pool. Expiry is lazy: every operation
  given `now` expires first; call `expire` first to learn which accounts came back.

A customer with more accounts than `max_held`, or more tail accounts than the share, can be
claimed by nobody. A `Pool` is an immutable value: each operation returns a new pool (copying
its working lists and dicts, a C-level O(n)); the available customers stay sorted by value, so
Get Next walks from the top past only the customers the agent may not take.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
_Key = tuple[float, str, str]  # (-value, first account id, customer id): Get Next order


@dataclass(frozen=True)
class PoolRules:
    claims_per_day: int = 60
    claims_per_hour: int = 15
    expiry_hours: float = 4.0
    top_quantile: float = 0.9
    top_share: float = 0.25
    max_held: int | None = None

    def __post_init__(self) -> None:
        if min(self.claims_per_day, self.claims_per_hour, self.max_held or 0) < 0:
            raise ValueError("caps must not be negative")
        if not self.expiry_hours > 0:
            raise ValueError("expiry_hours must be positive")
        if not 0 <= self.top_quantile <= 1 or not 0 < self.top_share <= 1:
            raise ValueError("top_quantile must be in [0, 1] and top_share in (0, 1]")


@dataclass(frozen=True)
class PoolCase:
    account_id: str
    customer_id: str
    value: float
    skills: frozenset[str] = frozenset()
    language: str | None = None


@dataclass(frozen=True)
class PoolAgent:
    agent_id: str
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Claim:
    agent_id: str
    account_ids: tuple[str, ...]
    customer_id: str
    at: datetime


@dataclass(frozen=True)
class Refusal:
    agent_id: str
    reason_code: str
    detail: str


@dataclass(frozen=True)
class Hold:
    """A customer held by an agent since `claimed_at` (UTC); a worked hold never expires."""

    agent_id: str
    customer_id: str
    claimed_at: datetime
    worked: bool = False


@dataclass(frozen=True)
class _Customer:
    customer_id: str
    account_ids: tuple[str, ...]
    key: _Key
    skills: frozenset[str]
    languages: frozenset[str]  # primary subtags the holder must speak
    tail: int  # accounts in the high-value tail


def _primary(tag: str) -> str:
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"time must be timezone-aware, got {now!r}")
    return now.astimezone(UTC)


def _midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _quantile(ordered: list[float], q: float) -> float:
    """The q quantile of sorted values, interpolated linearly (numpy's default)."""
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class _State:
    """The mutable working copy of a pool's holdings; a `Pool` never changes its own."""

    holds: dict[str, Hold]  # customer id -> hold
    free: list[_Key]  # available customers, sorted
    deadlines: list[tuple[datetime, str]]  # (expiry, customer id) of unworked holds, sorted
    mine: dict[str, frozenset[str]]  # agent id -> customer ids held
    claims: dict[str, tuple[datetime, ...]]  # agent id -> claim times (UTC), sorted

    def copy(self) -> _State:
        copies = (dict(self.holds), list(self.free), list(self.deadlines), dict(self.mine))
        return _State(*copies, dict(self.claims))

    def take(self, c: _Customer, hold: Hold, expiry: timedelta) -> None:
        del self.free[bisect_left(self.free, c.key)]
        self.holds[c.customer_id] = hold
        self.mine[hold.agent_id] = self.mine.get(hold.agent_id, frozenset()) | {c.customer_id}
        if not hold.worked:
            insort(self.deadlines, (hold.claimed_at + expiry, c.customer_id))

    def unlist(self, hold: Hold, expiry: timedelta) -> None:
        if not hold.worked:
            entry = (hold.claimed_at + expiry, hold.customer_id)
            del self.deadlines[bisect_left(self.deadlines, entry)]

    def drop(self, c: _Customer, expiry: timedelta) -> None:
        hold = self.holds.pop(c.customer_id)
        self.unlist(hold, expiry)
        insort(self.free, c.key)
        left = self.mine[hold.agent_id] - {c.customer_id}
        if left:
            self.mine[hold.agent_id] = left
        else:
            del self.mine[hold.agent_id]

    def counts(self, agent_id: str, now: datetime) -> tuple[int, int]:
        """Claims by the agent on the UTC date of `now`, and in the hour up to `now`."""
        times = self.claims.get(agent_id, ())
        day0 = _midnight(now)
        day = bisect_left(times, day0 + DAY) - bisect_left(times, day0)
        return day, len(times) - bisect_right(times, now - HOUR)

    def record(self, agent_id: str, now: datetime) -> None:
        since = min(_midnight(now), now - HOUR)
        times = list(self.claims.get(agent_id, ()))
        insort(times, now)
        self.claims[agent_id] = tuple(times[bisect_left(times, since) :])


@dataclass(frozen=True)
class _Table:
    """What every version of a pool shares: the rules and the customers."""

    rules: PoolRules
    customers: dict[str, _Customer]
    accounts: dict[str, _Customer]  # account id -> its customer
    tail_cap: int  # most tail accounts one agent may hold
    expiry: timedelta


class Pool:
    __slots__ = ("_state", "_table")

    def __init__(self, table: _Table, state: _State) -> None:
        self._table = table
        self._state = state

    @staticmethod
    def of(
        cases: Iterable[PoolCase],
        rules: PoolRules,
        *,
        holds: Iterable[Hold] = (),
        claims: Iterable[tuple[str, datetime]] = (),
    ) -> Pool:
        """A pool of the cases; `holds` and past `claims` (agent id, time) restore a saved one."""
        groups: dict[str, list[PoolCase]] = {}
        seen: set[str] = set()
        for case in cases:
            if case.account_id in seen or not math.isfinite(case.value):
                raise ValueError(f"account {case.account_id} is twice or has no finite value")
            seen.add(case.account_id)
            groups.setdefault(case.customer_id, []).append(case)
        values = sorted(case.value for group in groups.values() for case in group)
        cut = _quantile(values, rules.top_quantile) if values else math.inf
        customers: dict[str, _Customer] = {}
        for cid, group in groups.items():
            accounts = tuple(sorted(case.account_id for case in group))
            customers[cid] = _Customer(
                cid,
                accounts,
                (-sum(case.value for case in group), accounts[0], cid),
                frozenset().union(*(case.skills for case in group)),
                frozenset(_primary(case.language) for case in group if case.language),
                sum(case.value >= cut for case in group),
            )
        tail_cap = math.ceil(round(rules.top_share * sum(v >= cut for v in values), 9))
        by_account = {a: c for c in customers.values() for a in c.account_ids}
        table = _Table(rules, customers, by_account, tail_cap, timedelta(hours=rules.expiry_hours))
        state = _State({}, sorted(c.key for c in customers.values()), [], {}, {})
        for hold in holds:
            if hold.customer_id not in customers or hold.customer_id in state.holds:
                raise ValueError(f"hold of unknown or twice-held customer {hold.customer_id}")
            hold = replace(hold, claimed_at=_utc(hold.claimed_at))
            state.take(customers[hold.customer_id], hold, table.expiry)
        for agent_id, at in claims:
            state.claims[agent_id] = tuple(sorted((*state.claims.get(agent_id, ()), _utc(at))))
        return Pool(table, state)

    def _customer(self, account_id: str) -> _Customer:
        if account_id not in self._table.accounts:
            raise ValueError(f"account {account_id} is not in the pool")
        return self._table.accounts[account_id]

    def _expired(self, now: datetime) -> tuple[_State, tuple[str, ...]]:
        state, customers = self._state.copy(), self._table.customers
        stale = state.deadlines[: bisect_right(state.deadlines, now, key=lambda d: d[0])]
        for _, cid in stale:
            state.drop(customers[cid], self._table.expiry)
        return state, tuple(sorted(a for _, cid in stale for a in customers[cid].account_ids))

    def _load(self, state: _State, agent_id: str) -> tuple[int, int]:
        """Accounts, and tail accounts, the agent holds."""
        held = [self._table.customers[cid] for cid in state.mine.get(agent_id, ())]
        return sum(len(c.account_ids) for c in held), sum(c.tail for c in held)

    def _caps(self, state: _State, agent: PoolAgent, now: datetime) -> Refusal | None:
        day, hour = state.counts(agent.agent_id, now)
        if day >= self._table.rules.claims_per_day:
            return Refusal(agent.agent_id, "DAY-CAP", f"{day} claims on {now.date()} (UTC)")
        if hour >= self._table.rules.claims_per_hour:
            return Refusal(agent.agent_id, "HOUR-CAP", f"{hour} claims in the last hour")
        return None

    def _fit(self, agent: PoolAgent, c: _Customer, load: tuple[int, int]) -> Refusal | None:
        """Why the agent may not take the customer, apart from the claim counts."""
        if not c.skills <= agent.skills:
            missing = ", ".join(sorted(c.skills - agent.skills))
            return Refusal(agent.agent_id, "SKILL", f"needs skills: {missing}")
        speaks = {_primary(tag) for tag in agent.languages}
        if speaks and not c.languages <= speaks:
            needed = ", ".join(sorted(c.languages - speaks))
            return Refusal(agent.agent_id, "LANGUAGE", f"needs languages: {needed}")
        cap = self._table.rules.max_held
        if cap is not None and load[0] + len(c.account_ids) > cap:
            return Refusal(agent.agent_id, "HELD-CAP", f"would hold more than {cap} accounts")
        if c.tail and load[1] + c.tail > self._table.tail_cap:
            detail = f"would hold more than {self._table.tail_cap} high-value accounts"
            return Refusal(agent.agent_id, "TAIL-SHARE", detail)
        return None

    def _take(self, state: _State, agent: PoolAgent, c: _Customer, now: datetime) -> Pool:
        state.take(c, Hold(agent.agent_id, c.customer_id, _utc(now)), self._table.expiry)
        state.record(agent.agent_id, _utc(now))
        return Pool(self._table, state)

    def claim(
        self, agent: PoolAgent, account_id: str, now: datetime
    ) -> tuple[Pool, Claim | Refusal]:
        """Claim the account and every other pooled account of its customer."""
        state, _ = self._expired(_utc(now))
        c = self._table.accounts.get(account_id)
        hold = None if c is None else state.holds.get(c.customer_id)
        if c is None:
            refusal = Refusal(agent.agent_id, "UNKNOWN-CASE", f"{account_id} is not pooled")
        elif hold is not None and hold.agent_id == agent.agent_id:
            refusal = Refusal(agent.agent_id, "ALREADY-YOURS", f"you hold {account_id}")
        elif hold is not None:
            refusal = Refusal(agent.agent_id, "HELD", f"{account_id} is held by another agent")
        else:
            load = self._load(state, agent.agent_id)
            fit = self._fit(agent, c, load) or self._caps(state, agent, _utc(now))
            if fit is None:
                claim = Claim(agent.agent_id, c.account_ids, c.customer_id, now)
                return self._take(state, agent, c, now), claim
            refusal = fit
        return Pool(self._table, state), refusal

    def get_next(self, agent: PoolAgent, now: datetime) -> tuple[Pool, Claim | Refusal]:
        """Claim the highest-value customer the agent may take (ties by account id)."""
        state, _ = self._expired(_utc(now))
        refusal = self._caps(state, agent, _utc(now))
        load, cap = self._load(state, agent.agent_id), self._table.rules.max_held
        if refusal is None and cap is not None and load[0] >= cap:
            refusal = Refusal(agent.agent_id, "HELD-CAP", f"holds {load[0]} accounts")
        if refusal is None:
            for key in state.free:  # value order: stop at the first customer the agent fits
                c = self._table.customers[key[2]]
                if self._fit(agent, c, load) is None:
                    claim = Claim(agent.agent_id, c.account_ids, c.customer_id, now)
                    return self._take(state, agent, c, now), claim
            refusal = Refusal(agent.agent_id, "EMPTY", "no pooled case this agent may take")
        return Pool(self._table, state), refusal

    def _held(self, agent_id: str, account_id: str, now: datetime) -> tuple[_State, _Customer]:
        c = self._customer(account_id)
        state, _ = self._expired(_utc(now))
        hold = state.holds.get(c.customer_id)
        if hold is None or hold.agent_id != agent_id:
            raise ValueError(f"{agent_id} does not hold {account_id}")
        return state, c

    def work(self, agent_id: str, account_id: str, now: datetime) -> Pool:
        """The holder worked the account: its customer's hold no longer expires."""
        state, c = self._held(agent_id, account_id, now)
        hold = state.holds[c.customer_id]
        state.unlist(hold, self._table.expiry)
        state.holds[c.customer_id] = replace(hold, worked=True)
        return Pool(self._table, state)

    def release(self, agent_id: str, account_id: str, now: datetime) -> Pool:
        """The holder gives the account's customer back to the pool."""
        state, c = self._held(agent_id, account_id, now)
        state.drop(c, self._table.expiry)
        return Pool(self._table, state)

    def expire(self, now: datetime) -> tuple[Pool, tuple[str, ...]]:
        """Return unworked claims older than `expiry_hours` to the pool; their account ids."""
        state, expired = self._expired(_utc(now))
        return Pool(self._table, state), expired

    def holder(self, account_id: str) -> str | None:
        hold = self.hold(account_id)
        return None if hold is None else hold.agent_id

    def hold(self, account_id: str) -> Hold | None:
        return self._state.holds.get(self._customer(account_id).customer_id)

    def held_by(self, agent_id: str) -> tuple[str, ...]:
        cids = self._state.mine.get(agent_id, ())
        return tuple(sorted(a for cid in cids for a in self._table.customers[cid].account_ids))

    def available(self) -> tuple[str, ...]:
        """The pooled account ids, in Get Next order."""
        customers = self._table.customers
        return tuple(a for key in self._state.free for a in customers[key[2]].account_ids)
