"""Template lint: the words of a collection template checked against each jurisdiction's law.

The rules are data, `lint_rules/*.yaml` (one file per jurisdiction plus `common.yaml`): each
names the presets, channels, audiences and tones it applies to, its patterns (regular
expressions, English and Chinese, case-insensitive) and its legal source. A template is linted
twice over:

* its **raw body** (the Jinja): which variables and filters it uses, with their lines
  (`amount_due` or `|money` in a template for a third party reveals the debt);
* its **literal text**: the body with every `{{ expression }}` replaced by `«variable»` and
  every `{% tag %}` / `{# comment #}` blanked, line breaks kept, so a finding's line is the
  template file's line.

Kinds of rule: `content` (forbidden patterns, variables, filters), `near` (a debt word next
to the lender), `opt_out` (the US opt-out notice of electronic messages), `limited_content`
(the US voicemail whitelist) and `syntax` (a body that does not parse cannot be checked).
See docs/template-lint.md for every rule, its source and the limits of pattern matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
import yaml
from jinja2 import nodes

if TYPE_CHECKING:
    from rich.console import Console

RULES_DIR = Path(__file__).with_name("lint_rules")

# The template format's vocabulary (shared with the template library).
PRESETS: tuple[str, ...] = ("CN", "US", "GB")  # = arrears.compliance.presets.KNOWN_PRESETS
CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "ivr", "robot_call", "human_call")
AUDIENCES: tuple[str, ...] = ("debtor", "guarantor", "third_party")
TONES: tuple[str, ...] = ("reminder", "negotiation", "pressure", "warning")
LANGUAGES: tuple[str, ...] = ("zh", "en")  # language families: zh-CN -> zh, en-GB -> en
FLAGS: tuple[str, ...] = ("opt_out_notice", "voicemail", "time_barred")
KINDS: tuple[str, ...] = ("content", "near", "opt_out", "limited_content", "syntax")

_RULE_KEYS = {
    "id", "summary", "kind", "presets", "channels", "audiences", "tones", "languages", "when",
    "patterns", "variables", "filters", "anchors", "within", "negatable", "allowable",
    "elements", "allowed_variables", "filler", "source", "note", "examples",
}  # fmt: skip
_EXAMPLE_KEYS = {"body", "channel", "audience", "tone", "language", "presets", *FLAGS}


class LintRuleError(ValueError):
    """A rule file that cannot be used (unknown key, bad regex, unknown preset …)."""


class TemplateReadError(ValueError):
    """A template file that cannot be read (no front matter, bad YAML, unknown values)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int  # the template file's line (body_line + offset in the body)
    message: str
    source: str  # the legal source of the rule, for the presets linted


