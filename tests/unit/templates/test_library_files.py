"""Template files: the front matter read with positions, every problem at its file line."""

from __future__ import annotations

import datetime as dt
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from arrears.templates.library import (
    ApprovalError,
    Library,
    Stage,
    TemplateError,
    load_template,
    set_front_matter,
)
from template_files import write_template


def errors_of(path: Path) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    return [str(d) for d in caught.value.diagnostics]


def test_a_template_file_loads_with_every_field_and_its_body_line(tmp_path: Path) -> None:
    path = write_template(
        tmp_path,
        id="m1_reminder_sms",
        version=2,
        stage="{dpd: [1, 30]}",
        language="zh-CN",
        opt_out_notice="true",
        body="{{ name }}您好\n第二行",
    )
    t = load_template(path)
    assert (t.id, t.version, t.tone, t.channel, t.audience, t.language, t.state) == (
        "m1_reminder_sms",
        2,
        "reminder",
        "sms",
        "debtor",
        "zh-CN",
        "approved",
    )
    assert t.stage == Stage(dpd=(1, 30))
    assert (t.approved_by, t.approved_on, t.opt_out_notice) == (
        "compliance.smith",
        dt.date(2026, 11, 1),
        True,
    )
    assert t.body == "{{ name }}您好\n第二行\n"
    assert t.body_line == 14  # 11 fields between the two '---'
    assert path.read_text(encoding="utf-8").split("\n")[t.body_line - 1] == "{{ name }}您好"
    assert t.line_of("version") == 3
    assert t.where() == f"{path}:2"
    assert len(t.content_hash) == 64


@pytest.mark.parametrize(
    ("field", "value", "line", "message"),
    [
        (
            "tone",
            "presure",
            4,
            "tone 'presure' is not one of reminder, negotiation, pressure, "
            "warning (did you mean 'pressure'?)",
        ),
        ("channel", "fax", 6, "channel 'fax' is not one of"),
        (
            "audience",
            "emergency",
            7,
            "audience 'emergency' is not one of debtor, guarantor, third_party",
        ),
        ("state", "live", 9, "state 'live' is not one of draft, approved, retired"),
        ("version", 0, 3, "version 0: a whole number of at least 1"),
        ("stage", "{bucket: [M1]}", 5, "stage: {buckets: [M1, …]} or {dpd: [lo, hi]}"),
        ("stage", "{dpd: [30, 1]}", 5, "stage dpd [30, 1]"),
        ("approved_on", "'yesterday'", 11, "approved_on 'yesterday': a date YYYY-MM-DD"),
        ("language", "fr", 8, "language 'fr': amounts and dates have no format for it"),
    ],
)
def test_a_bad_front_matter_value_is_reported_at_its_line(
    tmp_path: Path, field: str, value: object, line: int, message: str
) -> None:
    extra = {"file": "t1"} if field == "language" else {}
    path = write_template(tmp_path, **{field: value}, **extra)
    found = errors_of(path)
    assert any(e.startswith(f"{path}:{line}:") and message in e for e in found), found


def test_an_approved_template_names_its_approver_and_date(tmp_path: Path) -> None:
    path = write_template(tmp_path, approved_by=None, approved_on=None)
    found = errors_of(path)
    assert any(f"{path}:9:" in e and "approved_by" in e for e in found), found
    assert any("approved_on" in e for e in found), found
    draft = write_template(tmp_path / "d", state="draft", approved_by=None, approved_on=None)
    assert load_template(draft).state == "draft"


def test_a_missing_field_a_missing_fence_and_an_empty_body_are_errors(tmp_path: Path) -> None:
    assert any("missing field 'tone'" in e for e in errors_of(write_template(tmp_path, tone=None)))
    bare = tmp_path / "en" / "bare.j2"
    bare.write_text("id: bare\n", encoding="utf-8")
    assert errors_of(bare) == [
        f"{bare}:1:1: error: a template starts with front matter: a first line '---'"
    ]
    open_ = tmp_path / "en" / "open.j2"
    open_.write_text("---\nid: open\n", encoding="utf-8")
    assert "not closed" in errors_of(open_)[0]
    empty = write_template(tmp_path / "e", body="   ")
    assert any(e.startswith(f"{empty}:13:") and "no body" in e for e in errors_of(empty))


