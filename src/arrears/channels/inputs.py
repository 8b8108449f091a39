"""What a send reads: the run folder's actions, its strategy's presets, the template library,
and the data folder — read again when a file in it changes during the send.

The run folder gives `actions.parquet`, `strategy.yaml` (its jurisdiction and house rules for
the guard), `accounts.parquet` (the overdue amounts the plan saw) and `manifest.json` (the
template library it planned with, unless `--templates` says otherwise).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from arrears.channels.compose import Words
from arrears.channels.config import ChannelsConfig
from arrears.channels.ledger import ATTEMPT_COLUMNS, UTC_TS
from arrears.channels.select import with_pauses
from arrears.compliance.ledger import ledger_of
from arrears.compliance.predial import PreDial
from arrears.compliance.presets import Preset, Reachability, presets_for, strictest_reach
from arrears.contract.load import find_table, load_portfolio
from arrears.strategy.load import load_strategy
from arrears.templates.library import Library

WATCHED: tuple[str, ...] = ("accounts", "customers", "contacts", "payments", "attempts")
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "overdue_amount",
    "currency",
    "due_date",
    "next_due_date",
    "lender",
    "payment_link",
)


class InputError(ValueError):
    """A run or data folder that cannot be sent from; the message names the file."""


@dataclass(frozen=True)
class RunFolder:
    run: Path
    actions: pl.DataFrame
    presets: dict[str, Preset]
    reach: Reachability
    library: Library
    plan_overdue: pl.DataFrame  # account_id, plan_overdue


def read_run(run: Path, templates: Path | None = None) -> RunFolder:
    actions_path = run / "actions.parquet"
    if not actions_path.exists():
        raise InputError(f"{actions_path}: not a run folder (no actions.parquet)")
    strategy_path = run / "strategy.yaml"
    if not strategy_path.exists():
        raise InputError(f"{strategy_path}: the run's strategy is missing")
    strategy = load_strategy(strategy_path)
    presets = dict(presets_for(strategy.jurisdiction, strategy.house))
    folder = templates
    if folder is None:
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        recorded = (manifest.get("templates") or {}).get("folder")
        if not recorded:
            raise InputError(f"{run}: planned without a template library: give --templates")
        folder = Path(recorded)
    library = Library.load(folder)
    actions = with_pauses(pl.read_parquet(actions_path))
    for column in ("template_version", "template_language"):
        if column not in actions.columns:
            actions = actions.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    planned = run / "accounts.parquet"
    plan_overdue = (
        pl.read_parquet(planned, columns=["account_id", "overdue_amount"]).select(
            "account_id", pl.col("overdue_amount").cast(pl.Float64).alias("plan_overdue")
        )
        if planned.exists()
        else pl.DataFrame(schema={"account_id": pl.String, "plan_overdue": pl.Float64})
    )
    return RunFolder(run, actions, presets, strictest_reach(presets), library, plan_overdue)


def words_of(folder: RunFolder, config: ChannelsConfig) -> Words:
    return Words(folder.library, config.lender, config.payment_link)


def _stamp(data: Path) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        path = find_table(data, name)
        if path is not None:
            stat = path.stat()
            out[name] = (stat.st_mtime_ns, stat.st_size)
    return out


@dataclass
class DataView:
    """The data folder as a send needs it: the guard's state and the rows the words need.

    `refresh` reads the folder again when a file changed (an opt-out written by an inbound
    reply, a payment, another process's attempts), except the attempts this send wrote
    itself (`wrote_attempts`); those it adds to the guard's ledger as it goes (`add_own`),
    so a cap counts what was sent a minute ago.
    """

    data: Path
    presets: dict[str, Preset]
    reach: Reachability
    predial: PreDial = field(init=False)
    accounts: pl.DataFrame = field(init=False)
    customers: pl.DataFrame = field(init=False)
    contacts: pl.DataFrame = field(init=False)
    payments: pl.DataFrame | None = field(init=False)
    reloads: int = 0
    _stamp: dict[str, tuple[int, int]] = field(default_factory=dict)
    _base: pl.DataFrame | None = None
    _base_ledger: pl.DataFrame | None = None
    _own: list[pl.DataFrame] = field(default_factory=list)
    _own_height: int = 0
    _ledger_height: int = -1

    def __post_init__(self) -> None:
        self._load()

    def _load(self) -> None:
        stamp = _stamp(self.data)
        portfolio = load_portfolio(self.data)
        t = portfolio.tables
        self.predial = PreDial.of(t, self.presets, self.reach)
        self._base_ledger = self.predial.ledger
        accounts = t["accounts"]
        self.accounts = accounts.select(
            "account_id",
            *[
                pl.col(c) if c in accounts.columns else pl.lit(None, dtype=pl.String).alias(c)
                for c in ACCOUNT_COLUMNS
            ],
        )
        self.customers = t["customers"].select(
            "customer_id",
            "name",
            pl.col("language")
            if "language" in t["customers"].columns
            else pl.lit(None, dtype=pl.String).alias("language"),
            "country",
        )
        self.contacts = t["contacts"].select("contact_id", pl.col("value").alias("to"))
        self.payments = t.get("payments")
        self._base = t.get("attempts")
        self._stamp = stamp
        self._ledger_height = -1
        self.reloads += 1

    def refresh(self) -> bool:
        """Read the folder again if a file changed; True when it did."""
        if _stamp(self.data) != self._stamp:
            self._load()
            return True
        return False

    def wrote_attempts(self) -> None:
        """The attempts file changed by this send's own append: no need to read it again."""
        path = find_table(self.data, "attempts")
        if path is not None:
            stat = path.stat()
            self._stamp["attempts"] = (stat.st_mtime_ns, stat.st_size)

    def add_own(self, attempts: pl.DataFrame) -> None:
        """This send's attempts (ATTEMPT_COLUMNS), for the guard's ledger."""
        if attempts.height:
            self._own.append(attempts.select(ATTEMPT_COLUMNS))
            self._own_height += attempts.height

    def guard_state(self) -> PreDial:
        """The pre-dial state with this send's attempts in its ledger."""
        if self._own_height != self._ledger_height and self._own:
            own = pl.concat(self._own)
            if self._base is not None:
                own = own.join(self._base.select("attempt_id"), on="attempt_id", how="anti")
            points = self.predial.points.select("contact_id", "customer_id", "role")
            extra = ledger_of(own.with_columns(pl.col("at").cast(UTC_TS)), points)
            assert self._base_ledger is not None
            ledger = pl.concat([self._base_ledger, extra], how="vertical_relaxed").sort(
                "customer_id"
            )
            self.predial = replace(self.predial, ledger=ledger)
            self._own = [own]
            self._ledger_height = self._own_height
        return self.predial

    def rows_for(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """The chunk with what the words and the payment check need: the account's amounts,
        the customer's name and language, the contact point's value as `to`."""
        return (
            chunk.join(self.accounts, on="account_id", how="left")
            .join(self.customers, on="customer_id", how="left")
            .join(self.contacts, on="contact_id", how="left")
        )
