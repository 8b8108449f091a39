"""The dispatcher: the open actions, chunk by chunk, through the gate to the providers.

Exactly once (docs/channels.md has the whole argument):

* a key is `sending`, committed, before its provider is called, and the provider is given the
  key; `sent` / `failed` is committed after it answers;
* at start, every key left `sending` by a crash is asked about (`Provider.status`): one the
  provider holds becomes `sent` and is not sent again; one it does not hold is sent again;
  one it cannot tell about is left alone (`StatusUnavailable`) — or, for a provider with no
  status at all (`UNKNOWN`), sent again under the same key;
* a transient error is retried only after the same question;
* the ledger rows are written from the state file, marked `writing` before and `written`
  after, and a `writing` batch is written again less what the ledger has.

Per chunk, each provider's messages go out in its own thread (a slow SMTP relay does not hold
the SMS gateway back), paced by its token bucket; the state file is written from this thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import polars as pl

from arrears.channels.compose import Words, compose
from arrears.channels.config import ProviderConfig
from arrears.channels.gate import decide, guard_answers, paid_refusals
from arrears.channels.inputs import DataView, RunFolder
from arrears.channels.ledger import attempt_rows
from arrears.channels.model import Accepted, Message, PermanentError, Provider
from arrears.channels.pacing import GaveUp, TokenBucket, with_retries
from arrears.channels.recovery import adopt, flush, recover
from arrears.channels.report import Report
from arrears.channels.select import open_at
from arrears.channels.state import Done, SendState
from arrears.templates.render import RenderError

if TYPE_CHECKING:
    from arrears.channels.service_ledger import ServiceLedger

RENDER_ERROR = "RENDER-ERROR"


@dataclass(frozen=True)
class Clock:
    """`now` is the send instant (UTC; `--until` freezes it); `monotonic` and `sleep` pace."""

    now: Callable[[], datetime]
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Options:
    channels: tuple[str, ...]
    chunk: int = 500
    flush_every: float = 5.0
    """Seconds between two ledger appends (and one at the end)."""
    limit: int | None = None
    """At most this many messages handed to providers (a canary run)."""


@dataclass
class Lane:
    """One channel's provider, its settings and its pace."""

    channel: str
    provider: Provider
    config: ProviderConfig
    bucket: TokenBucket
    stopped: str | None = None

    @classmethod
    def of(cls, provider: Provider, config: ProviderConfig, clock: Clock) -> Lane:
        bucket = TokenBucket(config.rate, config.burst, clock.monotonic, clock.sleep)
        return cls(config.channel, provider, config, bucket)


@dataclass
class LaneResult:
    done: list[Done] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    untried: list[str] = field(default_factory=list)


def lane_send(lane: Lane, messages: Sequence[Message], clock: Clock) -> LaneResult:
    """Send `messages` in order through one lane; stop the lane at the first message whose
    tries all failed (the provider is down: the rest are left untried)."""
    result = LaneResult()
    plugin = lane.config.plugin

    def attempt(message: Message, tries: list[int]) -> Accepted:
        lane.bucket.acquire()
        tries[0] += 1
        return lane.provider.send(message)

    for i, message in enumerate(messages):
        tries = [0]
        try:
            accepted, _ = with_retries(
                partial(attempt, message, tries),
                lane.config.backoff,
                clock.sleep,
                already=partial(lane.provider.status, message.key),
                on_accepted=partial(Accepted, "accepted (the provider's status, after an error)"),
            )
            result.done.append(
                Done(message.key, "sent", clock.now(), tries[0], plugin, accepted.ref)
            )
        except PermanentError as exc:
            result.done.append(
                Done(message.key, "failed", clock.now(), tries[0], plugin, reason=exc.reason)
            )
        except GaveUp as exc:
            why = f"gave up after {exc.tries} tries: {exc.reason}"
            result.unresolved.append((message.key, why))
            lane.stopped = why
            result.untried = [m.key for m in messages[i + 1 :]]
            break
        except Exception as exc:  # a provider's bug: the message may or may not be out
            why = f"{type(exc).__name__}: {exc}"
            result.unresolved.append((message.key, why))
            lane.stopped = why
            result.untried = [m.key for m in messages[i + 1 :]]
            break
    return result