def test_a_body_that_reaches_internals_is_refused_at_its_file_line(tmp_path: Path) -> None:
    path = write_template(tmp_path, body="Hi {{ name }}\n{{ ''.__class__.__mro__ }}")
    found = errors_of(path)
    assert any(
        e.startswith(f"{path}:14:") and "'__class__' reaches Python internals" in e for e in found
    ), found
    syntax = write_template(tmp_path / "s", body="Hi {{ name }\n")
    assert any("template syntax" in e for e in errors_of(syntax))


def test_the_folder_is_the_language_and_the_file_name_the_id(tmp_path: Path) -> None:
    path = write_template(tmp_path, id="t1", file="other")
    assert any("name it t1.j2" in e for e in errors_of(path))
    moved = tmp_path / "zh-CN" / "t1.j2"
    moved.parent.mkdir()
    path.replace(moved)
    assert any("is in folder 'zh-CN/'" in e for e in errors_of(moved))
    kept = write_template(tmp_path / "k", id="t1", version=1, file="t1.v1", state="retired")
    assert load_template(kept).version == 1


def test_unknown_fields_warn_with_a_suggestion_and_the_lints_flags_are_known(
    tmp_path: Path,
) -> None:
    write_template(tmp_path, aproved_by="x", voicemail="false")
    library = Library.load(tmp_path)
    [warning] = library.warnings
    assert warning.severity == "warning"
    assert "unknown field 'aproved_by' (did you mean 'approved_by'?)" in warning.message
    assert library.templates[0].meta["voicemail"] is False


def test_a_library_loads_every_language_and_refuses_clashing_versions(tmp_path: Path) -> None:
    write_template(tmp_path, id="a", language="en")
    write_template(tmp_path, id="a", language="zh-CN")
    write_template(tmp_path, id="a", language="en", version=2, file="a.v2", state="draft")
    library = Library.load(tmp_path)
    assert library.languages == ("en", "zh-CN")
    assert [t.version for t in library.versions("a", "en")] == [1, 2]
    assert library.get("a", "en") is not None and library.get("a", "en").version == 1  # type: ignore[union-attr]
    assert library.get("a", "en", 2).state == "draft"  # type: ignore[union-attr]
    write_template(tmp_path, id="a", language="en", version=3, file="a.v3")
    with pytest.raises(TemplateError, match="two approved versions, 1"):
        Library.load(tmp_path)


def test_a_library_that_is_not_there_or_holds_stray_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no template library here"):
        Library.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TemplateError, match="no templates"):
        Library.load(tmp_path / "empty")
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "x.j2").write_text("---\n---\nx\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"<library>/<language>/<id>\.j2"):
        Library.load(tmp_path / "stray")


def test_setting_front_matter_keeps_comments_and_adds_what_is_missing() -> None:
    text = "---\nid: a\nstate: draft           # draft | approved\ntone: reminder\n---\nbody\n"
    out = set_front_matter(text, {"state": "approved", "approved_by": "li"})
    assert out == (
        "---\nid: a\nstate: approved           # draft | approved\napproved_by: li\n"
        "tone: reminder\n---\nbody\n"
    )


# -- approval ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeFinding:
    rule: str
    line: int
    message: str


def fake_lint(monkeypatch: pytest.MonkeyPatch, findings: list[FakeFinding]) -> list[tuple]:
    """Install a stand-in `arrears.templates.lint` that records its calls."""
    calls: list[tuple] = []
    module = types.ModuleType("arrears.templates.lint")

    def lint_template(template: object, presets: object) -> list[FakeFinding]:
        calls.append((template, tuple(presets)))  # type: ignore[arg-type]
        return findings

    module.lint_template = lint_template  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "arrears.templates.lint", module)
    return calls


