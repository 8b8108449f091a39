"""Teams, agents and the current case ownership (`cases`), sized from the book itself.

Collection is organised by stage: M1 collectors work many easy cases, late collectors few hard
ones, a robot dialer takes the earliest days and outside agencies (委外) the oldest debt. Agent
capacities are sized from the demand of their pool, so a small share of eligible accounts stays
unassigned (as in real operations) and no owner ever holds more cases than its capacity. A
customer's accounts always go to one owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.contract.tables import OWNER_KINDS, STATUSES
from arrears.generate._common import (
    US_PER_DAY,
    US_PER_SECOND,
    date_series,
    gather,
    ids,
    take,
    to_contract,
    utc_series,
)
from arrears.generate.accounts import Book
from arrears.generate.names import names_and_handles
from arrears.generate.people import People

# Teams: (name, kind, skills, cost_per_contact, commission_rate).
TEAMS: tuple[tuple[str, str, str, float, float | None], ...] = (
    ("m1_collectors", "human", "M1,cash_loan,credit_card,bnpl", 1.20, None),
    ("m2_collectors", "human", "M2,cash_loan,credit_card,bnpl,negotiation", 1.60, None),
    ("late_collectors", "human", "M3,M4,M5,M6,legal,negotiation", 2.20, None),
    ("robot_dialer", "robot", "M0,M1,robot,zh-CN,en", 0.05, None),
    ("agency_alpha", "agency", "M4,M5,M6,skip_trace", 0.0, 0.18),
    ("agency_beta", "agency", "M6,M7,written_off,legal", 0.0, 0.25),
)
HUMAN_TEAMS = 3  # the first three teams employ agents
ROBOT, AGENCY_A, AGENCY_B = 3, 4, 5
AGENT_TEAM_SHARE = np.array([0.5, 0.3, 0.2])
AGENTS_PER_ACCOUNTS = 2000
CASE_STATUSES = ("active", "dispute", "legal_hold", "written_off")


@dataclass
class Staff:
    teams: pl.DataFrame
    agents: pl.DataFrame
    cases: pl.DataFrame
    agent_id: pl.Series
    agent_team: np.ndarray
    agent_lang: np.ndarray  # 0 = Chinese speaker, 1 = English speaker
    agent_active: np.ndarray
    case_agent: np.ndarray  # per account: owning agent index, -1 when none


def human_team_for(dpd: np.ndarray) -> np.ndarray:
    """The human team (0..2) that works a given dpd: M1, M2, then late collectors."""
    return np.where(dpd <= 30, 0, np.where(dpd <= 60, 1, 2))


def _agents(accounts: int, en_share: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Agent count, team and language group: stratified so every team speaks both languages."""
    n = max(5, round(accounts / AGENTS_PER_ACCOUNTS))
    per_team = np.maximum(1, np.floor(n * AGENT_TEAM_SHARE).astype(np.int64))
    per_team[0] += n - per_team.sum()
    team = np.repeat(np.arange(HUMAN_TEAMS), per_team)
    rank = np.arange(n) - (np.cumsum(per_team) - per_team)[team]
    n_en = np.round(per_team * en_share).astype(np.int64)
    if 0 < en_share < 1:  # both languages present in every team that has two agents
        n_en = np.where(per_team > 1, np.clip(n_en, 1, per_team - 1), n_en)
    lang = (rank < n_en[team]).astype(np.int64)
    return n, team, lang


