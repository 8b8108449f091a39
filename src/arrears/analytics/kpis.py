"""Collection KPIs, each a function over the contract's frames returning a frame.

Definitions (`docs/analytics.md` has them with their Chinese names):

- connect rate 接通率 = connected calls / dialled calls. Dialled: voice attempts (ivr,
  robot_call, human_call). Connected: a person was spoken to (rpc, third_party,
  wrong_party); voicemail, machines and abandoned calls are not connections.
- right-party contact rate 可联率 = customers reached / customers attempted. Attempted: a
  customer with at least one attempt on a channel that can reach a person (voice or visit);
  reached: at least one `rpc`.
- promise rate 承诺率 = promises / right-party contacts; kept rate 履约率 = kept / (kept +
  broken), open promises left out; amounts promised and paid (paid within the promise's
  window, at most the promised amount), per currency.
- recovery rate 回收率 by bucket and vintage = paid while in the bucket / owed on entering it
  (within the observed window), per currency; vintage = month the episode's due date fell in.
- cost per unit recovered 单位回收成本 = (contact costs + agency commissions) / recovered,
  per currency.
- compliance: quiet-hour violations (re-checked by `compliance.audit`, must be 0), cap and
  rest hits and blocks per rule, per run.

Amounts are never summed across currencies: every amount KPI has a `currency` column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from arrears.analytics.episodes import Episodes
from arrears.analytics.inputs import RunFrames
from arrears.compliance.audit import compliance_kpis
from arrears.contract.tables import VOICE_CHANNELS
from arrears.planning.features import promise_status, run_start
from arrears.strategy.model import Bucket

CONNECTED_OUTCOMES: tuple[str, ...] = ("rpc", "third_party", "wrong_party")
REACH_CHANNELS: tuple[str, ...] = (*VOICE_CHANNELS, "visit")
DEFAULT_UNIT_COSTS: dict[str, float] = {
    "sms": 0.05,
    "email": 0.01,
    "ivr": 0.05,
    "robot_call": 0.05,
    "human_call": 1.5,
    "letter": 1.0,
    "visit": 30.0,
}
"""Cost of one contact by channel when the teams table says nothing for it (no agent, no
robot team): a lender's figures replace them. Read in the currency of the account."""


