"""`arrears send` against a real SMTP server and a real HTTP SMS gateway on localhost: every
open action once, the guard asked again at send time, every attempt in the data folder's
ledger, and inbound opt-outs applied at once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.compliance.predial import check_one
from arrears.contract.load import load_portfolio
from arrears.planning.run import run_plan
from builders import RUN_DATE
from channel_book import SEND_AT, Planned, book, config, plan
from channel_servers import Gateway, SmtpServer


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Gateway, SmtpServer]]:
    gateway = Gateway(tmp_path / "gateway.jsonl").start()
    smtp = SmtpServer(tmp_path / "mail").start()
    yield gateway, smtp
    gateway.stop()
    smtp.stop()


def send(p: Planned, cfg: Path, *extra: str, until: str = SEND_AT) -> tuple[int, dict]:
    result = CliRunner().invoke(
        app,
        ["send", "--run", str(p.run), "--data", str(p.data), "--config", str(cfg),
         "--until", until, "--json", *extra],
    )  # fmt: skip
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def states(p: Planned) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(p.run.parent / "run.send.sqlite") as db:
        rows = db.execute("SELECT key, state, rule FROM sends").fetchall()
    return {key: (state, rule) for key, state, rule in rows}


def mailbox_keys(smtp: SmtpServer) -> Counter[str]:
    return Counter(str(m["X-Arrears-Key"]) for m in smtp.messages())


def gateway_keys(gateway: Gateway) -> Counter[str]:
    return Counter(e["key"] for e in gateway.events("accepted"))


def cfg_for(tmp_path: Path, gateway: Gateway, smtp: SmtpServer, **kw: object) -> Path:
    return config(tmp_path, gateway=gateway.url, smtp_port=smtp.port, maildir=smtp.maildir, **kw)  # type: ignore[arg-type]


def test_every_open_action_is_sent_once_with_its_words_and_appended_to_the_ledger(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=4, pressed=1))
    cfg = cfg_for(tmp_path, gateway, smtp)
    code, report = send(p, cfg)
    assert code == 0, report
    assert gateway_keys(gateway) == Counter(p.keys("sms"))
    assert mailbox_keys(smtp) == Counter(p.keys("email"))
    texts = {e["key"]: e["text"] for e in gateway.events("accepted")}
    assert "客户1您好" in texts["20261130-A00001-m1.sms-P00001"]
    assert "已逾期18天" in texts["20261130-A00005-m1.sms.fees-P00005"]  # the pressure words
    mail = next(m for m in smtp.messages() if m["X-Arrears-Key"].endswith("E00002"))
    assert mail["To"] == "debtor2@example.com"
    assert "journal@lender.example" in mail["X-RcptTo"]  # one transaction with the journal
    assert "https://pay.example.com/a/A00002" in mail.get_payload(decode=True).decode()
    # The ledger: one attempt per action, the contract's columns, read by the loader as is.
    ledger = p.attempts()
    assert sorted(ledger.get_column("attempt_id")) == sorted(p.keys("sms") | p.keys("email"))
    assert set(ledger.get_column("outcome")) == {"sent"}
    portfolio = load_portfolio(p.data)
    assert portfolio.rejects.filter(pl.col("table") == "attempts").height == 0
    assert portfolio.tables["attempts"].height == ledger.height
    # Sending again sends nothing: every key is `sent`.
    code, again = send(p, cfg)
    assert code == 0 and again["open_at_start"] == 0
    assert gateway_keys(gateway) == Counter(p.keys("sms"))
    assert len(smtp.messages()) == len(p.keys("email"))
    # The next day's plan reads the attempts: both contacts of A00001 count for it.
    tomorrow = run_plan(
        data=p.data, strategy_path=p.strategy, run_date=date(2026, 12, 1), out=tmp_path / "r2"
    )
    accounts = pl.read_parquet(tomorrow.out / "accounts.parquet")
    seen = accounts.filter(pl.col("account_id") == "A00001").row(0, named=True)
    assert seen["attempts_1d"] == 2
    assert seen["last_attempt_at"] == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_an_opt_out_between_plan_and_send_stops_the_send(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=3))
    contacts = p.contacts().with_columns(
        pl.when(pl.col("contact_id") == "P00002")
        .then(pl.lit("sms"))
        .otherwise(None)
        .alias("opt_out")
    )
    contacts.write_csv(p.data / "contacts.csv")  # the lender's extract, after the plan
    code, report = send(p, cfg_for(tmp_path, gateway, smtp))
    assert code == 0
    assert "20261130-A00002-m1.sms-P00002" not in gateway_keys(gateway)
    assert states(p)["20261130-A00002-m1.sms-P00002"] == ("cancelled", "OPT-OUT")
    assert report["cancelled"] == {"OPT-OUT": 1}
    assert "20261130-A00002-m1.email-E00002" in mailbox_keys(smtp)  # e-mail is not opted out
    assert "20261130-A00002-m1.sms-P00002" not in set(p.attempts().get_column("attempt_id"))


def test_a_payment_between_plan_and_send_cancels_the_pressure_message(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    b = book(debtors=2, pressed=2)
    b.add(
        "payments",
        payment_id="Y1",
        account_id="A00003",
        paid_at="2026-11-30T01:00:00Z",
        amount="10",
    )
    b.add(
        "payments",
        payment_id="Y2",
        account_id="A00001",
        paid_at="2026-11-30T01:30:00Z",
        amount="100",
    )
    b.add(
        "payments",
        payment_id="Y3",
        account_id="A00002",
        paid_at="2026-11-30T03:00:00Z",
        amount="100",
    )
    p = plan(tmp_path, b)  # the plan (run date 30 Nov) has not seen any of them
    code, report = send(p, cfg_for(tmp_path, gateway, smtp))
    assert code == 0
    got = states(p)
    # A part payment stops the pressure message; the other pressed debtor gets it.
    assert got["20261130-A00003-m1.sms.fees-P00003"] == ("cancelled", "PAID-SINCE-PLAN")
    assert got["20261130-A00004-m1.sms.fees-P00004"][0] == "sent"
    # A payment that covers the overdue amount stops every message about it.
    assert got["20261130-A00001-m1.sms-P00001"] == ("cancelled", "PAID-SINCE-PLAN")
    assert got["20261130-A00001-m1.email-E00001"] == ("cancelled", "PAID-SINCE-PLAN")
    # A payment after the send instant does not reach back.
    assert got["20261130-A00002-m1.sms-P00002"][0] == "sent"
    assert set(gateway_keys(gateway)) == {
        "20261130-A00004-m1.sms.fees-P00004", "20261130-A00002-m1.sms-P00002",
    }  # fmt: skip
    assert report["cancelled"] == {"PAID-SINCE-PLAN": 3}


def test_a_stop_reply_becomes_an_opt_out_that_the_next_send_and_the_next_plan_respect(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=3))
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["inbound", "--data", str(p.data), "--reply", "  Stop！ ", "--from", "+86 138 0000 0001"],
    )
    assert out.exit_code == 0, out.output
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps(
            {"type": "reply", "text": "退订", "from": "debtor2@example.com", "channel": "email"}
        )
        + "\n"
        + json.dumps({"type": "reply", "text": "what is this about?", "from": "+8613800000003"})
        + "\n",
        encoding="utf-8",
    )
    assert (
        runner.invoke(app, ["inbound", "--data", str(p.data), "--events", str(events)]).exit_code
        == 0
    )
    opt = dict(p.contacts().select("contact_id", "opt_out").iter_rows())
    assert opt["P00001"] == "sms" and opt["E00002"] == "email"
    assert opt["P00003"] in (None, "")  # a question is not an opt-out
    code, report = send(p, cfg_for(tmp_path, gateway, smtp))
    assert code == 0
    assert report["cancelled"] == {"OPT-OUT": 2}
    assert set(gateway_keys(gateway)) == {
        "20261130-A00002-m1.sms-P00002",
        "20261130-A00003-m1.sms-P00003",
    }
    assert set(mailbox_keys(smtp)) == {
        "20261130-A00001-m1.email-E00001",
        "20261130-A00003-m1.email-E00003",
    }
    again = run_plan(
        data=p.data, strategy_path=p.strategy, run_date=RUN_DATE, out=tmp_path / "again"
    )
    blocked = pl.read_parquet(again.out / "blocked.parquet")
    assert set(blocked.filter(pl.col("rule") == "OPT-OUT").get_column("contact_id")) == {
        "P00001",
        "E00002",
    }


def test_a_stop_reply_to_a_sent_message_opts_out_the_point_it_was_sent_to(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=2))
    assert send(p, cfg_for(tmp_path, gateway, smtp))[0] == 0
    events = tmp_path / "events.jsonl"
    key = "20261130-A00002-m1.sms-P00002"
    events.write_text(
        json.dumps({"type": "reply", "text": "td", "key": key}) + "\n"
        + json.dumps({"type": "receipt", "key": key, "status": "DELIVERED"}) + "\n"
        + json.dumps({"type": "receipt", "key": "20261130-A00001-m1.sms-P00001",
                      "status": "undelivered"}),
        encoding="utf-8",
    )  # fmt: skip
    out = CliRunner().invoke(app, ["inbound", "--data", str(p.data), "--events", str(events)])
    assert out.exit_code == 0, out.output
    assert dict(p.contacts().select("contact_id", "opt_out").iter_rows())["P00002"] == "sms"
    outcomes = dict(p.attempts().select("attempt_id", "outcome").iter_rows())
    assert outcomes[key] == "delivered"
    assert outcomes["20261130-A00001-m1.sms-P00001"] == "failed"


def test_quiet_hours_hold_at_send_time_even_when_the_planned_window_is_open(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=2))
    key = "20261130-A00001-m1.sms-P00001"
    night = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # 04:00 in Beijing
    actions = p.actions().with_columns(  # a window that, wrongly, opens at 22:00 Beijing time
        pl.when(pl.col("action_id") == key)
        .then(pl.lit(datetime(2026, 11, 29, 14, 0, tzinfo=UTC)))
        .otherwise(pl.col("window_start"))
        .alias("window_start")
    )
    actions.write_parquet(p.run / "actions.parquet")
    cfg = cfg_for(tmp_path, gateway, smtp)
    code, report = send(p, cfg, until="2026-11-29T20:00:00Z")
    assert code == 0
    assert report["held"] == {"QUIET-HOURS": 1}
    assert gateway.events() == []
    # The guard's own answer for that question, rule and time.
    from arrears.compliance.predial import PreDial
    from arrears.compliance.presets import presets_for, strictest_reach

    presets = presets_for(["CN"], {})
    state = PreDial.of(load_portfolio(p.data).tables, presets, strictest_reach(presets))
    answer = check_one(state, "P00001", night, "sms", "A00001").row(0, named=True)
    assert answer["rule"] == "QUIET-HOURS"
    with sqlite3.connect(tmp_path / "run.send.sqlite") as db:
        row = db.execute(
            "SELECT state, rule, held_until FROM sends WHERE key = ?", (key,)
        ).fetchone()
    assert row[:2] == ("pending", "QUIET-HOURS")
    assert row[2].startswith(answer["next_allowed_at"].strftime("%Y-%m-%dT%H:%M:%S"))
    code, report = send(p, cfg)  # 10:00 in Beijing: it goes
    assert code == 0 and gateway_keys(gateway)[key] == 1


def test_transient_errors_are_retried_and_permanent_ones_recorded_as_failed(
    tmp_path: Path,
) -> None:
    gateway = Gateway(
        tmp_path / "gateway.jsonl", refuse={"+8613800000002"}, throttle={"+8613800000003": 2}
    ).start()
    smtp = SmtpServer(tmp_path / "mail", defer={"debtor5@example.com": 1}).start()
    try:
        p = plan(tmp_path, book(debtors=5, bounce=(4,)))
        code, report = send(p, cfg_for(tmp_path, gateway, smtp, tries=3))
    finally:
        gateway.stop()
        smtp.stop()
    assert code == 0, report
    got = states(p)
    assert got["20261130-A00002-m1.sms-P00002"][0] == "failed"
    assert got["20261130-A00004-m1.email-E00004"][0] == "failed"
    assert got["20261130-A00003-m1.sms-P00003"][0] == "sent"
    assert got["20261130-A00005-m1.email-E00005"][0] == "sent"
    reasons = dict(report["failures"])
    assert "invalid number" in reasons["20261130-A00002-m1.sms-P00002"]
    assert "550" in reasons["20261130-A00004-m1.email-E00004"]
    throttled = [e for e in gateway.events() if e["to"] == "+8613800000003"]
    assert [e["event"] for e in throttled] == ["throttled", "throttled", "accepted"]
    outcomes = dict(p.attempts().select("attempt_id", "outcome").iter_rows())
    assert outcomes["20261130-A00002-m1.sms-P00002"] == "failed"
    assert outcomes["20261130-A00003-m1.sms-P00003"] == "sent"


def test_a_gateway_that_is_down_stops_its_lane_and_a_later_send_loses_nothing(
    tmp_path: Path, servers: tuple[Gateway, SmtpServer]
) -> None:
    gateway, smtp = servers
    p = plan(tmp_path, book(debtors=4))
    down = config(tmp_path, gateway="http://127.0.0.1:9/v1/messages", tries=2)
    code, report = send(p, down, "--channels", "sms")
    assert code == 1
    assert "sms" in report["stopped"]
    got = states(p)
    assert sorted(s for s, _ in got.values()) == ["pending"] * 3 + ["sending"]  # sms only
    code, report = send(p, cfg_for(tmp_path, gateway, smtp))
    assert code == 0, report
    assert report["recovered"] == {"not_accepted": 1}
    assert gateway_keys(gateway) == Counter(p.keys("sms"))
    assert mailbox_keys(smtp) == Counter(p.keys("email"))


def test_letters_are_pdf_files_with_the_chinese_font_embedded(tmp_path: Path) -> None:
    p = plan(tmp_path, book(debtors=0, lettered=2))
    cfg = config(tmp_path, letters=tmp_path / "letters")
    code, report = send(p, cfg)
    assert code == 0 and report["sent"] == {"letter": 2}
    files = sorted((tmp_path / "letters").glob("*.pdf"))
    assert [f.name for f in files] == [f"{k}.pdf" for k in sorted(p.keys("letter"))]
    data = files[0].read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data and b"WenQuanYi" in data
    if not shutil.which("pdftoppm"):  # poppler-utils (scripts/test installs it)
        if os.environ.get("CI"):
            pytest.fail("the letter's page image needs pdftoppm (apt-get install poppler-utils)")
    else:  # look at the page itself
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", "-singlefile", str(files[0]), str(tmp_path / "page")],
            check=True,
        )
        from PIL import Image

        page = Image.open(tmp_path / "page.png").convert("L")
        width, height = page.size
        top = page.crop((0, 0, width, height // 2))  # the address block and the text
        inked = sum(top.histogram()[:128])
        assert inked > 2000, "the letter's page is blank"
        bottom = page.crop((0, height * 3 // 4, width, height))
        assert sum(bottom.histogram()[:128]) < inked / 10
