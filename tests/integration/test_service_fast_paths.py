"""The service's per-request fast paths, on SQLite and PostgreSQL: a session read in one
statement (logout, deactivation and role changes count at once), the attempt's pre-dial check
on a guard kept across requests (the same answers as one built per request, attempts just
recorded counted), and Nagle off on listeners bound with protocol 0 (`service.nodelay`)."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from arrears.service.auth import principal_of, session_principal, token_hash
from arrears.service.guard_now import (
    Guard,
    Policy,
    guard_tables,
    latest_strategy,
    may_contact,
    summary,
)
from arrears.service.nodelay import nodelay_listeners
from arrears.store.db import engine
from arrears.store.io import customer_tables
from arrears.store.models import Account, Contact, User, UserRole
from arrears.store.work import AuthSession
from service_fixtures import Book, login
from service_queries import next_case, rows

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _token(client: TestClient, user_id: str) -> str:
    from service_book import password_of

    answer = client.post(
        "/api/v1/auth/login", json={"user_id": user_id, "password": password_of(user_id)}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def _write(book: Book, statement: Any) -> None:
    eng = engine(book.url)
    try:
        with eng.begin() as connection:
            connection.execute(statement)
    finally:
        eng.dispose()


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["agent1", "supervisor", "admin", "compliance"])
def test_a_session_is_one_statement_and_the_same_principal(
    client: TestClient, book: Book, user_id: str
) -> None:
    token = _token(client, user_id)
    eng = engine(book.url)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    try:
        with eng.connect() as connection:
            csrf = connection.scalar(
                sa.select(AuthSession.csrf_token).where(AuthSession.token_hash == token_hash(token))
            )
            expected = principal_of(connection, user_id, csrf or "")
            sa.event.listen(eng, "before_cursor_execute", count)
            who = session_principal(connection, token, now=book.clock())
            sa.event.remove(eng, "before_cursor_execute", count)
    finally:
        eng.dispose()
    assert len(statements) == 1
    assert who == expected and who is not None
    if user_id == "supervisor":
        assert who.teams == {book.team}
    if user_id == "agent1":
        assert who.agent_id == book.users["agent1"] and who.agent_team == book.team


def test_logout_deactivation_and_role_changes_count_at_once(client: TestClient, book: Book) -> None:
    headers = login(client, "agent2")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["roles"] == ["agent"]
    _write(book, sa.insert(UserRole).values(user_id="agent2", role_id="supervisor"))
    try:
        assert client.get("/api/v1/auth/me", headers=headers).json()["roles"] == [
            "agent",
            "supervisor",
        ]
    finally:
        _write(
            book,
            sa.delete(UserRole).where(
                UserRole.user_id == "agent2", UserRole.role_id == "supervisor"
            ),
        )
    assert client.get("/api/v1/auth/me", headers=headers).json()["roles"] == ["agent"]
    _write(book, sa.update(User).where(User.user_id == "agent2").values(active=False))
    try:
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    finally:
        _write(book, sa.update(User).where(User.user_id == "agent2").values(active=True))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert client.post("/api/v1/queue/next", headers=headers).status_code == 401
    assert client.get("/api/v1/auth/nonsense", headers=headers).status_code == 404


def test_an_unknown_token_has_no_principal(book: Book) -> None:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            assert session_principal(connection, "no such token", now=book.clock()) is None
    finally:
        eng.dispose()


# --- the attempt's pre-dial check ------------------------------------------------------------


def _phones(book: Book, customer: str) -> list[tuple[str, str]]:
    """(account, debtor phone) pairs of the customer."""
    accounts = [
        r[0]
        for r in rows(book, sa.select(Account.account_id).where(Account.customer_id == customer))
    ]
    phones = [
        r[0]
        for r in rows(
            book,
            sa.select(Contact.contact_id).where(
                Contact.customer_id == customer, Contact.kind == "phone"
            ),
        )
    ]
    return [(a, p) for a in accounts for p in phones]


def _old_answer(book: Book, customer: str, contact: str, at: dt.datetime, account: str | None):
    """The pre-dial answer as the service gave it before the shared guard: the customer's
    every table read and the state built per request."""
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            policy = Policy.of(latest_strategy(connection))
            return may_contact(
                customer_tables(connection, customer), policy, contact, at, "human_call", account
            )
    finally:
        eng.dispose()


def test_the_shared_guard_answers_as_one_built_per_request(client: TestClient, book: Book) -> None:
    headers = login(client, "agent1")
    customers = []
    for _ in range(6):
        customer = next_case(client, headers)
        if _phones(book, customer):
            customers.append(customer)
        client.post(f"/api/v1/cases/{customer}/release", json={"done": True}, headers=headers)
    assert customers
    eng = engine(book.url)
    instants = [book.clock() + dt.timedelta(hours=h) for h in (-3, 0, 2.5, 9, 30)]
    try:
        with eng.connect() as connection:
            guard = Guard(Policy.of(latest_strategy(connection)))
            asked = 0
            for customer in customers:
                for account, phone in _phones(book, customer)[:3]:
                    for at in instants:
                        for named in (account, None):
                            tables = guard_tables(connection, customer)
                            new = guard.may_contact(
                                tables, phone, at, "human_call", named, today=book.clock().date()
                            )
                            assert new == _old_answer(book, customer, phone, at, named)
                            asked += 1
    finally:
        eng.dispose()
    assert asked >= 10
    # The calendar's windows were worked out once and shared by every question.
    today = book.clock().date()
    assert guard._calendar(today).days


def test_an_attempt_just_recorded_counts_against_the_caps(client: TestClient, book: Book) -> None:
    headers = login(client, "agent1")
    for _ in range(20):
        customer = next_case(client, headers)
        pairs = _phones(book, customer)
        if pairs:
            break
        client.post(f"/api/v1/cases/{customer}/release", json={"done": True}, headers=headers)
    else:
        raise AssertionError("no case with a phone")
    account, phone = pairs[0]
    rules = []
    for i in range(6):
        at = book.clock() + dt.timedelta(hours=1, minutes=5 * i)
        body = {
            "account_id": account, "contact_id": phone, "channel": "human_call",
            "outcome": "no_answer", "at": at.isoformat(),
        }  # fmt: skip
        before = summary(_old_answer(book, customer, phone, at, account))
        got = client.post(f"/api/v1/cases/{customer}/attempts", json=body, headers=headers)
        assert got.status_code == 201, got.text
        assert got.json()["guard"] == jsonable(before)
        rules.append(got.json()["guard"]["rule"])
    # The first is allowed; the ones after it are refused by the ledger the earlier ones made.
    assert rules[0] is None and any(r is not None for r in rules[1:])


def jsonable(answer: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    return dict(jsonable_encoder(answer))


def test_a_new_day_starts_the_calendar_afresh(book: Book) -> None:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            guard = Guard(Policy.of(latest_strategy(connection)))
    finally:
        eng.dispose()
    today = book.clock().date()
    first = guard._calendar(today)
    assert guard._calendar(today) is first
    assert guard._calendar(today + dt.timedelta(days=1)) is not first


# --- Nagle -----------------------------------------------------------------------------------


def test_a_listener_bound_with_protocol_0_passes_nodelay_to_its_connections() -> None:
    listener = socket.socket(socket.AF_INET)  # as uvicorn --workers binds it: proto 0
    listener.bind(("127.0.0.1", 0))
    other = socket.socket(socket.AF_INET)  # not bound: left alone
    try:
        assert listener.proto == 0
        assert not listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert listener.fileno() in nodelay_listeners()
        assert other.fileno() not in nodelay_listeners([other.fileno()])
        assert not other.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            accepted.close()
            client.close()
    finally:
        listener.close()
        other.close()


def test_the_app_sets_nodelay_at_startup(book: Book) -> None:
    listener = socket.socket(socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    try:
        with TestClient(book.app()):
            assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        listener.close()
