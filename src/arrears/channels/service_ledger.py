"""`arrears send` with the service's database (`--database URL`): what the service knows.

* Every attempt appended to the data folder's ledger is appended to the system of record's
  `attempts` too (insert-or-skip by `attempt_id`, the action's id: a batch written again
  after a crash adds nothing). An attempt whose account or contact point the database does
  not hold (the folder was not imported) is left out and counted, never an error that would
  stop the folder's ledger.
* An action the service cancelled after the plan (a payment through its webhook, a hold or a
  dispute an agent recorded: `plan_actions.cancelled_at`) is not sent; it is cancelled with
  the rule CANCELLED-IN-SERVICE and the service's reason.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Table, select

from arrears.channels.ledger import ATTEMPT_COLUMNS
from arrears.store.db import engine
from arrears.store.io import insert_statement
from arrears.store.models import Account, Attempt, Contact, PlanAction

CANCELLED_IN_SERVICE = "CANCELLED-IN-SERVICE"
SLICE = 2_000
"""Attempts per statement (an IN list of ids stays far below SQLite's bound on variables)."""


class ServiceLedger:
    def __init__(self, url: str) -> None:
        self.engine = engine(url)
        self.missing = 0
        """Attempts left out: their account or contact point is not in the database."""

    def append(self, attempts: pl.DataFrame) -> int:
        """Insert the attempts the database may hold; returns the rows sent."""
        return sum(
            self._append(attempts.slice(start, SLICE)) for start in range(0, attempts.height, SLICE)
        )

    def _append(self, attempts: pl.DataFrame) -> int:
        accounts = attempts.get_column("account_id").unique().to_list()
        contacts = attempts.get_column("contact_id").unique().to_list()
        table = Attempt.__table__
        assert isinstance(table, Table)
        with self.engine.begin() as connection:
            known_accounts = set(
                connection.execute(
                    select(Account.account_id).where(Account.account_id.in_(accounts))
                ).scalars()
            )
            known_contacts = set(
                connection.execute(
                    select(Contact.contact_id).where(Contact.contact_id.in_(contacts))
                ).scalars()
            )
            held = attempts.filter(
                pl.col("account_id").is_in(list(known_accounts))
                & pl.col("contact_id").is_in(list(known_contacts))
            )
            self.missing += attempts.height - held.height
            if held.height:
                statement = insert_statement(connection, table, ["attempt_id"], upsert=False)
                connection.execute(statement, held.select(ATTEMPT_COLUMNS).to_dicts())
        return held.height

    def cancelled(self, actions: pl.DataFrame) -> list[tuple[str, str, str]]:
        """(action_id, rule, reason) for the actions of `actions` the service cancelled,
        looked up by account (the index the service keeps)."""
        if actions.height == 0:
            return []
        accounts = actions.get_column("account_id").unique().to_list()
        wanted = set(actions.get_column("action_id").to_list())
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(PlanAction.action_id, PlanAction.cancel_reason).where(
                    PlanAction.account_id.in_(accounts), PlanAction.cancelled_at.is_not(None)
                )
            ).all()
        found = {str(a): str(r or "cancelled in the service") for a, r in rows if a in wanted}
        return [(key, CANCELLED_IN_SERVICE, why) for key, why in sorted(found.items())]

    def close(self) -> None:
        self.engine.dispose()
