"""`arrears robot-chat`: try a dialog by typing, against one account of a portfolio.

The shell around the pure engine: it reads the account's context from the data, wires the
template library when it can be imported (else the scripts' inline texts are said), checks
the script, then prompts, reads a line and prints the robot's answer until the dialog ends.
`--say` lines (or a `--script-input` file) replace the keyboard for tests and demos.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from arrears.dialogs.check import TemplateCatalog, check_script
from arrears.dialogs.engine import Dialog, DialogError, Render, Turn, format_value
from arrears.dialogs.intents import KeywordRecognizer
from arrears.dialogs.script import Script, ScriptError, load_script
from arrears.dialogs.slots import language_family

__all__ = ["ChatAsked", "account_context", "library_wiring", "run_chat"]

EXIT_DONE, EXIT_UNFINISHED, EXIT_INPUT = 0, 1, 2

_DEFAULTS = {
    "zh": {"lender": "示例金融", "agent_name": "智能语音助手"},
    "en": {"lender": "Example Finance", "agent_name": "an automated assistant"},
}
PAYMENT_LINK = "https://pay.example.com/{account_id}"


class ChatError(Exception):
    """Bad input for a chat: no such account, an unreadable data folder or template library."""


def account_context(
    data: Path,
    account_id: str,
    today: date,
    *,
    language: str,
    lender: str | None = None,
    payment_link: str | None = None,
) -> dict[str, Any]:
    """The variables of one account for a dialog: name, amount due, currency, due date, dpd
    (the planner's `dpd_expr`), lender, payment link, the robot's name and the language.

    Built by the template library's `account_context` when it is importable, so a dialog and
    a message say the same things of an account.
    """
    import polars as pl

    from arrears.contract.load import ContractError, load_portfolio
    from arrears.planning.features import dpd_expr

    try:
        tables = load_portfolio(data, only=("customers", "accounts")).tables
    except (ContractError, FileNotFoundError) as exc:
        raise ChatError(str(exc)) from None
    if "accounts" not in tables or "customers" not in tables:
        raise ChatError(f"{data}: no accounts and customers tables here")
    rows = tables["accounts"].filter(pl.col("account_id") == account_id)
    if rows.is_empty():
        raise ChatError(f"--account {account_id}: no such account in {data}")
    account = rows.with_columns(dpd_expr(pl.lit(today))).row(0, named=True)
    customers = tables["customers"].filter(pl.col("customer_id") == account["customer_id"])
    customer = customers.row(0, named=True) if not customers.is_empty() else {}
    defaults = _DEFAULTS[language_family(language)]
    lender = lender or defaults["lender"]
    link = payment_link or PAYMENT_LINK.format(account_id=account_id)
    amount = account.get("overdue_amount")
    account["overdue_amount"] = None if amount is None else Decimal(str(amount))
    try:
        from arrears.templates.render import account_context as library_context
    except ImportError:
        context = {
            "name": customer.get("name"),
            "amount_due": account["overdue_amount"],
            "currency": account.get("currency"),
            "due_date": account.get("due_date") or account.get("next_due_date"),
            "dpd": account["dpd"],
            "lender": lender,
            "payment_link": link,
            "agent_name": defaults["agent_name"],
        }
    else:
        context = library_context(
            account,
            customer,
            today,
            lender=lender,
            payment_link=link,
            agent_name=defaults["agent_name"],
        )
    # the customer's own tag when it is of the script's language (en-US dates for en-US)
    own = customer.get("language")
    same = isinstance(own, str) and language_family(own) == language_family(language)
    context["language"] = own if same else language
    return context


@dataclass(frozen=True)
class _LibraryCatalog:
    library: Any
    language: str

    def third_party_safe(self, template_id: str) -> bool | None:
        template = self.library.get(template_id, self.language)
        return None if template is None else bool(template.third_party_safe)


def shipped_templates() -> Path | None:
    """The example template library shipped with the package, when there is one."""
    from importlib import resources

    folder = Path(str(resources.files("arrears.examples").joinpath("templates")))
    return folder if folder.is_dir() else None


def library_wiring(
    templates: Path | None, language: str, warn: Callable[[str], None] = print
) -> tuple[Render | None, TemplateCatalog | None]:
    """A renderer and a catalog over the template library in `templates` (or the shipped
    one), or (None, None) when the library cannot be imported or there is none: the
    scripts' inline texts are then said."""
    try:
        from arrears.templates.library import Library, TemplateError
        from arrears.templates.render import RenderError, render
    except ImportError:
        if templates is not None:
            raise ChatError(
                "--templates: the template library (arrears.templates) is not installed"
            ) from None
        return None, None
    folder = templates if templates is not None else shipped_templates()
    if folder is None:
        return None, None
    try:
        library = Library.load(folder)
    except TemplateError as exc:
        if templates is None:  # the shipped library: say the inline texts rather than fail
            warn(
                f"warning: the shipped template library does not load; inline texts are said\n{exc}"
            )
            return None, None
        raise ChatError(f"--templates {folder}:\n{exc}") from None

    def render_template(template_id: str, context: Mapping[str, Any]) -> str:
        template = library.get(template_id, language)
        if template is None:
            raise LookupError(template_id)
        try:
            return str(render(template, context).text)
        except RenderError as exc:
            raise DialogError(str(exc)) from None

    return render_template, _LibraryCatalog(library, language)


@dataclass(frozen=True)
class ChatAsked:
    script: Path
    data: Path
    account: str
    templates: Path | None = None
    language: str | None = None
    today: date | None = None
    says: Sequence[str] = ()
    script_input: Path | None = None
    lender: str | None = None
    trace: bool = False


def _replies(asked: ChatAsked, prompt: Callable[[], str | None]) -> Iterator[str]:
    if asked.script_input is not None:
        for line in asked.script_input.read_text("utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                yield line.strip()
    elif asked.says:
        yield from asked.says
    else:
        while (typed := prompt()) is not None:
            yield typed


def _describe(turn: Turn) -> str:
    outcome = str(turn.outcome) if turn.outcome is not None else "none"
    parts = [f"outcome: {outcome}"]
    if turn.captured.get("promise_date") is not None:
        amount = format_value(turn.captured.get("promise_amount"))
        parts.append(f"promise {amount} on {format_value(turn.captured['promise_date'])}")
    if turn.reason:
        parts.append(f"stopped: {turn.reason}")
    return " · ".join(parts)


def _trace(console: Console, turn: Turn) -> None:
    intent = turn.intent
    heard = ""
    if intent is not None:
        slots = " ".join(f"{k}={format_value(v)}" for k, v in sorted(intent.slots.items()))
        heard = f" ← {intent.name} ({intent.confidence:.2f}){' ' + slots if slots else ''}"
    nodes = [turn.steps[0][0], *(to for _, _, to in turn.steps)] if turn.steps else turn.nodes
    console.print(f"  [{' → '.join(nodes)}]{heard}", style="dim", markup=False, highlight=False)


def _load(asked: ChatAsked, err: Console) -> tuple[Script, str, Render | None]:
    try:
        script = load_script(asked.script)
    except FileNotFoundError:
        raise ChatError(f"--script {asked.script}: no such file") from None
    except ScriptError as exc:
        for d in exc.diagnostics:
            err.print(str(d), highlight=False, soft_wrap=True, markup=False)
        raise
    language = asked.language or script.language
    if language_family(language) != language_family(script.language):
        raise ChatError(
            f"--language {language}: script '{script.id}' is in {script.language}; "
            "use a script in that language"
        )

    def warn(message: str) -> None:
        err.print(message, highlight=False, soft_wrap=True, markup=False)

    render, catalog = library_wiring(asked.templates, language, warn)
    diagnostics = check_script(script, catalog=catalog)
    for d in diagnostics:
        err.print(str(d), highlight=False, soft_wrap=True, markup=False)
    if any(d.severity == "error" for d in diagnostics):
        raise ScriptError([d for d in diagnostics if d.severity == "error"])
    return script, language, render


def run_chat(
    console: Console,
    err: Console,
    asked: ChatAsked,
    prompt: Callable[[], str | None] | None = None,
) -> int:
    """Run one dialog; 0 when it ended, 1 when the replies ran out first, 2 on bad input
    (the script's problems or the data's, printed to `err`)."""
    today = asked.today or date.today()
    try:
        script, language, render = _load(asked, err)
        context = account_context(
            asked.data, asked.account, today, language=language, lender=asked.lender
        )
    except ScriptError:  # its diagnostics are printed already
        return EXIT_INPUT
    except ChatError as exc:
        err.print(f"error: {exc}", highlight=False, soft_wrap=True, markup=False)
        return EXIT_INPUT
    dialog = Dialog(KeywordRecognizer(today), today, render)
    interactive = asked.script_input is None and not asked.says

    def say(turn: Turn) -> None:
        if asked.trace:
            _trace(console, turn)
        for line in turn.lines:
            console.print(f"robot: {line}", markup=False, highlight=False, soft_wrap=True)

    try:
        turn = dialog.start(script, context)
        say(turn)
        replies = _replies(asked, prompt or _keyboard)
        while not turn.done:
            text = next(replies, None)
            if text is None:
                console.print(
                    f"(no more replies: the dialog waits at '{turn.state.node}')",
                    markup=False,
                    highlight=False,
                )
                return EXIT_UNFINISHED
            if not interactive:
                console.print(f"you: {text}", markup=False, highlight=False, soft_wrap=True)
            turn = dialog.reply(turn.state, text)
            say(turn)
    except DialogError as exc:
        err.print(f"error: {exc}", highlight=False, soft_wrap=True, markup=False)
        return EXIT_INPUT
    console.print(_describe(turn), markup=False, highlight=False)
    if turn.handoff:
        intent = turn.intent.name if turn.intent is not None else "none"
        console.print(f"→ handed to a human agent (intent {intent})", markup=False, highlight=False)
    return EXIT_DONE


def _keyboard() -> str | None:
    try:
        return input("you> ")
    except EOFError:
        return None
