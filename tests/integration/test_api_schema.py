"""Schemathesis over the service's OpenAPI schema: every operation, with generated requests, as
an admin and as an agent, never answers a server error (5xx) and answers what the schema says.

The book (tests/service_book.py: a SQLite database with the demo portfolio, today's queue and
one user per role) is built once for the module. Requests are generated from the schema
(Hypothesis, `max_examples` per operation, no shrinking); half of them are pointed at the book's
real rows (a customer of agent1's queue with one of its accounts and contact points, a strategy
version, the team and its agents, an offer made earlier, the webhook's secret) so they get past
the 404s into the code that writes. Logging out is checked on its own, with a fresh session per
request, so it does not end the session the other operations use.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy import select

from databases import fresh_database
from service_book import WEBHOOK_SECRET, Book, build_book, password_of

pytestmark = pytest.mark.slow

USERS = ("admin", "agent1")
MAX_EXAMPLES = 10
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("api-schema")
    with fresh_database("sqlite", folder) as url:
        yield build_book(url, folder)


@pytest.fixture(scope="module")
def app(book: Book) -> Any:
    return book.app()


def login(app: Any, user_id: str) -> str:
    with TestClient(app) as client:
        r = client.post(
            "/api/v1/auth/login", json={"user_id": user_id, "password": password_of(user_id)}
        )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


@pytest.fixture(scope="module")
def tokens(app: Any) -> dict[str, str]:
    return {user: login(app, user) for user in USERS}


@pytest.fixture(scope="module")
def real_rows(book: Book) -> Any:
    """Ids the generated requests may borrow: agent1's customers with an account and a phone
    of each, the strategy versions, the supervisor's team and its agents (agent1's, agent2's,
    and some with no user), and the offers made so far."""
    from arrears.store.db import engine
    from arrears.store.models import Account, Agent, Contact, StrategyVersion
    from arrears.store.work import OfferRecord, WorkUnit

    eng = engine(book.url)
    with eng.connect() as connection:
        agent = book.users["agent1"]
        customers = list(
            connection.scalars(
                select(WorkUnit.customer_id)
                .where(WorkUnit.owner_id == agent, WorkUnit.mode == "dispatch")
                .order_by(WorkUnit.customer_id)
                .limit(20)
            )
        )
        cases = []
        for customer in customers:
            account = connection.scalar(
                select(Account.account_id).where(Account.customer_id == customer).limit(1)
            )
            phone = connection.scalar(
                select(Contact.contact_id)
                .where(Contact.customer_id == customer, Contact.kind == "phone")
                .limit(1)
            )
            if account and phone:
                cases.append((customer, account, phone))
        versions = list(connection.scalars(select(StrategyVersion.id)))
        agents = list(
            connection.scalars(
                select(Agent.agent_id).where(Agent.team_id == book.team).order_by(Agent.agent_id)
            )
        )
    assert cases, "agent1 has no dispatched customers with an account and a phone"

    def offers() -> list[str]:
        with eng.connect() as connection:
            return list(connection.scalars(select(OfferRecord.offer_id).limit(50)))

    yield {
        "cases": cases, "versions": versions, "team": book.team, "agent": agent,
        "agents": sorted({agent, *agents[:4]}), "offers": offers,
    }  # fmt: skip
    eng.dispose()


@pytest.fixture(scope="module")
def api_schema(app: Any, real_rows: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    borrowed = st.tuples(st.sampled_from(real_rows["cases"]), st.sampled_from(real_rows["agents"]))

    @schema.hook
    def flatmap_case(context: Any, case: Any) -> Any:
        """Half the cases keep what was generated; the others borrow real ids."""
        return st.booleans().flatmap(
            lambda real: (
                borrowed.map(lambda got: with_real_ids(case, *got, real_rows))
                if real
                else st.just(case)
            )
        )

    return schema


def with_real_ids(case: Any, row: tuple[str, str, str], agent: str, real: dict[str, Any]) -> Any:
    customer, account, phone = row
    path = dict(case.path_parameters or {})
    if "customer_id" in path:
        path["customer_id"] = customer
    if "team_id" in path:
        path["team_id"] = real["team"]
    if "version_id" in path and real["versions"]:
        path["version_id"] = real["versions"][0]
    if "offer_id" in path:
        made = real["offers"]()
        if made:
            path["offer_id"] = made[zlib.crc32(customer.encode()) % len(made)]
    case.path_parameters = path
    if isinstance(case.body, dict):
        body = dict(case.body)
        for key, value in (("account_id", account), ("contact_id", phone), ("agent_id", agent)):
            if key in body:
                body[key] = value
        case.body = body
    if case.path == "/api/v1/webhooks/payments":
        case.headers = {**(case.headers or {}), "X-Webhook-Secret": WEBHOOK_SECRET}
    if case.path == "/api/v1/cases/{customer_id}/script":
        case.query = {**(case.query or {}), "account_id": account}
    return case


schema = schemathesis.pytest.from_fixture("api_schema")


def call(case: Any, token: str) -> Any:
    return case.call(headers={"Authorization": f"Bearer {token}"})


def check(case: Any, response: Any) -> None:
    """No 5xx; a 2xx answers what the schema says. (Not every 4xx: the app's own 422s carry
    `{"detail": "<text>"}` where the schema documents FastAPI's validation error list.)"""
    checks = [not_a_server_error]
    if 200 <= response.status_code < 300:
        checks.append(response_schema_conformance)
    case.validate_response(response, checks=checks)


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure as found, in time
)


@schema.exclude(path=LOGOUT).parametrize()
@SETTINGS
def test_no_server_error_as_admin(case: Any, tokens: dict[str, str]) -> None:
    check(case, call(case, tokens["admin"]))


@schema.exclude(path=[LOGOUT, LOGIN]).parametrize()
@SETTINGS
def test_no_server_error_as_agent(case: Any, tokens: dict[str, str]) -> None:
    check(case, call(case, tokens["agent1"]))


@schema.include(path=LOGOUT).parametrize()
@settings(SETTINGS, max_examples=5)  # a login (Argon2) per example
def test_logout_gets_no_server_error(case: Any, app: Any) -> None:
    check(case, call(case, login(app, "agent1")))
