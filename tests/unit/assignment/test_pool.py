"""The grab pool (抢案): claims, Get Next order, caps, expiry and tail fairness."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from arrears.assignment.pool import (
    Claim,
    Hold,
    Pool,
    PoolAgent,
    PoolCase,
    PoolRules,
    Refusal,
)

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
OPEN = PoolRules(top_share=1.0)  # no tail limit: with equal values every case is in the tail
ANN = PoolAgent("ann")
BOB = PoolAgent("bob")
CN = timezone(timedelta(hours=8))


def mins(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def case(
    account: str,
    customer: str | None = None,
    value: float = 1.0,
    skills: frozenset[str] = frozenset(),
    language: str | None = None,
) -> PoolCase:
    return PoolCase(account, customer or account.upper(), value, skills, language)


def claimed(result: Claim | Refusal) -> Claim:
    assert isinstance(result, Claim), result
    return result


def refused(result: Claim | Refusal, code: str) -> None:
    assert isinstance(result, Refusal), result
    assert result.reason_code == code, result


def singles(n: int) -> list[PoolCase]:
    return [case(f"c{i:02d}", value=i) for i in range(1, n + 1)]


def test_a_held_case_is_refused_held_to_another_agent():
    pool, result = Pool.of([case("a1")], OPEN).claim(ANN, "a1", T0)
    claimed(result)
    after, result = pool.claim(BOB, "a1", mins(1))
    refused(result, "HELD")
    assert after.holder("a1") == "ann"
    refused(pool.claim(ANN, "a1", mins(1))[1], "ALREADY-YOURS")
    refused(pool.claim(ANN, "zz", mins(1))[1], "UNKNOWN-CASE")


def test_claiming_one_account_takes_every_account_of_the_customer():
    cases = [case("x1", "X"), case("x2", "X"), case("x3", "X"), case("y1", "Y")]
    pool, result = Pool.of(cases, OPEN).claim(ANN, "x2", T0)
    assert claimed(result) == Claim("ann", ("x1", "x2", "x3"), "X", T0)
    assert [pool.holder(a) for a in ("x1", "x2", "x3", "y1")] == ["ann", "ann", "ann", None]
    assert pool.held_by("ann") == ("x1", "x2", "x3")
    assert pool.available() == ("y1",)
    refused(pool.claim(BOB, "x3", mins(1))[1], "HELD")
    released = pool.release("ann", "x1", mins(2))
    assert released.held_by("ann") == ()
    assert set(released.available()) == {"x1", "x2", "x3", "y1"}


def test_a_pool_is_an_immutable_value():
    pool = Pool.of([case("a1"), case("b1")], OPEN)
    after, _ = pool.claim(ANN, "a1", T0)
    assert pool.holder("a1") is None
    assert pool.available() == ("a1", "b1")
    assert after.holder("a1") == "ann"


def test_get_next_takes_the_highest_value_customer_the_agent_may_take():
    cases = [
        case("big", value=900, skills=frozenset({"legal"})),
        case("m1", "M", 300),
        case("m2", "M", 300),  # customer M is worth 600: more than solo
        case("solo", value=500),
        case("t5", value=100),
        case("t9", "T", 60),
        case("t1", "T", 40),  # customer T ties with t5 and comes first by its account t1
    ]
    pool = Pool.of(cases, PoolRules())
    picks = []
    for i in range(4):
        pool, result = pool.get_next(ANN, mins(i))
        picks.append(claimed(result).account_ids)
    assert picks == [("m1", "m2"), ("solo",), ("t1", "t9"), ("t5",)]
    refused(pool.get_next(ANN, mins(5))[1], "EMPTY")
    lawyer = PoolAgent("cat", skills=frozenset({"legal"}))
    assert claimed(pool.get_next(lawyer, mins(6))[1]).account_ids == ("big",)


def test_an_agent_without_the_skill_or_the_language_is_refused():
    pool = Pool.of([case("s1", skills=frozenset({"legal"})), case("z1", language="zh-CN")], OPEN)
    refused(pool.claim(ANN, "s1", T0)[1], "SKILL")
    claimed(pool.claim(PoolAgent("l", skills=frozenset({"legal", "vip"})), "s1", T0)[1])
    refused(pool.claim(PoolAgent("e", languages=frozenset({"en-US"})), "z1", T0)[1], "LANGUAGE")
    claimed(pool.claim(PoolAgent("z", languages=frozenset({"ZH"})), "z1", T0)[1])
    claimed(pool.claim(PoolAgent("zt", languages=frozenset({"zh-Hant-TW"})), "z1", T0)[1])
    claimed(pool.claim(ANN, "z1", T0)[1])  # no languages given: speaks any
    refused(pool.get_next(PoolAgent("e", languages=frozenset({"en"})), T0)[1], "EMPTY")


def test_the_day_cap_counts_claims_made_on_the_utc_date():
    pool = Pool.of(singles(6), PoolRules(claims_per_day=3, claims_per_hour=100))
    for i, hour in enumerate((20, 21, 23), start=1):
        pool, result = pool.claim(ANN, f"c{i:02d}", datetime(2024, 3, 1, hour, tzinfo=UTC))
        claimed(result)
    for i in (1, 2, 3):  # released cases still count: the cap is on claims made
        pool = pool.release("ann", f"c{i:02d}", datetime(2024, 3, 1, 23, 10, tzinfo=UTC))
    # 07:30 on March 2 in Shanghai is still March 1 in UTC
    refused(pool.get_next(ANN, datetime(2024, 3, 2, 7, 30, tzinfo=CN))[1], "DAY-CAP")
    refused(pool.claim(ANN, "c04", datetime(2024, 3, 2, 7, 59, tzinfo=CN))[1], "DAY-CAP")
    claimed(pool.claim(BOB, "c04", datetime(2024, 3, 2, 7, 59, tzinfo=CN))[1])
    claimed(pool.claim(ANN, "c04", datetime(2024, 3, 2, 8, 0, tzinfo=CN))[1])


def test_the_hour_cap_slides_over_the_last_sixty_minutes():
    pool = Pool.of(singles(20), PoolRules())  # 15 claims per hour
    times = [mins(0)] + [mins(10 + 3 * i) for i in range(14)]  # 09:00, then 09:10 … 09:49
    for t in times:
        pool, result = pool.get_next(ANN, t)
        claimed(result)
    refused(pool.get_next(ANN, mins(55))[1], "HOUR-CAP")
    refused(pool.get_next(ANN, mins(60) - timedelta(seconds=1))[1], "HOUR-CAP")
    claimed(pool.get_next(ANN, mins(61))[1])  # the 09:00 claim left the window
    at_ten, result = pool.get_next(ANN, mins(60))  # a claim exactly an hour old counts no more
    claimed(result)
    refused(at_ten.get_next(ANN, mins(61))[1], "HOUR-CAP")  # 09:10 … 09:49 and 10:00
    claimed(at_ten.get_next(ANN, mins(70))[1])  # 09:10 left too
    claimed(pool.get_next(BOB, mins(55))[1])  # the cap is per agent


def test_an_unworked_claim_expires_and_a_worked_one_does_not():
    pool = Pool.of([case("w1"), case("u1")], PoolRules(expiry_hours=4, top_share=1.0))
    pool, _ = pool.claim(ANN, "w1", T0)
    pool, _ = pool.claim(ANN, "u1", T0)
    pool = pool.work("ann", "w1", mins(60))
    same, expired = pool.expire(mins(240) - timedelta(seconds=1))
    assert expired == () and same.held_by("ann") == ("u1", "w1")
    after, expired = pool.expire(mins(240))
    assert expired == ("u1",)
    assert after.holder("u1") is None and after.holder("w1") == "ann"
    assert after.expire(mins(24 * 60))[1] == ()
    # expiry is lazy: a claim expires stale holds first
    refused(pool.claim(BOB, "u1", mins(239))[1], "HELD")
    claimed(pool.claim(BOB, "u1", mins(240))[1])
    with pytest.raises(ValueError):
        pool.work("ann", "u1", mins(240))  # too late: it is back in the pool


def test_only_the_holder_may_work_or_release():
    pool, _ = Pool.of([case("a1"), case("b1")], OPEN).claim(ANN, "a1", T0)
    for act in (pool.work, pool.release):
        with pytest.raises(ValueError):
            act("bob", "a1", mins(1))
        with pytest.raises(ValueError):
            act("ann", "b1", mins(1))
        with pytest.raises(ValueError):
            act("ann", "nope", mins(1))
    with pytest.raises(ValueError):
        pool.claim(ANN, "b1", datetime(2024, 3, 1, 9))  # naive time


def test_one_agent_takes_at_most_its_share_of_the_high_value_tail():
    # values 1 … 20: the 0.8 quantile is 16.2, so the tail is 17 … 20, a share of 0.5 is 2
    pool = Pool.of(singles(20), PoolRules(top_quantile=0.8, top_share=0.5))
    picks = []
    for i in range(3):
        pool, result = pool.get_next(ANN, mins(i))
        picks.append(claimed(result).account_ids[0])
    assert picks == ["c20", "c19", "c16"]
    refused(pool.claim(ANN, "c18", mins(3))[1], "TAIL-SHARE")
    pool, result = pool.get_next(BOB, mins(4))
    assert claimed(result).account_ids == ("c18",)  # others can
    pool, _ = pool.claim(BOB, "c17", mins(5))
    refused(pool.claim(BOB, "c20", mins(6))[1], "HELD")
    pool = pool.release("ann", "c20", mins(7))
    refused(pool.claim(BOB, "c20", mins(8))[1], "TAIL-SHARE")
    claimed(pool.claim(ANN, "c20", mins(8))[1])


def test_the_held_cap_counts_accounts_held_at_once():
    cases = [case("x1", "X"), case("x2", "X"), case("y1", "Y"), case("z1", "Z"), case("z2", "Z")]
    pool, _ = Pool.of(cases, PoolRules(max_held=3, top_share=1.0)).claim(ANN, "x1", T0)
    refused(pool.claim(ANN, "z1", mins(1))[1], "HELD-CAP")
    pool, result = pool.get_next(ANN, mins(2))
    assert claimed(result).account_ids == ("y1",)
    refused(pool.get_next(ANN, mins(3))[1], "HELD-CAP")
    claimed(pool.get_next(BOB, mins(3))[1])
    pool = pool.release("ann", "y1", mins(4))
    refused(pool.claim(ANN, "z1", mins(5))[1], "HELD-CAP")


def test_a_saved_pool_is_restored_from_its_holds_and_claims():
    cases = [case("x1", "X"), case("x2", "X"), *singles(3)]
    nine = datetime(2024, 3, 1, 17, 0, tzinfo=CN)  # 09:00 UTC
    pool = Pool.of(
        cases,
        PoolRules(),
        holds=[Hold("ann", "X", nine)],
        claims=[("ann", mins(i)) for i in range(15)],
    )
    assert pool.held_by("ann") == ("x1", "x2")
    assert pool.hold("x2") == Hold("ann", "X", T0)
    refused(pool.get_next(ANN, mins(30))[1], "HOUR-CAP")
    assert pool.expire(mins(240))[1] == ("x1", "x2")
    with pytest.raises(ValueError):
        Pool.of(cases, PoolRules(), holds=[Hold("ann", "Q", T0)])


# ---------------------------------------------------------------------------------------------
# Stateful: random agents claim, take next, work, release and wait; the rules always hold.

AGENTS = (
    PoolAgent("ann", frozenset({"legal"}), frozenset({"zh"})),
    PoolAgent("bob"),
    PoolAgent("cy", frozenset({"legal", "vip"}), frozenset({"en", "ms"})),
    PoolAgent("dee", frozenset({"vip"}), frozenset({"zh-TW", "en-GB"})),
)
ACCOUNT = st.tuples(
    st.integers(0, 40),
    st.sampled_from([frozenset(), frozenset(), frozenset({"legal"}), frozenset({"vip"})]),
    st.sampled_from([None, None, None, "zh-CN", "en", "ms-MY"]),
)
RULES = st.builds(
    PoolRules,
    claims_per_day=st.integers(1, 12),
    claims_per_hour=st.integers(1, 6),
    expiry_hours=st.sampled_from([0.5, 1.0, 3.0]),
    top_quantile=st.sampled_from([0.0, 0.5, 0.8, 0.9, 1.0]),
    top_share=st.sampled_from([0.1, 0.25, 0.5, 1.0]),
    max_held=st.none() | st.integers(1, 8),
)
ANY = (
    "DAY-CAP",
    "HOUR-CAP",
    "HELD-CAP",
    "TAIL-SHARE",
    "SKILL",
    "LANGUAGE",
)


def speaks(agent: PoolAgent, c: PoolCase) -> bool:
    own = {tag.split("-")[0].lower() for tag in agent.languages}
    return not own or c.language is None or c.language.split("-")[0].lower() in own


class PoolMachine(RuleBasedStateMachine):
    @initialize(
        customers=st.lists(st.lists(ACCOUNT, min_size=1, max_size=3), min_size=1, max_size=20),
        rules=RULES,
        zone=st.sampled_from([UTC, CN, timezone(timedelta(hours=-5))]),
    )
    def start(self, customers, rules, zone):
        self.rules, self.zone = rules, zone
        self.cases = {
            f"a{i}-{j}": PoolCase(f"a{i}-{j}", f"C{i}", float(v), skills, lang)
            for i, accounts in enumerate(customers)
            for j, (v, skills, lang) in enumerate(accounts)
        }
        self.accounts = {}  # customer -> sorted account ids
        for a, c in sorted(self.cases.items()):
            self.accounts.setdefault(c.customer_id, []).append(a)
        values = [c.value for c in self.cases.values()]
        cut = np.quantile(values, rules.top_quantile)
        self.tail = {a for a, c in self.cases.items() if c.value >= cut}
        self.tail_cap = math.ceil(Fraction(str(rules.top_share)) * len(self.tail))
        self.pool = Pool.of(self.cases.values(), rules)
        self.now = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)  # nights cross UTC dates
        self.holds = {}  # customer -> [agent id, claimed at, worked]
        self.history = {a.agent_id: [] for a in AGENTS}

    # -- the model ------------------------------------------------------------------------
    def t(self) -> datetime:
        return self.now.astimezone(self.zone)

    def model_expire(self) -> set[str]:
        ttl = timedelta(hours=self.rules.expiry_hours)
        stale = [
            c for c, (_, at, worked) in self.holds.items() if not worked and at + ttl <= self.now
        ]
        for c in stale:
            del self.holds[c]
        return {a for c in stale for a in self.accounts[c]}

    def model_holder(self, account: str) -> str | None:
        hold = self.holds.get(self.cases[account].customer_id)
        return None if hold is None else hold[0]

    def load(self, agent: PoolAgent) -> tuple[int, int]:
        mine = [a for a in self.cases if self.model_holder(a) == agent.agent_id]
        return len(mine), len(self.tail & set(mine))

    def counts(self, agent: PoolAgent) -> tuple[int, int]:
        times = self.history[agent.agent_id]
        day = sum(t.date() == self.now.date() for t in times)
        return day, sum(self.now - timedelta(hours=1) < t for t in times)

    def check_refusal(self, agent: PoolAgent, customer: str | None, code: str) -> None:
        """A cap refusal must be real (the fit refusals are checked by `fits`)."""
        day, hour = self.counts(agent)
        held, tail = self.load(agent)
        accounts = self.accounts.get(customer or "", [])
        cap = self.rules.max_held
        assert code in (ANY if customer else ANY[:3])
        assert code != "DAY-CAP" or day >= self.rules.claims_per_day
        assert code != "HOUR-CAP" or hour >= self.rules.claims_per_hour
        assert code != "HELD-CAP" or (cap is not None and held + max(len(accounts), 1) > cap)
        assert code != "TAIL-SHARE" or tail + len(self.tail & set(accounts)) > self.tail_cap
        if customer is not None:
            assert (code in ("SKILL", "LANGUAGE")) == (not self.fits(agent, customer))

    def fits(self, agent: PoolAgent, customer: str) -> bool:
        cases = [self.cases[a] for a in self.accounts[customer]]
        return all(c.skills <= agent.skills and speaks(agent, c) for c in cases)

    def took(self, agent: PoolAgent, result: Claim) -> None:
        assert result.account_ids == tuple(self.accounts[result.customer_id])
        assert result.customer_id not in self.holds
        assert self.fits(agent, result.customer_id)
        assert result.at == self.t()
        self.holds[result.customer_id] = [agent.agent_id, self.now, False]
        self.history[agent.agent_id].append(self.now)

    # -- the rules ------------------------------------------------------------------------
    @rule(minutes=st.sampled_from([1, 10, 20, 30, 30, 45, 59, 60, 60, 61, 180, 600]))
    def wait(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule()
    def expire(self):
        self.pool, expired = self.pool.expire(self.t())
        assert set(expired) == self.model_expire()

    @rule(agent=st.sampled_from(AGENTS), pick=st.integers(0, 100), free=st.booleans())
    def claim(self, agent, pick, free):
        self.model_expire()
        ids = sorted(a for a in self.cases if not free or self.model_holder(a) is None)
        account = ids[pick % len(ids)] if ids and pick % 10 else "unknown"
        self.pool, result = self.pool.claim(agent, account, self.t())
        if isinstance(result, Claim):
            self.took(agent, result)
        else:
            self.check_claim_refusal(agent, account, result)

    def check_claim_refusal(self, agent: PoolAgent, account: str, result: Refusal) -> None:
        holder = self.model_holder(account) if account in self.cases else None
        if result.reason_code == "UNKNOWN-CASE":
            assert account not in self.cases
        elif result.reason_code == "ALREADY-YOURS":
            assert holder == agent.agent_id
        elif result.reason_code == "HELD":
            assert holder not in (None, agent.agent_id)
        else:
            assert holder is None
            self.check_refusal(agent, self.cases[account].customer_id, result.reason_code)

    @rule(agent=st.sampled_from(AGENTS))
    def get_next(self, agent):
        self.next_for(agent)

    @rule()
    def round_of_get_next(self):
        for agent in AGENTS:
            self.next_for(agent)

    def next_for(self, agent: PoolAgent) -> None:
        before = self.pool
        self.model_expire()
        self.pool, result = before.get_next(agent, self.t())
        free = [c for c in self.accounts if c not in self.holds]
        if isinstance(result, Claim):
            assert result.customer_id in free
            order = {
                c: (-sum(self.cases[a].value for a in self.accounts[c]), self.accounts[c][0])
                for c in free
            }
            better = [c for c in free if order[c] < order[result.customer_id]]
        else:
            better = free
            if result.reason_code != "EMPTY":
                self.check_refusal(agent, None, result.reason_code)
        for c in better:  # nothing better was there for this agent, and for a real reason
            probe = before.claim(agent, self.accounts[c][0], self.t())[1]
            assert isinstance(probe, Refusal)
            self.check_claim_refusal(agent, self.accounts[c][0], probe)
        if isinstance(result, Claim):
            self.took(agent, result)

    def pick_account(self, agent: PoolAgent, pick: int, own: bool) -> str:
        mine = sorted(a for a in self.cases if self.model_holder(a) == agent.agent_id)
        ids = mine if own and mine else sorted(self.cases)
        return ids[pick % len(ids)]

    @rule(agent=st.sampled_from(AGENTS), pick=st.integers(0, 100), own=st.booleans())
    def work(self, agent, pick, own):
        self.model_expire()
        account = self.pick_account(agent, pick, own)
        if self.model_holder(account) == agent.agent_id:
            self.pool = self.pool.work(agent.agent_id, account, self.t())
            self.holds[self.cases[account].customer_id][2] = True
        else:
            with pytest.raises(ValueError):
                self.pool.work(agent.agent_id, account, self.t())
            self.pool, _ = self.pool.expire(self.t())  # as the model did

    @rule(agent=st.sampled_from(AGENTS), pick=st.integers(0, 100), own=st.booleans())
    def release(self, agent, pick, own):
        self.model_expire()
        account = self.pick_account(agent, pick, own)
        if self.model_holder(account) == agent.agent_id:
            self.pool = self.pool.release(agent.agent_id, account, self.t())
            del self.holds[self.cases[account].customer_id]
        else:
            with pytest.raises(ValueError):
                self.pool.release(agent.agent_id, account, self.t())
            self.pool, _ = self.pool.expire(self.t())  # as the model did

    # -- the invariants -------------------------------------------------------------------
    @invariant()
    def every_account_is_available_or_held_once(self):
        available = self.pool.available()
        held = [a for agent in AGENTS for a in self.pool.held_by(agent.agent_id)]
        assert len(available) + len(held) == len(self.cases)
        assert set(available) | set(held) == set(self.cases)
        for account in self.cases:
            assert self.pool.holder(account) == self.model_holder(account)

    @invariant()
    def a_customer_is_held_whole(self):
        for accounts in self.accounts.values():
            assert len({self.pool.holder(a) for a in accounts}) == 1

    @invariant()
    def no_agent_exceeds_a_cap_or_its_tail_share(self):
        for agent in AGENTS:
            times = self.history[agent.agent_id]
            for t in times:
                window = sum(t - timedelta(hours=1) < u <= t for u in times)
                assert window <= self.rules.claims_per_hour
                assert sum(u.date() == t.date() for u in times) <= self.rules.claims_per_day
            held = self.pool.held_by(agent.agent_id)
            assert self.rules.max_held is None or len(held) <= self.rules.max_held
            assert len(self.tail & set(held)) <= self.tail_cap
            assert all(self.fits(agent, self.cases[a].customer_id) for a in held)


PoolMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
test_pool_machine = PoolMachine.TestCase
