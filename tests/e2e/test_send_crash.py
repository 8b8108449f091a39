"""`arrears send` killed with SIGKILL in the middle of a batch, twice, and started again: every
action reaches the SMTP server's mailbox or the gateway's log exactly once, and the ledger has
exactly one attempt for each."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from channel_book import SEND_AT, Planned, book, config, plan
from channel_servers import Gateway, SmtpServer

ACTIONS = 160


def start_send(p: Planned, cfg: Path, channel: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "arrears", "send", "--run", str(p.run), "--data", str(p.data),
         "--config", str(cfg), "--until", SEND_AT, "--channels", channel, "--chunk", "40"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def kill_when(proc: subprocess.Popen[bytes], reached: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120
    while not reached():
        assert proc.poll() is None, proc.communicate()[0].decode()  # finished before the kill
        assert time.monotonic() < deadline, "the send made no progress"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_send_killed_twice_mid_batch_and_started_again_sends_each_action_exactly_once(
    tmp_path: Path, channel: str
) -> None:
    gateway = Gateway(tmp_path / "gateway.jsonl").start()
    smtp = SmtpServer(tmp_path / "mail").start()
    try:
        p = plan(tmp_path, book(debtors=ACTIONS))
        # 150 a second: the batch takes about a second, long enough to be killed inside.
        cfg = config(
            tmp_path, gateway=gateway.url, smtp_port=smtp.port, maildir=smtp.maildir, rate=150
        )

        def delivered() -> Counter[str]:
            if channel == "sms":
                return Counter(e["key"] for e in gateway.events("accepted"))
            return Counter(str(m["X-Arrears-Key"]) for m in smtp.messages())

        # Chunks of 40 are marked `sending` at once and `sent` when the chunk is done: a kill
        # at 30 (and at 100) leaves keys the provider took and keys it never saw, in doubt.
        first = start_send(p, cfg, channel)
        kill_when(first, lambda: sum(delivered().values()) >= 30)
        at_first_kill = sum(delivered().values())
        second = start_send(p, cfg, channel)
        kill_when(second, lambda: sum(delivered().values()) >= 100)
        at_second_kill = sum(delivered().values())
        last = start_send(p, cfg, channel)
        output = last.communicate(timeout=180)[0].decode()
        assert last.returncode == 0, output
    finally:
        gateway.stop()
        smtp.stop()
    assert 30 <= at_first_kill < at_second_kill < ACTIONS  # killed mid-batch, twice
    with sqlite3.connect(tmp_path / "run.send.sqlite") as db:
        settled = db.execute(
            "SELECT count(*) FROM events WHERE detail LIKE 'accepted before an interruption%'"
        ).fetchone()[0]
    assert settled >= 1  # keys in doubt were settled by asking the provider, not sent again
    expected = p.keys(channel)
    assert len(expected) == ACTIONS
    got = delivered()
    assert set(got) == expected  # no loss
    assert max(got.values()) == 1  # no duplicate
    if channel == "sms":  # not even a second request: a key in doubt was asked about first
        assert gateway.events("duplicate") == []
    ledger = p.attempts()
    assert sorted(ledger.get_column("attempt_id")) == sorted(expected)
    assert set(ledger.get_column("outcome")) == {"sent"}