class LintableTemplate(Protocol):
    """What the lint reads of a template (the library's `Template` has at least these)."""

    @property
    def id(self) -> str: ...
    @property
    def tone(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def body_line(self) -> int: ...


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Element:
    """One kind of content a limited-content message may hold."""

    name: str
    description: str
    required: bool
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    kind: str
    presets: tuple[str, ...]
    sources: Mapping[str, str]  # preset -> source
    channels: frozenset[str]
    audiences: frozenset[str]
    tones: frozenset[str]
    languages: frozenset[str]
    when: Mapping[str, bool] = field(default_factory=dict)
    patterns: tuple[re.Pattern[str], ...] = ()
    variables: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    anchors: tuple[re.Pattern[str], ...] = ()
    within: int = 40
    negatable: bool = False
    allowable: bool = False
    elements: tuple[Element, ...] = ()
    allowed_variables: frozenset[str] = frozenset()
    filler: frozenset[str] = frozenset()
    examples: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    file: str = ""

    def applies(self, ctx: Context) -> bool:
        return (
            any(p in self.presets for p in ctx.presets)
            and ctx.channel in self.channels
            and ctx.audience in self.audiences
            and ctx.tone in self.tones
            and language_family(ctx.language) in self.languages
            and all(ctx.flags.get(k, False) == v for k, v in self.when.items())
        )

    def source_for(self, presets: Sequence[str]) -> str:
        seen: list[str] = []
        for p in self.presets:
            if p in presets and self.sources[p] not in seen:
                seen.append(self.sources[p])
        return " | ".join(seen)


def compile_pattern(text: str) -> re.Pattern[str]:
    """Compile a rule pattern: case-insensitive; a space outside a character class matches
    any run of whitespace, line breaks included (so a phrase may wrap in a letter); a space
    followed by a quantifier (`' ?'`) is one optional whitespace character."""
    out: list[str] = []
    in_class = escaped = False
    for i, ch in enumerate(text):
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            in_class = ch != "]"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == " ":
            quantified = i + 1 < len(text) and text[i + 1] in "?*+{"
            out.append(r"\s" if quantified else r"\s+")
        else:
            out.append(ch)
    return re.compile("".join(out), re.IGNORECASE)


def language_family(language: str) -> str:
    """`zh-CN` -> `zh`, `en-GB` -> `en`: rules apply by language family."""
    return language.split("-")[0].lower()


def _words(value: Any, vocabulary: Sequence[str], what: str, rule_id: str) -> frozenset[str]:
    if value is None or value == "all":
        return frozenset(vocabulary)
    items = [value] if isinstance(value, str) else list(value)
    if vocabulary is LANGUAGES:
        items = [language_family(str(v)) for v in items]
    unknown = [v for v in items if v not in vocabulary]
    if unknown or not items:
        raise LintRuleError(
            f"{rule_id}: {what} {unknown or items} (one of: {', '.join(vocabulary)})"
        )
    return frozenset(items)


def _patterns(
    value: Any, sets: Mapping[str, list[str]], rule_id: str, what: str
) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise LintRuleError(f"{rule_id}: {what} must be a list")
    texts: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise LintRuleError(f"{rule_id}: {what}: {item!r} is not a string")
        if item.startswith("@"):
            if item[1:] not in sets:
                raise LintRuleError(f"{rule_id}: {what}: unknown pattern set {item}")
            texts.extend(sets[item[1:]])
        else:
            texts.append(item)
    compiled = []
    for t in texts:
        try:
            compiled.append(compile_pattern(t))
        except re.error as exc:
            raise LintRuleError(f"{rule_id}: {what}: bad regular expression {t!r}: {exc}") from None
    return tuple(compiled)


def _sources(value: Any, presets: tuple[str, ...], rule_id: str) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {p: " ".join(value.split()) for p in presets}
    if isinstance(value, Mapping):
        missing = [p for p in presets if not str(value.get(p, "")).strip()]
        if missing:
            raise LintRuleError(f"{rule_id}: source: no source for {', '.join(missing)}")
        return {p: " ".join(str(value[p]).split()) for p in presets}
    raise LintRuleError(f"{rule_id}: every rule needs its legal source (source:)")


def _examples(value: Any, rule_id: str) -> dict[str, tuple[Mapping[str, Any], ...]]:
    out: dict[str, tuple[Mapping[str, Any], ...]] = {}
    if value is None:
        return out
    if not isinstance(value, Mapping) or set(value) - {"fails", "passes"}:
        raise LintRuleError(f"{rule_id}: examples: a mapping with fails: and passes:")
    for key in ("fails", "passes"):
        items = []
        for ex in value.get(key) or []:
            ex = {"body": ex} if isinstance(ex, str) else ex
            if not isinstance(ex, Mapping) or "body" not in ex or set(ex) - _EXAMPLE_KEYS:
                raise LintRuleError(f"{rule_id}: examples.{key}: {ex!r} (keys: {_EXAMPLE_KEYS})")
            items.append(dict(ex))
        out[key] = tuple(items)
    return out


def _elements(value: Any, sets: Mapping[str, list[str]], rule_id: str) -> tuple[Element, ...]:
    if not isinstance(value, list) or not value:
        raise LintRuleError(f"{rule_id}: elements: a list of {{name, description, patterns}}")
    out = []
    for el in value:
        if not isinstance(el, Mapping) or not {"name", "patterns"} <= set(el):
            raise LintRuleError(f"{rule_id}: elements: {el!r}")
        name = str(el["name"])
        out.append(
            Element(
                name=name,
                description=str(el.get("description", name)),
                required=bool(el.get("required", False)),
                patterns=_patterns(el["patterns"], sets, rule_id, f"elements.{name}"),
            )
        )
    return tuple(out)


def _rule(raw: Mapping[str, Any], sets: Mapping[str, list[str]], file: str) -> Rule:
    rule_id = str(raw.get("id", "")).strip()
    if not rule_id or not re.fullmatch(r"[A-Z][A-Z0-9.-]*", rule_id):
        raise LintRuleError(f"{file}: rule id {rule_id!r} (upper case, digits, '.', '-')")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise LintRuleError(f"{rule_id}: unknown keys {sorted(unknown)}")
    kind = str(raw.get("kind", "content"))
    if kind not in KINDS:
        raise LintRuleError(f"{rule_id}: kind {kind!r} (one of: {', '.join(KINDS)})")
    presets = tuple(sorted(_words(raw.get("presets"), PRESETS, "presets", rule_id)))
    when = raw.get("when") or {}
    if not isinstance(when, Mapping) or set(when) - set(FLAGS):
        raise LintRuleError(f"{rule_id}: when: flags among {', '.join(FLAGS)}")
    summary = " ".join(str(raw.get("summary", "")).split())
    if not summary:
        raise LintRuleError(f"{rule_id}: summary is required")
    rule = Rule(
        id=rule_id,
        summary=summary,
        kind=kind,
        presets=presets,
        sources=_sources(raw.get("source"), presets, rule_id),
        channels=_words(raw.get("channels"), CHANNELS, "channels", rule_id),
        audiences=_words(raw.get("audiences"), AUDIENCES, "audiences", rule_id),
        tones=_words(raw.get("tones"), TONES, "tones", rule_id),
        languages=_words(raw.get("languages"), LANGUAGES, "languages", rule_id),
        when={str(k): bool(v) for k, v in when.items()},
        patterns=_patterns(raw.get("patterns"), sets, rule_id, "patterns"),
        variables=tuple(raw.get("variables") or ()),
        filters=tuple(raw.get("filters") or ()),
        anchors=_patterns(raw.get("anchors"), sets, rule_id, "anchors"),
        within=int(raw.get("within", 40)),
        negatable=bool(raw.get("negatable", False)),
        allowable=bool(raw.get("allowable", False)),
        elements=_elements(raw["elements"], sets, rule_id) if kind == "limited_content" else (),
        allowed_variables=frozenset(raw.get("allowed_variables") or ()),
        filler=frozenset(str(w).lower() for w in raw.get("filler") or ()),
        examples=_examples(raw.get("examples"), rule_id),
        file=file,
    )
    needs = {
        "content": rule.patterns or rule.variables or rule.filters,
        "near": rule.patterns and (rule.anchors or rule.variables),
        "opt_out": rule.patterns,
        "limited_content": rule.elements,
        "syntax": True,
    }
    if not needs[kind]:
        raise LintRuleError(f"{rule_id}: a {kind} rule without what it checks")
    return rule


@cache
def load_rules(directory: Path = RULES_DIR) -> tuple[Rule, ...]:
    """Every rule of the rule files in `directory` (common.yaml's pattern sets are shared)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LintRuleError(f"{directory}: no rule files")
    docs: list[tuple[str, Mapping[str, Any]]] = []
    sets: dict[str, list[str]] = {}
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise LintRuleError(f"{path.name}: {exc}") from None
        if not isinstance(doc, Mapping) or set(doc) - {"jurisdiction", "pattern_sets", "rules"}:
            raise LintRuleError(f"{path.name}: top level is jurisdiction, pattern_sets, rules")
        for name, items in (doc.get("pattern_sets") or {}).items():
            if name in sets or not isinstance(items, list):
                raise LintRuleError(f"{path.name}: pattern set {name}: duplicate or not a list")
            sets[str(name)] = [str(i) for i in items]
        docs.append((path.name, doc))
    rules: list[Rule] = []
    for name, doc in docs:
        for raw in doc.get("rules") or []:
            rules.append(_rule(raw, sets, name))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise LintRuleError(f"duplicate rule ids: {', '.join(dupes)}")
    return tuple(rules)


# ---------------------------------------------------------------------------------------------
# The body: raw (variables, filters) and literal text


@dataclass(frozen=True)
class Context:
    channel: str
    audience: str
    language: str
    tone: str
    presets: tuple[str, ...]
    flags: Mapping[str, bool]


_JINJA = re.compile(r"\{\{(.*?)\}\}|\{%.*?%\}|\{#(.*?)#\}", re.DOTALL)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_ALLOW = re.compile(r"^\s*lint:\s*allow\s+([A-Z0-9.,\s-]+?)(?:\s+(?:-|—|:|because)\s.*)?\s*$", re.S)
_ENV = jinja2.Environment(autoescape=False)


@dataclass(frozen=True)
class Body:
    raw: str
    text: str  # literal text: «variable» for each expression, same line breaks
    names: tuple[tuple[str, int], ...]  # variables read, with their body line (1-based)
    filters: tuple[tuple[str, int], ...]
    allows: Mapping[int, frozenset[str]]  # body line -> rule ids a lint-allow comment names
    syntax_error: tuple[int, str] | None
    line_starts: tuple[int, ...]

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.line_starts)
        while lo < hi:  # last line start <= offset
            mid = (lo + hi) // 2
            if self.line_starts[mid] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _placeholder(expression: str) -> str:
    stripped = expression.strip().lstrip("-").strip()
    m = _IDENT.match(stripped.lstrip("("))
    return f"«{m.group(0)}»" if m else "«…»"


def parse_body(raw: str) -> Body:
    allows: dict[int, set[str]] = {}
    pieces: list[str] = []
    last = 0
    for m in _JINJA.finditer(raw):
        pieces.append(raw[last : m.start()])
        newlines = m.group(0).count("\n")
        if m.group(1) is not None:
            pieces.append(_placeholder(m.group(1)) + "\n" * newlines)
        else:
            pieces.append(" " + "\n" * newlines)
            allow = _ALLOW.match(m.group(2) or "")
            if allow:
                line = raw.count("\n", 0, m.start()) + 1
                ids = frozenset(i for i in re.split(r"[\s,]+", allow.group(1)) if i)
                for ln in (line, line + newlines + 1):  # its own line and the next one
                    allows.setdefault(ln, set()).update(ids)
        last = m.end()
    pieces.append(raw[last:])
    text = "".join(pieces)
    names: list[tuple[str, int]] = []
    filters: list[tuple[str, int]] = []
    error: tuple[int, str] | None = None
    try:
        tree = _ENV.parse(raw)
    except jinja2.TemplateSyntaxError as exc:
        error = (exc.lineno or 1, exc.message or "syntax error")
        for m in re.finditer(r"\{\{(.*?)\}\}|\{%(.*?)%\}", raw, re.DOTALL):  # a rough fallback
            line = raw.count("\n", 0, m.start()) + 1
            inner = m.group(1) if m.group(1) is not None else m.group(2)
            for part in re.split(r"\|", inner)[1:]:
                named = _IDENT.match(part.strip())
                if named:
                    filters.append((named.group(0), line))
            for ident in _IDENT.findall(re.sub(r"(['\"]).*?\1", "", inner)):
                names.append((ident, line))
    else:
        for n in tree.find_all(nodes.Name):
            if n.ctx == "load":
                names.append((n.name, n.lineno))
        for g in tree.find_all(nodes.Getattr):
            names.append((g.attr, g.lineno))
        for node in tree.find_all(nodes.Filter):
            filters.append((node.name, node.lineno))
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return Body(
        raw=raw,
        text=text,
        names=tuple(sorted(set(names), key=lambda x: (x[1], x[0]))),
        filters=tuple(sorted(set(filters), key=lambda x: (x[1], x[0]))),
        allows={k: frozenset(v) for k, v in allows.items()},
        syntax_error=error,
        line_starts=tuple(starts),
    )


# Negation: "you will not be arrested", "不会被拘留" are not threats. The negation must sit in
# the same clause, at most three words before the match (no new subject in between), or, in
# Chinese, a negating word at most six characters before it.
_CLAUSE_END = re.compile(r"[.;:!?。，；：！？,\n](?=[^.;:!?。，；：！？,\n]*$)")
_EN_NEGATION = re.compile(
    r"\b(?:not|never|no|cannot|nobody|neither|nor|\w+n't)\b((?:\s+[\w']+){0,3})\s*$", re.I
)
_ZH_NEGATION = re.compile(
    r"(?:不会|不用|不必|无需|无须|并不|绝不|决不|不可能|不存在|不涉及|不构成|不属于|不是|从不|从未)"
    r"[^，。；！？,.;!?\s]{0,6}$"
)
_SUBJECTS = frozenset(
    ["i", "you", "you'll", "we", "we'll", "they", "they'll", "he", "she", "it", "it's", "that"]
)


def _negated(text: str, start: int) -> bool:
    prefix = text[max(0, start - 60) : start]
    cut = _CLAUSE_END.search(prefix)
    if cut:
        prefix = prefix[cut.end() :]
    m = _EN_NEGATION.search(prefix)
    if m and not any(w.lower() in _SUBJECTS for w in m.group(1).split()):
        return True
    return bool(_ZH_NEGATION.search(prefix))


# ---------------------------------------------------------------------------------------------
# Checks, one per kind


def _inside_placeholder(text: str, m: re.Match[str]) -> bool:
    """A match within «variable» (`\\blender\\b` in «lender») is not literal text."""
    if m.group(0).startswith("«"):
        return False
    return text.rfind("«", 0, m.start() + 1) > text.rfind("»", 0, m.start())


def _quote(fragments: Iterable[str]) -> str:
    out: list[str] = []
    for f in fragments:
        f = " ".join(f.split())
        if f.lower() not in (o.lower() for o in out):
            out.append(f)
    return ", ".join(f"“{f}”" for f in out[:4])


def _by_line(hits: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for line, fragment in hits:
        lines.setdefault(line, []).append(fragment)
    return lines


def _check_content(rule: Rule, body: Body) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for name, line in body.names:
        if name in rule.variables:
            out.append((line, f"{rule.summary}: uses the variable `{name}`"))
    for name, line in body.filters:
        if name in rule.filters:
            out.append((line, f"{rule.summary}: uses the filter `{name}`"))
    hits: list[tuple[int, str]] = []
    for pattern in rule.patterns:
        for m in pattern.finditer(body.text):
            if not m.group(0).strip() or _inside_placeholder(body.text, m):
                continue
            if not (rule.negatable and _negated(body.text, m.start())):
                hits.append((body.line_of(m.start()), m.group(0)))
    for line, fragments in sorted(_by_line(hits).items()):
        out.append((line, f"{rule.summary}: {_quote(fragments)}"))
    return out


def _check_near(rule: Rule, body: Body) -> list[tuple[int, str]]:
    text = body.text
    anchors = list(rule.anchors) + [re.compile(re.escape(f"«{v}»")) for v in rule.variables]
    hits: list[tuple[int, str]] = []
    for anchor in anchors:
        for a in anchor.finditer(text):
            if _inside_placeholder(text, a):
                continue
            lo, hi = max(0, a.start() - rule.within), min(len(text), a.end() + rule.within)
            for pattern in rule.patterns:
                for m in pattern.finditer(text, lo, hi):
                    if (m.start() >= a.end() or m.end() <= a.start()) and not (
                        _inside_placeholder(text, m)
                    ):
                        hits.append((body.line_of(a.start()), f"{a.group(0)} … {m.group(0)}"))
    return [(ln, f"{rule.summary}: {_quote(fr)}") for ln, fr in sorted(_by_line(hits).items())]


def _check_opt_out(rule: Rule, body: Body, ctx: Context) -> list[tuple[int, str]]:
    has_text = any(p.search(body.text) for p in rule.patterns)
    flagged = ctx.flags.get("opt_out_notice", False)
    if not has_text:
        why = " although its front matter says opt_out_notice: true" if flagged else ""
        return [(1, f"{rule.summary}: the body has no opt-out notice{why}")]
    if not flagged:
        return [
            (1, f"{rule.summary}: the body offers an opt-out but the front matter lacks "
                "opt_out_notice: true, so the guard will refuse its contacts")
        ]  # fmt: skip
    return []


_SENTENCE_END = re.compile(r"[.!?;。！？；\n]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[\u3400-\u9fff]")


def _sentences(text: str) -> list[tuple[int, str]]:
    # keep "p.m." and "800.555.1212" inside their sentence (same length: offsets hold)
    masked = re.sub(r"\b([ap])\.m\.", r"\1_m_", text, flags=re.I)
    masked = re.sub(r"(?<=\d)\.(?=\d)", "_", masked)
    out, start = [], 0
    for m in _SENTENCE_END.finditer(masked):
        out.append((start, masked[start : m.start()]))
        start = m.end()
    out.append((start, masked[start:]))
    return [(s, t) for s, t in out if t.strip()]


def _check_limited_content(rule: Rule, body: Body) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for name, line in body.names:
        if name not in rule.allowed_variables:
            out.append((line, f"{rule.summary}: the variable `{name}` is not part of one"))
    present: set[str] = set()
    for start, sentence in _sentences(body.text):
        residue = sentence
        for el in rule.elements:
            for pattern in el.patterns:
                if pattern.search(residue):
                    present.add(el.name)
                    residue = pattern.sub(" ", residue)
        residue = re.sub(r"«[^»]*»", " ", residue)  # other variables: reported above
        extra = [w for w in _WORD.findall(residue.lower()) if w not in rule.filler]
        if extra:
            words = " ".join(extra[:6]) + (" …" if len(extra) > 6 else "")
            out.append((body.line_of(start), f"{rule.summary}: “{words}” is none of its elements"))
    missing = [el.description for el in rule.elements if el.required and el.name not in present]
    if missing:
        out.append((1, f"{rule.summary}: missing {'; '.join(missing)}"))
    return out


def _check(rule: Rule, body: Body, ctx: Context) -> list[tuple[int, str]]:
    if rule.kind == "content":
        return _check_content(rule, body)
    if rule.kind == "near":
        return _check_near(rule, body)
    if rule.kind == "opt_out":
        return _check_opt_out(rule, body, ctx)
    if rule.kind == "limited_content":
        return _check_limited_content(rule, body)
    if body.syntax_error:  # syntax
        line, message = body.syntax_error
        return [(line, f"{rule.summary}: {message}")]
    return []


# ---------------------------------------------------------------------------------------------
# Entry points


def lint_text(
    body: str,
    *,
    channel: str,
    audience: str,
    language: str,
    tone: str,
    presets: Sequence[str],
    opt_out_notice: bool = False,
    voicemail: bool = False,
    time_barred: bool = False,
    body_line: int = 1,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Lint a template body. `body_line` is the file line where the body starts, so each
    finding's line is the file's (1 = lines of the body itself)."""
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        raise ValueError(f"unknown presets {unknown} (known: {', '.join(PRESETS)})")
    ctx = Context(
        channel=channel,
        audience=audience,
        language=language,
        tone=tone,
        presets=tuple(presets),
        flags={"opt_out_notice": opt_out_notice, "voicemail": voicemail,
               "time_barred": time_barred},
    )  # fmt: skip
    parsed = parse_body(body)
    findings: list[Finding] = []
    for rule in load_rules() if rules is None else rules:
        if not rule.applies(ctx):
            continue
        source = rule.source_for(ctx.presets)
        for line, message in _check(rule, parsed, ctx):
            if rule.allowable and rule.id in parsed.allows.get(line, frozenset()):
                continue
            findings.append(Finding(rule.id, body_line + line - 1, message, source))
    return sorted(findings, key=lambda f: (f.line, f.rule, f.message))


def _front_matter_of(text: str) -> Mapping[str, Any]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        return {}
    try:
        data = yaml.safe_load("\n".join(lines[1:close]))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, Mapping) else {}


