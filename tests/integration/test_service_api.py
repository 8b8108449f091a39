"""The REST API on SQLite and on PostgreSQL: logins, the queue, role scoping, masking, outcomes,
idempotent retries, the payment webhook and the pre-dial check, each with its audit entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from arrears.store.db import engine
from arrears.store.models import Account, Attempt, AuditEntry, Contact, Payment, PlanAction, Promise
from arrears.store.work import WorkUnit
from service_book import WEBHOOK_SECRET
from service_fixtures import Book, login

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def rows(book: Book, query: Any) -> list[Any]:
    eng = engine(book.url)
    try:
        with eng.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        eng.dispose()


def audit(book: Book, action: str, entity_id: str | None = None) -> list[Any]:
    query = sa.select(AuditEntry).where(AuditEntry.action == action)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    return rows(book, query)


def next_case(client: TestClient, headers: dict[str, str]) -> str:
    got = client.post("/api/v1/queue/next", headers=headers)
    assert got.status_code == 200, got.text
    assert got.json()["claim"] is not None
    return str(got.json()["claim"]["customer_id"])


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


# --- outcomes ------------------------------------------------------------------------------


def _case_with_phone(
    client: TestClient, book: Book, headers: dict[str, str]
) -> tuple[str, str, str]:
    for _ in range(20):
        customer = next_case(client, headers)
        phones = rows(
            book,
            sa.select(Contact.contact_id).where(
                Contact.customer_id == customer, Contact.kind == "phone", Contact.role == "debtor"
            ),
        )
        if phones:
            account = rows(
                book, sa.select(Account.account_id).where(Account.customer_id == customer)
            )[0][0]
            return customer, account, phones[0][0]
        client.post(f"/api/v1/cases/{customer}/release", json={"done": True}, headers=headers)
    raise AssertionError("no case with a debtor phone")


def test_an_attempt_is_appended_once_whatever_the_retries(client: TestClient, book: Book) -> None:
    headers = login(client, "agent1")
    customer, account, phone = _case_with_phone(client, book, headers)
    body = {"account_id": account, "contact_id": phone, "channel": "human_call", "outcome": "rpc"}
    before = len(rows(book, sa.select(Attempt.attempt_id).where(Attempt.account_id == account)))
    keyed = {**headers, "Idempotency-Key": f"attempt-{customer}"}
    first = client.post(f"/api/v1/cases/{customer}/attempts", json=body, headers=keyed)
    second = client.post(f"/api/v1/cases/{customer}/attempts", json=body, headers=keyed)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers.get("Idempotent-Replayed") == "true"
    after = rows(book, sa.select(Attempt).where(Attempt.account_id == account))
    assert len(after) == before + 1
    mine = next(a for a in after if a.attempt_id == first.json()["attempt_id"])
    assert mine.agent_id == book.users["agent1"] and mine.at == book.clock.now
    assert first.json()["guard"]["allowed"] in (True, False)
    entry = audit(book, "record_attempt", mine.attempt_id)[0]
    assert entry.actor == "agent1" and entry.after["guard"] is not None
    reused = client.post(
        f"/api/v1/cases/{customer}/attempts", json={**body, "outcome": "no_answer"}, headers=keyed
    )
    assert reused.status_code == 422
    view = client.get(f"/api/v1/cases/{customer}", headers=headers).json()
    assert mine.attempt_id in {a["attempt_id"] for a in view["ledger"]}


def test_the_ledger_refuses_update_and_delete(book: Book) -> None:
    eng = engine(book.url)
    try:
        with pytest.raises(sa.exc.DBAPIError), eng.begin() as connection:
            connection.execute(sa.update(Attempt).values(outcome="rpc"))
    finally:
        eng.dispose()


def test_an_attempt_on_a_point_of_another_customer_is_refused(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "agent1")
    customer, account, _ = _case_with_phone(client, book, headers)
    stranger = rows(
        book, sa.select(Contact.contact_id).where(Contact.customer_id != customer).limit(1)
    )[0][0]
    answer = client.post(
        f"/api/v1/cases/{customer}/attempts",
        json={
            "account_id": account,
            "contact_id": stranger,
            "channel": "human_call",
            "outcome": "rpc",
        },
        headers=headers,
    )
    assert answer.status_code == 404


def test_a_promise_is_recorded_with_its_audit_entry_and_checked(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "agent1")
    customer = next_case(client, headers)
    account = rows(
        book,
        sa.select(Account.account_id, Account.outstanding_balance).where(
            Account.customer_id == customer
        ),
    )[0]
    due = (book.clock.now.date() + dt.timedelta(days=5)).isoformat()
    made = client.post(
        f"/api/v1/cases/{customer}/promises",
        json={"account_id": account.account_id, "due_date": due, "amount": "25.50"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    stored = rows(book, sa.select(Promise).where(Promise.promise_id == made.json()["promise_id"]))[
        0
    ]
    assert (
        stored.amount == Decimal("25.50")
        and stored.status == "open"
        and stored.due_date.isoformat() == due
    )
    assert audit(book, "record_promise", stored.promise_id)[0].actor == "agent1"
    too_late = (book.clock.now.date() + dt.timedelta(days=60)).isoformat()
    for bad in (
        {"account_id": account.account_id, "due_date": too_late, "amount": "1.00"},
        {
            "account_id": account.account_id,
            "due_date": due,
            "amount": str(Decimal(account.outstanding_balance) + 1),
        },
        {"account_id": account.account_id, "due_date": due, "amount": "-3"},
    ):
        assert (
            client.post(f"/api/v1/cases/{customer}/promises", json=bad, headers=headers).status_code
            == 422
        )


def test_a_dispute_cancels_the_pending_contacts_and_is_audited(
    client: TestClient, book: Book
) -> None:
    pending = rows(
        book,
        sa.select(PlanAction.account_id, PlanAction.customer_id)
        .join(WorkUnit, WorkUnit.customer_id == PlanAction.customer_id)
        .where(
            WorkUnit.team_id == book.team,
            PlanAction.cancelled_at.is_(None),
            PlanAction.window_end > book.clock.now,
        )
        .limit(1),
    )
    if not pending:
        pytest.skip("no pending contact in the supervisor's team at this hour")
    account, customer = pending[0]
    headers = login(client, "supervisor")
    answer = client.post(
        f"/api/v1/cases/{customer}/status",
        json={"account_id": account, "status": "dispute", "note": "says it was paid"},
        headers=headers,
    )
    assert answer.status_code == 200 and answer.json()["cancelled_actions"] >= 1
    left = rows(
        book,
        sa.select(PlanAction.action_id).where(
            PlanAction.account_id == account,
            PlanAction.cancelled_at.is_(None),
            PlanAction.window_end > book.clock.now,
        ),
    )
    assert left == []
    entry = audit(book, "set_status", account)[-1]
    assert entry.after["status"] == "dispute" and entry.before["status"] != "dispute"


# --- payments ------------------------------------------------------------------------------


def test_the_payment_webhook_keeps_promises_and_counts_a_payment_once(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "agent1")
    customer = next_case(client, headers)
    account = rows(book, sa.select(Account).where(Account.customer_id == customer))[0]
    due = (book.clock.now.date() + dt.timedelta(days=3)).isoformat()
    promised = client.post(
        f"/api/v1/cases/{customer}/promises",
        json={"account_id": account.account_id, "due_date": due, "amount": "40.00"},
        headers=headers,
    ).json()
    book.clock.advance(hours=1)
    body = {
        "payment_id": f"PAY-{customer}",
        "account_id": account.account_id,
        "amount": "40.00",
        "paid_at": book.clock.now.isoformat(),
    }
    assert client.post("/api/v1/webhooks/payments", json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/webhooks/payments", json=body, headers={"X-Webhook-Secret": "wrong"}
        ).status_code
        == 401
    )
    secret = {"X-Webhook-Secret": WEBHOOK_SECRET}
    first = client.post("/api/v1/webhooks/payments", json=body, headers=secret)
    assert first.status_code == 201 and promised["promise_id"] in first.json()["kept_promises"]
    again = client.post("/api/v1/webhooks/payments", json=body, headers=secret)
    assert again.status_code == 200 and again.json()["duplicate"]
    assert len(rows(book, sa.select(Payment).where(Payment.payment_id == body["payment_id"]))) == 1
    after = rows(book, sa.select(Account).where(Account.account_id == account.account_id))[0]
    assert Decimal(after.outstanding_balance) == Decimal(account.outstanding_balance) - Decimal(
        "40.00"
    )
    assert (
        rows(book, sa.select(Promise.status).where(Promise.promise_id == promised["promise_id"]))[
            0
        ][0]
        == "kept"
    )
    changed = client.post(
        "/api/v1/webhooks/payments", json={**body, "amount": "41.00"}, headers=secret
    )
    assert changed.status_code == 409
    assert audit(book, "record_payment", account.account_id)


# --- the pre-dial check --------------------------------------------------------------------


def test_the_predial_check_follows_the_debtors_local_hours_and_logs_refusals(
    client: TestClient, book: Book
) -> None:
    cn_phone = rows(
        book,
        sa.select(Contact.contact_id)
        .join(Account, Account.customer_id == Contact.customer_id)
        .join(WorkUnit, WorkUnit.customer_id == Contact.customer_id)
        .where(
            Contact.kind == "phone",
            Contact.role == "debtor",
            Contact.value.like("+86%"),
            Account.status == "active",
        )
        .limit(1),
    )[0][0]
    headers = login(client, "compliance")
    midnight_in_shanghai = dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)
    refused = client.post(
        "/api/v1/predial",
        json={"contact_id": cn_phone, "at": midnight_in_shanghai.isoformat()},
        headers=headers,
    ).json()
    assert refused["allowed"] is False and refused["rule"]
    assert (
        dt.datetime.fromisoformat(refused["next_allowed_at"].replace("Z", "+00:00"))
        > midnight_in_shanghai
    )
    assert audit(book, "predial_refused", cn_phone)
    nobody = client.post("/api/v1/predial", json={"contact_id": "P-none"}, headers=headers)
    assert nobody.status_code == 404
