"""`arrears send --database`: the service's system of record and the channels, end to end, on
SQLite and on PostgreSQL.

A real HTTP SMS gateway on localhost posts each message's delivery receipt to the service's
webhook (a real uvicorn server); `send` appends its attempts to the database as well as to the
data folder, and does not send what the service cancelled after the plan (a payment through
the payment webhook). A STOP reply posted to the service opts the point out in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.contract.load import load_portfolio
from arrears.planning.run import run_plan
from arrears.service.api.app import create_app
from arrears.service.settings import Settings
from arrears.store.db import engine
from arrears.store.io import export_tables, import_run, import_tables, read_tables
from arrears.store.models import Account, AuditEntry, Delivery
from builders import RUN_DATE
from channel_book import SEND_AT, Planned, book, config, plan
from channel_servers import Gateway
from databases import BACKENDS, fresh_database
from live_server import live_server

SECRET = "channels-webhook-secret"
NOW = dt.datetime.fromisoformat(SEND_AT.replace("Z", "+00:00")) - dt.timedelta(minutes=30)
UNDELIVERABLE = "+8613800000003"  # debtor 3's phone: the gateway reports it undelivered


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as address:
        yield address


def send(p: Planned, cfg: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        app,
        ["send", "--run", str(p.run), "--data", str(p.data), "--config", str(cfg),
         "--until", SEND_AT, "--channels", "sms", "--json", *extra],
    )  # fmt: skip
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def wait_for_receipts(gateway: Gateway, keys: set[str], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if {e["key"] for e in gateway.events("receipt")} >= keys:
            return
        time.sleep(0.05)
    raise AssertionError(f"receipts not posted: {keys - {e['key'] for e in gateway.events()}}")


def test_send_records_in_the_service_and_the_gateways_receipts_come_back_through_its_webhook(
    tmp_path: Path, url: str
) -> None:
    p = plan(tmp_path, book(debtors=4))
    import_tables(url, load_portfolio(p.data).tables)
    import_run(url, p.run, at=NOW)
    sms = sorted(p.keys("sms"))
    paid = next(k for k in sms if "-A00002-" in k)
    settings = Settings(database_url=url, webhook_secret=SECRET, clock=lambda: NOW)
    eng = engine(url)
    try:
        with eng.connect() as connection:
            owed = connection.execute(
                select(Account.overdue_amount).where(Account.account_id == "A00002")
            ).scalar_one()
        with live_server(create_app(settings)) as base:
            hook = {"X-Webhook-Secret": SECRET}
            # After the plan, A00002 pays its overdue amount through the service's webhook.
            payment = {"payment_id": "PAY-1", "account_id": "A00002", "amount": str(owed),
                       "paid_at": NOW.isoformat()}  # fmt: skip
            answer = httpx.post(f"{base}/api/v1/webhooks/payments", json=payment, headers=hook)
            assert answer.status_code == 201, answer.text
            assert answer.json()["cancelled_actions"] >= 1
            gateway = Gateway(
                tmp_path / "gateway.jsonl", webhook_secret=SECRET, undeliverable=[UNDELIVERABLE]
            ).start()
            try:
                cfg = config(
                    tmp_path, gateway=gateway.url, receipt_url=f"{base}/api/v1/webhooks/messages"
                )
                code, report = send(p, cfg, "--database", url)
                assert code == 0, report
                sent = {e["key"] for e in gateway.events("accepted")}
                # The service's cancellation stopped the paid account's message, and only it.
                assert sent == set(sms) - {paid}
                assert report["cancelled"] == {"CANCELLED-IN-SERVICE": 1}
                assert report["service_rows"] == len(sent) and report["service_missing"] == 0
                wait_for_receipts(gateway, sent)
                assert {e["answer"] for e in gateway.events("receipt")} == {201}
                # A gateway repeating a receipt is answered, and recorded once.
                again = {"type": "receipt", "key": sorted(sent)[0], "status": "delivered"}
                repeat = httpx.post(f"{base}/api/v1/webhooks/messages", json=again, headers=hook)
                assert repeat.status_code == 200 and repeat.json()["duplicate"] is True
                # A receipt without the secret is refused.
                refused = httpx.post(f"{base}/api/v1/webhooks/messages", json=again)
                assert refused.status_code == 401
            finally:
                gateway.stop()
            # The service's ledger: every sent attempt, its outcome the receipt's.
            attempts = read_tables(url, ["attempts"])["attempts"].filter(
                pl.col("attempt_id").is_in(list(sent))
            )
            outcomes = dict(attempts.select("attempt_id", "outcome").iter_rows())
            undelivered = next(k for k in sent if "-A00003-" in k)
            assert outcomes == {k: "failed" if k == undelivered else "delivered" for k in sent}
            with eng.connect() as connection:
                receipts = connection.execute(select(Delivery.attempt_id)).scalars().all()
            assert sorted(receipts) == sorted(sent)  # the repeated receipt added no row
            # The data folder's ledger has them as `send` appended them.
            folder = p.attempts().filter(pl.col("attempt_id").is_in(list(sent)))
            assert set(folder.get_column("outcome")) == {"sent"}

            # A STOP reply from debtor 1's phone, posted by the gateway, opts the point out.
            reply = {"type": "reply", "text": "退订", "from": "+8613800000001", "channel": "sms"}
            out = httpx.post(f"{base}/api/v1/webhooks/messages", json=reply, headers=hook)
            assert out.status_code == 200 and out.json()["contacts"] == ["P00001"]
            again_out = httpx.post(f"{base}/api/v1/webhooks/messages", json=reply, headers=hook)
            assert again_out.json()["contacts"] == []  # already opted out: no second change
            chat = {**reply, "text": "我明天还", "from": "+8613800000004"}
            kept = httpx.post(f"{base}/api/v1/webhooks/messages", json=chat, headers=hook)
            assert kept.json() == {"opt_out": False, "contacts": [], "matched": True}
            bad = httpx.post(
                f"{base}/api/v1/webhooks/messages",
                json={"type": "receipt", "key": "K", "status": "read"},
                headers=hook,
            )
            assert bad.status_code == 422 and "status" in bad.json()["detail"]
        with eng.connect() as connection:
            audit = connection.execute(
                select(AuditEntry.entity_id, AuditEntry.after).where(AuditEntry.action == "opt_out")
            ).all()
        assert [(a.entity_id, a.after["opt_out"]) for a in audit] == [("P00001", "sms")]
    finally:
        eng.dispose()

    # Plans on the database's export: the day planned again refuses the opted-out point;
    # tomorrow's counts the delivered message as an attempt.
    exported = export_tables(url, tmp_path / "exported")
    assert exported
    again = run_plan(
        data=tmp_path / "exported", strategy_path=p.strategy, run_date=RUN_DATE,
        out=tmp_path / "again",
    )  # fmt: skip
    blocked = pl.read_parquet(again.out / "blocked.parquet")
    refused = blocked.filter(pl.col("contact_id") == "P00001")
    assert set(refused.get_column("rule")) == {"OPT-OUT"}
    tomorrow = run_plan(
        data=tmp_path / "exported", strategy_path=p.strategy, run_date=dt.date(2026, 12, 1),
        out=tmp_path / "tomorrow",
    )  # fmt: skip
    accounts = pl.read_parquet(tomorrow.out / "accounts.parquet")
    seen = accounts.filter(pl.col("account_id") == "A00004").row(0, named=True)
    assert seen["attempts_1d"] == 1


def test_send_leaves_out_of_the_database_what_it_does_not_hold_and_keeps_the_folder_ledger(
    tmp_path: Path, url: str
) -> None:
    p = plan(tmp_path, book(debtors=3))
    tables = load_portfolio(p.data).tables
    # The database knows only debtor 1 (the folder was imported before the others came).
    import_tables(url, {
        "customers": tables["customers"].filter(pl.col("customer_id") == "C00001"),
        "accounts": tables["accounts"].filter(pl.col("account_id") == "A00001"),
        "contacts": tables["contacts"].filter(pl.col("customer_id") == "C00001"),
    })  # fmt: skip
    gateway = Gateway(tmp_path / "gateway.jsonl").start()
    try:
        code, report = send(p, config(tmp_path, gateway=gateway.url), "--database", url)
    finally:
        gateway.stop()
    assert code == 0, report
    sms = p.keys("sms")
    assert report["service_rows"] == 1 and report["service_missing"] == len(sms) - 1
    assert set(p.attempts().get_column("attempt_id")) == sms  # the folder's ledger: every one
    held = read_tables(url, ["attempts"])["attempts"]
    assert held.get_column("attempt_id").to_list() == [k for k in sms if "-A00001-" in k]


def test_a_database_that_cannot_be_reached_stops_send_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    p = plan(tmp_path, book(debtors=2))
    gateway = Gateway(tmp_path / "gateway.jsonl").start()
    try:
        result = CliRunner().invoke(
            app,
            ["send", "--run", str(p.run), "--data", str(p.data),
             "--config", str(config(tmp_path, gateway=gateway.url)), "--until", SEND_AT,
             "--database", "postgresql://nobody@127.0.0.1:9/none"],
        )  # fmt: skip
    finally:
        gateway.stop()
    assert result.exit_code == 2
    assert "--database" in result.stderr
    assert gateway.events() == []