def _meta(template: object) -> Mapping[str, Any]:
    """The template's front matter: a mapping attribute, else read again from its text or
    file (the library keeps only the fields it knows; `voicemail` and `time_barred` are the
    lint's)."""
    for attr in ("meta", "front_matter", "extra"):
        value = getattr(template, attr, None)
        if isinstance(value, Mapping):
            return value
    text = getattr(template, "text", "")
    if not isinstance(text, str) or not text:
        path = getattr(template, "path", None)
        try:
            text = Path(path).read_text(encoding="utf-8") if path is not None else ""
        except (OSError, UnicodeDecodeError):
            text = ""
    return _front_matter_of(text)


def template_flag(template: object, name: str) -> bool:
    """A front-matter flag of a template: an attribute, or a key of its front matter."""
    value = getattr(template, name, None)
    if value is None:
        value = _meta(template).get(name)
    return value is True


_VOICEMAIL_ID = re.compile(r"(?:^|[-_.])voicemail(?:$|[-_.])", re.I)


def is_voicemail(template: object) -> bool:
    """A voicemail template: `voicemail: true` in the front matter, or `voicemail` as a
    word of its id (`us-voicemail-lcm`). The rule itself limits it to voice channels."""
    return template_flag(template, "voicemail") or bool(
        _VOICEMAIL_ID.search(str(getattr(template, "id", "")))
    )


