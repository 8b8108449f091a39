"""The state file and the recovery after a crash, with a fake provider (no network): a key in
doubt is settled by asking the provider, never by guessing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from arrears.channels.config import ProviderConfig
from arrears.channels.ledger import known_ids
from arrears.channels.model import Accepted, Message, Provider, Status, StatusUnavailable
from arrears.channels.pacing import Backoff
from arrears.channels.recovery import adopt, flush, recover
from arrears.channels.report import Report
from arrears.channels.state import LEDGER_WRITING, Done, SendState, StateLocked

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class FakeProvider(Provider):
    """Holds what it accepted; `status` answers from it (or cannot, when `blind`)."""

    plugin = "fake"
    channels = ("sms",)

    def __init__(self, settings: Mapping[str, Any] | None = None, *, blind: bool = False,
                 down: bool = False) -> None:  # fmt: skip
        super().__init__(settings or {})
        self.held: dict[str, Message] = {}
        self.blind, self.down = blind, down

    def send(self, message: Message) -> Accepted:
        self.held[message.key] = message
        return Accepted(message.key)

    def status(self, key: str) -> Status:
        if self.down:
            raise StatusUnavailable("the provider does not answer")
        if self.blind:
            return Status.UNKNOWN
        return Status.ACCEPTED if key in self.held else Status.NOT_FOUND


@dataclass
class FakeLane:
    provider: Provider
    config: ProviderConfig


def lane(provider: Provider) -> FakeLane:
    return FakeLane(provider, ProviderConfig("sms", "fake", 10, 10, Backoff()))


@pytest.fixture
def state(tmp_path: Path) -> SendState:
    store = SendState(tmp_path / "run.send.sqlite")
    store.add([(f"k{i}", f"A{i}", f"P{i}", "sms") for i in range(4)], NOW)
    return store


def test_a_key_the_provider_accepted_before_the_crash_is_sent_and_not_sent_again(
    state: SendState,
) -> None:
    provider = FakeProvider()
    state.mark_sending(["k0", "k1"], "fake", NOW)
    provider.send(Message("k0", "sms", "+86", "text"))  # accepted; then the process died
    report = Report()
    recover(state, {"sms": lane(provider)}, report, NOW)
    assert state.states() == {"k0": "sent", "k1": "pending", "k2": "pending", "k3": "pending"}
    assert report.recovered == {"accepted": 1, "not_accepted": 1}


def test_a_provider_that_cannot_be_asked_leaves_the_key_in_doubt(state: SendState) -> None:
    state.mark_sending(["k0"], "fake", NOW)
    report = Report()
    recover(state, {"sms": lane(FakeProvider(down=True))}, report, NOW)
    assert state.states()["k0"] == "sending"
    assert report.unresolved and not report.complete


def test_a_provider_without_status_gets_the_key_again_under_the_same_key(state: SendState) -> None:
    state.mark_sending(["k0"], "fake", NOW)
    report = Report()
    recover(state, {"sms": lane(FakeProvider(blind=True))}, report, NOW)
    assert state.states()["k0"] == "pending"
    assert report.recovered == {"unknown": 1}


def test_the_state_file_is_held_by_one_send_at_a_time(tmp_path: Path, state: SendState) -> None:
    state.lock()
    other = SendState(tmp_path / "run.send.sqlite")
    with pytest.raises(StateLocked):
        other.lock()
    state.close()
    other.lock()  # released with its holder
    other.close()


def test_every_change_of_state_is_in_the_audit_trail(state: SendState) -> None:
    state.hold([("k1", "QUIET-HOURS", "22:00 local", NOW)], NOW)
    state.cancel([("k2", "OPT-OUT", "sms opted out")], NOW)
    trail = state.db.execute("SELECT key, state, rule FROM events ORDER BY id").fetchall()
    assert trail == [("k1", "pending", "QUIET-HOURS"), ("k2", "cancelled", "OPT-OUT")]


def test_a_ledger_write_cut_short_is_completed_without_a_duplicate(
    tmp_path: Path, state: SendState
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    pl.DataFrame({"account_id": ["A0"]}).write_csv(data / "accounts.csv")
    state.mark_sending(["k0", "k1"], "fake", NOW)
    state.finish(
        [Done("k0", "sent", NOW, 1, "fake"), Done("k1", "failed", NOW, 1, "fake", reason="bad")],
        NOW,
    )
    assert flush(state, data) == (2, 0)
    # A crash between the append and its `written` mark: the rows are `writing` again.
    state.set_ledger(["k0", "k1"], LEDGER_WRITING)
    state.mark_sending(["k2"], "fake", NOW)
    state.finish([Done("k2", "sent", NOW, 1, "fake")], NOW)
    assert flush(state, data) == (1, 0)
    ledger = pl.read_csv(data / "attempts.csv", infer_schema=False)
    assert sorted(ledger.get_column("attempt_id")) == ["k0", "k1", "k2"]
    assert dict(ledger.select("attempt_id", "outcome").iter_rows()) == {
        "k0": "sent", "k1": "failed", "k2": "sent",
    }  # fmt: skip
    # Keys the ledger already has (sent from another state file) are adopted, not sent.
    assert adopt(state, data, NOW) == 0
    other = SendState(tmp_path / "other.sqlite")
    other.add([("k0", "A0", "P0", "sms"), ("k9", "A9", "P9", "sms")], NOW)
    assert adopt(other, data, NOW) == 1
    assert other.states() == {"k0": "sent", "k9": "pending"}
    assert known_ids(data, ["k9"]) == set()
