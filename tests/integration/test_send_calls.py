"""`arrears send` places IVR and robot calls through the dialer's telephony interface: a real
switch bridge on localhost speaking `dialing.http_adapter`'s protocol (the `switch_call`
provider). Each call exactly once with its rendered words, even when the switch answers too
late; the guard asked at send time; the calls' outcomes back as receipts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from arrears.cli.app import app
from channel_book import book, config, plan
from channel_servers import Switch
from integration.test_send import send

ROBOT_STRATEGY = """
name: robot-calls
version: 1
jurisdiction: CN
templates: {templates}
buckets:
  M1: [1, 30]
segments:
  - id: m1
    when: bucket == 'M1'
    steps:
      - id: m1.robot
        days: [5]
        channel: robot_call
        template: robot_m1
"""


def test_robot_calls_are_placed_once_each_with_their_words_and_come_back_as_receipts(
    tmp_path: Path,
) -> None:
    p = plan(tmp_path, book(debtors=3), ROBOT_STRATEGY)
    keys = p.keys("robot_call")
    assert len(keys) == 3
    switch = Switch(tmp_path / "switch.jsonl").start()
    try:
        cfg = config(tmp_path, switch=switch.url)
        code, report = send(p, cfg)
        assert code == 0, report
        assert report["sent"] == {"robot_call": 3}
        placed = switch.events("placed")
        assert Counter(e["call_id"] for e in placed) == Counter(keys)
        first = next(e for e in placed if "-A00001-" in e["call_id"])
        assert first["number"] == "+8613800000001"
        assert first["language"] == "zh-CN"
        assert "客户1您好" in first["say"] and "逾期5天" in first["say"]
        # Sending again places nothing.
        code, again = send(p, cfg)
        assert code == 0 and again["open_at_start"] == 0
        assert len(switch.events("placed")) == 3 and switch.events("duplicate") == []
    finally:
        switch.stop()
    ledger = p.attempts()
    assert sorted(ledger.get_column("attempt_id")) == sorted(keys)
    assert set(ledger.get_column("channel")) == {"robot_call"}
    # What came of the calls, as the switch reports it, through `arrears inbound`.
    ordered = sorted(keys)
    events = tmp_path / "calls.jsonl"
    events.write_text(
        "\n".join(
            json.dumps({"type": "receipt", "key": k, "status": s, "channel": "robot_call"})
            for k, s in zip(ordered, ["answered_live", "machine", "busy"], strict=True)
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["inbound", "--data", str(p.data), "--events", str(events)])
    assert result.exit_code == 0, result.output
    outcomes = dict(p.attempts().select("attempt_id", "outcome").iter_rows())
    assert outcomes == dict(zip(ordered, ["delivered", "machine", "no_connect"], strict=True))


def test_a_switch_that_answers_too_late_gets_each_call_once_not_twice(tmp_path: Path) -> None:
    """The switch places each call, then answers after the client's timeout: `send` cannot
    tell whether the call went out, asks the switch (`GET /calls/{id}`) before trying again,
    and does not ring the debtor a second time."""
    p = plan(tmp_path, book(debtors=2), ROBOT_STRATEGY)
    switch = Switch(tmp_path / "switch.jsonl", delay=1.0).start()
    try:
        code, report = send(p, config(tmp_path, switch=switch.url, switch_timeout=0.3))
    finally:
        switch.stop()
    assert code == 0, report
    assert report["sent"] == {"robot_call": 2}
    assert Counter(e["call_id"] for e in switch.events("placed")) == Counter(p.keys("robot_call"))
    assert switch.events("duplicate") == []


def test_an_opted_out_number_is_not_called_and_quiet_hours_hold_the_call(tmp_path: Path) -> None:
    p = plan(tmp_path, book(debtors=2), ROBOT_STRATEGY)
    contacts = p.contacts().with_columns(
        pl.when(pl.col("contact_id") == "P00002")
        .then(pl.lit("robot_call"))
        .otherwise(None)
        .alias("opt_out")
    )
    contacts.write_csv(p.data / "contacts.csv")  # after the plan
    switch = Switch(tmp_path / "switch.jsonl").start()
    try:
        cfg = config(tmp_path, switch=switch.url)
        # 22:30 in Beijing: no call goes out, none is lost.
        code, night = send(p, cfg, until="2026-11-30T14:30:00Z")
        assert code == 0 and night["sent"] == {} and switch.events("placed") == []
        code, report = send(p, cfg)
    finally:
        switch.stop()
    assert code == 0, report
    assert [e["call_id"] for e in switch.events("placed")] == [
        k for k in p.keys("robot_call") if "-A00001-" in k
    ]
    assert report["cancelled"] == {"OPT-OUT": 1}