def generate_staff(rng: np.random.Generator, people: People, book: Book, as_of_day: int) -> Staff:
    """Teams, agents and cases for the book."""
    en_share = float((people.country != 0).mean()) if people.size else 0.0
    n_agents, team, lang = _agents(book.size, en_share)
    active = rng.random(n_agents) < 0.97
    active[np.unique(team, return_index=True)[1]] = True  # every team keeps an active agent

    # Case candidates, decided per customer from its worst eligible account.
    eligible = np.isin(book.status, [STATUSES.index(s) for s in CASE_STATUSES]) & (book.dpd >= 4)
    cust_dpd = np.full(people.size, -1, dtype=np.int64)
    np.maximum.at(cust_dpd, book.customer[eligible], book.dpd[eligible])
    cust_n = np.bincount(book.customer[eligible], minlength=people.size)
    legal = np.zeros(people.size, dtype=bool)
    legal[book.customer[book.status == STATUSES.index("legal_hold")]] = True
    u = rng.random(people.size)
    # Owner pool per customer: 0..2 human teams, 3 robot, 4/5 agencies, -1 none.
    pool = np.select(
        [cust_dpd < 0, legal, cust_dpd <= 30, cust_dpd <= 60, cust_dpd <= 120, cust_dpd <= 180],
        [-1, 2, np.where(u < 0.7, 0, ROBOT), np.where(u < 0.9, 1, -1), 2,
         np.where(u < 0.5, 2, AGENCY_A)],
        np.where(u < 0.6, AGENCY_B, np.where(u < 0.8, AGENCY_A, -1)),
    )  # fmt: skip
    cust_lang = (people.country != 0).astype(np.int64)

    # Owners: agents in (team, language) pools, teams as their own pools.
    a_pool = team * 2 + lang
    c_pool = np.where(pool < HUMAN_TEAMS, pool * 2 + cust_lang, 6 + pool - HUMAN_TEAMS)
    c_pool = np.where(pool < 0, -1, c_pool)
    a_count = np.bincount(a_pool[active], minlength=6)
    other = np.where(c_pool % 2 == 0, c_pool + 1, c_pool - 1)
    swap = (c_pool >= 0) & (c_pool < 6) & (a_count[np.clip(c_pool, 0, 5)] == 0)
    c_pool = np.where(swap, other, c_pool)
    demand = np.bincount(c_pool[c_pool >= 0], weights=cust_n[c_pool >= 0], minlength=9)

    agent_cap = np.ceil(
        demand[a_pool] / np.maximum(a_count[a_pool], 1) * rng.uniform(0.85, 1.15, n_agents)
    ).astype(np.int64)
    agent_cap = np.maximum(agent_cap, 50)
    team_cap = np.array([0, 0, 0, max(book.size, 1), 0, 0], dtype=np.int64)
    team_cap[AGENCY_A] = int(np.ceil(demand[6 + AGENCY_A - HUMAN_TEAMS] * 0.9)) + 10
    team_cap[AGENCY_B] = int(np.ceil(demand[6 + AGENCY_B - HUMAN_TEAMS] * 0.9)) + 10

    # Owner list ordered by pool; only active agents take cases.
    own_active = np.concatenate([active, np.ones(3, dtype=bool)])
    own_pool = np.concatenate([a_pool, [6, 7, 8]])
    own_cap = np.concatenate([agent_cap, team_cap[ROBOT:]])
    order = np.lexsort((np.arange(own_pool.size), own_pool))
    order = order[own_active[order]]
    cum_cap = np.cumsum(own_cap[order])
    pool_base = np.zeros(10, dtype=np.int64)
    np.maximum.at(pool_base, own_pool[order] + 1, cum_cap)
    pool_base = np.maximum.accumulate(pool_base)  # capacity before each pool's first owner

    # Customers in random order within pool; fill owners up to capacity, never split a customer.
    cands = np.flatnonzero(c_pool >= 0)
    cands = cands[np.lexsort((rng.random(cands.size), c_pool[cands]))]
    n_c = cust_n[cands]
    cum = np.cumsum(n_c)
    first_in_pool = np.r_[True, c_pool[cands][1:] != c_pool[cands][:-1]]
    pool_start = np.maximum.accumulate(np.where(first_in_pool, cum - n_c, 0))
    begin = pool_base[c_pool[cands]] + (cum - n_c - pool_start)
    slot = np.searchsorted(cum_cap, begin, side="right")
    ok = slot < cum_cap.size
    slot = np.minimum(slot, cum_cap.size - 1)
    ok &= (own_pool[order[slot]] == c_pool[cands]) & (begin + n_c <= cum_cap[slot])
    cust_owner = np.full(people.size, -1, dtype=np.int64)
    cust_owner[cands[ok]] = order[slot[ok]]

    # Cases: every eligible account of an assigned customer.
    acc = np.flatnonzero(eligible & (cust_owner[book.customer] >= 0))
    owner = cust_owner[book.customer[acc]]
    is_agent = owner < n_agents
    agent_id = ids("AG", n_agents, 5)
    # Team ids are the names strategies use (`team: m1_collectors`).
    team_id = pl.Series("team_id", [t[0] for t in TEAMS], dtype=pl.String)
    owner_id = pl.select(
        pl.when(pl.Series(is_agent))
        .then(take(agent_id, np.minimum(owner, n_agents - 1)))
        .otherwise(take(team_id, np.clip(owner - n_agents + ROBOT, 0, len(TEAMS) - 1)))
    ).to_series()
    kind = np.where(is_agent, 0, np.where(owner - n_agents == 0, 1, 2))
    in_stage = np.clip(book.dpd[acc] - np.select(
        [book.dpd[acc] <= 30, book.dpd[acc] <= 60, book.dpd[acc] <= 90], [4, 31, 61], 91
    ), 0, 29)  # fmt: skip
    assigned_day = as_of_day - in_stage
    assigned_at = assigned_day * US_PER_DAY + rng.integers(3600, 3 * 3600, acc.size) * US_PER_SECOND
    stay = np.where(kind == 2, 90, np.where(kind == 0, 15, 0))
    cases = to_contract(
        "cases",
        {
            "account_id": take(book.account_id, acc),
            "owner_id": owner_id,
            "owner_kind": gather(OWNER_KINDS, kind),
            "assigned_at": utc_series("assigned_at", assigned_at),
            "stay_until": date_series("stay_until", assigned_day + stay, stay > 0),
        },
    )
    case_agent = np.full(book.size, -1, dtype=np.int64)
    case_agent[acc[is_agent]] = owner[is_agent]

    teams = to_contract(
        "teams",
        {
            "team_id": team_id,
            "kind": [t[1] for t in TEAMS],
            "name": [t[0].replace("_", " ").capitalize() for t in TEAMS],
            "skills": [t[2] for t in TEAMS],
            "capacity_cases": pl.Series([None, None, None, *team_cap[ROBOT:].tolist()]),
            "cost_per_contact": [t[3] for t in TEAMS],
            "commission_rate": pl.Series([t[4] for t in TEAMS], dtype=pl.Float64),
        },
    )
    name, _, _ = names_and_handles(rng, np.where(lang == 1, 1 + (rng.random(n_agents) < 0.4), 0))
    bilingual = rng.random(n_agents) < 0.2
    languages = gather(("zh-CN", "zh-CN,en-US", "en-US,en-GB"), np.where(lang == 1, 2, bilingual))
    extra = gather(
        ("", ",negotiation", ",skip_trace", ",legal", ",vip"), rng.integers(0, 5, n_agents)
    )
    skills = pl.select(pl.concat_str(gather(("M1", "M2", "M3,M4,M5,M6"), team), extra)).to_series()
    agents = to_contract(
        "agents",
        {
            "agent_id": agent_id,
            "team_id": take(team_id, team),
            "name": name,
            "skills": skills,
            "languages": languages,
            "capacity_cases": agent_cap,
            "capacity_minutes": rng.integers(8, 15, n_agents) * 30,
            "active": active,
        },
    )
    return Staff(teams, agents, cases, agent_id, team, lang, active, case_agent)
