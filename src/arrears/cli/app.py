"""The `arrears` command line: generate, validate, plan, explain, check, demo, dial-sim, dial."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from arrears.cli import render
from arrears.cli import send as send_commands
from arrears.cli import service as service_commands
from arrears.cli import simulate as simulate_commands
from arrears.contract.load import ContractError, load_portfolio
from arrears.strategy.load import StrategyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="arrears — post-loan collection strategy platform (贷后催收策略平台).",
)
console = Console()
err = Console(stderr=True)

EXIT_INPUT = 2


def _fail_input(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not a date (YYYY-MM-DD)") from exc


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the tables to.")],
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same portfolio.")] = 7,
    country: Annotated[str, typer.Option(help="CN, US, GB or mixed.")] = "CN",
    as_of: Annotated[str | None, typer.Option(help="Portfolio date (default today).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    history: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Simulate this many days before the portfolio date and write "
            "account_snapshots beside the tables (a training history).",
        ),
    ] = None,
    snapshot_every: Annotated[
        int, typer.Option(min=1, help="Days between account snapshots (with --history).")
    ] = 7,
) -> None:
    """Generate a realistic, seeded synthetic portfolio in the contract's format."""
    from arrears.generate.portfolio import generate_portfolio, write_portfolio
    from arrears.generate.snapshots import generate_history

    if country not in ("CN", "US", "GB", "mixed"):
        raise typer.BadParameter("country must be one of CN, US, GB, mixed")
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("format must be parquet or csv")
    day = _parse_date(as_of) if as_of else date.today()
    with render.progress(console) as advance:
        if history is None:
            tables = generate_portfolio(
                accounts=accounts, seed=seed, country=country, as_of=day, progress=advance
            )
        else:
            tables = generate_history(
                accounts=accounts, seed=seed, country=country, as_of=day, days=history,
                step=snapshot_every, progress=advance,
            )  # fmt: skip
        write_portfolio(tables, out, fmt=fmt)  # type: ignore[arg-type]
    render.table_sizes(console, tables, out)


@app.command()
def validate(
    strategy: Annotated[Path, typer.Option(help="Strategy YAML file.")],
    data: Annotated[
        Path | None, typer.Option(help="Input folder to check columns against.")
    ] = None,
) -> None:
    """Check a strategy file; report every problem with file, line and column."""
    from arrears.planning.run import condition_columns, team_kinds
    from arrears.strategy.check import check_strategy
    from arrears.strategy.load import load_strategy

    try:
        loaded = load_strategy(strategy)
    except StrategyError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    columns = teams = languages = None
    if data is not None:
        try:
            # Conditions read accounts and customers, assign steps the teams; nothing else.
            portfolio = load_portfolio(data, only=("customers", "accounts", "teams"))
        except ContractError as exc:
            raise _fail_input(str(exc)) from None
        columns, teams = condition_columns(portfolio), team_kinds(portfolio)
        languages = portfolio.tables["customers"]
    diagnostics = check_strategy(loaded, columns, teams)
    if loaded.templates is not None:  # the steps' words against the strategy's library
        from arrears.templates.resolve import check_templates, data_languages, library_for

        try:
            library = library_for(loaded)
        except StrategyError as exc:
            diagnostics = [*diagnostics, *exc.diagnostics]
        else:
            assert library is not None
            wanted = data_languages(languages) if languages is not None else None
            diagnostics = [*diagnostics, *check_templates(loaded, library, wanted)]
    for d in diagnostics:
        err.print(str(d), highlight=False, soft_wrap=True)
    errors = sum(d.severity == "error" for d in diagnostics)
    if errors:
        raise typer.Exit(1)
    console.print(
        f"[green]ok[/] {strategy}: {len(loaded.segments)} segments, "
        f"{sum(len(s.steps) for s in loaded.segments)} steps, version {loaded.content_hash[:12]}"
        + (f", {len(diagnostics)} warnings" if diagnostics else "")
    )