class Dispatcher:
    """One `arrears send` over one run folder (see the module's docstring)."""

    def __init__(
        self,
        *,
        folder: RunFolder,
        view: DataView,
        state: SendState,
        lanes: dict[str, Lane],
        words: Words,
        clock: Clock,
        options: Options,
        service: ServiceLedger | None = None,
    ) -> None:
        self.folder, self.view, self.state, self.lanes = folder, view, state, lanes
        self.words, self.clock, self.options = words, clock, options
        self.service = service
        self.report = Report()
        self.actions = folder.actions.filter(pl.col("channel").is_in(list(options.channels)))
        self._todo: set[str] = set()
        self._held: dict[str, datetime] = {}
        self._handed = 0
        self._meta: dict[str, tuple[str, str, str]] = {
            key: (account, contact, channel)
            for key, account, contact, channel in self.actions.select(
                "action_id", "account_id", "contact_id", "channel"
            ).iter_rows()
        }

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> Report:
        started = self.clock.monotonic()
        now = self.clock.now()
        keys = self.actions.select("action_id", "account_id", "contact_id", "channel")
        self.state.add(keys.iter_rows(), now)
        self.flush()  # a ledger write a crash interrupted
        self.recover(now)
        self.adopt(now)
        wanted = set(keys.get_column("action_id").to_list())
        self._todo = {k for k, s in self.state.states().items() if s == "pending" and k in wanted}
        self._held = {k: t for k, t in self.state.held().items() if k in self._todo}
        self.report.open_at_start = open_at(self._eligible(now), now, self.options.channels).height
        for channel in self.options.channels:
            if channel not in self.lanes:
                n = self.actions.filter(pl.col("channel") == channel).height
                if n:
                    self.report.no_provider[channel] = n
        last_flush = self.clock.monotonic()
        while True:
            now = self.clock.now()
            active = tuple(c for c, lane in self.lanes.items() if lane.stopped is None)
            room = None if self.options.limit is None else self.options.limit - self._handed
            if not active or room == 0:
                break
            opened = open_at(self._eligible(now), now, active)
            if opened.height == 0:
                break
            self.chunk(opened.head(min(self.options.chunk, room or self.options.chunk)), now)
            if self.clock.monotonic() - last_flush >= self.options.flush_every:
                self.flush()
                last_flush = self.clock.monotonic()
        self.flush()
        self.report.states = self.state.counts()
        self.report.seconds = self.clock.monotonic() - started
        return self.report

    def _eligible(self, now: datetime) -> pl.DataFrame:
        held = {k for k, until in self._held.items() if until > now}
        keys = list(self._todo - held)
        return self.actions.filter(pl.col("action_id").is_in(keys))

    # -- one chunk --------------------------------------------------------------------------

    def chunk(self, chunk: pl.DataFrame, now: datetime) -> None:
        withdrawn = self.service.cancelled(chunk) if self.service is not None else []
        if withdrawn:
            chunk = chunk.filter(~pl.col("action_id").is_in([k for k, _, _ in withdrawn]))
        self.view.refresh()
        rows = self.view.rows_for(chunk)
        tones = [self._tone(r) for r in rows.iter_rows(named=True)]
        rows = rows.with_columns(pl.Series("tone", tones, dtype=pl.String))
        guard = guard_answers(self.view.guard_state(), chunk, now)
        overdue = self.folder.plan_overdue.join(
            self.view.accounts.select(
                "account_id", pl.col("overdue_amount").cast(pl.Float64).alias("now_overdue")
            ),
            on="account_id",
            how="full",
            coalesce=True,
        )
        paid = paid_refusals(rows, self.view.payments, overdue, now)
        verdicts = decide(rows, guard, paid, self.words.refusal)
        floor = now + timedelta(seconds=1)
        holds = [(k, r, d, max(until, floor)) for k, r, d, until in verdicts.hold]
        self.state.hold(holds, now)
        for key, rule, _, until in holds:
            self._held[key] = until
            self.report.held[rule] += 1
        cancels = [*withdrawn, *verdicts.cancel]
        by_channel: dict[str, list[Message]] = {}
        for row in verdicts.send.iter_rows(named=True):
            try:
                message = compose(row, self.words)
            except RenderError as exc:
                cancels.append((row["action_id"], RENDER_ERROR, str(exc)))
                continue
            by_channel.setdefault(row["channel"], []).append(message)
        self.state.cancel(cancels, now)
        for key, rule, _ in cancels:
            self._todo.discard(key)
            self.report.cancelled[rule] += 1
        for channel, messages in by_channel.items():
            plugin = self.lanes[channel].config.plugin
            self.state.mark_sending([m.key for m in messages], plugin, now)
            self._handed += len(messages)
        results = self._send_all(by_channel)
        self._record(results, by_channel, now)

    def _tone(self, row: dict[str, object]) -> str | None:
        tid, lang, version = row["template"], row["template_language"], row["template_version"]
        if tid is None or lang is None or version is None:
            return None
        found = self.words.template(str(tid), str(lang), int(str(version)))
        return found.tone if found is not None else None

    def _send_all(self, by_channel: dict[str, list[Message]]) -> dict[str, LaneResult]:
        if not by_channel:
            return {}
        if len(by_channel) == 1:
            ((channel, messages),) = by_channel.items()
            return {channel: lane_send(self.lanes[channel], messages, self.clock)}
        with ThreadPoolExecutor(max_workers=len(by_channel), thread_name_prefix="lane") as pool:
            jobs = {
                channel: pool.submit(lane_send, self.lanes[channel], messages, self.clock)
                for channel, messages in by_channel.items()
            }
            return {channel: job.result() for channel, job in jobs.items()}

    def _record(
        self, results: dict[str, LaneResult], by_channel: dict[str, list[Message]], now: datetime
    ) -> None:
        done = [d for r in results.values() for d in r.done]
        self.state.finish(done, now)
        for d in done:
            channel = self._meta[d.key][2]
            (self.report.sent if d.state == "sent" else self.report.failed)[channel] += 1
            if d.state == "failed" and len(self.report.failures) < 20:
                self.report.failures.append((d.key, d.reason))
        for channel, result in results.items():
            for key, why in result.unresolved:
                self.state.note(key, why, now)
                self.report.unresolved.append((key, why))
            if result.untried:
                self.state.release(result.untried, "not tried: the provider was given up on", now)
            stopped = self.lanes[channel].stopped
            if stopped:
                self.report.stopped[channel] = stopped
            for message in by_channel[channel]:
                self._todo.discard(message.key)
            self._todo.update(result.untried)
        self.view.add_own(
            attempt_rows(
                [
                    {
                        "attempt_id": d.key,
                        "account_id": self._meta[d.key][0],
                        "contact_id": self._meta[d.key][1],
                        "channel": self._meta[d.key][2],
                        "at": d.at,
                        "outcome": d.state,
                    }
                    for d in done
                ]
            )
        )

    # -- recovery and the ledger ------------------------------------------------------------

    def recover(self, now: datetime) -> None:
        recover(self.state, self.lanes, self.report, now)

    def adopt(self, now: datetime) -> None:
        self.report.adopted += adopt(self.state, self.view.data, now)

    def flush(self) -> int:
        written, held = flush(self.state, self.view.data, self.service)
        if written:
            self.view.wrote_attempts()
        self.report.ledger_rows += written
        if self.service is not None:
            self.report.service_rows = (self.report.service_rows or 0) + held
            self.report.service_missing = self.service.missing
        return written