def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den, null when den is 0 (a rate of nothing is unknown, not 0)."""
    return pl.when(den > 0).then(num / den).otherwise(None)


def _agg(frame: pl.DataFrame, by: Sequence[str], *exprs: pl.Expr) -> pl.DataFrame:
    if by:
        return frame.group_by(*by).agg(*exprs).sort(*by)
    return frame.select(*exprs)


def connect_rate(attempts: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """接通率: `dialled, connected, connect_rate` (per `by`, e.g. channel or agent_id)."""
    calls = attempts.filter(pl.col("channel").is_in(VOICE_CHANNELS))
    out = _agg(
        calls,
        by,
        pl.len().cast(pl.Int64).alias("dialled"),
        pl.col("outcome").is_in(CONNECTED_OUTCOMES).sum().cast(pl.Int64).alias("connected"),
    )
    return out.with_columns(ratio(pl.col("connected"), pl.col("dialled")).alias("connect_rate"))


def rpc_rate(
    attempts: pl.DataFrame, accounts: pl.DataFrame, by: Sequence[str] = ()
) -> pl.DataFrame:
    """可联率: `customers_attempted, customers_reached, rpc_rate`."""
    tried = attempts.filter(pl.col("channel").is_in(REACH_CHANNELS)).join(
        accounts.select("account_id", "customer_id"), on="account_id", how="inner"
    )
    out = _agg(
        tried,
        by,
        pl.col("customer_id").n_unique().cast(pl.Int64).alias("customers_attempted"),
        pl.col("customer_id")
        .filter(pl.col("outcome") == "rpc")
        .n_unique()
        .cast(pl.Int64)
        .alias("customers_reached"),
    )
    return out.with_columns(
        ratio(pl.col("customers_reached"), pl.col("customers_attempted")).alias("rpc_rate")
    )


def promises_with_payments(
    promises: pl.DataFrame, payments: pl.DataFrame | None, as_of: date
) -> pl.DataFrame:
    """The promises with their status (`planning.features.promise_status`: the lender's or
    derived) and `paid`: payments from the promise to the end of its due date, before the
    run date, at most the promised amount."""
    pr = promise_status(promises, payments, as_of).collect()
    if payments is None:
        return pr.with_columns(pl.lit(0.0).alias("paid"))
    before = payments.filter(pl.col("paid_at") < run_start(as_of))
    paid = (
        pr.select("promise_id", "account_id", "made_at", "due_date")
        .join(before.select("account_id", "paid_at", "amount"), on="account_id", how="inner")
        .filter(
            (pl.col("paid_at") >= pl.col("made_at"))
            & (pl.col("paid_at").dt.date() <= pl.col("due_date"))
        )
        .group_by("promise_id")
        .agg(pl.col("amount").sum().alias("_paid"))
    )
    return (
        pr.join(paid, on="promise_id", how="left")
        .with_columns(
            pl.min_horizontal(pl.col("_paid").fill_null(0.0), pl.col("amount")).alias("paid")
        )
        .drop("_paid")
    )


def promise_kpis(
    promises: pl.DataFrame,
    payments: pl.DataFrame | None,
    attempts: pl.DataFrame,
    accounts: pl.DataFrame,
    as_of: date,
    by: Sequence[str] = ("currency",),
) -> pl.DataFrame:
    """承诺率 / 履约率 and amounts: `rpc, promises, promise_rate, kept, broken, open,
    kept_rate, amount_promised, amount_paid` per `by` (columns of accounts)."""
    cols = ["account_id", *by]
    pr = promises_with_payments(promises, payments, as_of).join(
        accounts.select(cols), on="account_id", how="inner"
    )
    status = pl.col("status")
    made = _agg(
        pr,
        by,
        pl.len().cast(pl.Int64).alias("promises"),
        (status == "kept").sum().cast(pl.Int64).alias("kept"),
        (status == "broken").sum().cast(pl.Int64).alias("broken"),
        (status == "open").sum().cast(pl.Int64).alias("open"),
        pl.col("amount").sum().alias("amount_promised"),
        pl.col("paid").sum().alias("amount_paid"),
    )
    rpcs = _agg(
        attempts.filter(pl.col("outcome") == "rpc").join(
            accounts.select(cols), on="account_id", how="inner"
        ),
        by,
        pl.len().cast(pl.Int64).alias("rpc"),
    )
    out = rpcs.join(made, on=list(by), how="full", coalesce=True) if by else rpcs.hstack(made)
    counts = ("rpc", "promises", "kept", "broken", "open")
    out = out.with_columns(pl.col(c).fill_null(0) for c in counts).with_columns(
        pl.col("amount_promised", "amount_paid").fill_null(0.0)
    )
    return out.select(
        *by,
        "rpc",
        "promises",
        ratio(pl.col("promises"), pl.col("rpc")).alias("promise_rate"),
        "kept",
        "broken",
        "open",
        ratio(pl.col("kept"), pl.col("kept") + pl.col("broken")).alias("kept_rate"),
        "amount_promised",
        "amount_paid",
    )


def recovered_payments(episodes: Episodes) -> pl.DataFrame:
    """Payments made while in arrears (`account_id, dpd, amount`): what counts as recovered."""
    return episodes.payments.join(
        episodes.frame.select("episode", "account_id"), on="episode", how="inner"
    ).select("account_id", "dpd", "amount")


def recovery_rate(
    episodes: Episodes,
    accounts: pl.DataFrame,
    buckets: Sequence[Bucket],
    by: Sequence[str] = ("bucket",),
) -> pl.DataFrame:
    """回收率 by bucket and/or vintage: `episodes, exposure, recovered, recovery_rate` per
    `by` (of `bucket`, `vintage`) and currency.

    An episode's exposure in a bucket is what it owed on its first observed day in that
    bucket; recovered is what it paid on its observed days in the bucket.
    """
    # Without `bucket` an episode is one span: exposure is what it owed when first seen.
    spans_of = list(buckets) if "bucket" in by else [Bucket("", 0, None)]
    spans = pl.DataFrame(
        {
            "bucket": [b.name for b in spans_of],
            "_lo": [b.lo for b in spans_of],
            "_hi": [b.hi if b.hi is not None else 1_000_000 for b in spans_of],
        },
        schema={"bucket": pl.String, "_lo": pl.Int32, "_hi": pl.Int32},
    )
    ep = (
        episodes.frame.select("episode", "account_id", "entry", "first_dpd", "last_dpd", "owed")
        .join(accounts.select("account_id", "currency"), on="account_id", how="inner")
        .with_columns(pl.col("entry").dt.strftime("%Y-%m").alias("vintage"))
        .join(spans, how="cross")
        .with_columns(
            pl.max_horizontal("first_dpd", "_lo").alias("_start"),
            pl.min_horizontal("last_dpd", "_hi").alias("_end"),
        )
        .filter(pl.col("_start") <= pl.col("_end"))
    )
    pay = ep.select("episode", "bucket", "_start", "_end").join(
        episodes.payments, on="episode", how="inner"
    )
    sums = pay.group_by("episode", "bucket").agg(
        pl.col("amount").filter(pl.col("dpd") < pl.col("_start")).sum().alias("_before"),
        pl.col("amount")
        .filter(pl.col("dpd").is_between(pl.col("_start"), pl.col("_end")))
        .sum()
        .alias("_in"),
    )
    ep = ep.join(sums, on=["episode", "bucket"], how="left").with_columns(
        (pl.col("owed") - pl.col("_before").fill_null(0.0)).clip(lower_bound=0.0).alias("_exp"),
        pl.col("_in").fill_null(0.0),
    )
    keys = [*by, "currency"]
    out = ep.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("episodes"),
        pl.col("_exp").sum().alias("exposure"),
        pl.col("_in").sum().alias("recovered"),
    )
    if "bucket" in by:
        order = {b.name: i for i, b in enumerate(buckets)}
        out = out.with_columns(pl.col("bucket").replace_strict(order).alias("_order"))
        out = out.sort(*[k if k != "bucket" else "_order" for k in keys]).drop("_order")
    else:
        out = out.sort(keys)
    return out.with_columns(ratio(pl.col("recovered"), pl.col("exposure")).alias("recovery_rate"))


def contact_costs(
    attempts: pl.DataFrame,
    teams: pl.DataFrame | None,
    agents: pl.DataFrame | None,
    unit_costs: Mapping[str, float] = DEFAULT_UNIT_COSTS,
) -> pl.DataFrame:
    """Each attempt with its `cost`: its agent's team's `cost_per_contact`; else, for robot
    channels and human calls, the mean cost of the robot or human teams; else the channel's
    unit cost."""
    channel_cost = pl.col("channel").replace_strict(
        dict(unit_costs), default=0.0, return_dtype=pl.Float64
    )
    att = attempts.select("attempt_id", "account_id", "channel", "agent_id")
    if teams is None or "cost_per_contact" not in teams.columns:
        return att.with_columns(channel_cost.alias("cost"))
    by_kind = teams.group_by("kind").agg(pl.col("cost_per_contact").mean())
    kind_cost = {str(k): float(c) for k, c in by_kind.iter_rows() if c is not None}
    fallback = (
        pl.when(pl.col("channel").is_in(["robot_call", "ivr"]) & pl.lit("robot" in kind_cost))
        .then(pl.lit(kind_cost.get("robot", 0.0)))
        .when((pl.col("channel") == "human_call") & pl.lit("human" in kind_cost))
        .then(pl.lit(kind_cost.get("human", 0.0)))
        .otherwise(channel_cost)
    )
    if agents is not None:
        agent_cost = agents.select("agent_id", "team_id").join(
            teams.select("team_id", "cost_per_contact"), on="team_id", how="left"
        )
        att = att.join(agent_cost.select("agent_id", "cost_per_contact"), on="agent_id", how="left")
    else:
        att = att.with_columns(pl.lit(None, dtype=pl.Float64).alias("cost_per_contact"))
    return att.with_columns(pl.coalesce("cost_per_contact", fallback).alias("cost")).drop(
        "cost_per_contact"
    )


def agency_commissions(
    recovered: pl.DataFrame, cases: pl.DataFrame | None, teams: pl.DataFrame | None
) -> pl.DataFrame:
    """`account_id, commission`: an agency's commission rate × what its accounts repaid."""
    if cases is None or teams is None or "commission_rate" not in teams.columns:
        return pl.DataFrame(schema={"account_id": pl.String, "commission": pl.Float64})
    held = cases.filter(pl.col("owner_kind") == "agency").join(
        teams.select(pl.col("team_id").alias("owner_id"), "commission_rate"),
        on="owner_id",
        how="inner",
    )
    return (
        recovered.join(held.select("account_id", "commission_rate"), on="account_id", how="inner")
        .group_by("account_id")
        .agg(
            (pl.col("amount") * pl.col("commission_rate").fill_null(0.0)).sum().alias("commission")
        )
    )


