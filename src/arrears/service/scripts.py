"""The words for the call: the approved human-call template for the account's bucket and the
tone the agent chose, picked by the planner's own rule (`Library.pick`) and rendered in the
sandbox (`templates.render`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from arrears.contract.load import Portfolio
from arrears.offers.account import account_frame
from arrears.service.guard_now import Policy
from arrears.strategy.model import DEFAULT_BUCKETS
from arrears.templates.cli import DEFAULT_LENDER
from arrears.templates.library import Library
from arrears.templates.render import RenderError, account_context, family, render
from arrears.templates.resolve import COUNTRY_LANGUAGE

TONES: tuple[str, ...] = ("reminder", "negotiation", "warning", "pressure")


def bucket_and_dpd(
    tables: dict[str, pl.DataFrame], policy: Policy, account_id: str, on: dt.date
) -> tuple[str | None, int, str | None]:
    """(bucket, dpd, segment) as the planner sees the account on `on`; without a strategy,
    dpd from the due date and the industry's 30-day buckets."""
    if policy.strategy is not None:
        row = account_frame(Portfolio(tables, pl.DataFrame()), policy.strategy, account_id, on)
        if row.height:
            r = row.row(0, named=True)
            return r.get("bucket"), int(r.get("dpd") or 0), r.get("segment")
    account = tables["accounts"].filter(pl.col("account_id") == account_id).row(0, named=True)
    due = account["due_date"]
    dpd = max((on - due).days, 0) if due is not None else 0
    bucket = next((b.name for b in DEFAULT_BUCKETS if b.contains(dpd)), None)
    return bucket, dpd, None


def script(
    tables: dict[str, pl.DataFrame],
    policy: Policy,
    library: Library,
    account_id: str,
    tone: str,
    *,
    on: dt.date,
    agent_name: str,
) -> dict[str, Any]:
    """The rendered script, or why there is none (`text` None and `reason`)."""
    accounts = tables["accounts"].filter(pl.col("account_id") == account_id)
    if accounts.height == 0:
        return {"text": None, "reason": f"no account {account_id}"}
    account = accounts.row(0, named=True)
    customer = tables["customers"].row(0, named=True)
    language = customer.get("language") or COUNTRY_LANGUAGE.get(str(customer.get("country")))
    bucket, dpd, segment = bucket_and_dpd(tables, policy, account_id, on)
    pick = library.pick(
        channel="human_call",
        audience="debtor",
        language=language,
        bucket=bucket,
        dpd=dpd,
        tone=tone,
    )
    base = {
        "account_id": account_id,
        "tone": tone,
        "bucket": bucket,
        "dpd": dpd,
        "segment": segment,
    }
    if pick.template is None:
        return {**base, "text": None, "reason": pick.reason}
    template = pick.template
    context = account_context(
        account,
        {**customer, "language": language},
        on,
        lender=DEFAULT_LENDER.get(family(template.language), "Example Lending"),
        payment_link=f"https://pay.example.com/a/{account_id}",
        agent_name=agent_name,
    )
    try:
        text = render(template, context).text
    except RenderError as exc:
        return {**base, "text": None, "reason": str(exc), "template": template.id}
    return {
        **base,
        "text": text,
        "template": template.id,
        "version": template.version,
        "language": template.language,
    }
