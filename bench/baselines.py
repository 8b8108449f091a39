"""The two baselines `bench/plan.py` compares `arrears plan` with, for the seed example.

* ``floor`` — baseline A: the seed example's plan written by hand as one Polars program, without
  the strategy engine, the loader's validation or the generic compliance guard. It reads only the
  columns it needs, computes dpd and bucket, segment A (bucket M1 and product cash_loan), the step
  days, joins the debtor phones, applies the CN window (08:00–21:00 local as fixed UTC offsets:
  Asia/Shanghai 00:00–13:00 UTC, Asia/Urumqi 02:00–15:00 UTC; the data has no other zone and the
  program refuses data that does), the holds, refused contacts and channel opt-outs, picks one
  phone per (account, step) with the planner's ranking, and writes ``actions.parquet`` and
  ``blocked.parquet`` with the planner's columns. It is a floor only because it does the same job:
  ``bench/plan.py`` checks that its output equals the planner's.

* ``rule-engine`` — baseline B: the same segmentation and step selection evaluated account by
  account with the ``rule-engine`` package over per-row dicts, dpd and bucket computed per row in
  Python. Run over a sample; ``bench/plan.py`` extrapolates linearly.

Each runs in its own process and prints one JSON line with its internal timings:

    python bench/baselines.py floor --data bench/out/data-1000000 --out bench/out/runs/floor-1000000
    python bench/baselines.py rule-engine --data bench/out/data-1000000 --sample 100000 \
        --out bench/out/runs/rule-engine-1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from arrears.contract.tables import ACTION_COLUMNS as CONTRACT_ACTION_COLUMNS

REPO = Path(__file__).resolve().parent.parent
SEED_STRATEGY = REPO / "examples" / "strategies" / "seed_example.yaml"
RUN_DATE = date(2026, 11, 30)

# --- What the seed example says, written out by hand (baseline A knows it; it does not parse it).
STRATEGY_NAME = "small-loan-early"
SEGMENT = "A"
ARM = "champion"
BUCKET = "M1"
M1 = (1, 30)
PRODUCT = "cash_loan"
NOT_COLLECTED = ("settled",)
# (step id, days, channel, template, team); audience debtor, priority 50 for all three.
STEPS = (
    ("A.1", (1, 7, 15, 21), "sms", "reminder_1", None),
    ("A.2", (24, 27, 30), "human_call", None, "m1_collectors"),
    ("A.3", (24, 27, 30), "sms", "notice_b", None),
)
PRIORITY = 50
# --- The CN preset (src/arrears/compliance/presets/CN.yaml), by hand.
JURISDICTION = "CN"
HOLDS = ("dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold", "attorney")
# CN caps on voice calls: conversations with the debtor per local day, attempts per number.
CONVERSATIONS_PER_DAY = (
    "CN-3-CONVERSATIONS",
    3,
    "at most 3 voice conversations a day with the debtor, robot calls included",
)
ATTEMPTS_PER_NUMBER = ("CN-NUMBER-DAY", 5, "at most 5 attempts a day on one number")
VOICE = ("ivr", "robot_call", "human_call")
# The local day of the run date as UTC instants: Shanghai (UTC+8) from 16:00 the day before;
# with Urumqi (UTC+6) in the zone set the day runs until 18:00.
DAY_SPAN_UTC_HOURS = {"Asia/Shanghai": (-8, 16), "Asia/Urumqi": (-8, 18)}
PERSON_STATUSES = ("bankruptcy", "cease_contact", "deceased")
PHONE_ZONE = "Asia/Shanghai"  # every +86 number maps to it in phonenumbers' metadata
# 08:00-21:00 local as UTC hours: both zones have a fixed offset (no DST).
WINDOW_UTC_HOURS = {"Asia/Shanghai": (0, 13), "Asia/Urumqi": (2, 15)}
UTC_TS = pl.Datetime("us", "UTC")


class FloorError(Exception):
    """The data is outside what the hand-written floor knows (then it is not a fair floor)."""


def _steps_frame() -> pl.DataFrame:
    rows = [
        {
            "dpd": day,
            "step": step,
            "channel": channel,
            "template": template,
            "team": team,
            "_order": order,
        }
        for order, (step, days, channel, template, team) in enumerate(STEPS)
        for day in days
    ]
    schema = {
        "dpd": pl.Int32,
        "step": pl.String,
        "channel": pl.String,
        "template": pl.String,
        "team": pl.String,
        "_order": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema)


def _window(hours: int) -> datetime:
    return datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, tzinfo=UTC) + timedelta(
        hours=hours
    )


def _reason() -> pl.Expr:
    return pl.format(
        "segment {} (bucket {}, dpd {}), arm {}, step {}: {} to {} {}",
        pl.col("segment"),
        pl.col("bucket"),
        pl.col("dpd"),
        pl.col("arm"),
        pl.col("step"),
        pl.col("channel"),
        pl.col("role"),
        pl.col("contact_id").fill_null("(no contact point)"),
    )


# The contract's columns (a name list, not the engine), plus the planner's extras it writes too.
ACTION_COLUMNS = (*CONTRACT_ACTION_COLUMNS, "dpd", "bucket", "jurisdiction")
BLOCKED_COLUMNS = (*ACTION_COLUMNS, "rule", "detail", "next_allowed_at")


def _agreed_window(urumqi: pl.Expr, end: str) -> pl.Expr:
    """The CN window (UTC) of the zone set, narrowed by the customer's agreed hours
    (`contact_hours`, local HH:MM-HH:MM) in every zone of the set; fixed offsets (no DST)."""
    zones = {"Asia/Shanghai": 8 * 60, "Asia/Urumqi": 6 * 60}
    agreed = pl.col("agreed").str.strip_chars()
    part = agreed.str.slice(0 if end == "start" else 6, 5)
    local = part.str.slice(0, 2).cast(pl.Int32) * 60 + part.str.slice(3, 2).cast(pl.Int32)
    law = {z: (h[0] * 60, h[1] * 60) for z, h in WINDOW_UTC_HOURS.items()}

    def bound(zone_set: list[str]) -> pl.Expr:
        index = 0 if end == "start" else 1
        pick = max if end == "start" else min
        law_minutes = pick(law[z][index] for z in zone_set)
        mine = [local - zones[z] for z in zone_set]
        both = [pl.lit(law_minutes), *[m.fill_null(law_minutes) for m in mine]]
        return pl.max_horizontal(both) if end == "start" else pl.min_horizontal(both)

    minutes = (
        pl.when(urumqi)
        .then(bound(["Asia/Shanghai", "Asia/Urumqi"]))
        .otherwise(bound(["Asia/Shanghai"]))
    )
    return (pl.lit(_window(0)) + pl.duration(minutes=minutes)).cast(UTC_TS)


def _caps(checked: pl.DataFrame, data: Path, start: datetime, urumqi: pl.Expr) -> pl.DataFrame:
    """The two CN caps on the call step, by hand: the ledger's events of the local run day
    plus the call steps of the same scope planned before this one (one per account)."""
    lo, hi = DAY_SPAN_UTC_HOURS["Asia/Shanghai"]
    hi_urumqi = DAY_SPAN_UTC_HOURS["Asia/Urumqi"][1]
    span_from = start + timedelta(hours=lo)
    events = (
        pl.scan_parquet(data / "attempts.parquet")
        .select("contact_id", "channel", "outcome", "at")
        .filter(
            pl.col("channel").is_in(VOICE)
            & (pl.col("at") >= span_from)
            & (pl.col("at") < start + timedelta(hours=hi_urumqi))
        )
        .join(
            pl.scan_parquet(data / "contacts.parquet").select("contact_id", "customer_id"),
            on="contact_id",
        )
        .collect()
    )
    calls = checked.with_row_index("_r").filter(pl.col("channel").is_in(VOICE))
    span_to = (
        pl.when(urumqi)
        .then(pl.lit(start + timedelta(hours=hi_urumqi)))
        .otherwise(pl.lit(start + timedelta(hours=hi)))
    )
    rows = calls.select("_r", "customer_id", "contact_id", "account_id", span_to.alias("_to"))
    inside = pl.col("at") < pl.col("_to")
    talks = (
        rows.join(events.filter(pl.col("outcome") == "rpc"), on="customer_id")
        .filter(inside)
        .group_by("_r")
        .len("_talks")
    )
    tries = rows.join(events, on="contact_id").filter(inside).group_by("_r").len("_tries")
    counted = (
        calls.join(talks, on="_r", how="left")
        .join(tries, on="_r", how="left")
        .with_columns(
            (pl.col("account_id").rank("dense").over("customer_id") - 1).alias("_b_talks"),
            (pl.col("account_id").rank("dense").over("contact_id") - 1).alias("_b_tries"),
        )
        .with_columns(
            (pl.col("_talks").fill_null(0) + pl.col("_b_talks")).alias("_n_talks"),
            (pl.col("_tries").fill_null(0) + pl.col("_b_tries")).alias("_n_tries"),
        )
    )
    talks_id, talks_max, talks_text = CONVERSATIONS_PER_DAY
    tries_id, tries_max, tries_text = ATTEMPTS_PER_NUMBER
    over_talks = pl.col("rule").is_null() & (pl.col("_n_talks") >= talks_max)
    over_tries = pl.col("rule").is_null() & (pl.col("_n_tries") >= tries_max)
    capped = counted.with_columns(
        pl.when(over_talks)
        .then(pl.lit(talks_id))
        .when(over_tries)
        .then(pl.lit(tries_id))
        .otherwise(pl.col("rule"))
        .alias("rule"),
        pl.when(over_talks)
        .then(
            pl.format(
                f"{{}} conversations today ({{}} of them planned before this one today); "
                f"cap {talks_max}: {talks_text}",
                "_n_talks",
                "_b_talks",
            )
        )
        .when(over_tries)
        .then(
            pl.format(
                f"{{}} calls today ({{}} of them planned before this one today); "
                f"cap {tries_max}: {tries_text}",
                "_n_tries",
                "_b_tries",
            )
        )
        .alias("_cap_detail"),
    ).select("_r", "rule", "_cap_detail")
    return (
        checked.with_row_index("_r")
        .join(capped, on="_r", how="left", suffix="_cap")
        .with_columns(pl.coalesce("rule_cap", "rule").alias("rule"))
        .drop("_r", "rule_cap")
    )


def floor(data: Path, out: Path, run_date: date = RUN_DATE) -> dict[str, float | int]:
    """Plan the seed example by hand; write actions.parquet and blocked.parquet into `out`."""
    if run_date != RUN_DATE:
        raise FloorError("the floor's fixed UTC windows are written for 2026-11-30")
    t0 = time.perf_counter()
    start = datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC)
    version = hashlib.sha256(SEED_STRATEGY.read_bytes()).hexdigest()

    dpd = (
        pl.when(pl.col("due_date").is_null())
        .then(0)
        .otherwise((pl.lit(run_date) - pl.col("due_date")).dt.total_days().clip(lower_bound=0))
        .cast(pl.Int32)
        .alias("dpd")
    )
    fired = (
        pl.scan_parquet(data / "accounts.parquet")
        .select("account_id", "customer_id", "product", "status", "due_date")
        .with_columns(dpd, pl.col("status").fill_null("active"))
        .filter(
            pl.col("dpd").is_between(*M1)
            & (pl.col("product") == PRODUCT)
            & ~pl.col("status").is_in(NOT_COLLECTED)
        )
        .join(_steps_frame().lazy(), on="dpd", how="inner")
        .join(
            pl.scan_parquet(data / "customers.parquet").select(
                "customer_id",
                "country",
                pl.col("timezone").alias("customer_timezone"),
                pl.col("contact_hours").alias("agreed"),
            ),
            on="customer_id",
            how="left",
        )
        .join(  # a status about the person on any of the customer's accounts holds them all
            pl.scan_parquet(data / "accounts.parquet")
            .filter(pl.col("status").is_in(PERSON_STATUSES))
            .group_by("customer_id")
            .agg(pl.col("status").min().alias("customer_status")),
            on="customer_id",
            how="left",
        )
    )
    phones = (
        pl.scan_parquet(data / "contacts.parquet")
        .filter((pl.col("role") == "debtor") & (pl.col("kind") == "phone"))
        .select(
            "customer_id",
            "contact_id",
            "value",
            pl.col("timezone").alias("contact_timezone"),
            "opt_out",
            "refused_at",
        )
    )
    fired_df, phones_df = pl.collect_all([fired, phones])
    t_read = time.perf_counter()

    candidates = fired_df.join(phones_df, on="customer_id", how="inner")
    without_point = fired_df.join(phones_df, on="customer_id", how="anti")

    # The ranking needs each candidate phone's history: last conversation, tries this week.
    wanted = candidates.select("contact_id").unique()
    history = (
        pl.scan_parquet(data / "attempts.parquet")
        .select("contact_id", "at", "outcome")
        .filter(pl.col("at") < start)
        .join(wanted.lazy(), on="contact_id", how="semi")
        .group_by("contact_id")
        .agg(
            pl.col("at").filter(pl.col("outcome") == "rpc").max().alias("_last_rpc_at"),
            (pl.col("at") >= start - timedelta(days=7)).sum().cast(pl.UInt32).alias("_tries_7d"),
        )
        .collect()
    )
    t_history = time.perf_counter()

    # Zones: the phone's (+86: Asia/Shanghai), the contact's and the address's, sorted.
    zone_inputs = [
        pl.col("contact_timezone").str.strip_chars(),
        pl.col("customer_timezone").str.strip_chars(),
    ]
    known = set(WINDOW_UTC_HOURS)
    seen = set(
        pl.concat([candidates.select(z.alias("z")) for z in zone_inputs])
        .get_column("z")
        .drop_nulls()
        .unique()
        .to_list()
    ) - {""}
    if seen - known or not candidates.get_column("value").str.starts_with("+86").all():
        raise FloorError(f"zones outside the floor's fixed table: {sorted(seen - known)}")
    urumqi = pl.any_horizontal(z == "Asia/Urumqi" for z in zone_inputs).fill_null(False)
    status = pl.col("status")
    opted_out = (
        pl.col("opt_out")
        .fill_null("")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars())
        .list.contains(pl.col("channel"))
    )
    checked = (
        candidates.join(history, on="contact_id", how="left")
        .with_columns(
            pl.col("_tries_7d").fill_null(0),  # a phone never tried ranks as 0 tries
            pl.when(urumqi)
            .then(pl.lit(f"{PHONE_ZONE}|Asia/Urumqi"))
            .otherwise(pl.lit(PHONE_ZONE))
            .alias("timezone"),
            _agreed_window(urumqi, "start").alias("window_start"),
            _agreed_window(urumqi, "end").alias("window_end"),
        )
        .with_columns(
            pl.when(pl.col("country").is_null() | (pl.col("country") != JURISDICTION))
            .then(pl.lit("JURISDICTION"))
            .when(status.is_in(HOLDS))
            .then(pl.format("HOLD-{}", status.str.to_uppercase()))
            .when(pl.col("customer_status").is_in(HOLDS))
            .then(pl.format("HOLD-{}", pl.col("customer_status").str.to_uppercase()))
            .when(pl.col("refused_at").is_not_null())
            .then(pl.lit("CONTACT-REFUSED"))
            .when(opted_out)
            .then(pl.lit("OPT-OUT"))
            .when(pl.col("window_start") >= pl.col("window_end"))
            .then(pl.lit("QUIET-HOURS"))
            .alias("rule"),
        )
        .with_columns(  # no hour left: no window
            pl.when(pl.col("window_start") < pl.col("window_end")).then(pl.col(c)).alias(c)
            for c in ("window_start", "window_end")
        )
    )
    checked = _caps(checked, data, start, urumqi).with_columns(
        pl.col("rule").is_null().any().over("account_id", "step").alias("_any_ok")
    )
    actions = (
        checked.filter(pl.col("rule").is_null())
        .sort(
            ["account_id", "step", "_last_rpc_at", "_tries_7d", "contact_id"],
            descending=[False, False, True, False, False],
            nulls_last=True,
        )
        .unique(subset=["account_id", "step"], keep="first")
    )
    refused = checked.filter(~pl.col("_any_ok"))
    t_plan = time.perf_counter()

    day = run_date.strftime("%Y%m%d")
    action_id = pl.format(
        "{}-{}-{}-{}", pl.lit(day), "account_id", "step", pl.col("contact_id").fill_null("none")
    ).alias("action_id")
    common = [
        action_id,
        pl.lit(run_date).alias("run_date"),
        pl.lit("debtor").alias("role"),
        pl.lit(PRIORITY, dtype=pl.Int32).alias("priority"),
        pl.lit(SEGMENT).alias("segment"),
        pl.lit(ARM).alias("arm"),
        pl.lit(STRATEGY_NAME).alias("strategy"),
        pl.lit(version).alias("strategy_version"),
        pl.lit(BUCKET).alias("bucket"),
    ]
    actions = (
        actions.with_columns(*common, pl.lit(JURISDICTION).alias("jurisdiction"))
        .with_columns(
            pl.format(
                "{}; window {} to {} UTC in {} (from {}; {} hours)",
                _reason(),
                pl.col("window_start").dt.strftime("%H:%M"),
                pl.col("window_end").dt.strftime("%H:%M"),
                pl.col("timezone"),
                # Which sources gave the zones: the contact's, the address's, the phone's.
                pl.concat_str(
                    pl.when(pl.col("contact_timezone").str.strip_chars().str.len_bytes() > 0).then(
                        pl.lit("contact")
                    ),
                    pl.when(pl.col("customer_timezone").str.strip_chars().str.len_bytes() > 0).then(
                        pl.lit("address")
                    ),
                    pl.lit("phone"),
                    separator=", ",
                    ignore_nulls=True,
                ),
                pl.col("jurisdiction"),
            ).alias("reason")
        )
        .select(ACTION_COLUMNS)
        .sort("action_id")
    )
    detail = (
        pl.when(pl.col("rule") == "JURISDICTION")
        .then(
            pl.format(
                "no compliance preset for the customer's country '{}' in this strategy",
                pl.col("country").fill_null("unknown"),
            )
        )
        .when(pl.col("rule").str.starts_with("HOLD-") & status.is_in(HOLDS))
        .then(pl.format("account status '{}' stops {}", status, pl.col("channel")))
        .when(pl.col("rule").str.starts_with("HOLD-"))
        .then(
            pl.format(
                "the customer's status '{}' (on another account) stops {}",
                pl.col("customer_status"),
                pl.col("channel"),
            )
        )
        .when(pl.col("rule") == "CONTACT-REFUSED")
        .then(
            pl.format(
                "the person asked never to be contacted again (refused_at {})",
                pl.col("refused_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
        .when(pl.col("rule") == "OPT-OUT")
        .then(pl.format("contact point opted out of {}", pl.col("channel")))
        .when(pl.col("rule") == "QUIET-HOURS")
        .then(
            pl.format(
                "no hour of {} is inside the allowed hours of every candidate zone ({})",
                pl.lit(RUN_DATE),
                pl.col("timezone").str.replace_all("|", ", ", literal=True),
            )
        )
        .otherwise(pl.col("_cap_detail"))
    )
    blocked_refused = refused.with_columns(
        *common,
        pl.when(pl.col("rule") != "JURISDICTION").then(pl.lit(JURISDICTION)).alias("jurisdiction"),
        detail.alias("detail"),
        pl.when(pl.col("rule").is_in([CONVERSATIONS_PER_DAY[0], ATTEMPTS_PER_NUMBER[0]]))
        .then(pl.col("window_start") + timedelta(days=1))
        .cast(UTC_TS)
        .alias("next_allowed_at"),
    ).with_columns(_reason().alias("reason"))
    blocked_none = (
        without_point.with_columns(
            pl.lit(None, dtype=pl.String).alias("contact_id"),
            pl.lit(None, dtype=UTC_TS).alias("window_start"),
            pl.lit(None, dtype=UTC_TS).alias("window_end"),
            pl.lit(None, dtype=pl.String).alias("timezone"),
        )
        .with_columns(
            *common,
            pl.lit(None, dtype=pl.String).alias("jurisdiction"),
            pl.lit("NO-CONTACT-POINT").alias("rule"),
            pl.lit("no phone on file for the debtor").alias("detail"),
            pl.lit(None, dtype=UTC_TS).alias("next_allowed_at"),
        )
        .with_columns(_reason().alias("reason"))
    )
    blocked = pl.concat(
        [blocked_refused.select(BLOCKED_COLUMNS), blocked_none.select(BLOCKED_COLUMNS)],
        how="vertical",
    ).sort("action_id")
    t_emit = time.perf_counter()

    out.mkdir(parents=True, exist_ok=True)
    actions.write_parquet(out / "actions.parquet")
    blocked.write_parquet(out / "blocked.parquet")
    t_write = time.perf_counter()
    return {
        "read": round(t_read - t0, 4),
        "history": round(t_history - t_read, 4),
        "plan": round(t_plan - t_history, 4),
        "emit": round(t_emit - t_plan, 4),
        "write": round(t_write - t_emit, 4),
        "total": round(t_write - t0, 4),
        "actions": actions.height,
        "blocked": blocked.height,
    }


def rule_engine_baseline(
    data: Path, out: Path, sample: int, run_date: date = RUN_DATE, seed: int = 7
) -> dict[str, float | int]:
    """Segment + step selection, account by account with `rule-engine`, over a sample.

    Writes the fired (account_id, step) pairs to `out/fired.parquet` for the comparison.
    """
    import rule_engine

    from arrears.strategy.load import load_strategy

    strategy = load_strategy(SEED_STRATEGY)
    buckets = [(b.name, b.lo, b.hi) for b in strategy.buckets]
    segments = [
        (
            seg.id,
            rule_engine.Rule(seg.when) if seg.when else None,
            [
                (
                    step.id,
                    rule_engine.Rule(f"dpd in [{', '.join(str(d) for d in sorted(step.days))}]"),
                    rule_engine.Rule(step.when) if step.when else None,
                )
                for step in seg.steps
            ],
        )
        for seg in strategy.segments
    ]
    accounts = pl.read_parquet(data / "accounts.parquet")
    total = accounts.height
    n = min(sample, total)
    picked = accounts.sample(n, seed=seed) if n < total else accounts
    del accounts

    t0 = time.perf_counter()
    rows = picked.to_dicts()
    t_dicts = time.perf_counter()
    fired_accounts: list[str] = []
    fired_steps: list[str] = []
    for row in rows:
        if (row.get("status") or "active") in NOT_COLLECTED:
            continue
        due = row["due_date"]
        dpd = 0 if due is None else max((run_date - due).days, 0)
        bucket = None
        for name, lo, hi in buckets:
            if dpd >= lo and (hi is None or dpd <= hi):
                bucket = name
                break
        row["dpd"] = dpd
        row["bucket"] = bucket
        for _seg_id, when, steps in segments:
            if when is None or when.matches(row):
                for step_id, on_day, step_when in steps:
                    if on_day.matches(row) and (step_when is None or step_when.matches(row)):
                        fired_accounts.append(row["account_id"])
                        fired_steps.append(step_id)
                break
    t_eval = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"account_id": fired_accounts, "step": fired_steps}).write_parquet(
        out / "fired.parquet"
    )
    picked.select("account_id").write_parquet(out / "sample.parquet")
    return {
        "sample": n,
        "population": total,
        "to_dicts": round(t_dicts - t0, 4),
        "evaluate": round(t_eval - t_dicts, 4),
        "total": round(t_eval - t0, 4),
        "fired": len(fired_steps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    a = sub.add_parser("floor", help="baseline A, the hand-written Polars plan")
    a.add_argument("--data", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("rule-engine", help="baseline B, per-row rule-engine over a sample")
    b.add_argument("--data", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--sample", type=int, default=100_000)
    args = parser.parse_args(argv)
    if args.which == "floor":
        info = floor(args.data, args.out)
    else:
        info = rule_engine_baseline(args.data, args.out, args.sample)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
