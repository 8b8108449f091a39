"""Rendering a template: Jinja2's immutable sandbox, strict variables, per-language formats.

Templates are text written by collection staff, not code, so two fences stand between a body
and Python:

1. Before anything runs, the body's syntax tree is checked (`check_body`): it may use only the
   documented variables and filters, no calls, no attribute or key starting with `_`, no
   computed key, no include/import/extends/macro. A body that tries is refused with the line
   and the reason; the loader refuses it too, so such a file never reaches a plan.
2. Rendering runs in `ImmutableSandboxedEnvironment` with no globals (no `cycler`, `lipsum`,
   `range` …), `StrictUndefined` (a missing variable is an error, never an empty string) and
   intercepted `*` / `**` (no 10⁹-character strings). If a trick passes the first fence, the
   sandbox raises `SecurityError`, reported the same way.

Bodies are plain text (SMS, scripts, letters): autoescape is off.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from arrears.templates.sms import SmsInfo, sms_info

if TYPE_CHECKING:
    from arrears.templates.library import Template

VARIABLES: tuple[str, ...] = (
    "name",
    "amount_due",
    "currency",
    "due_date",
    "dpd",
    "lender",
    "payment_link",
    "agent_name",
    "language",
)
"""What a body may name. `language` is the customer's tag when known, else the template's."""

FILTERS: tuple[str, ...] = (
    "money",
    "day",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "round",
    "int",
    "abs",
)
"""The filters a body may use: the two formatters and a few harmless string/number ones."""

_REFUSED_STATEMENTS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call block",
}

MAX_OUTPUT = 20_000
"""Characters a rendered text may have: a letter is a few thousand, anything more is a bug."""

# Currency symbols per language family; an unknown currency is written after the amount.
_SYMBOLS: dict[str, dict[str, str]] = {
    "zh": {"CNY": "¥", "USD": "US$", "GBP": "£", "EUR": "€", "HKD": "HK$"},
    "en": {"CNY": "CN¥", "USD": "$", "GBP": "£", "EUR": "€", "HKD": "HK$"},
}
_DECIMALS: dict[str, int] = {"JPY": 0, "KRW": 0}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
LANGUAGE_FAMILIES: tuple[str, ...] = tuple(_SYMBOLS)
"""Primary language subtags the formats know (`zh-CN`, `en`, `en-US`, `en-GB` …)."""


class RenderError(ValueError):
    """A body that may not or cannot be rendered, with where and why."""


@dataclass(frozen=True)
class Problem:
    """A refusal found in a body before it runs; `line` is the body's line (1-based)."""

    line: int
    message: str


@dataclass(frozen=True)
class Rendered:
    text: str
    sms: SmsInfo | None  # for SMS templates: encoding, length and segments
    template: str = ""
    version: int = 0
    language: str = ""


# -- formats ----------------------------------------------------------------------------------


def family(language: str) -> str:
    """`zh-CN` → `zh`; the formats and the library's fallbacks go by it."""
    return language.split("-")[0].lower()


def money(amount: Any, currency: str, language: str) -> str:
    """`¥1,234.50` (zh-CN, CNY), `$1,234.50` (en, USD), `£…`, `CN¥…` (en, CNY); half up."""
    if amount is None:
        raise RenderError("money: the amount is empty")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise RenderError(f"money: {amount!r} is not an amount") from None
    places = _DECIMALS.get(currency, 2)
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    digits = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    symbols = _SYMBOLS.get(family(language))
    if symbols is None:
        raise RenderError(f"money: no format for language '{language}'")
    symbol = symbols.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise RenderError(f"day: {value!r} is not a date")


def day(value: Any, language: str) -> str:
    """`2026年11月30日` (zh), `30 November 2026` (en, en-GB), `November 30, 2026` (en-US)."""
    when = _as_date(value)
    fam = family(language)
    if fam == "zh":
        return f"{when.year}年{when.month}月{when.day}日"
    if fam == "en":
        month = _MONTHS_EN[when.month - 1]
        if language.lower() == "en-us":
            return f"{month} {when.day}, {when.year}"
        return f"{when.day} {month} {when.year}"
    raise RenderError(f"day: no format for language '{language}'")


def _context_value(context: Context, name: str) -> Any:
    value = context.resolve_or_missing(name)
    if value is context.environment.undefined or value is None:
        raise RenderError(f"'{name}' is needed by the filter but is not given")
    return value


@pass_context
def _money_filter(context: Context, amount: Any, currency: str | None = None) -> str:
    cur = currency if currency is not None else _context_value(context, "currency")
    return money(amount, str(cur), str(_context_value(context, "language")))


@pass_context
def _day_filter(context: Context, value: Any) -> str:
    return day(value, str(_context_value(context, "language")))