@app.command()
def plan(
    data: Annotated[Path, typer.Option(help="Input folder (contract tables).")],
    strategy: Annotated[Path, typer.Option(help="Strategy YAML file.")],
    out: Annotated[Path, typer.Option(help="Run folder to write.")],
    run_date: Annotated[str, typer.Option("--date", help="Run date YYYY-MM-DD.")],
    shards: Annotated[
        int | None,
        typer.Option(
            min=1, help="Plan in this many customer shards (default: one per 2 M accounts)."
        ),
    ] = None,
    solver: Annotated[
        str,
        typer.Option(help="Assignment back end: flow (optimizer), milp, greedy, round_robin."),
    ] = "flow",
    models: Annotated[
        Path | None,
        typer.Option(help="Folder of trained models (arrears train): adds score_<target>."),
    ] = None,
    timing: Annotated[
        Path | None,
        typer.Option(help="Suggestions of arrears suggest-timing: for `from_dpd: knee` steps."),
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(help="Template library folder (overrides the strategy's templates:)."),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (Polars on this machine) or spark (docs/spark.md).")
    ] = "local",
    master: Annotated[
        str | None,
        typer.Option(
            help="Spark master for --engine spark (local[*], yarn, spark://…); default: the "
            "one spark-submit set, else local[*]."
        ),
    ] = None,
) -> None:
    """Plan one day: actions, blocked contacts, assignments, rejects and a manifest."""
    from arrears.assignment.solvers import SOLVERS
    from arrears.planning.run import run_plan

    day = _parse_date(run_date)
    if solver not in SOLVERS:
        raise _fail_input(f"--solver {solver}: unknown (one of: {', '.join(SOLVERS)})")
    if engine not in ("local", "spark"):
        raise _fail_input(f"--engine {engine}: unknown (one of: local, spark)")
    if engine == "spark" and (lacking := spark_missing()):
        raise _fail_input("--engine spark needs " + " and ".join(lacking))
    try:
        if engine == "spark":
            outcome = _plan_on_spark(
                master, data=data, strategy_path=strategy, run_date=day, out=out,
                shards=shards, solver=solver, models=models, timing=timing, templates=templates,
            )  # fmt: skip
        else:
            outcome = run_plan(
                data=data, strategy_path=strategy, run_date=day, out=out, shards=shards,
                solver=solver, models=models, timing=timing, templates=templates,
            )  # fmt: skip
    except (ContractError, FileNotFoundError) as exc:
        raise _fail_input(str(exc)) from None
    except ValueError as exc:  # a model that does not fit the data or its card
        raise _fail_input(f"--models {models}: {exc}") from None
    except StrategyError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    render.plan_summary(console, outcome)


def spark_missing() -> list[str]:
    """What `--engine spark` lacks here: the pyspark package, a Java runtime."""
    import importlib.util
    import os
    import shutil

    lacking = []
    if importlib.util.find_spec("pyspark") is None:
        lacking.append("the pyspark package (pip install 'arrears[spark]')")
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(f"{java_home}/bin/java"))):
        lacking.append("a Java 17 runtime (java on PATH or JAVA_HOME)")
    return lacking


def _plan_on_spark(master: str | None, **kwargs: Any) -> Any:
    """The plan on a Spark session of `master` (or the one spark-submit made), then stopped."""
    from arrears.spark.plan import run_plan_spark, spark_session

    spark = spark_session(master)
    try:
        return run_plan_spark(spark=spark, **kwargs)
    finally:
        spark.stop()


@app.command()
def train(
    history: Annotated[Path, typer.Option(help="History folder (arrears generate --history).")],
    model: Annotated[
        str, typer.Option(help="Target: pay, roll, self_cure or contactability (per call).")
    ],
    out: Annotated[Path, typer.Option(help="Models folder (one subfolder per target).")],
    backend: Annotated[str, typer.Option(help="scorecard or lightgbm.")] = "scorecard",
    calibration: Annotated[str, typer.Option(help="sigmoid, isotonic or none.")] = "sigmoid",
    within_days: Annotated[int, typer.Option(min=1, help="Label window after as_of.")] = 30,
    share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="pay / self_cure: share of overdue paid.")
    ] = 1.0,
) -> None:
    """Train a collection model on a history and write it with its card (JSON + HTML)."""
    from arrears.cli.models import run_train

    run_train(
        console, history=history, target=model, out=out, backend=backend,
        calibration=calibration, within_days=within_days, share=share, fail=_fail_input,
    )  # fmt: skip