def lint_template(template: LintableTemplate, presets: Sequence[str]) -> list[Finding]:
    """Lint one template under the presets (the library's approve() refuses any finding)."""
    return lint_text(
        template.body,
        channel=template.channel,
        audience=template.audience,
        language=template.language,
        tone=template.tone,
        presets=presets,
        opt_out_notice=template_flag(template, "opt_out_notice"),
        voicemail=is_voicemail(template),
        time_barred=template_flag(template, "time_barred"),
        body_line=template.body_line,
    )


def run_example(rule: Rule, example: Mapping[str, Any]) -> list[Finding]:
    """Lint a rule's example (its context defaults to the rule's first channel, audience and
    tone, its presets and its `when` flags) and return the findings of that rule."""

    def first(key: str, chosen: frozenset[str], vocabulary: Sequence[str]) -> str:
        if key in example:
            return str(example[key])
        return next(v for v in vocabulary if v in chosen)

    body = str(example["body"])
    language = example.get("language") or ("zh-CN" if re.search(r"[\u3400-\u9fff]", body) else "en")

    def flag(name: str) -> bool:
        return bool(example.get(name, rule.when.get(name, False)))

    findings = lint_text(
        body,
        channel=first("channel", rule.channels, CHANNELS),
        audience=first("audience", rule.audiences, AUDIENCES),
        language=str(language),
        tone=first("tone", rule.tones, ("pressure", "warning", "reminder", "negotiation")),
        presets=list(example.get("presets") or rule.presets),
        opt_out_notice=flag("opt_out_notice"),
        voicemail=flag("voicemail"),
        time_barred=flag("time_barred"),
    )
    return [f for f in findings if f.rule == rule.id]