def draft_library(tmp_path: Path, **fields: object) -> tuple[Library, Path]:
    path = write_template(tmp_path, state="draft", approved_by=None, approved_on=None, **fields)
    return Library.load(tmp_path), path


def test_approval_is_refused_when_the_lint_finds_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library, path = draft_library(tmp_path)
    calls = fake_lint(monkeypatch, [FakeFinding("US-THREAT", 13, "threatens arrest")])
    with pytest.raises(ApprovalError) as caught:
        library.approve(library.templates[0], "compliance.li", dt.date(2026, 11, 2))
    assert f"{path}:13: US-THREAT: threatens arrest" in str(caught.value)
    assert [f.rule for f in caught.value.findings] == ["US-THREAT"]
    assert calls[0][1] == ("US", "GB")  # an en template: the US and GB presets
    assert load_template(path).state == "draft"


def test_approval_with_a_clean_lint_records_approver_and_date_and_can_write_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library, path = draft_library(tmp_path, language="zh-CN")
    calls = fake_lint(monkeypatch, [])
    approved = library.approve(
        library.templates[0], "compliance.li", dt.date(2026, 11, 2), write=True
    )
    assert calls[0][1] == ("CN",)
    assert (approved.state, approved.approved_by, approved.approved_on) == (
        "approved",
        "compliance.li",
        dt.date(2026, 11, 2),
    )
    reread = load_template(path)
    assert (reread.state, reread.approved_by, reread.approved_on) == (
        "approved",
        "compliance.li",
        dt.date(2026, 11, 2),
    )
    assert reread.body == library.templates[0].body


def test_approval_is_refused_without_the_lint_and_for_what_is_not_a_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library, _ = draft_library(tmp_path / "a")
    monkeypatch.setitem(sys.modules, "arrears.templates.lint", None)  # import fails
    with pytest.raises(ApprovalError, match=r"lint .* is not available"):
        library.approve(library.templates[0], "li", dt.date(2026, 11, 2))
    fake_lint(monkeypatch, [])
    with pytest.raises(ApprovalError, match="names its approver"):
        library.approve(library.templates[0], " ", dt.date(2026, 11, 2))
    write_template(tmp_path / "b")
    write_template(
        tmp_path / "b", version=2, file="t1.v2", state="draft", approved_by=None, approved_on=None
    )
    write_template(tmp_path / "b", version=3, file="t1.v3", state="retired")
    both = Library.load(tmp_path / "b")
    v1, v2, v3 = both.versions("t1")
    with pytest.raises(ApprovalError, match="is approved: only a draft can be approved"):
        both.approve(v1, "li", dt.date(2026, 11, 2))
    with pytest.raises(ApprovalError, match="is retired"):
        both.approve(v3, "li", dt.date(2026, 11, 2))
    with pytest.raises(ApprovalError, match="version 1 of 't1' is approved in en: retire it"):
        both.approve(v2, "li", dt.date(2026, 11, 2))


def test_the_real_lint_refuses_a_threat_and_approves_a_plain_reminder(tmp_path: Path) -> None:
    pytest.importorskip("arrears.templates.lint")  # skipped only while the lint is not there
    library, _ = draft_library(
        tmp_path / "bad",
        body="Pay {{ amount_due | money }} today or we will have you arrested and tell your "
        "employer. Reply STOP to opt out.",
        opt_out_notice="true",
    )
    with pytest.raises(ApprovalError) as caught:
        library.approve(library.templates[0], "li", dt.date(2026, 11, 2))
    assert caught.value.findings
    clean, _ = draft_library(
        tmp_path / "good",
        body="{{ lender }}: Hi {{ name }}, {{ amount_due | money }} was due on "
        "{{ due_date | day }}. Please pay at {{ payment_link }}.\nReply STOP to opt out.",
        opt_out_notice="true",
    )
    approved = clean.approve(clean.templates[0], "li", dt.date(2026, 11, 2))
    assert approved.approved
