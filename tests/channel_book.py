"""A small planned book for the channel tests: CN debtors with a phone and an e-mail, a
strategy that texts and mails them, the run folder, and a delivery configuration that points
at the test's own SMTP server and SMS gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import yaml

from arrears.examples import templates_path
from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder

SEND_AT = "2026-11-30T02:00:00Z"  # 10:00 in Beijing on the run date: inside every CN window
SEND_INSTANT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
STRATEGY = """
name: channels-test
version: 1
jurisdiction: CN
templates: {templates}
buckets:
  M1: [1, 30]
  M2: [31, 60]
segments:
  - id: m1
    when: bucket == 'M1'
    steps:
      - id: m1.sms
        days: [5]
        channel: sms
        tone: reminder
      - id: m1.email
        days: [5]
        channel: email
        template: reminder_email
      - id: m1.sms.fees
        days: [18]
        channel: sms
        tone: pressure
  - id: m2
    when: bucket == 'M2'
    steps:
      - id: m2.letter
        days: [40]
        channel: letter
        template: m2_arrears_letter
"""


def email_of(n: int) -> str:
    return f"debtor{n}@example.com"


def book(
    debtors: int = 6, pressed: int = 0, lettered: int = 0, bounce: tuple[int, ...] = ()
) -> PortfolioBuilder:
    """`debtors` at dpd 5 (an SMS reminder and an e-mail each), then `pressed` at dpd 18 (an
    SMS about fees: the pressure tone), then `lettered` at dpd 40 (a letter to their address).
    The e-mail of the debtors in `bounce` is one the test SMTP server refuses."""
    b = PortfolioBuilder()
    for n in range(1, debtors + pressed + lettered + 1):
        dpd = 5 if n <= debtors else 18 if n <= debtors + pressed else 40
        b.debtor(n, dpd=dpd, phone=f"+86138{n:08d}")
        email = f"bounce{n}@example.com" if n in bounce else email_of(n)
        b.point(n, f"E{n:05d}", email, kind="email")
        if dpd == 40:
            b.point(n, f"L{n:05d}", f"北京市海淀区中关村大街{n}号", kind="address")
    return b


@dataclass(frozen=True)
class Planned:
    data: Path
    run: Path
    strategy: Path

    def actions(self) -> pl.DataFrame:
        return pl.read_parquet(self.run / "actions.parquet")

    def keys(self, channel: str) -> set[str]:
        frame = self.actions().filter(pl.col("channel") == channel)
        return set(frame.get_column("action_id").to_list())

    def attempts(self) -> pl.DataFrame:
        return pl.read_csv(self.data / "attempts.csv", infer_schema=False)

    def contacts(self) -> pl.DataFrame:
        return pl.read_csv(self.data / "contacts.csv", infer_schema=False)


def plan(folder: Path, b: PortfolioBuilder, text: str = STRATEGY) -> Planned:
    """Plan the run date over `b` with the strategy `text` (`{templates}` is the shipped
    template library)."""
    data = b.write(folder / "data")
    strategy = folder / "strategy.yaml"
    strategy.write_text(text.format(templates=templates_path()), encoding="utf-8")
    run = folder / "run"
    run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=run)
    return Planned(data, run, strategy)


def config(
    folder: Path,
    *,
    gateway: str | None = None,
    smtp_port: int | None = None,
    maildir: Path | None = None,
    letters: Path | None = None,
    rate: float = 1000,
    tries: int = 3,
    backoff: float = 0.01,
    receipt_url: str | None = None,
    switch: str | None = None,
    switch_timeout: float = 10,
) -> Path:
    providers: dict[str, dict[str, object]] = {}
    pace = {"rate": rate, "tries": tries, "backoff": backoff}
    if gateway is not None:
        providers["sms"] = {"plugin": "http_sms", "url": gateway, "sender": "10690000", **pace}
        if receipt_url is not None:
            providers["sms"]["receipt_url"] = receipt_url
    if smtp_port is not None:
        providers["email"] = {
            "plugin": "smtp", "host": "127.0.0.1", "port": smtp_port,
            "sender": "collections@lender.example", "journal": "journal@lender.example",
            "journal_maildir": str(maildir), **pace,
        }  # fmt: skip
    if switch is not None:
        for channel in ("ivr", "robot_call"):
            providers[channel] = {
                "plugin": "switch_call", "url": switch, "timeout": switch_timeout, **pace,
            }  # fmt: skip
    if letters is not None:
        providers["letter"] = {"plugin": "pdf_letter", "folder": str(letters), **pace}
    path = folder / "channels.yaml"
    path.write_text(
        yaml.safe_dump({"lender": "示例消费金融", "providers": providers}, allow_unicode=True),
        encoding="utf-8",
    )
    return path
