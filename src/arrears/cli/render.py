"""Rich renderings of what the commands produce. Presentation only: no decisions here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # imported for types only: `arrears generate` need not load the planner
    from arrears.assignment.stage import AssignResult
    from arrears.planning.explain import Explanation
    from arrears.planning.run import RunOutcome


@contextmanager
def progress(console: Console) -> Iterator[Callable[[str, float], None]]:
    bar = Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        task = bar.add_task("generating", total=1.0)

        def advance(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        yield advance


def _table(title: str, *columns: str) -> Table:
    t = Table(
        title=title,
        title_justify="left",
        show_edge=False,
        pad_edge=False,
        min_width=len(title) + 2,  # keep the title on one line
    )
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    return t


def counts_table(title: str, label: str, counts: Mapping[str, int]) -> Table:
    t = _table(title, label, "count")
    for key, value in counts.items():
        t.add_row(key, f"{value:,}")
    if not counts:
        t.add_row("(none)", "0")
    return t


def table_sizes(console: Console, tables: Mapping[str, pl.DataFrame], out: Path) -> None:
    t = _table(f"portfolio written to {out}", "table", "rows")
    for name, frame in tables.items():
        t.add_row(name, f"{frame.height:,}")
    console.print(t)


def plan_summary(console: Console, outcome: RunOutcome) -> None:
    r = outcome.record
    counts = r.account_counts
    shards = f" · {outcome.shards} shards" if outcome.shards > 1 else ""
    if r.engine != "polars":
        shards += f" on {r.engine}"
    console.print(
        f"[bold]plan {r.run_date}[/] · strategy [cyan]{r.strategy.name}[/] v{r.strategy.version} "
        f"({r.strategy.content_hash[:12]}) · {counts['accounts']:,} accounts · "
        f"{r.actions.height:,} actions · {r.blocked.height:,} blocked · "
        f"{r.rejects.height:,} rejects{shards}"
    )
    seg = _table("accounts per bucket and segment", "bucket", "segment", "accounts")
    for bucket, segments in counts["accounts_by_bucket_and_segment"].items():
        for segment, n in segments.items():
            seg.add_row(bucket, segment, f"{n:,}")
    console.print(seg)

    def by(frame: pl.DataFrame, column: str) -> dict[str, int]:
        if frame.height == 0:
            return {}
        return {
            str(k): int(v)
            for k, v in frame.group_by(column)
            .len()
            .sort("len", column, descending=[True, False])
            .iter_rows()
        }

    console.print(counts_table("actions per channel", "channel", by(r.actions, "channel")))
    console.print(counts_table("blocked per rule", "rule", by(r.blocked, "rule")))
    if r.assignment is not None:
        assignment_summary(console, r.assignment)
    if r.call_lists is not None and r.call_lists.height:
        call_list_summary(console, r.call_lists, r.strategy.dialing.get("per_hour") or {})
    times = _table("timings", "stage", "seconds")
    for stage, seconds in outcome.timings.items():
        times.add_row(stage, f"{seconds:.2f}")
    console.print(times)
    console.print(f"run folder: [bold]{outcome.out}[/]")


def call_list_summary(
    console: Console, lists: pl.DataFrame, per_hour: Mapping[str, int] | None = None
) -> None:
    """Today's call lists and message batches per hour slot (UTC), by channel; a channel with
    an hourly limit (`dialing.per_hour`) shows it in its heading."""
    limits = per_hour or {}
    channels = [c for c in ("human_call", "robot_call", "ivr", "sms", "email")
                if c in set(lists.get_column("channel").unique().to_list())]  # fmt: skip
    per_slot = (
        lists.filter(pl.col("slot_start").is_not_null())
        .group_by(pl.col("slot_start").dt.truncate("1h").alias("slot"), "channel")
        .len()
        .pivot(on="channel", index="slot", values="len")
        .sort("slot")
    )

    def cell(row: dict[str, Any], channel: str) -> str:
        n = row.get(channel) or 0
        return f"{n:,}*" if channel in limits and n >= limits[channel] else f"{n:,}"

    t = _table("call lists per hour slot (UTC)", "slot", *channels)
    for row in per_slot.iter_rows(named=True):
        t.add_row(f"{row['slot']:%m-%d %H:%M}", *[cell(row, c) for c in channels])
    console.print(t)
    if limits:
        shown = " · ".join(f"{c} {n:,}" for c, n in limits.items())
        console.print(f"hourly limits (dialing.per_hour): {shown}; * = a full hour")
    unslotted = lists.filter(pl.col("slot_start").is_null())
    if unslotted.height:
        why = {
            "human_call": "team hours full or calls too close",
            **{c: f"{c} limit of {n:,} an hour reached" for c, n in limits.items()},
        }
        parts = [
            f"{channel} {n:,} ({why.get(channel, 'calls too close')})"
            for channel, n in unslotted.group_by("channel").len().sort("channel").iter_rows()
        ]
        console.print(f"{unslotted.height:,} contacts found no slot: {'; '.join(parts)}")


def assignment_summary(console: Console, result: AssignResult) -> None:
    """Who holds the cases after today (分案): by team and mode, what stayed out, the optimizer."""
    from arrears.assignment.summary import assignment_summary as summarize_assignment

    summary = summarize_assignment(result)
    a = result.assignments
    t = _table("assignment: accounts held per team and mode", "team", "mode", "accounts", "value")
    grouped = (
        a.group_by("team", "mode")
        .agg(pl.len().alias("n"), pl.col("value").sum().alias("v"))
        .sort("team", "mode")
    )
    for team, mode, n, v in grouped.iter_rows():
        t.add_row(team, mode, f"{n:,}", f"{v or 0:,.0f}")
    console.print(t)
    console.print(
        counts_table("unassigned (released, recalled, unplaced)", "kind",
                     summary["unassigned_by_kind"])
    )  # fmt: skip
    opt = summary["optimizer"]
    if "objective" in opt:
        share = opt.get("objective_of_bound")
        console.print(
            f"optimizer [cyan]{opt['solver']}[/]: {opt['units']:,} customers to place, "
            f"net expected value {opt['objective']:,.0f}"
            + (f" = {share:.2%} of the LP bound" if share is not None else "")
        )
    if result.agencies is not None and result.agencies.height:
        g = _table("outside agencies (委外)", "agency", "placed", "recovery", "commission",
                   "complaints /1000", "blocked", "in", "out")  # fmt: skip
        for row in result.agencies.iter_rows(named=True):
            rate = row["recovery_rate"]
            g.add_row(
                row["agency"],
                f"{row['placed']:,}",
                "-" if rate is None else f"{rate:.1%}",
                f"{row['commission_cost']:,.0f}",
                "-" if row["complaints_per_1000"] is None else f"{row['complaints_per_1000']:.1f}",
                f"{row['blocked_today']:,}",
                f"{row['placed_today']:,}",
                f"{row['recalled_today']:,}",
            )
        console.print(g)
    fair = summary["fairness"]
    if fair:
        f = _table("load balance per team (expected value per agent)", "team", "agents",
                   "mean", "min", "max", "cv")  # fmt: skip
        for team, row in fair.items():
            f.add_row(
                team,
                str(row["agents"]),
                f"{row['value_per_agent_mean']:,.0f}",
                f"{row['value_per_agent_min']:,.0f}",
                f"{row['value_per_agent_max']:,.0f}",
                f"{row['value_per_agent_cv']:.3f}",
            )
        console.print(f)


def explanation_dict(answer: Explanation) -> dict[str, Any]:
    return dataclasses.asdict(answer)


def explanation(console: Console, answer: Explanation) -> None:
    f = answer.features
    console.print(
        f"[bold]account {answer.account_id}[/] · run {answer.run_date} · strategy "
        f"{answer.strategy} ({answer.strategy_version[:12]})"
    )
    feats = _table("features", "feature", "value")
    for key, value in f.items():
        feats.add_row(key, "" if value is None else str(value))
    console.print(feats)
    segs = _table("segments (first that holds wins)", "segment", "condition", "holds")
    for seg_id, cond, holds in answer.segments:
        segs.add_row(seg_id, cond, "yes" if holds else "no")
    console.print(segs)
    console.print(f"segment: [bold]{answer.segment or '(none)'}[/] · arm: [bold]{answer.arm}[/]")
    steps = _table("steps of the segment", "step", "channel", "days", "fired", "why")
    for s in answer.steps:
        days = ",".join(map(str, s.days_before_due or s.days))
        days += " before due" if s.days_before_due else ""
        steps.add_row(s.step, s.channel, days, "yes" if s.fired else "no", s.why)
    console.print(steps)
    acts = _table("planned actions", "action", "channel", "contact", "window (UTC)", "template")
    for a in answer.actions:
        acts.add_row(
            a["action_id"],
            a["channel"],
            f"{a['contact_id']} ({a['role']})",
            f"{a['window_start']:%Y-%m-%d %H:%M} – {a['window_end']:%H:%M}",
            a["template"] or "",
        )
    console.print(acts)
    blocked = _table(
        "blocked contacts", "step", "channel", "contact", "rule", "detail", "next allowed"
    )
    for b in answer.blocked:
        blocked.add_row(
            b["step"],
            b["channel"],
            f"{b['contact_id']} ({b['role']})",
            b["rule"],
            b["detail"],
            "never" if b["next_allowed_at"] is None else f"{b['next_allowed_at']:%Y-%m-%d %H:%M}Z",
        )
    console.print(blocked)
    for a in answer.assignment:
        held = a.get("owner")
        head = f"case: held by [bold]{held}[/] ({a['mode']})" if held else f"case: {a['kind']}"
        console.print(f"{head} · {a['reason']}", highlight=False, soft_wrap=True)
