"""The template library: versioned files of words (话术), read with their positions.

One file per template version, `<library>/<language>/<id>.j2` (an older version kept beside it
as `<id>.v<version>.j2`): YAML front matter between two `---` lines, then the Jinja body.

```
---
id: m1_reminder_sms
version: 2
tone: reminder            # reminder | negotiation | pressure | warning
stage: {buckets: [M1]}    # or {dpd: [1, 30]}
channel: sms              # sms | email | letter | ivr | robot_call | human_call
audience: debtor          # debtor | guarantor | third_party
language: zh-CN           # zh-CN | en (a BCP 47 tag of a known language family)
state: approved           # draft | approved | retired
approved_by: compliance.li
approved_on: 2026-11-01
opt_out_notice: true      # optional: the text offers an opt-out (US Reg F)
---
{{ name }}您好……{{ amount_due | money }}……
```

Only approved templates can be planned. Every problem is reported as `file:line:column` —
in the front matter at the offending value, in the body at the offending line — and loading
fails on any error, so a library either loads whole or says everything that is wrong.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import yaml

from arrears.strategy.diagnostics import Diagnostic, Severity, StrategyError
from arrears.strategy.model import TONES
from arrears.templates.render import LANGUAGE_FAMILIES, check_body, family

if TYPE_CHECKING:
    from arrears.templates.lint import Finding

CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "ivr", "robot_call", "human_call")
AUDIENCES: tuple[str, ...] = ("debtor", "guarantor", "third_party")
STATES: tuple[str, ...] = ("draft", "approved", "retired")
REQUIRED: tuple[str, ...] = (
    "id",
    "version",
    "tone",
    "stage",
    "channel",
    "audience",
    "language",
    "state",
)
OPTIONAL: tuple[str, ...] = (
    "approved_by",
    "approved_on",
    "opt_out_notice",
    "description",
    "voicemail",  # the lint's flags (arrears.templates.lint), read from `meta`
    "time_barred",
)
SUFFIX = ".j2"
DEFAULT_PRESETS: dict[str, tuple[str, ...]] = {"zh": ("CN",), "en": ("US", "GB")}
"""The compliance presets a template is linted against at approval, by language family."""

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_OPEN_END = 10_000
_BUCKET_DAYS = 30


class TemplateError(StrategyError):
    """A library (or one file) that cannot be used; every problem found is listed."""


class ApprovalError(ValueError):
    """An approval refused: the lint found something, or the template cannot be approved."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


@dataclass(frozen=True)
class Stage:
    """Where in collection a template is meant for: bucket names, or a DPD range (inclusive,
    `hi` None is an open end). Bucket names are those of the strategy that plans with it."""

    buckets: tuple[str, ...] | None = None
    dpd: tuple[int, int | None] | None = None

    def fits(self, bucket: str | None, dpd: int | None) -> bool:
        if self.buckets is not None:
            return bucket is not None and bucket in self.buckets
        if self.dpd is None or dpd is None:
            return False
        lo, hi = self.dpd
        return lo <= dpd and (hi is None or dpd <= hi)

    @property
    def width(self) -> int:
        """How many days it spans (a bucket counts 30): the narrowest fitting stage is picked."""
        if self.buckets is not None:
            return _BUCKET_DAYS * len(self.buckets)
        if self.dpd is None:
            return _OPEN_END
        lo, hi = self.dpd
        return (hi if hi is not None else lo + _OPEN_END) - lo + 1

    def __str__(self) -> str:
        if self.buckets is not None:
            return "bucket " + ", ".join(self.buckets)
        if self.dpd is None:
            return "no stage"
        lo, hi = self.dpd
        return f"dpd {lo}-{hi}" if hi is not None else f"dpd {lo}+"


@dataclass(frozen=True)
class Template:
    """One version of one template in one language, as read from its file."""

    id: str
    version: int
    tone: str
    stage: Stage
    channel: str
    audience: str
    language: str
    state: str
    body: str
    path: Path = Path("<string>")
    body_line: int = 1  # the file line of the body's first line
    approved_by: str | None = None
    approved_on: dt.date | None = None
    opt_out_notice: bool = False
    description: str | None = None
    content_hash: str = ""
    text: str = field(default="", repr=False, compare=False)
    meta: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )  # the whole front matter, as written (other readers' flags included)
    marks: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    @property
    def third_party_safe(self) -> bool:
        """Written for someone who is not the debtor: it tells them nothing of the debt."""
        return self.audience == "third_party"

    def line_of(self, key: str) -> int:
        """The file line of a front-matter key's value (1 when unknown)."""
        return self.marks.get(key, (1, 1))[0]

    def where(self, line: int | None = None) -> str:
        """`file:line`, the line of the front matter's `id` when none is given."""
        return f"{self.path}:{line if line is not None else self.line_of('id')}"

    def __str__(self) -> str:
        return f"{self.id} v{self.version} ({self.language}, {self.state}) {self.where()}"