# ---------------------------------------------------------------------------------------------
# Reading a library (the library's loader when it exists, else a tiny front-matter reader)


@dataclass(frozen=True)
class TemplateFile:
    id: str
    version: Any
    tone: str
    channel: str
    audience: str
    language: str
    state: str
    body: str
    path: Path
    body_line: int
    meta: Mapping[str, Any]


def read_template(path: Path) -> TemplateFile:
    """Read `<library>/<language>/<id>.j2`: YAML front matter between `---` lines, then the
    Jinja body. `body_line` is the file line where the body starts."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateReadError(f"{path}: {exc}") from None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise TemplateReadError(f"{path}:1: no front matter (the file must start with ---)")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise TemplateReadError(f"{path}: the front matter has no closing ---")
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise TemplateReadError(f"{path}: front matter: {exc}") from None
    if not isinstance(meta, Mapping):
        raise TemplateReadError(f"{path}: the front matter is not a mapping")
    checks = {"tone": TONES, "channel": CHANNELS, "audience": AUDIENCES, "language": LANGUAGES}
    for key, vocabulary in checks.items():
        value = meta.get(key)
        if key == "language" and isinstance(value, str):
            value = language_family(value)
        if value not in vocabulary:
            raise TemplateReadError(
                f"{path}: {key}: {meta.get(key)!r} (one of: {', '.join(vocabulary)})"
            )
    if not str(meta.get("id", "")).strip():
        raise TemplateReadError(f"{path}: the front matter has no id")
    return TemplateFile(
        id=str(meta["id"]),
        version=meta.get("version"),
        tone=str(meta["tone"]),
        channel=str(meta["channel"]),
        audience=str(meta["audience"]),
        language=str(meta["language"]),
        state=str(meta.get("state", "draft")),
        body="".join(lines[end + 1 :]),
        path=path,
        body_line=end + 2,
        meta=dict(meta),
    )


@dataclass
class LibraryLint:
    root: Path
    presets: tuple[str, ...]  # () = each template under its language's presets
    templates: list[tuple[str, LintableTemplate]] = field(default_factory=list)
    findings: list[tuple[str, str, Finding]] = field(default_factory=list)  # path, id, finding
    errors: list[str] = field(default_factory=list)


def approval_presets(language: str) -> tuple[str, ...]:
    """The presets the library's approve() lints a template of this language against
    (zh → CN; en → US, GB); every preset when the library does not say."""
    try:
        from arrears.templates.library import DEFAULT_PRESETS
    except ImportError:
        return PRESETS
    return tuple(DEFAULT_PRESETS.get(language_family(language), PRESETS))


def _read_library(root: Path) -> tuple[list[tuple[Path, LintableTemplate]], list[str]]:
    try:
        from arrears.templates.library import Library, TemplateError
    except ImportError:  # the library module is not there: read the files here
        return _read_files(root)
    try:
        library = Library.load(root)
    except TemplateError as exc:
        return [], [str(d) for d in exc.diagnostics] or [str(exc)]
    except OSError as exc:
        return [], [f"{root}: {exc}"]
    return [(t.path, t) for t in library.templates], []


def _read_files(root: Path) -> tuple[list[tuple[Path, LintableTemplate]], list[str]]:
    if not root.is_dir():
        return [], [f"{root}: not a folder"]
    try:
        paths = sorted(root.rglob("*.j2"))
    except OSError as exc:
        return [], [f"{root}: {exc}"]
    if not paths:
        return [], [f"{root}: no templates (<language>/<id>.j2)"]
    read: list[tuple[Path, LintableTemplate]] = []
    errors: list[str] = []
    for path in paths:
        try:
            read.append((path, read_template(path)))
        except TemplateReadError as exc:
            errors.append(str(exc))
    return read, errors


def lint_library(root: Path, presets: Sequence[str] | None = None) -> LibraryLint:
    """Lint every template of a library folder under `presets` (None: each template under
    the presets its approval uses). Unreadable files are errors, not findings."""
    report = LibraryLint(root=root, presets=tuple(presets or ()))
    read, report.errors = _read_library(root)
    for path, template in read:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        report.templates.append((rel, template))
        wanted = report.presets or approval_presets(template.language)
        for finding in lint_template(template, wanted):
            report.findings.append((rel, template.id, finding))
    return report


# ---------------------------------------------------------------------------------------------
# `arrears lint-templates DIR`


def lint_command(
    directory: Path, presets: str | None, *, as_json: bool, console: Console, err: Console
) -> int:
    """Print every finding of a library (template, line, rule, message; `--json` adds the
    source) and return the exit code: 0 clean, 1 findings, 2 unreadable library or bad
    input. `presets` None: each template under the presets its approval uses."""
    from rich.table import Table

    wanted = [p.strip().upper() for p in (presets or "").split(",") if p.strip()]
    unknown = [p for p in wanted if p not in PRESETS]
    if (presets is not None and not wanted) or unknown:
        err.print(f"error: --preset {presets}: one or more of {', '.join(PRESETS)}")
        return 2
    try:
        report = lint_library(directory, wanted or None)
    except LintRuleError as exc:
        err.print(f"error: lint rules: {exc}", highlight=False, soft_wrap=True)
        return 2
    for problem in report.errors:
        err.print(f"error: {problem}", highlight=False, soft_wrap=True)
    under = ", ".join(report.presets) or "each template's approval presets"
    if as_json:
        console.print_json(
            data={
                "library": str(directory),
                "presets": list(report.presets) or "by language (as approval)",
                "templates": len(report.templates),
                "findings": [
                    {
                        "template": path,
                        "id": tid,
                        "line": f.line,
                        "rule": f.rule,
                        "message": f.message,
                        "source": f.source,
                    }
                    for path, tid, f in report.findings
                ],
                "errors": report.errors,
            }
        )
    elif report.findings:
        table = Table(title=f"template lint ({under})", title_justify="left")
        table.add_column("template", no_wrap=True)
        table.add_column("line", justify="right")
        table.add_column("rule", no_wrap=True)
        table.add_column("message", overflow="fold")
        for path, _, f in report.findings:
            table.add_row(path, str(f.line), f.rule, f.message)
        if console.is_terminal:
            console.print(table)
        else:  # a log or a pipe: wide enough that rule ids and paths stay whole
            from rich.console import Console as Plain

            Plain(file=console.file, width=max(console.width, 160)).print(table)
        with_findings = len({path for path, _, _ in report.findings})
        console.print(
            f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} in "
            f"{with_findings} of {len(report.templates)} templates",
            highlight=False,
        )
    elif report.templates:
        console.print(
            f"{len(report.templates)} templates, no findings ({under})",
            highlight=False,
        )
    if report.errors:
        return 2
    return 1 if report.findings else 0
