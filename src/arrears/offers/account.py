"""One account's features as the daily planner sees them: what an offer rule's `when` reads.

Nothing is re-implemented here: the customer's rows are cut out of the portfolio and run
through the planner's own stages (`planning.plan.features`, `segment_accounts`), so `dpd`,
`bucket`, `segment`, `arm` and every derived feature are exactly those of `arrears plan` on
the same date.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.compliance.ledger import ledger_of, needed
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import Portfolio
from arrears.planning.features import contact_features, history, run_start
from arrears.planning.plan import features, segment_accounts
from arrears.strategy.model import Strategy


class UnknownAccount(LookupError):
    pass


def account_frame(
    portfolio: Portfolio, strategy: Strategy, account_id: str, run_date: date
) -> pl.DataFrame:
    """The account's row of the planner's segmented features on `run_date` (one row)."""
    accounts = portfolio.tables["accounts"]
    own = accounts.filter(pl.col("account_id") == account_id)
    if own.height == 0:
        rejected = portfolio.rejects.filter(
            (pl.col("table") == "accounts") & (pl.col("key") == account_id)
        )
        why = f" (rejected: {rejected.get_column('error')[0]})" if rejected.height else ""
        raise UnknownAccount(f"account '{account_id}' is not in the accounts table{why}")
    customer = own.get_column("customer_id")[0]
    tables = _customer_tables(portfolio.tables, customer)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    reach = strictest_reach(presets)
    ledger = ledger_of(
        tables.get("attempts"),
        tables["contacts"],
        needed(presets, reach.days, run_start(run_date)),
    )
    point_history = contact_features(history(tables.get("attempts"), run_date), run_date).collect()
    feats = features(Portfolio(tables, portfolio.rejects), run_date, reach, point_history, ledger)
    segmented = segment_accounts(feats, strategy)
    return segmented.filter(pl.col("account_id") == account_id)


def _customer_tables(tables: dict[str, pl.DataFrame], customer: str) -> dict[str, pl.DataFrame]:
    """The customer's rows only (all of their accounts: some features look across them)."""
    out = dict(tables)
    out["accounts"] = tables["accounts"].filter(pl.col("customer_id") == customer)
    ids = out["accounts"].get_column("account_id")
    for name in ("customers", "contacts"):
        out[name] = tables[name].filter(pl.col("customer_id") == customer)
    for name in ("attempts", "payments", "promises", "cases"):
        if name in tables:
            out[name] = tables[name].filter(pl.col("account_id").is_in(ids.to_list()))
    return out
