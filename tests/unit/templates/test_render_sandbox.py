"""Rendering: formats per language and currency, strict variables, and a sandbox that holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from arrears.templates.render import (
    RenderError,
    account_context,
    check_body,
    day,
    environment,
    money,
    render,
)
from arrears.templates.sms import sms_info
from template_files import context_en, make_template


@pytest.mark.parametrize(
    ("amount", "currency", "language", "text"),
    [
        (1234.5, "CNY", "zh-CN", "¥1,234.50"),
        (1234.5, "USD", "en", "$1,234.50"),
        (1234.5, "USD", "en-US", "$1,234.50"),
        (1234.5, "GBP", "en-GB", "£1,234.50"),
        (1234.5, "CNY", "en", "CN¥1,234.50"),
        (1234.5, "USD", "zh-CN", "US$1,234.50"),
        (1234567.891, "CNY", "zh-CN", "¥1,234,567.89"),
        (0.005, "CNY", "zh-CN", "¥0.01"),  # half up, not to even
        (2.675, "USD", "en", "$2.68"),  # the float 2.675 is 2.67499…: the written value counts
        (-12, "GBP", "en", "-£12.00"),
        (0, "USD", "en", "$0.00"),
        (1234.5, "CHF", "en", "1,234.50 CHF"),
        (1234.5, "JPY", "en", "1,235 JPY"),
    ],
)
def test_money_is_written_per_language_and_currency(
    amount: float, currency: str, language: str, text: str
) -> None:
    assert money(amount, currency, language) == text


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [
        (dt.date(2026, 11, 30), "zh-CN", "2026年11月30日"),
        (dt.date(2026, 1, 5), "zh-CN", "2026年1月5日"),
        (dt.date(2026, 11, 30), "en", "30 November 2026"),
        (dt.date(2026, 11, 30), "en-GB", "30 November 2026"),
        (dt.date(2026, 11, 30), "en-US", "November 30, 2026"),
        (dt.datetime(2026, 3, 1, 23, 59), "en", "1 March 2026"),
        ("2026-03-01", "zh-CN", "2026年3月1日"),
    ],
)
def test_dates_are_written_per_language(value: Any, language: str, text: str) -> None:
    assert day(value, language) == text


def test_a_language_without_formats_and_a_value_that_is_not_a_date_are_errors() -> None:
    with pytest.raises(RenderError, match="no format for language 'fr'"):
        money(1, "EUR", "fr")
    with pytest.raises(RenderError, match="not a date"):
        day("soon", "en")
    with pytest.raises(RenderError, match="not an amount"):
        money("lots", "USD", "en")


def test_rendering_applies_the_filters_in_the_templates_language(tmp_path: Path) -> None:
    zh = make_template(
        tmp_path,
        "{{ name }}您好，待还{{ amount_due | money }}，"
        "到期日{{ due_date | day }}，已逾期{{ dpd }}天。",
        language="zh-CN",
    )
    out = render(
        zh,
        {
            "name": "张伟",
            "amount_due": 676.449,
            "currency": "CNY",
            "due_date": "2026-11-23",
            "dpd": 7,
        },
    )
    assert out.text == "张伟您好，待还¥676.45，到期日2026年11月23日，已逾期7天。"
    assert (out.template, out.version, out.language) == ("t1", 1, "zh-CN")


def test_an_en_template_writes_us_dates_for_an_en_us_customer_and_ignores_another_family(
    tmp_path: Path,
) -> None:
    t = make_template(tmp_path, "{{ due_date | day }} {{ amount_due | money('GBP') }}")
    values = context_en()
    assert render(t, {**values, "language": "en-US"}).text == "October 31, 2026 £1,234.50"
    assert render(t, {**values, "language": "en-GB"}).text == "31 October 2026 £1,234.50"
    assert render(t, {**values, "language": "zh-CN"}).text == "31 October 2026 £1,234.50"


def test_a_variable_missing_from_the_context_is_an_error_naming_it_and_its_file_line(
    tmp_path: Path,
) -> None:
    t = make_template(tmp_path, "Hi {{ name }},\nplease pay at {{ payment_link }}.")
    values = {k: v for k, v in context_en().items() if k != "payment_link"}
    with pytest.raises(RenderError) as caught:
        render(t, values)
    message = str(caught.value)
    assert "'payment_link' is undefined" in message
    assert f"{t.path}:{t.body_line + 1}:" in message  # the second body line of the file


def test_an_attribute_of_a_plain_value_is_strictly_undefined_not_empty(tmp_path: Path) -> None:
    t = make_template(tmp_path, "Dear {{ name.first }},")
    with pytest.raises(RenderError, match="has no attribute 'first'"):
        render(t, context_en())


def test_a_variable_given_as_none_to_a_filter_is_an_error_not_a_blank(tmp_path: Path) -> None:
    t = make_template(tmp_path, "{{ amount_due | money }}")
    with pytest.raises(RenderError, match="amount is empty"):
        render(t, {**context_en(), "amount_due": None})
    with pytest.raises(RenderError, match="'currency' is needed"):
        render(t, {**context_en(), "currency": None})


def test_an_unknown_variable_is_refused_before_rendering_with_a_suggestion() -> None:
    [problem] = check_body("Hi {{ nmae }}")
    assert problem.line == 1
    assert "unknown variable 'nmae'" in problem.message
    assert "did you mean 'name'?" in problem.message
    assert check_body("{% set total = amount_due %}{{ total | money }}") == []
    assert check_body("{% for x in [1, 2] %}{{ loop.index }}{% endfor %}") == []


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].system('id') }}",
    "{{ name.__class__ }}",
    "{{ name | attr('__class__') }}",
    "{{ name['__class__'] }}",
    "{{ name['_' ~ '_class__'] }}",
    "{{ self._TemplateReference__context }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ '{0.__class__}'.format(name) }}",
    "{{ namespace.__init__ }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% extends 'base.j2' %}",
    "{% macro m() %}{% endmacro %}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_template_reaching_python_internals_is_refused_with_a_clear_error(
    tmp_path: Path, payload: str
) -> None:
    assert check_body(payload), payload
    from arrears.templates.library import Stage, Template

    t = Template(
        id="evil",
        version=1,
        tone="reminder",
        stage=Stage(buckets=("M1",)),
        channel="sms",
        audience="debtor",
        language="en",
        state="approved",
        body=payload,
        path=tmp_path / "en" / "evil.j2",
        body_line=12,
    )
    with pytest.raises(RenderError) as caught:
        render(t, context_en())
    message = str(caught.value)
    assert message.startswith("template 'evil' refused: ")
    assert f"{t.path}:12: " in message


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__ }}",
        "{{ name['__class__'] }}",
        "{{ name['_' ~ '_class__'] }}",
        "{{ '{0.__class__}'.format(name) }}",
        "{{ 'x' * 100000000 }}",
        "{{ 2 ** 100000000 }}",
    ],
)
def test_the_sandbox_itself_refuses_escapes_the_first_fence_would_have_caught(
    payload: str,
) -> None:
    """Defence in depth: the environment refuses on its own, without the syntax-tree check."""
    with pytest.raises(SecurityError):
        environment().from_string(payload).render(name="x")


def test_the_sandbox_has_no_globals_to_climb_from() -> None:
    assert dict(environment().globals) == {}
    for name in ("cycler", "lipsum", "joiner", "namespace", "range", "dict"):
        with pytest.raises(UndefinedError):
            environment().from_string("{{ " + name + " }}").render()
        with pytest.raises((UndefinedError, SecurityError)):
            environment().from_string("{{ " + name + ".__init__ }}").render()


def test_a_refused_payload_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"
    with pytest.raises(SecurityError):
        environment().from_string(
            f"{{{{ name.__init__.__globals__.os.system('touch {marker}') }}}}"
        ).render(name="x")
    assert check_body(payload)
    with pytest.raises((UndefinedError, SecurityError)):
        environment().from_string(payload).render()
    assert not marker.exists()


def test_a_rendering_too_long_for_any_message_is_refused(tmp_path: Path) -> None:
    t = make_template(tmp_path, "{{ name * 5000 }}")
    with pytest.raises(RenderError, match="refused"):
        render(t, {**context_en(), "name": "abcdefghij"})


def test_an_sms_rendering_reports_its_encoding_and_segments_and_others_do_not(
    tmp_path: Path,
) -> None:
    sms = make_template(tmp_path / "a", "{{ lender }}: {{ amount_due | money }} is due.")
    out = render(sms, context_en())
    assert out.text == "Example Lending: $1,234.50 is due."
    assert out.sms == sms_info(out.text)
    assert out.sms is not None and (out.sms.encoding, out.sms.segments) == ("GSM-7", 1)
    call = make_template(tmp_path / "b", "Hello {{ name }}", channel="human_call")
    assert render(call, context_en()).sms is None


def test_the_context_of_an_overdue_and_of_a_not_yet_due_account() -> None:
    run = dt.date(2026, 11, 30)
    overdue = {
        "overdue_amount": 50.0,
        "currency": "CNY",
        "due_date": dt.date(2026, 11, 23),
        "next_due_date": dt.date(2026, 12, 23),
    }
    customer = {"name": "张伟", "language": "zh-CN"}
    ctx = account_context(overdue, customer, run, lender="L", payment_link="https://p")
    assert (ctx["dpd"], ctx["due_date"], ctx["amount_due"], ctx["language"]) == (
        7,
        dt.date(2026, 11, 23),
        50.0,
        "zh-CN",
    )
    current = {**overdue, "overdue_amount": 0.0, "due_date": None, "lender": "Own Lender"}
    ctx = account_context(current, customer, run, lender="L", payment_link="https://p")
    assert (ctx["dpd"], ctx["due_date"], ctx["lender"]) == (0, dt.date(2026, 12, 23), "Own Lender")
