"""200 agents at once on a real socket: Get Next and claim never give one case to two agents
(SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, the conditional claim on both back ends)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from arrears.service.auth import open_session
from arrears.service.passwords import hash_password
from arrears.store.db import engine
from arrears.store.models import Agent, User, UserRole
from arrears.store.work import WorkUnit
from live_server import live_server
from service_fixtures import Book

AGENTS = 200
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def crowd(book: Book) -> Iterator[tuple[str, dict[str, str]]]:
    """200 more agents in the supervisor's team, the team's cases pooled for them to grab, a
    session each; yields the server's URL and each agent's token."""
    eng = engine(book.url)
    digest = hash_password("crowd-pass-phrase")
    ids = [f"CROWD{i:03d}" for i in range(AGENTS)]
    tokens: dict[str, str] = {}
    with eng.begin() as connection:
        connection.execute(
            sa.insert(Agent),
            [
                {"agent_id": a, "team_id": book.team, "capacity_cases": 50, "active": True}
                for a in ids
            ],
        )
        connection.execute(
            sa.insert(User),
            [
                {
                    "user_id": a.lower(),
                    "name": a,
                    "active": True,
                    "password_hash": digest,
                    "agent_id": a,
                }
                for a in ids
            ],
        )
        connection.execute(
            sa.insert(UserRole), [{"user_id": a.lower(), "role_id": "agent"} for a in ids]
        )
        connection.execute(
            sa.update(WorkUnit)
            .where(WorkUnit.team_id == book.team, WorkUnit.state == "open")
            .values(
                mode="pool",
                owner_id=book.team,
                owner_kind="team",
                claimed_by=None,
                claimed_until=None,
            )
        )
        for a in ids:
            tokens[a] = open_session(connection, a.lower(), now=book.clock.now, hours=12).token
    eng.dispose()
    with live_server(book.app()) as base:
        yield base, tokens


def _all_at_once(calls: list, workers: int = AGENTS) -> list[httpx.Response]:
    start = threading.Barrier(len(calls))

    def run(call) -> httpx.Response:  # type: ignore[no-untyped-def]
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def test_200_agents_calling_get_next_at_once_never_share_a_case(
    crowd: tuple[str, dict[str, str]], book: Book
) -> None:
    base, tokens = crowd
    eng = engine(book.url)
    with eng.connect() as connection:
        open_units = connection.scalar(
            sa.select(sa.func.count())
            .select_from(WorkUnit)
            .where(
                WorkUnit.team_id == book.team,
                WorkUnit.state == "open",
                WorkUnit.claimed_by.is_(None),
            )
        )

    def get_next(agent: str):  # type: ignore[no-untyped-def]
        return lambda: httpx.post(
            f"{base}/api/v1/queue/next",
            headers={"Authorization": f"Bearer {tokens[agent]}"},
            timeout=120,
        )

    answers = _all_at_once([get_next(a) for a in tokens])
    assert all(r.status_code == 200 for r in answers), [
        r.text for r in answers if r.status_code != 200
    ][:3]
    claims = {agent: r.json()["claim"] for agent, r in zip(tokens, answers, strict=True)}
    got = [c["customer_id"] for c in claims.values() if c is not None]
    assert len(got) == len(set(got)), [k for k, n in Counter(got).items() if n > 1]
    assert len(got) == min(AGENTS, int(open_units or 0)), (
        "every agent got a case while free cases were left"
    )
    with eng.connect() as connection:
        held = dict(
            connection.execute(
                sa.select(WorkUnit.customer_id, WorkUnit.claimed_by).where(
                    WorkUnit.customer_id.in_(got)
                )
            ).all()
        )
    eng.dispose()
    for agent, claim in claims.items():
        if claim is not None:
            assert held[claim["customer_id"]] == agent


def test_200_agents_claiming_one_case_at_once_leave_it_with_one(
    crowd: tuple[str, dict[str, str]], book: Book
) -> None:
    base, tokens = crowd
    eng = engine(book.url)
    with eng.begin() as connection:
        connection.execute(
            sa.update(WorkUnit)
            .where(WorkUnit.team_id == book.team)
            .values(claimed_by=None, claimed_until=None, state="open", worked_at=None)
        )
        target = connection.scalar(
            sa.select(WorkUnit.customer_id)
            .where(WorkUnit.team_id == book.team)
            .order_by(WorkUnit.customer_id)
            .limit(1)
        )

    def claim(agent: str):  # type: ignore[no-untyped-def]
        return lambda: httpx.post(
            f"{base}/api/v1/cases/{target}/claim",
            headers={"Authorization": f"Bearer {tokens[agent]}"},
            timeout=120,
        )

    answers = _all_at_once([claim(a) for a in tokens])
    codes = Counter(r.status_code for r in answers)
    assert codes[200] == 1 and codes[409] == AGENTS - 1, codes
    winner = next(agent for agent, r in zip(tokens, answers, strict=True) if r.status_code == 200)
    with eng.connect() as connection:
        assert (
            connection.scalar(sa.select(WorkUnit.claimed_by).where(WorkUnit.customer_id == target))
            == winner
        )
    eng.dispose()