@dataclass(frozen=True)
class Pick:
    """The library's answer for one contact: the template, or why there is none."""

    template: Template | None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.template is not None


# -- reading one file -------------------------------------------------------------------------


def load_template(path: Path | str) -> Template:
    """One template file; raises TemplateError listing every problem in it."""
    path = Path(path)
    template, diagnostics = parse_template(_read(path), path)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or template is None:
        raise TemplateError(errors or diagnostics)
    return template


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise TemplateError(
            [Diagnostic(str(path), 1, exc.start + 1, "the file is not UTF-8", "error", "encoding")]
        ) from None


def parse_template(text: str, path: Path) -> tuple[Template | None, list[Diagnostic]]:
    """The template in `text` (None when it is unusable) and every diagnostic about it."""
    return _Parser(text, path).parse()


class _Parser:
    def __init__(self, text: str, path: Path) -> None:
        self.text, self.path, self.source = text, path, str(path)
        self.out: list[Diagnostic] = []
        self.marks: dict[str, tuple[int, int]] = {}

    def add(self, line: int, column: int, message: str, severity: Severity = "error") -> None:
        self.out.append(Diagnostic(self.source, line, column, message, severity, "template"))

    def at(self, key: str, message: str, severity: Severity = "error") -> None:
        line, column = self.marks.get(key, self.marks.get(f"{key}#key", (1, 1)))
        self.add(line, column, message, severity)

    def parse(self) -> tuple[Template | None, list[Diagnostic]]:
        lines = self.text.split("\n")
        if not lines or lines[0].rstrip() != "---":
            self.add(1, 1, "a template starts with front matter: a first line '---'")
            return None, self.out
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if close is None:
            self.add(1, 1, "the front matter is not closed: no second line '---'")
            return None, self.out
        data = self.front_matter("\n".join(lines[1:close]))
        if data is None:
            return None, self.out
        body_line = close + 2
        body = "\n".join(lines[close + 1 :])
        fields = self.fields(data)
        if not body.strip():
            self.add(body_line, 1, "the template has no body")
        for problem in check_body(body):
            self.add(body_line + problem.line - 1, 1, problem.message)
        if fields is None or any(d.severity == "error" for d in self.out):
            return None, self.out
        template = Template(
            **fields,
            body=body,
            path=self.path,
            body_line=body_line,
            content_hash=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            text=self.text,
            meta=MappingProxyType(dict(data)),
            marks=MappingProxyType(dict(self.marks)),
        )
        return template, self.out

    def front_matter(self, yaml_text: str) -> dict[str, Any] | None:
        loader = yaml.SafeLoader(yaml_text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 2, mark.column + 1) if mark else (2, 1)
            self.add(line, column, f"front matter YAML: {exc.problem or exc.context}")
            return None
        finally:
            loader.dispose()
        if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
            self.add(2, 1, "the front matter must be a mapping of fields (id: …, version: …)")
            return None
        seen: set[str] = set()
        for key, value in root.value:
            name = str(key.value)
            self.marks[name] = (value.start_mark.line + 2, value.start_mark.column + 1)
            self.marks[f"{name}#key"] = (key.start_mark.line + 2, key.start_mark.column + 1)
            if name in seen:
                self.at(f"{name}#key", f"duplicate key '{name}': only the last would be used")
            seen.add(name)
        return data

    def fields(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        known = (*REQUIRED, *OPTIONAL)
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.at(f"{key}#key", f"unknown field '{key}'{hint}: ignored", "warning")
        missing = [k for k in REQUIRED if k not in data]
        for key in missing:
            self.add(2, 1, f"missing field '{key}' (fields: {', '.join(REQUIRED)})")
        if missing:
            return None
        out: dict[str, Any] = {}
        out["id"] = self.text_field(data, "id")
        if out["id"] is not None and not _ID.match(out["id"]):
            self.at("id", f"id '{out['id']}': letters, digits, '_' and '-' only")
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.at("version", f"version {version!r}: a whole number of at least 1")
        out["version"] = version
        out["tone"] = self.choice(data, "tone", TONES)
        out["channel"] = self.choice(data, "channel", CHANNELS)
        out["audience"] = self.choice(data, "audience", AUDIENCES)
        out["state"] = self.choice(data, "state", STATES)
        out["language"] = self.language(data)
        out["stage"] = self.stage(data["stage"])
        out.update(self.approval(data, out["state"]))
        opt_out = data.get("opt_out_notice", False)
        if not isinstance(opt_out, bool):
            self.at("opt_out_notice", f"opt_out_notice {opt_out!r}: true or false")
        out["opt_out_notice"] = bool(opt_out)
        description = data.get("description")
        out["description"] = None if description is None else str(description)
        self.placement(out)
        return out

    def text_field(self, data: Mapping[str, Any], key: str) -> str | None:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.at(key, f"{key} {value!r}: a non-empty text")
            return None
        return value.strip()

    def choice(self, data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.at(key, f"{key} {value!r} is not one of {', '.join(allowed)}{hint}")
            return None
        return str(value)

    def language(self, data: Mapping[str, Any]) -> str | None:
        value = self.text_field(data, "language")
        if value is None:
            return None
        if not _TAG.match(value):
            self.at("language", f"language '{value}' is not a BCP 47 tag (zh-CN, en, en-GB …)")
        elif family(value) not in LANGUAGE_FAMILIES:
            known = ", ".join(LANGUAGE_FAMILIES)
            self.at(
                "language",
                f"language '{value}': amounts and dates have no format for it "
                f"(language families: {known})",
            )
        return value

    def stage(self, value: Any) -> Stage:
        usage = "stage: {buckets: [M1, …]} or {dpd: [lo, hi]} (hi null for an open end)"
        if not isinstance(value, dict) or len(value) != 1 or not {"buckets", "dpd"} & set(value):
            self.at("stage", usage)
            return Stage()
        if "buckets" in value:
            buckets = value["buckets"]
            if isinstance(buckets, str):
                buckets = [buckets]
            if (
                not isinstance(buckets, list)
                or not buckets
                or not all(isinstance(b, str) and b for b in buckets)
            ):
                self.at("stage", f"stage buckets {buckets!r}: a list of bucket names")
                return Stage()
            return Stage(buckets=tuple(buckets))
        span = value["dpd"]
        ok = (
            isinstance(span, list)
            and len(span) == 2
            and isinstance(span[0], int)
            and not isinstance(span[0], bool)
            and span[0] >= 0
            and (span[1] is None or (isinstance(span[1], int) and span[1] >= span[0]))
        )
        if not ok:
            self.at("stage", f"stage dpd {span!r}: [lo, hi] with 0 <= lo <= hi, hi null = open end")
            return Stage()
        return Stage(dpd=(int(span[0]), None if span[1] is None else int(span[1])))

    def approval(self, data: Mapping[str, Any], state: str | None) -> dict[str, Any]:
        by = data.get("approved_by")
        on = data.get("approved_on")
        if isinstance(on, str):
            try:
                on = dt.date.fromisoformat(on)
            except ValueError:
                self.at("approved_on", f"approved_on {on!r}: a date YYYY-MM-DD")
                on = None
        elif on is not None and not isinstance(on, dt.date):
            self.at("approved_on", f"approved_on {on!r}: a date YYYY-MM-DD")
            on = None
        if by is not None and (not isinstance(by, str) or not by.strip()):
            self.at("approved_by", f"approved_by {by!r}: the approver's name or id")
            by = None
        if state == "approved":
            if by is None:
                self.at("state", "an approved template names its approver: approved_by")
            if on is None:
                self.at("state", "an approved template says when: approved_on (YYYY-MM-DD)")
        return {"approved_by": by.strip() if isinstance(by, str) else None, "approved_on": on}

    def placement(self, fields: Mapping[str, Any]) -> None:
        """`<library>/<language>/<id>.j2`: the folder is the language, the name the id."""
        language, template_id = fields.get("language"), fields.get("id")
        if self.path.name == "<string>" or language is None or template_id is None:
            return
        folder = self.path.parent.name
        if folder != language:
            self.at(
                "language",
                f"language '{language}' is in folder '{folder}/': "
                f"a template lives in <library>/{language}/",
            )
        stem = self.path.name.removesuffix(SUFFIX)
        if stem not in (template_id, f"{template_id}.v{fields.get('version')}"):
            self.at(
                "id",
                f"id '{template_id}' is in file '{self.path.name}': name it "
                f"{template_id}{SUFFIX} (or {template_id}.v<version>{SUFFIX} for an older "
                "version kept beside it)",
            )


# -- the library ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """Every template version under one folder. Immutable: reload to see changed files."""

    root: Path
    templates: tuple[Template, ...]
    warnings: tuple[Diagnostic, ...] = ()

    @classmethod
    def load(cls, path: Path | str) -> Library:
        """Read `<path>/<language>/*.j2`; raises TemplateError listing every error found."""
        root = Path(path)
        if not root.is_dir():
            raise TemplateError(
                [
                    Diagnostic(
                        str(root),
                        1,
                        1,
                        "no template library here (not a folder)",
                        "error",
                        "templates",
                    )
                ]
            )
        diagnostics: list[Diagnostic] = []
        templates: list[Template] = []
        for stray in sorted(root.glob(f"*{SUFFIX}")):
            diagnostics.append(
                Diagnostic(
                    str(stray),
                    1,
                    1,
                    "a template lives in <library>/<language>/<id>.j2",
                    "error",
                    "template",
                )
            )
        for file in sorted(root.glob(f"*/*{SUFFIX}")):
            try:
                text = _read(file)
            except TemplateError as exc:
                diagnostics.extend(exc.diagnostics)
                continue
            template, found = parse_template(text, file)
            diagnostics.extend(found)
            if template is not None:
                templates.append(template)
        if not templates and not diagnostics:
            diagnostics.append(
                Diagnostic(
                    str(root),
                    1,
                    1,
                    f"no templates (<language>/<id>{SUFFIX}) here",
                    "error",
                    "templates",
                )
            )
        diagnostics.extend(_clashes(templates))
        if any(d.severity == "error" for d in diagnostics):
            raise TemplateError(d for d in diagnostics if d.severity == "error")
        ordered = sorted(templates, key=lambda t: (t.language, t.id, t.version))
        return cls(root, tuple(ordered), tuple(diagnostics))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({t.language for t in self.templates}))

    @property
    def content_hash(self) -> str:
        """One hash of every file (by path and content): which library a run planned with."""
        digest = hashlib.sha256()
        for t in sorted(self.templates, key=lambda t: str(t.path)):
            digest.update(f"{t.path.relative_to(self.root)}\0{t.content_hash}\n".encode())
        return digest.hexdigest()

    def ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.templates)

    def approved(self) -> tuple[Template, ...]:
        return tuple(t for t in self.templates if t.approved)

    def versions(self, template_id: str, language: str | None = None) -> tuple[Template, ...]:
        """Every version of an id (in one language when given), oldest first."""
        return tuple(
            t
            for t in self.templates
            if t.id == template_id and (language is None or t.language == language)
        )

    def get(self, template_id: str, language: str, version: int | None = None) -> Template | None:
        """A version of an id in a language: the given one, else the approved one."""
        found = self.versions(template_id, language)
        if version is not None:
            return next((t for t in found if t.version == version), None)
        return next((t for t in found if t.approved), None)

    def pick(
        self,
        *,
        channel: str,
        audience: str,
        language: str | None,
        bucket: str | None = None,
        dpd: int | None = None,
        tone: str | None = None,
        template_id: str | None = None,
    ) -> Pick:
        """The approved template for one contact, by the planner's own rule, or why none.

        `audience` is a template audience or a contact role (`emergency` → `third_party`).
        With `template_id` the id must be approved and fit; without it, the tone picks
        (default `reminder`). See `arrears.templates.resolve.match` for the ranking.
        """
        from arrears.templates.resolve import AUDIENCE_OF_ROLE, match_one

        found = match_one(
            self,
            channel=channel,
            audience=AUDIENCE_OF_ROLE.get(audience),
            role=audience,
            language=language,
            bucket=bucket,
            dpd=dpd,
            tone=tone or "reminder",
            template_id=template_id,
        )
        if isinstance(found, str):
            return Pick(None, found)
        return Pick(found)

    def approve(
        self,
        template: Template,
        approver: str,
        on: dt.date,
        *,
        presets: Sequence[str] | None = None,
        write: bool = False,
    ) -> Template:
        """The template approved by `approver` on `on`, after the compliance lint found nothing.

        Refused (ApprovalError) when the lint finds anything (its findings are on the error),
        when the lint is not installed (approval fails closed), for a template already approved
        or retired, and while another version of the id is approved in that language (retire
        it first). `presets` default to the language's (zh → CN; en → US, GB). `write=True`
        rewrites the file's front matter in place.
        """
        if not approver.strip():
            raise ApprovalError("an approval names its approver")
        if template.state != "draft":
            raise ApprovalError(
                f"{template.where()}: '{template.id}' v{template.version} is {template.state}: "
                "only a draft can be approved (write a new version to change an approved or "
                "retired text)"
            )
        current = self.get(template.id, template.language)
        if current is not None and current.version != template.version:
            raise ApprovalError(
                f"{current.where()}: version {current.version} of '{template.id}' is approved "
                f"in {template.language}: retire it before approving version {template.version}"
            )
        try:
            from arrears.templates.lint import lint_template
        except ImportError:
            raise ApprovalError(
                "the template lint (arrears.templates.lint) is not available: nothing is "
                "approved without it"
            ) from None
        wanted = (
            tuple(presets) if presets is not None else DEFAULT_PRESETS[family(template.language)]
        )
        findings = lint_template(template, wanted)
        if findings:
            listed = "; ".join(f"{template.where(f.line)}: {f.rule}: {f.message}" for f in findings)
            raise ApprovalError(
                f"'{template.id}' v{template.version} not approved: the lint found "
                f"{len(findings)} problem{'s' if len(findings) != 1 else ''}: {listed}",
                findings,
            )
        text = set_front_matter(
            template.text,
            {"state": "approved", "approved_by": approver.strip(), "approved_on": on.isoformat()},
        )
        approved = replace(
            template,
            state="approved",
            approved_by=approver.strip(),
            approved_on=on,
            text=text,
            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            meta=MappingProxyType(
                {**template.meta, "state": "approved", "approved_by": approver, "approved_on": on}
            ),
        )
        if write:
            template.path.write_text(text, encoding="utf-8")
        return approved


