"""The shipped template library: every template renders for generated accounts of its
language and stage, covers what the examples need, and says nothing of the debt to a third
party."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
import pytest

from arrears.examples import STRATEGIES, strategy_path, templates_path
from arrears.generate.portfolio import generate_portfolio
from arrears.strategy.load import load_strategy
from arrears.strategy.model import TONES
from arrears.templates.library import Library, Template
from arrears.templates.render import account_context, family, money, render
from arrears.templates.resolve import check_templates

RUN = dt.date(2026, 11, 30)
BUCKETS = {"M1": (1, 30), "M2": (31, 60), "M3": (61, 90)}
PER_TEMPLATE = 4
LENDER = {"zh": "示例消费金融", "en": "Example Lending"}
DEBT_WORDS = re.compile(
    r"逾期|欠款|借款|还款|债|催收|金额|overdue|past due|debt|owe|arrears|payment|balance|loan",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(templates_path())


@pytest.fixture(scope="module")
def accounts() -> pl.DataFrame:
    tables = generate_portfolio(accounts=3000, seed=11, country="mixed", as_of=RUN)
    return (
        tables["accounts"]
        .join(tables["customers"], on="customer_id", how="left")
        .with_columns((pl.lit(RUN) - pl.col("due_date")).dt.total_days().alias("dpd"))
        .sort("account_id")
    )


def fitting(accounts: pl.DataFrame, template: Template) -> pl.DataFrame:
    """Accounts of the template's language family whose stage it is written for."""
    stage = template.stage
    if stage.buckets is not None:
        lo, hi = BUCKETS[stage.buckets[0]]
    else:
        assert stage.dpd is not None
        lo, hi = stage.dpd[0], stage.dpd[1] if stage.dpd[1] is not None else 10_000
    speaks = pl.col("language").str.split("-").list.first() == family(template.language)
    if lo == 0:  # pre-due: not overdue, a next due date to remind of
        due = pl.col("due_date").is_null() & pl.col("next_due_date").is_not_null()
    else:
        due = pl.col("dpd").is_between(lo, hi)
    return accounts.filter(speaks & due & (pl.col("status") == "active")).head(PER_TEMPLATE)


def test_every_shipped_template_renders_for_generated_accounts_of_its_language_and_stage(
    library: Library, accounts: pl.DataFrame
) -> None:
    assert len(library.templates) >= 100
    # every text addresses its person by name, but the robot dialogs' short utterances (a
    # goodbye, "putting you through") and one more
    utterances = {"robot_m1_goodbye_safe", "robot_m1_transfer_safe", "robot_m1_transfer"}
    spoken = [t for t in library.templates if t.id not in utterances]
    assert sum("{{ name" in t.body for t in spoken) >= len(spoken) - 1
    for template in library.templates:
        rows = fitting(accounts, template)
        assert rows.height == PER_TEMPLATE, template
        for row in rows.iter_rows(named=True):
            lang = family(template.language)
            context = account_context(
                row,
                row,
                RUN,
                lender=LENDER[lang],
                payment_link=f"https://pay.example/{lang}",
                agent_name="李敏" if lang == "zh" else "Sam Lee",
            )
            out = render(template, context)
            text = out.text
            assert text and "{{" not in text and "{%" not in text and "{#" not in text, template
            assert "None" not in text and "Undefined" not in text, (template, text)
            if "{{ name" in template.body:
                assert row["name"] in text, (template, text)
            if "amount_due" in template.body:
                amount = money(row["overdue_amount"], row["currency"], str(context["language"]))
                assert amount in text, (template, text)
            if template.channel == "sms":
                assert out.sms is not None and out.sms.segments <= 3, (template, out.sms)
                expected = "UCS-2" if lang == "zh" else "GSM-7"
                assert out.sms.encoding == expected, (template, out.sms)
            else:
                assert out.sms is None


def test_the_library_covers_four_tones_m1_to_m3_on_sms_robot_and_calls_in_both_languages(
    library: Library,
) -> None:
    for language in ("zh-CN", "en-US", "en-GB"):
        for tone in TONES:
            for bucket, (lo, hi) in BUCKETS.items():
                for channel in ("sms", "robot_call", "human_call"):
                    for dpd in (lo, hi):
                        found = library.pick(
                            channel=channel,
                            audience="debtor",
                            language=language,
                            bucket=bucket,
                            dpd=dpd,
                            tone=tone,
                        )
                        assert found.template is not None, found.reason
                        assert found.template.tone == tone
                        assert found.template.stage.buckets == (bucket,)
        for channel in ("sms", "robot_call", "human_call"):
            found = library.pick(
                channel=channel, audience="emergency", language=language, bucket="M3", dpd=75
            )
            assert found.template is not None and found.template.audience == "third_party"


def test_every_template_the_shipped_strategies_name_is_approved_in_both_languages(
    library: Library,
) -> None:
    for name in STRATEGIES:
        strategy = load_strategy(strategy_path(name))
        assert check_templates(strategy, library, ["zh-CN", "en-US", "en-GB"]) == [], name
    named = {s.template for n in STRATEGIES for s in load_strategy(strategy_path(n)).steps()}
    named.add("reminder_1_soft")  # the mixed example's challenger arm
    for template_id in named - {None}:
        assert template_id is not None
        for language in ("zh-CN", "en"):
            found = library.get(template_id, language)
            assert found is not None and found.approved, (template_id, language)


def test_third_party_texts_say_nothing_of_the_debt(library: Library) -> None:
    third = [t for t in library.templates if t.audience == "third_party"]
    assert {t.channel for t in third} == {"sms", "robot_call", "human_call"}
    for t in third:
        for variable in ("amount_due", "due_date", "dpd", "payment_link", "lender"):
            assert variable not in t.body, (t, variable)
        found = DEBT_WORDS.search(t.body)
        assert found is None, (t, found)


def test_sms_texts_offer_an_opt_out_and_say_so_and_english_ones_stay_gsm7(
    library: Library,
) -> None:
    for t in library.templates:
        if t.channel != "sms":
            continue
        assert t.opt_out_notice, t
        marker = "回T退订" if t.language == "zh-CN" else "Reply STOP to opt out."
        assert marker in t.body, t
        if t.language == "en":
            assert t.body.isascii(), t


def test_every_approved_shipped_template_passes_the_lint_of_its_language(
    library: Library,
) -> None:
    lint = pytest.importorskip("arrears.templates.lint")
    presets = {"zh": ("CN",), "en": ("US", "GB")}
    problems: list[Any] = []
    for t in library.approved():
        for finding in lint.lint_template(t, presets[family(t.language)]):
            problems.append((str(t.path), finding))
    assert problems == []
