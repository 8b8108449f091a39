"""The template lint: every rule flags its failing examples and spares its passing ones; the
structural rules (opt-out notice, voicemail whitelist, third parties, time-barred debts) by
hand; lines point at the template file's line; `arrears lint-templates` exits 0, 1 or 2."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import pytest

from arrears.templates.lint import (
    PRESETS,
    RULES_DIR,
    Finding,
    LintRuleError,
    is_voicemail,
    lint_library,
    lint_template,
    lint_text,
    load_rules,
    read_template,
    run_example,
)

RULES = load_rules()
BY_ID = {r.id: r for r in RULES}
DOCS = Path(__file__).parents[3] / "docs" / "template-lint.md"


def examples(kind: str) -> list[tuple[str, int, dict]]:
    return [(r.id, i, dict(ex)) for r in RULES for i, ex in enumerate(r.examples.get(kind, ()))]


def rules_of(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def sms(body: str, **kw) -> list[Finding]:
    args = dict(channel="sms", audience="debtor", language="en", tone="reminder", presets=["US"])
    args.update(kw)
    return lint_text(body, **args)


# -- every rule, by its own examples -----------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_failing_and_a_passing_example_and_a_source(rule):
    assert rule.examples.get("fails"), f"{rule.id} ({rule.file}) has no examples.fails"
    assert rule.examples.get("passes"), f"{rule.id} ({rule.file}) has no examples.passes"
    for preset in rule.presets:
        assert rule.sources[preset].strip()


@pytest.mark.parametrize(("rule_id", "n", "example"), examples("fails"))
def test_a_failing_example_is_flagged_by_its_rule(rule_id, n, example):
    found = run_example(BY_ID[rule_id], example)
    assert found, f"{rule_id} fails[{n}] not flagged: {example['body']!r}"
    assert all(f.source and f.message.strip() for f in found)


@pytest.mark.parametrize(("rule_id", "n", "example"), examples("passes"))
def test_a_passing_example_is_not_flagged_by_its_rule(rule_id, n, example):
    found = run_example(BY_ID[rule_id], example)
    assert not found, f"{rule_id} passes[{n}] flagged: {[f.message for f in found]}"


def test_there_is_one_rule_file_per_preset_plus_common_and_ids_name_their_jurisdiction():
    assert sorted(p.stem for p in RULES_DIR.glob("*.yaml")) == sorted([*PRESETS, "common"])
    for rule in RULES:
        prefix = "ALL" if rule.file == "common.yaml" else rule.file.removesuffix(".yaml")
        assert rule.id.startswith(prefix + "-"), rule.id
    assert {"US-FDCPA-807-THREAT-ARREST", "CN-HARASSMENT-INSULT", "ALL-THIRD-PARTY-DEBT"} <= set(
        BY_ID
    )


def test_the_lint_knows_the_same_presets_as_the_compliance_guard():
    from arrears.compliance.presets import KNOWN_PRESETS

    assert set(PRESETS) == set(KNOWN_PRESETS)


def test_every_rule_is_documented_with_its_source():
    text = DOCS.read_text(encoding="utf-8")
    missing = [r.id for r in RULES if f"`{r.id}`" not in text]
    assert not missing, f"docs/template-lint.md lacks {missing}"


# -- rule files are checked when loaded ------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{id: X-A, summary: s, chanels: [sms], patterns: [a], source: s}", "unknown keys"),
        ("{id: X-A, summary: s, patterns: ['(unclosed'], source: s}", "bad regular expression"),
        ("{id: X-A, summary: s, patterns: [a]}", "legal source"),
        ("{id: X-A, summary: s, presets: [FR], patterns: [a], source: s}", "presets"),
        ("{id: X-A, summary: s, patterns: ['@nope'], source: s}", "unknown pattern set"),
        ("{id: X-A, summary: s, presets: [US, CN], patterns: [a], source: {US: s}}", "CN"),
        ("{id: x-lower, summary: s, patterns: [a], source: s}", "rule id"),
    ],
)
def test_a_broken_rule_file_is_refused_with_the_reason(tmp_path, rule, message):
    (tmp_path / "bad.yaml").write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    with pytest.raises(LintRuleError, match=message):
        load_rules(tmp_path)


def test_two_rules_with_one_id_are_refused(tmp_path):
    rule = "{id: X-A, summary: s, patterns: [a], source: s}"
    (tmp_path / "a.yaml").write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    with pytest.raises(LintRuleError, match="duplicate rule ids: X-A"):
        load_rules(tmp_path)


# -- the structural rules, by hand -------------------------------------------------------------


def test_a_us_sms_needs_an_opt_out_notice_backed_by_text_and_by_the_flag():
    opt_out = "US-REGF-1006.6E-OPT-OUT"
    assert opt_out in rules_of(sms("Your payment is due."))
    flagged_only = sms("Your payment is due.", opt_out_notice=True)
    assert "although its front matter says opt_out_notice: true" in flagged_only[0].message
    text_only = sms("Your payment is due. Reply STOP to opt out.")
    assert "lacks opt_out_notice: true" in text_only[0].message
    assert not sms("Your payment is due. Reply STOP to opt out.", opt_out_notice=True)
    assert not sms("Your statement is ready.", channel="letter")  # not electronic
    assert not sms("Your payment is due.", presets=["GB"])  # a US rule only


def test_an_opt_out_notice_inside_a_comment_does_not_count():
    body = "Your payment is due. {# Reply STOP to opt out #}"
    assert "US-REGF-1006.6E-OPT-OUT" in rules_of(sms(body, opt_out_notice=True))


def voicemail(body: str, **kw) -> list[Finding]:
    args = dict(channel="robot_call", audience="debtor", language="en", tone="reminder")
    args.update(kw)
    return lint_text(body, presets=["US"], voicemail=True, **args)


LCM = "US-REGF-1006.2J-LIMITED-CONTENT"


def test_a_us_voicemail_with_only_limited_content_elements_passes():
    body = (
        "Hello, this is {{ agent_name }} calling from {{ lender }}.\n"
        "It is 4:15 p.m. on Wednesday.\n"
        "Please call me back at (800) 555-1212 until 6 p.m. Eastern time.\n"
        "Thank you."
    )
    assert not voicemail(body)
    assert not voicemail(body, channel="human_call")
    assert LCM not in rules_of(voicemail("Hi {{ name }}, your loan is due.", channel="sms"))


def test_a_us_voicemail_is_flagged_on_the_line_holding_extra_content():
    body = (
        "Hello, this is {{ agent_name }} from {{ lender }}.\n"
        "Please call me back at 1-800-555-1212.\n"
        "This call is about your overdue balance."
    )
    found = [f for f in voicemail(body, body_line=20) if f.rule == LCM]
    assert [f.line for f in found] == [22]
    assert "overdue balance" in found[0].message


def test_a_us_voicemail_without_phone_person_or_business_names_what_is_missing():
    found = voicemail("Please call us back.")
    message = " ".join(f.message for f in found if f.rule == LCM)
    for missing in ("telephone number", "natural person", "business name"):
        assert missing in message


def test_a_us_voicemail_may_not_use_debt_variables_even_inside_a_condition():
    body = (
        "This is {{ agent_name }} from {{ lender }}.{% if dpd > 30 %} Please call "
        "1-800-555-1212.{% endif %}"
    )
    found = [f.message for f in voicemail(body) if f.rule == LCM]
    assert any("`dpd`" in m for m in found)


def test_a_template_is_a_voicemail_by_its_flag_or_by_the_word_voicemail_in_its_id():
    plain = SimpleNamespace(id="us_robot_reminder", meta={})
    by_id = SimpleNamespace(id="us-voicemail-lcm", meta={})
    by_flag = SimpleNamespace(id="x", meta={"voicemail": True})
    from_text = SimpleNamespace(id="x", text="---\nid: x\nvoicemail: true\n---\nbody\n")
    assert not is_voicemail(plain)
    assert is_voicemail(by_id) and is_voicemail(by_flag) and is_voicemail(from_text)
    assert not is_voicemail(SimpleNamespace(id="voicemailbox", meta={}))  # a word, not a part


def third_party(body: str, **kw) -> set[str]:
    args = dict(channel="human_call", audience="third_party", language="en", tone="reminder")
    args.update(kw)
    return rules_of(lint_text(body, presets=["CN", "US", "GB"], **args))


def test_a_third_party_template_may_not_use_the_amount_or_dpd_even_in_a_condition():
    found = third_party(
        "{% if amount_due > 100 %}Please ask {{ name }} to call us.{% endif %}"
        "{% if dpd > 30 %}Thank you.{% endif %}"
    )
    assert {"ALL-THIRD-PARTY-AMOUNT", "ALL-THIRD-PARTY-DEBT"} <= found
    assert "ALL-THIRD-PARTY-AMOUNT" in third_party("Please tell her: {{ 120 | money }}.")


def test_a_third_party_template_may_not_put_the_lender_next_to_account_words():
    assert "ALL-THIRD-PARTY-LENDER-DEBT" in third_party(
        "{{ lender }} needs to talk about the account."
    )
    assert "ALL-THIRD-PARTY-LENDER-DEBT" not in third_party(
        "{{ lender }} would like {{ name }} to call back.", language="en"
    )


def test_the_third_party_rules_do_not_apply_to_a_guarantor_or_the_debtor():
    body = "Your loan of {{ amount_due | money }} is {{ dpd }} days overdue at {{ lender }}."
    for audience in ("debtor", "guarantor"):
        found = third_party(body, audience=audience)
        assert not {r for r in found if "THIRD-PARTY" in r}


def test_suit_is_flagged_only_when_the_front_matter_says_time_barred():
    body = "If you do not pay, we may take legal action."
    letter = dict(channel="letter", audience="debtor", language="en", tone="warning")
    barred = rules_of(lint_text(body, presets=["US", "GB"], time_barred=True, **letter))
    assert {"US-REGF-1006.26-TIME-BARRED-SUIT", "GB-CONC-7.15-STATUTE-BARRED"} <= barred
    assert not rules_of(lint_text(body, presets=["US", "GB"], **letter))


def test_negation_spares_reassurance_but_not_a_threat_after_a_condition():
    arrest = "US-FDCPA-807-THREAT-ARREST"
    assert arrest not in rules_of(sms("You will not be arrested. Reply STOP to opt out."))
    assert arrest in rules_of(sms("If you don't pay you'll be arrested."))
    cn = dict(channel="sms", audience="debtor", language="zh-CN", tone="pressure", presets=["CN"])
    assert "CN-THREAT-CRIMINAL" in rules_of(lint_text("如果不还款将被拘留。", **cn))
    assert "CN-THREAT-CRIMINAL" not in rules_of(lint_text("您不会因逾期被拘留。", **cn))


def test_a_lint_allow_comment_keeps_a_true_legal_statement_but_never_a_threat():
    legal = (
        "{# lint: allow US-FDCPA-807-FALSE-LEGAL — judgment 2026-01-05 #}\n"
        "We will garnish your wages."
    )
    assert "US-FDCPA-807-FALSE-LEGAL" not in rules_of(sms(legal))
    assert "US-FDCPA-807-FALSE-LEGAL" in rules_of(sms(legal.replace("FALSE-LEGAL", "OTHER")))
    threat = "{# lint: allow US-FDCPA-807-THREAT-ARREST #}You will be arrested."
    assert "US-FDCPA-807-THREAT-ARREST" in rules_of(sms(threat))


# -- lines --------------------------------------------------------------------------------------


def write(path: Path, front: dict[str, object], body: str) -> Path:
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---", body]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def front(template_id: str, **kw: object) -> dict[str, object]:
    out: dict[str, object] = {
        "id": template_id,
        "version": 1,
        "tone": "pressure",
        "stage": "{dpd: [1, 30]}",
        "channel": "sms",
        "audience": "debtor",
        "language": "en",
        "state": "draft",
    }
    out.update(kw)
    return out


def test_a_finding_points_at_the_line_of_the_template_file(tmp_path):
    body = (
        "Hi {{ name }},\n"
        "your payment of {{ amount_due | money }} is late.\n"
        "\n"
        "Pay today or the police will come.\n"
        "Reply STOP to opt out."
    )
    path = write(tmp_path / "en" / "late.j2", front("late", opt_out_notice="true"), body)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "police" in text)
    assert line == 15  # 11 lines of front matter, then the body's fourth line
    found = lint_template(read_template(path), ["US"])
    assert [(f.rule, f.line) for f in found] == [("US-FDCPA-807-THREAT-ARREST", line)]


def test_a_finding_in_a_wrapped_phrase_points_at_its_first_line():
    found = sms("You will be\narrested.\nReply STOP to opt out.", opt_out_notice=True, body_line=5)
    assert [(f.rule, f.line) for f in found] == [("US-FDCPA-807-THREAT-ARREST", 5)]


def test_a_syntax_error_is_a_finding_at_its_line():
    found = sms("Line one.\nReply STOP.\nHello {{ name }", opt_out_notice=True, body_line=10)
    assert [(f.rule, f.line) for f in found] == [("ALL-TEMPLATE-SYNTAX", 12)]


# -- the interface the library uses -------------------------------------------------------------


def test_lint_template_takes_a_template_and_presets_and_findings_have_four_fields():
    assert list(inspect.signature(lint_template).parameters) == ["template", "presets"]
    assert [f.name for f in fields(Finding)] == ["rule", "line", "message", "source"]


def test_any_object_with_the_template_attributes_can_be_linted():
    template = SimpleNamespace(
        id="t", tone="pressure", channel="letter", audience="debtor", language="en-GB",
        body="You could face prison.", body_line=9, path=Path("x.j2"),
    )  # fmt: skip
    found = lint_template(template, ["GB"])
    assert [(f.rule, f.line) for f in found] == [("GB-AJA1970-S40-CRIMINAL", 9)]
    assert "Administration of Justice Act 1970 s.40(1)(b)" in found[0].source


def test_the_library_refuses_to_approve_a_template_with_findings(tmp_path):
    library = pytest.importorskip("arrears.templates.library")
    write(tmp_path / "en" / "bad.j2", front("bad", channel="letter"), "You will be arrested.")
    lib = library.Library.load(tmp_path)
    with pytest.raises(library.ApprovalError) as refused:
        lib.approve(lib.templates[0], "compliance.li", dt.date(2026, 1, 5))
    assert "US-FDCPA-807-THREAT-ARREST" in rules_of(list(refused.value.findings))


def test_a_library_folder_is_linted_template_by_template(tmp_path):
    write(tmp_path / "en" / "ok.j2", front("ok", channel="letter"), "Please call us.")
    write(tmp_path / "en" / "bad.j2", front("bad", channel="letter"), "Pay or go to jail.")
    report = lint_library(tmp_path, ["US"])
    assert not report.errors and len(report.templates) == 2
    assert [(p, i, f.rule) for p, i, f in report.findings] == [
        ("en/bad.j2", "bad", "US-FDCPA-807-THREAT-ARREST")
    ]


def test_without_the_library_module_the_lint_reads_the_files_itself(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "arrears.templates.library", None)  # import fails
    write(tmp_path / "en" / "bad.j2", front("bad", channel="letter"), "Pay or go to jail.")
    (tmp_path / "en" / "broken.j2").write_text("---\nid: [\n---\nbody\n", encoding="utf-8")
    report = lint_library(tmp_path, ["US"])
    assert [p for p, _ in report.templates] == ["en/bad.j2"]
    assert [(f.rule, f.line) for _, _, f in report.findings] == [("US-FDCPA-807-THREAT-ARREST", 11)]
    assert len(report.errors) == 1 and "broken.j2" in report.errors[0]


# -- the command ---------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [sys.executable, "-m", "arrears", "lint-templates", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def test_the_command_exits_0_on_a_clean_library(tmp_path):
    write(
        tmp_path / "en" / "remind.j2",
        front("remind", tone="reminder", opt_out_notice="true"),
        "Hi {{ name }}, {{ amount_due | money }} is due on {{ due_date | day }}.\n"
        "Pay at {{ payment_link }}. Reply STOP to opt out.",
    )
    write(
        tmp_path / "zh-CN" / "tixing.j2",
        front("tixing", tone="reminder", language="zh-CN"),
        "{{ name }}您好，您的借款{{ amount_due | money }}将于{{ due_date | day }}到期，"
        "请按时还款。",
    )
    done = run(str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 templates, no findings" in done.stdout


def test_the_command_exits_1_and_reports_template_line_and_rule(tmp_path):
    write(
        tmp_path / "en" / "threat.j2",
        front("threat", channel="letter"),
        "Dear {{ name }},\nPay now or you will be arrested.",
    )
    done = run(str(tmp_path), "--preset", "US")
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if "en/threat.j2" in line)
    assert "12" in row and "US-FDCPA-807-THREAT-ARREST" in row
    as_json = run(str(tmp_path), "--preset", "US", "--json")
    assert as_json.returncode == 1
    payload = json.loads(as_json.stdout)
    assert payload["findings"] == [
        {
            "template": "en/threat.j2",
            "id": "threat",
            "line": 12,
            "rule": "US-FDCPA-807-THREAT-ARREST",
            "message": payload["findings"][0]["message"],
            "source": BY_ID["US-FDCPA-807-THREAT-ARREST"].sources["US"],
        }
    ]


def test_the_command_exits_2_on_an_unreadable_library_or_a_bad_preset(tmp_path):
    assert run(str(tmp_path / "missing")).returncode == 2
    broken = tmp_path / "lib"
    (broken / "en").mkdir(parents=True)
    (broken / "en" / "x.j2").write_text("no front matter\n", encoding="utf-8")
    done = run(str(broken))
    assert done.returncode == 2 and "x.j2" in done.stderr
    write(tmp_path / "ok" / "en" / "ok.j2", front("ok", channel="letter"), "Please call us.")
    assert run(str(tmp_path / "ok"), "--preset", "FR").returncode == 2
