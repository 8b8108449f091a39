"""The REST API on SQLite and on PostgreSQL: logins, the queue, role scoping, masking, outcomes,
idempotent retries, the payment webhook and the pre-dial check, each with its audit entry."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from arrears.store.models import Account, Contact
from arrears.store.work import WorkUnit
from service_fixtures import Book, login
from service_queries import audit, next_case, rows

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- logins --------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_too_many_are_rate_limited(
    client: TestClient, book: Book
) -> None:
    for _ in range(5):
        wrong = client.post("/api/v1/auth/login", json={"user_id": "manager", "password": "nope"})
        assert wrong.status_code == 401
    limited = client.post("/api/v1/auth/login", json={"user_id": "manager", "password": "nope"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    book.clock.advance(minutes=6)
    assert (
        client.post(
            "/api/v1/auth/login", json={"user_id": "manager", "password": "manager-pass-phrase"}
        ).status_code
        == 200
    )


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/login", json={"user_id": "nobody", "password": "whatever-it-is"}
    )
    assert answer.status_code == 401
    assert answer.json()["detail"] == "wrong user name or password"


def test_a_session_answers_me_until_logout_or_expiry(client: TestClient, book: Book) -> None:
    headers = login(client, "agent1")
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert (
        me["roles"] == ["agent"] and me["agent_id"] == book.users["agent1"] and not me["sees_pii"]
    )
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    later = login(client, "agent1")
    book.clock.advance(hours=13)
    assert client.get("/api/v1/auth/me", headers=later).status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_passwords_are_stored_as_argon2_hashes(book: Book) -> None:
    from arrears.store.models import User

    hashes = [r.password_hash for r in rows(book, sa.select(User.password_hash))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_a_cookie_session_must_send_the_csrf_token_on_writes(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/login", json={"user_id": "agent1", "password": "agent1-pass-phrase"}
    )
    csrf = answer.json()["csrf_token"]
    assert client.get("/api/v1/queue").status_code == 200  # the cookie alone reads
    assert client.post("/api/v1/queue/next").status_code == 403
    assert client.post("/api/v1/queue/next", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/queue/next", headers={"X-CSRF-Token": csrf}).status_code == 200


# --- the queue -----------------------------------------------------------------------------


def test_get_next_claims_a_case_of_the_agents_own_queue_and_gives_it_back_until_released(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "agent1")
    agent = book.users["agent1"]
    queue = client.get("/api/v1/queue", headers=headers).json()["cases"]
    assert queue, "the agent has work today"
    customer = next_case(client, headers)
    unit = rows(book, sa.select(WorkUnit).where(WorkUnit.customer_id == customer))[0]
    from arrears.store.models import Agent

    team = rows(book, sa.select(Agent.team_id).where(Agent.agent_id == agent))[0][0]
    assert (unit.mode == "dispatch" and unit.owner_id == agent) or (
        unit.mode == "pool" and unit.team_id == team
    )
    assert unit.claimed_by == agent
    assert customer == queue[0]["customer_id"], "Get Next takes the head of the queue"
    again = client.post("/api/v1/queue/next", headers=headers).json()["claim"]
    assert again["customer_id"] == customer and again["resumed"]
    assert (
        client.post(
            f"/api/v1/cases/{customer}/release", json={"done": True}, headers=headers
        ).status_code
        == 200
    )
    after = rows(
        book,
        sa.select(WorkUnit.state, WorkUnit.claimed_by, WorkUnit.worked_at).where(
            WorkUnit.customer_id == customer
        ),
    )[0]
    assert after.state == "done" and after.claimed_by is None and after.worked_at is not None
    assert next_case(client, headers) != customer
    assert audit(book, "get_next", customer) and audit(book, "finish", customer)


def test_a_claim_lapses_after_its_lease(client: TestClient, book: Book) -> None:
    headers = login(client, "agent1")
    customer = next_case(client, headers)
    book.clock.advance(minutes=31)
    headers = login(client, "agent1")
    assert (
        client.post(f"/api/v1/cases/{customer}/release", json={}, headers=headers).status_code
        == 404
    )


def test_an_agent_cannot_claim_a_case_outside_its_queue(client: TestClient, book: Book) -> None:
    first = login(client, "agent1")
    customer = next_case(client, first)
    other = login(client, "agent2")
    answer = client.post(f"/api/v1/cases/{customer}/claim", headers=other)
    assert answer.status_code in (404, 409)
    holder = rows(book, sa.select(WorkUnit.claimed_by).where(WorkUnit.customer_id == customer))[0][
        0
    ]
    assert holder == book.users["agent1"]


def test_only_agents_work_the_queue(client: TestClient) -> None:
    assert client.post("/api/v1/queue/next", headers=login(client, "supervisor")).status_code == 403
    assert client.get("/api/v1/queue", headers=login(client, "manager")).status_code == 403


# --- who sees what -------------------------------------------------------------------------


def test_an_agent_reading_another_agents_case_gets_404(client: TestClient, book: Book) -> None:
    customer = next_case(client, login(client, "agent1"))
    other = login(client, "agent2")
    assert client.get(f"/api/v1/cases/{customer}", headers=other).status_code == 404
    account = rows(book, sa.select(Account.account_id).where(Account.customer_id == customer))[0][0]
    write = client.post(
        f"/api/v1/cases/{customer}/promises",
        json={"account_id": account, "due_date": "2026-12-03", "amount": "1.00"},
        headers=other,
    )
    assert write.status_code == 404
    assert client.get("/api/v1/cases/C99999999", headers=other).status_code == 404


def test_a_supervisor_reads_its_teams_cases_only(client: TestClient, book: Book) -> None:
    headers = login(client, "supervisor")
    own = rows(book, sa.select(WorkUnit.customer_id).where(WorkUnit.team_id == book.team).limit(1))[
        0
    ][0]
    other = rows(
        book, sa.select(WorkUnit.customer_id).where(WorkUnit.team_id != book.team).limit(1)
    )
    assert client.get(f"/api/v1/cases/{own}", headers=headers).status_code == 200
    if other:
        assert client.get(f"/api/v1/cases/{other[0][0]}", headers=headers).status_code == 404


def test_numbers_are_masked_unless_the_role_may_see_them(client: TestClient, book: Book) -> None:
    customer = next_case(client, login(client, "agent1"))
    points = {
        r.contact_id: r.value
        for r in rows(
            book,
            sa.select(Contact.contact_id, Contact.value).where(Contact.customer_id == customer),
        )
    }
    seen_by_agent = client.get(f"/api/v1/cases/{customer}", headers=login(client, "agent1")).json()[
        "contacts"
    ]
    seen_by_officer = client.get(
        f"/api/v1/cases/{customer}", headers=login(client, "compliance")
    ).json()["contacts"]
    assert {p["contact_id"]: p["value"] for p in seen_by_officer} == points
    for point in seen_by_agent:
        assert point["value"] != points[point["contact_id"]]
        assert "*" in point["value"]
        assert point["now"]["allowed"] in (True, False)