# -- the sandbox ------------------------------------------------------------------------------


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*` and `**` watched so no body can build a huge value."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator is not allowed in templates")
        sized = (str, list, tuple)
        if isinstance(left, sized) or isinstance(right, sized):
            seq, times = (left, right) if isinstance(left, sized) else (right, left)
            if isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                raise SecurityError("repeating a text that many times is not allowed")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The one environment every body renders in: sandboxed, strict, no globals."""
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.clear()
    builtin = dict(env.filters)
    env.filters.clear()
    env.filters.update({name: builtin[name] for name in FILTERS if name in builtin})
    env.filters["money"] = _money_filter
    env.filters["day"] = _day_filter
    return env


# -- the static fence -------------------------------------------------------------------------


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _assigned(tree: nodes.Template) -> set[str]:
    """Names a body sets itself (`{% set %}`, loop targets): not variables it needs."""
    out: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
            out.add(node.name)
        elif isinstance(node, nodes.For):
            out.add("loop")
    return out


def check_body(body: str) -> list[Problem]:
    """Every reason this body may not be rendered, by body line; empty when it may."""
    try:
        tree = environment().parse(body)
    except TemplateSyntaxError as exc:
        return [Problem(exc.lineno or 1, f"template syntax: {exc.message}")]
    out: list[Problem] = []
    local = _assigned(tree)
    for node in _walk(tree):
        line = getattr(node, "lineno", 1) or 1
        if type(node) in _REFUSED_STATEMENTS:
            what = _REFUSED_STATEMENTS[type(node)]
            out.append(Problem(line, f"'{what}' is not allowed: a template is one file of text"))
        elif isinstance(node, nodes.Call):
            out.append(
                Problem(line, "calls are not allowed in templates: use the filters (| money …)")
            )
        elif isinstance(node, nodes.Getattr | nodes.Getitem):
            key = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
            if isinstance(node, nodes.Getitem) and not isinstance(key, str | int):
                out.append(Problem(line, "a computed key is not allowed: name the variable"))
            elif isinstance(key, str) and key.startswith("_"):
                out.append(
                    Problem(
                        line,
                        f"'{key}' reaches Python internals: names starting with '_' are refused",
                    )
                )
        elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
            allowed = ", ".join(FILTERS)
            out.append(Problem(line, f"filter '{node.name}' is not allowed (allowed: {allowed})"))
        elif (
            isinstance(node, nodes.Name)
            and node.ctx == "load"
            and node.name not in VARIABLES
            and node.name not in local
        ):
            close = difflib.get_close_matches(node.name, VARIABLES, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            message = f"unknown variable '{node.name}' ({hint}variables: {', '.join(VARIABLES)})"
            out.append(Problem(line, message))
    return sorted(set(out), key=lambda p: (p.line, p.message))


def _const(node: nodes.Node) -> object:
    if isinstance(node, nodes.Const):
        value: object = node.value
        return value
    return None


# -- rendering --------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _compiled(body: str) -> Any:
    return environment().from_string(body)


def _template_line(exc: BaseException) -> int | None:
    """The body line an error was raised at (Jinja rewrites tracebacks to template lines)."""
    line = None
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(template: Template, context: Mapping[str, Any]) -> Rendered:
    """The text of `template` for one account, and for an SMS its encoding and segments.

    `context` holds the variables (VARIABLES); `language` defaults to the template's and is
    used only when it is of the template's language family (an `en-US` customer gets US
    dates from an `en` template). Raises RenderError, naming the file and line, for a body
    the fences refuse, a variable that is missing, or a value a filter cannot format.
    """
    where = template.where()
    problems = check_body(template.body)
    if problems:
        listed = "; ".join(
            f"{template.where(template.body_line + p.line - 1)}: {p.message}" for p in problems
        )
        raise RenderError(f"template '{template.id}' refused: {listed}")
    values = dict(context)
    asked = values.get("language")
    if not isinstance(asked, str) or family(asked) != family(template.language):
        values["language"] = template.language
    try:
        text = _compiled(template.body).render(values)
    except SecurityError as exc:
        raise RenderError(
            f"{_at(template, exc)}: refused: the template reaches Python internals ({exc})"
        ) from None
    except UndefinedError as exc:
        raise RenderError(
            f"{_at(template, exc)}: {exc} (strict: every variable must be given; "
            f"variables: {', '.join(VARIABLES)})"
        ) from None
    except RenderError as exc:
        raise RenderError(f"{_at(template, exc)}: {exc}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise RenderError(f"{_at(template, exc)}: {type(exc).__name__}: {exc}") from None
    text = text.strip()
    if len(text) > MAX_OUTPUT:
        raise RenderError(f"{where}: the text has {len(text)} characters (at most {MAX_OUTPUT})")
    sms = sms_info(text) if template.channel == "sms" else None
    return Rendered(text, sms, template.id, template.version, str(values["language"]))


def _at(template: Template, exc: BaseException) -> str:
    line = _template_line(exc)
    return template.where(template.body_line + line - 1 if line else None)


def account_context(
    account: Mapping[str, Any],
    customer: Mapping[str, Any],
    run_date: dt.date,
    *,
    lender: str,
    payment_link: str,
    agent_name: str = "",
) -> dict[str, Any]:
    """The variables for one account (a row of `accounts`) and its customer.

    `due_date` is the oldest unpaid due date, or the next one for an account not yet overdue
    (pre-due reminders); `dpd` is counted from the former. An account's own `lender` or
    `payment_link` column, when it has one, wins over the arguments.
    """
    overdue_since = account.get("due_date")
    due = overdue_since if overdue_since is not None else account.get("next_due_date")
    dpd = (run_date - _as_date(overdue_since)).days if overdue_since is not None else 0
    return {
        "name": customer.get("name"),
        "amount_due": account.get("overdue_amount"),
        "currency": account.get("currency"),
        "due_date": due,
        "dpd": max(dpd, 0),
        "lender": account.get("lender") or lender,
        "payment_link": account.get("payment_link") or payment_link,
        "agent_name": agent_name,
        "language": customer.get("language"),
    }