def _clashes(templates: Sequence[Template]) -> list[Diagnostic]:
    """Two files of one (id, language, version), or two approved versions of one (id, language):
    the planner would not know which words to use."""
    out: list[Diagnostic] = []
    by_version: dict[tuple[str, str, int], Template] = {}
    approved: dict[tuple[str, str], Template] = {}
    for t in templates:
        key = (t.id, t.language, t.version)
        if key in by_version:
            first = by_version[key]
            message = (
                f"'{t.id}' v{t.version} ({t.language}) is also in {first.where()}: "
                "a version is one file"
            )
            line, column = t.marks.get("version", (1, 1))
            out.append(Diagnostic(str(t.path), line, column, message, "error", "template"))
        by_version.setdefault(key, t)
        if t.approved:
            pair = (t.id, t.language)
            if pair in approved:
                first = approved[pair]
                message = (
                    f"'{t.id}' ({t.language}) has two approved versions, {first.version} "
                    f"({first.where()}) and {t.version}: retire one"
                )
                line, column = t.marks.get("state", (1, 1))
                out.append(Diagnostic(str(t.path), line, column, message, "error", "template"))
            approved.setdefault(pair, t)
    return out


def set_front_matter(text: str, updates: Mapping[str, str]) -> str:
    """`text` with front-matter keys set (a line replaced, or added after `state`), comments
    and everything else as they were."""
    lines = text.split("\n")
    close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    pending = dict(updates)
    for i in range(1, close):
        match = re.match(r"^([A-Za-z_]+)(\s*:\s*)([^#]*?)(\s*#.*)?$", lines[i])
        if match and match.group(1) in pending:
            key = match.group(1)
            lines[i] = f"{key}{match.group(2)}{pending.pop(key)}{match.group(4) or ''}"
    if pending:
        state_at = next((i for i in range(1, close) if lines[i].startswith("state")), close - 1)
        lines[state_at + 1 : state_at + 1] = [f"{k}: {v}" for k, v in pending.items()]
    return "\n".join(lines)