@app.command()
def report(
    data: Annotated[Path, typer.Option(help="Input folder (contract tables, history if any).")],
    out: Annotated[Path, typer.Option(help="HTML file to write (one self-contained file).")],
    runs: Annotated[
        Path | None, typer.Option(help="A run folder, or a folder of run folders.")
    ] = None,
    lang: Annotated[str, typer.Option(help="zh-CN or en.")] = "zh-CN",
) -> None:
    """The morning report: KPIs, curves, migration, agents and teams, compliance (HTML)."""
    from arrears.cli.report import run_report

    try:
        run_report(console, data, runs, out, lang)
    except (ContractError, FileNotFoundError, ValueError) as exc:
        raise _fail_input(str(exc)) from None


@app.command("suggest-timing")
def suggest_timing(
    data: Annotated[Path, typer.Option(help="Input folder (contract tables, history if any).")],
    out: Annotated[Path | None, typer.Option(help="JSON file for the suggestions.")] = None,
    runs: Annotated[
        Path | None, typer.Option(help="Run folder(s): the strategy's segments and arms.")
    ] = None,
    share: Annotated[
        float,
        typer.Option(help="The knee: the daily cure rate falls below this share of its peak."),
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap band.")] = 0,
) -> None:
    """When to start collecting: the knee of the natural-cure curve per segment."""
    from arrears.cli.report import run_suggest_timing

    try:
        run_suggest_timing(console, data, out, share, seed, runs)
    except (ContractError, FileNotFoundError, ValueError) as exc:
        raise _fail_input(str(exc)) from None


@app.command()
def explain(
    run: Annotated[Path, typer.Option(help="Run folder written by `plan`.")],
    account: Annotated[str, typer.Option(help="Account id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Explain one account: features, segment, arm, steps fired or not, blocked contacts."""
    from arrears.planning.explain import ExplainError
    from arrears.planning.explain import explain as explain_account

    try:
        answer = explain_account(run, account)
    except ExplainError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except FileNotFoundError as exc:
        raise _fail_input(f"{exc.filename}: not a run folder (file missing)") from None
    if as_json:
        console.print_json(json.dumps(render.explanation_dict(answer), default=str))
    else:
        render.explanation(console, answer)


@app.command()
def check(
    data: Annotated[Path, typer.Option(help="Folder of the contract's tables.")],
    contact: Annotated[
        str | None, typer.Option(help="Contact point id (contacts.contact_id).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="When: ISO 8601 timestamp (UTC unless an offset).")
    ] = None,
    channel: Annotated[str, typer.Option(help="Channel of the contact.")] = "human_call",
    account: Annotated[
        str | None, typer.Option(help="The debt it is about (default: each open account).")
    ] = None,
    questions: Annotated[
        Path | None,
        typer.Option(
            help="Many questions at once: a CSV or Parquet file with contact_id, at and "
            "optionally channel, account_id, agent_reserved (a dialer's hopper)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="With --questions: write the answers (.csv or .parquet).")
    ] = None,
    strategy: Annotated[
        Path | None, typer.Option(help="Strategy file: its jurisdiction and house policy.")
    ] = None,
    jurisdiction: Annotated[
        str, typer.Option(help="Presets when no strategy is given, comma-separated.")
    ] = "CN,US,GB",
    agent_reserved: Annotated[
        bool, typer.Option(help="An agent is reserved for the call (lifts dialer rests).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Pre-dial check: may this contact point be contacted at that time? If not, why and
    when next? Exit code 0 when allowed for every account asked about, 1 otherwise."""
    from arrears.cli.check import Asked, run_check

    if questions is None and (contact is None or at is None):
        raise typer.BadParameter("give --contact and --at, or --questions FILE")
    allowed = run_check(
        console,
        Asked(contact, at, channel, account, agent_reserved, questions, out),
        data=data,
        strategy=strategy,
        jurisdiction=jurisdiction,
        as_json=as_json,
        fail=_fail_input,
    )
    raise typer.Exit(0 if allowed else 1)


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(min=100, help="Accounts to generate.")] = 100_000,
    folder: Annotated[Path, typer.Option("--dir", help="Working folder.")] = Path("arrears-demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    run_date: Annotated[
        str | None, typer.Option("--date", help="Run date (default today).")
    ] = None,
) -> None:
    """Generate a portfolio, write the example strategies, plan today, print a summary."""
    from arrears.demo import run_demo

    day = _parse_date(run_date) if run_date else date.today()
    run_demo(console, folder=folder, accounts=accounts, seed=seed, run_date=day)


@app.command("dial-sim")
def dial_sim(
    scenario: Annotated[str, typer.Option(help="Scenario name (e.g. n20-p15-h120, day).")],
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per pacer.")] = 5,
    cap: Annotated[float, typer.Option(help="Abandonment cap per sliding window.")] = 0.03,
    hours: Annotated[
        float | None, typer.Option(min=0.01, help="Override the shift's duration (hours).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Simulate a dialing shift and compare the pacers: occupancy and abandonment."""
    from dataclasses import asdict, replace

    from rich.progress import Progress
    from rich.table import Table

    from arrears.dialing.compare import compare, expected_runs
    from arrears.dialing.scenario import HOUR_S, SCENARIOS

    if scenario not in SCENARIOS:
        raise _fail_input(f"--scenario {scenario}: unknown (one of: {', '.join(SCENARIOS)})")
    if not 0.0 < cap < 1.0:
        raise _fail_input(f"--cap {cap}: must be in (0, 1)")
    sc = SCENARIOS[scenario]
    if hours is not None:
        sc = replace(sc, duration_s=hours * HOUR_S)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"dial-sim {scenario}", total=expected_runs(seeds))
        rows = compare(sc, seeds=seeds, cap=cap, progress=lambda _: bar.advance(task))
    if as_json:
        console.print_json(json.dumps({"scenario": scenario, "seeds": seeds, "cap": cap,
                                       "rows": [asdict(r) for r in rows]}))  # fmt: skip
        return
    table = Table(title=f"{scenario}: {seeds} seeds, cap {cap:.1%}")
    for col in ("pacer", "occupancy", "abandon (pooled)", "worst window", "dials/agent-h", ""):
        table.add_column(col, justify="left" if col in ("pacer", "") else "right")
    for r in rows:
        flag = "" if r.worst_window <= cap else " ✗"
        worst = f"{r.worst_window:.2%}{flag}"
        occ, pooled, rate = (
            f"{r.occupancy:.1%}",
            f"{r.abandon_rate:.2%}",
            f"{r.dials_per_agent_hour:.0f}",
        )
        table.add_row(r.pacer, occ, pooled, worst, rate, r.note)
    console.print(table)


@app.command()
def dial(
    run: Annotated[Path, typer.Option(help="Run folder written by `plan`.")],
    data: Annotated[Path, typer.Option(help="The run's input folder.")],
    strategy: Annotated[
        Path, typer.Option(help="The run's strategy (its presets and house rules).")
    ],
    out: Annotated[Path, typer.Option(help="Folder for attempts.csv and refusals.csv.")],
    team: Annotated[str | None, typer.Option(help="Only this team's list.")] = None,
    channel: Annotated[str, typer.Option(help="human_call or robot_call.")] = "human_call",
    mode: Annotated[
        str, typer.Option(help="predictive, progressive, preview, robot or robot-then-human.")
    ] = "predictive",
    agents: Annotated[int, typer.Option(min=0, help="Agents on the floor.")] = 10,
    lines: Annotated[int, typer.Option(min=1, help="Robot lines (robot modes).")] = 20,
    p_live: Annotated[float, typer.Option(min=0.0, max=1.0, help="Live-answer rate.")] = 0.25,
    handle: Annotated[float, typer.Option(min=1.0, help="Mean handle time (s).")] = 150.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated floor.")] = 1,
) -> None:
    """Work today's call list on a simulated floor: every dial cleared by the guard first."""
    from arrears.cli.dial import run_dial
    from arrears.dialing.workday import Floor

    run_dial(
        console, run=run, data=data, strategy=strategy, team=team, channel=channel, mode=mode,
        floor=Floor(agents=agents, lines=lines, p_live=p_live, mean_handle_s=handle),
        seed=seed, out=out, fail=_fail_input,
    )  # fmt: skip


@app.command("export-calls")
def export_calls(
    run: Annotated[Path, typer.Option(help="Run folder written by `plan`.")],
    data: Annotated[Path, typer.Option(help="The run's input folder (contact numbers, names).")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    channel: Annotated[str, typer.Option(help="human_call, robot_call or ivr.")] = "human_call",
    team: Annotated[str | None, typer.Option(help="Only this team's list.")] = None,
    list_id: Annotated[str, typer.Option(help="The dialer's list id.")] = "1000",
) -> None:
    """Write today's call list as a CSV in the standard lead layout open dialers load."""
    import polars as pl

    from arrears.dialing.export import dialer_leads, write_leads

    lists_path = run / "call_lists.parquet"
    if not lists_path.exists():
        raise _fail_input(f"{lists_path}: no call lists in this run folder")
    if channel not in ("human_call", "robot_call", "ivr"):
        raise _fail_input(f"--channel {channel}: one of human_call, robot_call, ivr")
    try:
        portfolio = load_portfolio(data, only=("customers", "contacts"))
    except ContractError as exc:
        raise _fail_input(str(exc)) from None
    t = portfolio.tables
    leads = dialer_leads(
        pl.read_parquet(lists_path), t["contacts"], t["customers"],
        channel=channel, team=team, list_id=list_id,
    )  # fmt: skip
    write_leads(leads, out)
    console.print(f"{leads.height:,} {channel} leads written to {out}")


@app.command()
def offer(
    data: Annotated[Path, typer.Option(help="Input folder (contract tables).")],
    strategy: Annotated[Path, typer.Option(help="Strategy YAML file with an offers: block.")],
    account: Annotated[str, typer.Option(help="Account id.")],
    kind: Annotated[
        str, typer.Option(help="instalments, settlement, fee_waiver or interest_waiver.")
    ],
    role: Annotated[str, typer.Option(help="Who asks: agent, supervisor or manager.")] = "agent",
    discount: Annotated[
        str | None, typer.Option(help="Discount as a share of the outstanding balance (0.3).")
    ] = None,
    amount: Annotated[
        str | None, typer.Option(help="Or the total the customer pays (instead of --discount).")
    ] = None,
    instalments: Annotated[int, typer.Option(min=1, help="Number of payments.")] = 1,
    first_due: Annotated[
        str | None, typer.Option(help="First payment's date YYYY-MM-DD (default --date).")
    ] = None,
    every: Annotated[
        int | None, typer.Option(min=1, help="Days between payments (default 30, capped by rule).")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="Decision date (default today).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write an allowed offer's promises (.csv or .parquet).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """May this account be offered these terms by this role? Exit 0 allowed, 3 needs approval
    (by the role printed), 4 refused, 2 bad input. An allowed offer prints its schedule."""
    from arrears.offers.cli import Asked, run_offer

    asked = Asked(
        account, kind, role, discount, amount, instalments,
        _parse_date(first_due) if first_due else None, every,
    )  # fmt: skip
    day = _parse_date(on) if on else date.today()
    code = run_offer(
        console, err, asked, data=data, strategy=strategy, on=day, as_json=as_json, out=out,
        fail=_fail_input,
    )  # fmt: skip
    raise typer.Exit(code)


@app.command("robot-chat")
def robot_chat(
    script: Annotated[Path, typer.Option(help="Dialog script (YAML), e.g. examples/dialogs/….")],
    data: Annotated[Path, typer.Option(help="Input folder (contract tables).")],
    account: Annotated[str, typer.Option(help="Account id: whose name, amount and dpd.")],
    templates: Annotated[
        Path | None, typer.Option(help="Template library folder (default: the shipped one).")
    ] = None,
    language: Annotated[str | None, typer.Option(help="zh-CN or en (default: script's).")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Today (default today).")] = None,
    say: Annotated[
        list[str] | None, typer.Option("--say", help="A reply, instead of typing (repeatable).")
    ] = None,
    script_input: Annotated[Path | None, typer.Option(help="File of replies, one a line.")] = None,
    lender: Annotated[str | None, typer.Option(help="The lender's name in the texts.")] = None,
    trace: Annotated[bool, typer.Option(help="Show nodes, intents and slots.")] = False,
) -> None:
    """Try a robot dialog by typing: the robot's lines, your replies, the outcome. Exit 0 when
    the dialog ended, 1 when the replies ran out first, 2 on a bad script or input."""
    from arrears.dialogs.runner import ChatAsked, run_chat

    asked = ChatAsked(
        script, data, account, templates, language, _parse_date(on) if on else None,
        tuple(say or ()), script_input, lender, trace,
    )  # fmt: skip
    raise typer.Exit(run_chat(console, err, asked))


@app.command("lint-templates")
def lint_templates(
    directory: Annotated[Path, typer.Argument(help="Template library: <language>/<id>.j2.")],
    preset: Annotated[
        str | None,
        typer.Option(help="Presets, comma-separated (CN,US,GB); default: the approval's."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Lint the words of every template against the presets' rules: template, line, rule,
    message. Exit 0 when clean, 1 with findings, 2 on an unreadable library."""
    from arrears.templates.lint import lint_command

    raise typer.Exit(lint_command(directory, preset, as_json=as_json, console=console, err=err))


@app.command("render")
def render_template(
    templates: Annotated[Path, typer.Option(help="Template library folder.")],
    template_id: Annotated[str, typer.Option("--id", help="Template id.")],
    data: Annotated[Path, typer.Option(help="Input folder (accounts, customers).")],
    account: Annotated[str, typer.Option(help="Account id.")],
    on: Annotated[str | None, typer.Option("--date", help="Run date (default today).")] = None,
    language: Annotated[
        str | None, typer.Option(help="Language (default: the customer's).")
    ] = None,
    version: Annotated[int | None, typer.Option(help="Version (default: the approved).")] = None,
    lender: Annotated[str | None, typer.Option(help="Lender name in the text.")] = None,
    link: Annotated[str | None, typer.Option(help="Payment link in the text.")] = None,
    agent: Annotated[str, typer.Option(help="Agent name in the text.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Render a template for one account in the sandbox: the text and its SMS segments."""
    from arrears.templates.cli import run_render

    code = run_render(
        console, err, templates=templates, template_id=template_id, data=data, account=account,
        run_date=_parse_date(on) if on else date.today(), language=language, version=version,
        lender=lender, payment_link=link, agent_name=agent, as_json=as_json,
    )  # fmt: skip
    raise typer.Exit(code)


@app.command("check-templates")
def check_templates(
    templates: Annotated[Path, typer.Option(help="Template library folder.")],
    strategy: Annotated[
        Path | None, typer.Option(help="Check this strategy's steps against the library.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Input folder: the customers' languages.")
    ] = None,
) -> None:
    """Load a template library (every problem with file and line) and check a strategy's
    templates against it as `plan` does. Exit 1 on errors, 2 on unreadable input."""
    from arrears.templates.cli import run_check_templates

    code = run_check_templates(console, err, templates=templates, strategy=strategy, data=data)
    raise typer.Exit(code)


@app.command("import")
def import_data(
    data: Annotated[Path, typer.Option(help="Input folder (contract tables) to load.")],
    run: Annotated[
        Path | None, typer.Option(help="A run folder (arrears plan --out) to record too.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL (default: $ARREARS_DATABASE_URL, else arrears.db)."),
    ] = None,
) -> None:
    """Load a folder (and a run's plan) into the system of record; migrates it first.
    Re-importing the same folder adds nothing (docs/service.md)."""
    from arrears.store.db import database_url, upgrade
    from arrears.store.io import import_run, import_tables

    url = database_url(db)
    try:
        portfolio = load_portfolio(data)
    except ContractError as exc:
        raise _fail_input(str(exc)) from None
    upgrade(url)
    sent = import_tables(url, portfolio.tables)
    rows = ", ".join(f"{name} {count}" for name, count in sent.items())
    console.print(f"imported {rows}; {portfolio.rejects.height} rejected rows", highlight=False)
    if run is not None:
        if not (run / "manifest.json").exists():
            raise _fail_input(f"{run}: not a run folder (no manifest.json)")
        console.print(f"plan {import_run(url, run)} recorded from {run}", highlight=False)


@app.command("export")
def export_data(
    db: Annotated[str, typer.Option(help="Database URL.")],
    out: Annotated[Path, typer.Option(help="Folder to write the contract tables into.")],
) -> None:
    """Write the contract's tables from the system of record as a Parquet input folder."""
    from arrears.store.io import export_tables

    written = export_tables(db, out)
    console.print(f"exported {', '.join(written)} to {out}", highlight=False)


service_commands.register(app, console)
send_commands.register(app, console)
simulate_commands.register(app, console, err)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
