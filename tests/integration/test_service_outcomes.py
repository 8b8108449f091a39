"""Outcomes through the REST API on SQLite and on PostgreSQL: attempts with idempotent retries,
promises, disputes, the payment webhook and the pre-dial check, each with its audit entry."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from arrears.store.db import engine
from arrears.store.models import Account, Attempt, Contact, Payment, PlanAction, Promise
from arrears.store.work import WorkUnit
from service_book import WEBHOOK_SECRET
from service_fixtures import Book, login
from service_queries import audit, next_case, rows

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


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


# --- offers --------------------------------------------------------------------------------


ASKED = (("settlement", "0.2"), ("instalments", "0.02"), ("fee_waiver", "0.02"))
"""Above an agent's authority and within a supervisor's under the example's offer rules."""


def test_an_offer_beyond_the_agents_authority_waits_for_the_supervisor(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "agent1")
    waiting = None
    for _ in range(30):
        customer = next_case(client, headers)
        accounts = rows(book, sa.select(Account.account_id).where(Account.customer_id == customer))
        for (account,), (kind, discount) in itertools.product(accounts, ASKED):
            made = client.post(
                f"/api/v1/cases/{customer}/offers",
                json={"account_id": account, "kind": kind, "discount": discount},
                headers=headers,
            )
            assert made.status_code == 201, made.text
            if made.json()["outcome"] == "needs_approval":
                waiting = made.json()
                break
        if waiting:
            break
        client.post(f"/api/v1/cases/{customer}/release", json={"done": True}, headers=headers)
    assert waiting is not None, "some case allows an offer above the agent's limit"
    assert waiting["promises"] == [] and waiting["approver_role"] in ("supervisor", "manager")
    offer = waiting["offer_id"]
    assert client.post(f"/api/v1/offers/{offer}/approve", headers=headers).status_code == 403
    approved = client.post(f"/api/v1/offers/{offer}/approve", headers=login(client, "supervisor"))
    if waiting["approver_role"] == "manager":
        assert approved.status_code == 403
        approved = client.post(f"/api/v1/offers/{offer}/approve", headers=login(client, "manager"))
    assert approved.status_code == 200, approved.text
    promises = approved.json()["promises"]
    assert promises and sum(Decimal(str(p["amount"])) for p in promises) == Decimal(
        waiting["terms"]["total"]
    )
    stored = rows(
        book,
        sa.select(Promise.promise_id).where(
            Promise.promise_id.in_([p["promise_id"] for p in promises])
        ),
    )
    assert len(stored) == len(promises)
    assert (
        client.post(f"/api/v1/offers/{offer}/approve", headers=login(client, "manager")).status_code
        == 409
    )
    assert audit(book, "make_offer", offer) and audit(book, "approve_offer", offer)
