"""`arrears render` and `arrears check-templates`: the library seen from the command line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console

from arrears.contract.load import ContractError, load_portfolio
from arrears.strategy.diagnostics import StrategyError
from arrears.templates.library import Library, Template
from arrears.templates.render import RenderError, account_context, family, render
from arrears.templates.resolve import COUNTRY_LANGUAGE, check_templates, data_languages

EXIT_OK, EXIT_PROBLEM, EXIT_INPUT = 0, 1, 2
DEFAULT_LENDER = {"zh": "示例消费金融", "en": "Example Lending"}


def _diagnostics(err: Console, exc: StrategyError) -> int:
    for d in exc.diagnostics:
        err.print(str(d), highlight=False, soft_wrap=True)
    return EXIT_INPUT


def choose_version(
    library: Library, template_id: str, language: str, version: int | None = None
) -> Template | None:
    """The version to show for a customer's language: the given one, else the approved one,
    else the newest (a draft being reviewed); the exact tag before its family."""
    fam = family(language)
    found = [
        t for t in library.versions(template_id) if t.language.lower() in (language.lower(), fam)
    ]
    if version is not None:
        found = [t for t in found if t.version == version]
    found.sort(key=lambda t: (t.language.lower() == language.lower(), t.approved, t.version))
    return found[-1] if found else None


def run_render(
    console: Console,
    err: Console,
    *,
    templates: Path,
    template_id: str,
    data: Path,
    account: str,
    run_date: date,
    language: str | None = None,
    version: int | None = None,
    lender: str | None = None,
    payment_link: str | None = None,
    agent_name: str = "",
    as_json: bool = False,
) -> int:
    try:
        library = Library.load(templates)
    except StrategyError as exc:
        return _diagnostics(err, exc)
    try:
        portfolio = load_portfolio(data, only=("customers", "accounts"))
    except ContractError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_INPUT
    accounts = portfolio.tables["accounts"].filter(pl.col("account_id") == account)
    if accounts.height == 0:
        err.print(f"[bold red]error:[/] no account '{account}' in {data}", highlight=False)
        return EXIT_INPUT
    row = accounts.row(0, named=True)
    customers = portfolio.tables["customers"].filter(pl.col("customer_id") == row["customer_id"])
    customer: dict[str, Any] = customers.row(0, named=True) if customers.height else {}
    asked = (
        language or customer.get("language") or COUNTRY_LANGUAGE.get(str(customer.get("country")))
    )
    if not asked:
        err.print("[bold red]error:[/] the customer has no language: give --language")
        return EXIT_INPUT
    template = choose_version(library, template_id, asked, version)
    if template is None:
        known = ", ".join(sorted({t.language for t in library.versions(template_id)})) or "none"
        err.print(
            f"[bold red]error:[/] no version of '{template_id}' for {asked} in {templates} "
            f"(languages: {known})",
            highlight=False,
        )
        return EXIT_INPUT
    context = account_context(
        row,
        {**customer, "language": asked},
        run_date,
        lender=lender or DEFAULT_LENDER.get(family(asked), "Example Lending"),
        payment_link=payment_link or f"https://pay.example.com/a/{account}",
        agent_name=agent_name,
    )
    try:
        rendered = render(template, context)
    except RenderError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_PROBLEM
    if as_json:
        out = {
            "template": template.id,
            "version": template.version,
            "language": template.language,
            "state": template.state,
            "channel": template.channel,
            "file": str(template.path),
            "text": rendered.text,
            "sms": {**asdict(rendered.sms), "unit": rendered.sms.unit} if rendered.sms else None,
        }
        console.print_json(json.dumps(out, ensure_ascii=False, default=str))
        return EXIT_OK
    note = "" if template.approved else f" [bold yellow]{template.state}: not plannable[/]"
    console.print(
        f"[bold]{template.id}[/] v{template.version} ({template.language}, {template.channel}, "
        f"{template.tone}, for the {template.audience}){note}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"[dim]{template.path}[/]", highlight=False, soft_wrap=True)
    console.print()
    console.print(rendered.text, highlight=False, markup=False, soft_wrap=True)
    if rendered.sms is not None:
        console.print()
        console.print(f"SMS: {rendered.sms}", highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


def run_check_templates(
    console: Console,
    err: Console,
    *,
    templates: Path,
    strategy: Path | None = None,
    data: Path | None = None,
) -> int:
    """Load the library (every file error with its position) and, with a strategy, check its
    steps against it the way `arrears plan` does."""
    try:
        library = Library.load(templates)
    except StrategyError as exc:
        return _diagnostics(err, exc)
    for d in library.warnings:
        err.print(str(d), highlight=False, soft_wrap=True)
    counts = Counter((t.language, t.state) for t in library.templates)
    states = ("approved", "draft", "retired")
    by_language = "; ".join(
        f"{lang}: " + ", ".join(f"{counts[lang, s]} {s}" for s in states if counts[lang, s])
        for lang in library.languages
    )
    console.print(
        f"[green]ok[/] {templates}: {len(library.templates)} template versions ({by_language})",
        highlight=False,
        soft_wrap=True,
    )
    if strategy is None:
        return EXIT_OK
    from arrears.strategy.load import load_strategy

    try:
        loaded = load_strategy(strategy)
        languages = None
        if data is not None:
            customers = load_portfolio(data, only=("customers",)).tables["customers"]
            languages = data_languages(customers)
    except StrategyError as exc:
        return _diagnostics(err, exc)
    except ContractError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_INPUT
    found = check_templates(loaded, library, languages)
    for d in found:
        err.print(str(d), highlight=False, soft_wrap=True)
    errors = sum(d.severity == "error" for d in found)
    if errors:
        return EXIT_PROBLEM
    console.print(
        f"[green]ok[/] {strategy}: every step's template is approved and fits"
        + (f", {len(found)} warnings" if found else ""),
        highlight=False,
        soft_wrap=True,
    )
    return EXIT_OK