def cost_per_recovered(
    attempts: pl.DataFrame,
    episodes: Episodes,
    accounts: pl.DataFrame,
    teams: pl.DataFrame | None = None,
    agents: pl.DataFrame | None = None,
    cases: pl.DataFrame | None = None,
    unit_costs: Mapping[str, float] = DEFAULT_UNIT_COSTS,
) -> pl.DataFrame:
    """单位回收成本 per currency: `contacts, contact_cost, commission, cost, recovered,
    cost_per_unit` (cost per one unit of currency recovered)."""
    currency = accounts.select("account_id", "currency")
    costs = contact_costs(attempts, teams, agents, unit_costs).join(currency, on="account_id")
    recovered = recovered_payments(episodes)
    commission = agency_commissions(recovered, cases, teams).join(currency, on="account_id")
    parts = [
        costs.group_by("currency").agg(
            pl.len().cast(pl.Int64).alias("contacts"), pl.col("cost").sum().alias("contact_cost")
        ),
        commission.group_by("currency").agg(pl.col("commission").sum()),
        recovered.join(currency, on="account_id")
        .group_by("currency")
        .agg(pl.col("amount").sum().alias("recovered")),
    ]
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, on="currency", how="full", coalesce=True)
    out = out.with_columns(
        pl.col("contacts").fill_null(0),
        pl.col("contact_cost", "commission", "recovered").fill_null(0.0),
    ).with_columns((pl.col("contact_cost") + pl.col("commission")).alias("cost"))
    return out.select(
        "currency",
        "contacts",
        "contact_cost",
        "commission",
        "cost",
        "recovered",
        ratio(pl.col("cost"), pl.col("recovered")).alias("cost_per_unit"),
    ).sort("currency")


def compliance_summary(runs: Sequence[RunFrames]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The compliance KPIs of the runs (`compliance.audit.compliance_kpis`, re-checked from
    the run files, once per run): per run, `run_date, contacts_checked, actions, blocked,
    quiet_hour_violations, cap_hits, rest_hits`; per rule over the runs, `rule, kind (cap,
    rest or rule), blocked`."""
    per_run = []
    rules: dict[str, tuple[str, int]] = {}
    for run in runs:
        k = compliance_kpis(run.actions, run.blocked, run.checked, run.presets)
        per_run.append(
            (
                run.run_date,
                int(k["contacts_checked"]),
                run.actions.height,
                run.blocked.height,
                int(k["quiet_hour_violations"]),
                int(sum(k["cap_hits"].values())),
                int(sum(k["rest_hits"].values())),
            )
        )
        for rule, n in k["blocked_by_rule"].items():
            kind = "cap" if rule in k["cap_hits"] else "rest" if rule in k["rest_hits"] else "rule"
            rules[rule] = (kind, rules.get(rule, (kind, 0))[1] + int(n))
    by_run = pl.DataFrame(
        per_run,
        schema={
            "run_date": pl.Date,
            "contacts_checked": pl.Int64,
            "actions": pl.Int64,
            "blocked": pl.Int64,
            "quiet_hour_violations": pl.Int64,
            "cap_hits": pl.Int64,
            "rest_hits": pl.Int64,
        },
        orient="row",
    )
    by_rule = pl.DataFrame(
        [(rule, kind, n) for rule, (kind, n) in rules.items()],
        schema={"rule": pl.String, "kind": pl.String, "blocked": pl.Int64},
        orient="row",
    ).sort("blocked", "rule", descending=[True, False])
    return by_run, by_rule
