"""Read a strategy file into a `Strategy`, or say precisely what is wrong with it.

Three gates, each reporting with the file's own line and column: YAML syntax (PyYAML's marks),
structure (the shipped JSON Schema, each error mapped back to its YAML node) and the `when`
conditions (our grammar, positions mapped through the YAML quoting into the file). Semantic
checks that need the whole strategy (buckets, reachability, channels) live in `check.py`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from arrears.strategy.ast import Node
from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.model import (
    DAY_FIELDS,
    EXITS,
    Arm,
    Assign,
    Bucket,
    Experiment,
    InstalmentTerms,
    Mark,
    OfferRule,
    Segment,
    Step,
    Strategy,
)
from arrears.strategy.parse import ConditionError, parse_condition
from arrears.strategy.yamlpos import (
    compose,
    duplicate_keys,
    flat_marks,
    mark_of,
    node_at,
    scalar_mark,
)

__all__ = ["Diagnostic", "StrategyError", "load_strategy", "load_strategy_text", "strategy_schema"]


@cache
def strategy_schema() -> dict[str, Any]:
    """The JSON Schema of strategy files (draft 2020-12), as shipped for editors too."""
    text = resources.files("arrears.strategy").joinpath("strategy.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_strategy(path: Path | str) -> Strategy:
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrategyError(
            [Diagnostic(str(path), 1, exc.start + 1, "the file is not UTF-8", "error", "encoding")]
        ) from None
    return _load(text.removeprefix("\ufeff"), str(path), hashlib.sha256(data).hexdigest())


def load_strategy_text(text: str, source: str = "<string>") -> Strategy:
    return _load(text, source, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _load(text: str, source: str, content_hash: str) -> Strategy:
    root, data = compose(text, source)
    diagnostics = duplicate_keys(root, source)
    diagnostics += _schema_diagnostics(data, root, source)
    if diagnostics:
        raise StrategyError(diagnostics)
    return _Builder(root, text, source).build(data, content_hash)


def _path_text(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_diagnostics(data: Any, root: yaml.Node, source: str) -> list[Diagnostic]:
    validator = jsonschema.Draft202012Validator(strategy_schema())
    out: list[Diagnostic] = []
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        key_node, node = node_at(root, path)
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            known = list(error.schema.get("properties", {}))
            for extra in (k for k in error.instance if k not in known):
                k_node, _ = node_at(root, [*path, extra])
                mark = mark_of(k_node) if k_node is not None else mark_of(node)
                close = difflib.get_close_matches(str(extra), known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                if not close and 0 < len(known) <= 8:  # a short list: say what is allowed
                    hint = f" (one of: {', '.join(known)})"
                where = f"{_path_text(path)}: " if path else ""
                text = f"{where}unknown field '{extra}'{hint}"
                out.append(Diagnostic(source, mark.line, mark.column, text, "error", "schema"))
            continue
        if error.validator == "pattern" and "patternErrorMessage" in error.schema:
            message = f"{error.instance!r}: {error.schema['patternErrorMessage']}"
        if error.validator in ("oneOf", "not") and "errorMessage" in error.schema:
            message, at = _key_rule(error)
            if at is not None:
                key_node, _ = node_at(root, [*path, at])
                node = key_node if key_node is not None else node
        elif error.validator in ("anyOf", "oneOf"):
            kinds = [str(s.get("type", "?")) for s in error.validator_value]
            message = f"{error.instance!r} is not valid: expected {' or '.join(kinds)}"
        if _wanted_text(error) and isinstance(node, yaml.ScalarNode) and node.style is None:
            message += f" (quote it, '{node.value}', to keep it as text: YAML 1.1 reads it as "
            message += f"{type(error.instance).__name__} {error.instance!r})"
        mark = mark_of(node)
        if error.validator == "required" and key_node is not None and not path:
            mark = mark_of(key_node)
        where = f"{_path_text(path)}: " if path else ""
        out.append(Diagnostic(source, mark.line, mark.column, where + message, "error", "schema"))
    return out


def _key_rule(error: jsonschema.ValidationError) -> tuple[str, str | None]:
    """The message of a rule over which keys a mapping gives (`oneOf` / `not` of `required`,
    e.g. exactly one of `days` and `days_before_due`), and the key to point at: the last one
    given when one is too many, None (the mapping itself) when one is missing."""
    rules = error.validator_value if error.validator == "oneOf" else [error.validator_value]
    keys = [k for rule in rules for k in rule.get("required", ())]
    order = list(error.instance) if isinstance(error.instance, Mapping) else []
    given = sorted((k for k in keys if k in order), key=order.index)
    message = str(error.schema["errorMessage"])
    if error.validator == "oneOf":
        message += "; it gives both" if len(given) > 1 else "; it gives neither"
    return message, given[-1] if given else None


def _wanted_text(error: jsonschema.ValidationError) -> bool:
    """A plain YAML scalar read as a number or boolean where text was expected (`NO`, `21:00`)."""
    if isinstance(error.instance, str) or error.instance is None:
        return False
    if error.validator == "type":
        wanted = error.validator_value
        return wanted == "string" or (isinstance(wanted, list) and "string" in wanted)
    if error.validator in ("anyOf", "oneOf"):
        return any(sub.get("type") == "string" for sub in error.validator_value)
    return False


class _Builder:
    """Turns validated data into the model; only `when` syntax can still fail here."""

    def __init__(self, root: yaml.Node, text: str, source: str) -> None:
        self.root, self.text, self.source = root, text, source
        self.diagnostics: list[Diagnostic] = []

    def build(self, data: Mapping[str, Any], content_hash: str) -> Strategy:
        jurisdiction = data["jurisdiction"]
        _, buckets_node = node_at(self.root, ["buckets"])
        bucket_marks = flat_marks(buckets_node)
        buckets = tuple(
            Bucket(str(name), int(lo_hi[0]), _opt_int(lo_hi[1]), bucket_marks[f"{name}#key"])
            for name, lo_hi in data["buckets"].items()
        )
        segments = tuple(self.segment(seg, i) for i, seg in enumerate(data["segments"]))
        experiment = self.experiment(data["experiment"]) if "experiment" in data else None
        offers = tuple(self.offer(rule, i) for i, rule in enumerate(data.get("offers") or ()))
        if self.diagnostics:
            raise StrategyError(self.diagnostics)
        return Strategy(
            name=str(data["name"]),
            version=data["version"],
            jurisdiction=(jurisdiction,) if isinstance(jurisdiction, str) else tuple(jurisdiction),
            buckets=buckets,
            segments=segments,
            experiment=experiment,
            house=MappingProxyType(dict(data.get("house") or {})),
            dialing=MappingProxyType(dict(data.get("dialing") or {})),
            offers=offers,
            templates=_opt_str(data.get("templates")),
            content_hash=content_hash,
            source=self.source,
            text=self.text,
            marks=flat_marks(self.root, skip=frozenset({"segments", "experiment", "offers"})),
        )

    def condition(self, value: Any, path: list[Any]) -> tuple[str | None, Node | None, Mark]:
        _, node = node_at(self.root, path)
        mark = scalar_mark(node, self.text)
        if value is None:
            return None, None, mark
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        try:
            return text, parse_condition(text), mark
        except ConditionError as exc:
            line, column = mark.locate(text, exc.line, exc.column)
            diag = Diagnostic(self.source, line, column, exc.message, "error", "syntax")
            self.diagnostics.append(diag)
            return text, None, mark

    def segment(self, seg: Mapping[str, Any], index: int) -> Segment:
        path: list[Any] = ["segments", index]
        _, node = node_at(self.root, path)
        marks = flat_marks(node, skip=frozenset({"steps"}))
        segment_id = str(seg["id"])
        when, when_ast, when_mark = self.condition(seg.get("when"), [*path, "when"])
        if "when" in seg:
            marks["when"] = when_mark
        steps = tuple(
            self.step(step, segment_id, i, [*path, "steps", i])
            for i, step in enumerate(seg["steps"])
            if "channel" in step
        )
        assignments = tuple(
            self.assign(step, segment_id, i, [*path, "steps", i])
            for i, step in enumerate(seg["steps"])
            if "assign" in step
        )
        return Segment(
            segment_id,
            when,
            when_ast,
            steps,
            assignments,
            line=marks[""].line,
            marks=MappingProxyType(marks),
        )

    def assign(
        self, step: Mapping[str, Any], segment_id: str, index: int, path: list[Any]
    ) -> Assign:
        _, node = node_at(self.root, path)
        marks = flat_marks(node)
        when, when_ast, when_mark = self.condition(step.get("when"), [*path, "when"])
        if "when" in step:
            marks["when"] = when_mark
        spec: Mapping[str, Any] = step["assign"]
        value, value_ast, value_mark = self.condition(spec.get("value"), [*path, "assign", "value"])
        if "value" in spec:
            marks["assign/value"] = value_mark
        teams = spec["teams"]
        days = step.get("days") or [0]
        return Assign(
            step=str(step.get("id", f"{segment_id}.{index + 1}")),
            segment=segment_id,
            to=str(spec["to"]),
            teams=(str(teams),) if isinstance(teams, str) else tuple(str(t) for t in teams),
            from_dpd=(
                min(int(d) for d in days)
                if spec.get("from_dpd", "knee") == "knee"
                else int(spec["from_dpd"])
            ),
            from_knee=spec.get("from_dpd") == "knee",
            mode=str(spec.get("mode", "dispatch")),
            dispatch_share=float(spec.get("dispatch_share", 0.3)),
            value=value,
            value_ast=value_ast,
            skills=tuple(str(x) for x in spec.get("skills", ())),
            skills_from=tuple(str(x) for x in spec.get("skills_from", ())),
            language=bool(spec.get("language", True)),
            contacts_per_case=float(spec.get("contacts_per_case", 8)),
            minutes_per_case=_opt_float(spec.get("minutes_per_case")),
            lift=MappingProxyType({str(k): float(v) for k, v in (spec.get("lift") or {}).items()}),
            rotate_after_days=_opt_int(spec.get("rotate_after_days")),
            rotate_no_rpc_days=_opt_int(spec.get("rotate_no_rpc_days")),
            recall_after_days=_opt_int(spec.get("recall_after_days")),
            replace=bool(spec.get("replace", False)),
            handoff=_opt_str(spec.get("handoff")),
            exits=tuple(str(x) for x in spec.get("exit", EXITS)),
            when=when,
            when_ast=when_ast,
            line=marks[""].line,
            marks=MappingProxyType(marks),
        )

    def step(self, step: Mapping[str, Any], segment_id: str, index: int, path: list[Any]) -> Step:
        _, node = node_at(self.root, path)
        marks = flat_marks(node)
        when, when_ast, when_mark = self.condition(step.get("when"), [*path, "when"])
        if "when" in step:
            marks["when"] = when_mark
        return Step(
            id=str(step.get("id", f"{segment_id}.{index + 1}")),
            days=tuple(int(d) for d in step.get("days", ())),
            channel=str(step["channel"]),
            template=_opt_str(step.get("template")),
            team=_opt_str(step.get("team")),
            audience=str(step.get("audience", "debtor")),
            priority=int(step.get("priority", 50)),
            tone=str(step.get("tone", "reminder")),
            third_party_safe=bool(step.get("third_party_safe", False)),
            opt_out_notice=bool(step.get("opt_out_notice", False)),
            send_by=_opt_str(step.get("send_by")),
            when=when,
            when_ast=when_ast,
            days_before_due=tuple(int(d) for d in step.get("days_before_due", ())),
            line=marks[""].line,
            marks=MappingProxyType(marks),
        )

    def offer(self, rule: Mapping[str, Any], index: int) -> OfferRule:
        path: list[Any] = ["offers", index]
        _, node = node_at(self.root, path)
        marks = flat_marks(node)
        when, when_ast, when_mark = self.condition(rule.get("when"), [*path, "when"])
        if "when" in rule:
            marks["when"] = when_mark
        terms: Mapping[str, Any] | None = rule.get("instalments")
        return OfferRule(
            id=str(rule["id"]),
            when=when,
            when_ast=when_ast,
            kinds=tuple(str(k) for k in rule["kinds"]),
            floor=None if rule.get("floor") is None else _share(rule["floor"]),
            authority=MappingProxyType(
                {str(r): _share(v) for r, v in (rule.get("authority") or {}).items()}
            ),
            instalments=None
            if terms is None
            else InstalmentTerms(
                max_count=int(terms["max_count"]),
                min_first_share=_share(terms.get("min_first_share", 0)),
                max_days_between=int(terms.get("max_days_between", 31)),
            ),
            line=marks[""].line,
            marks=MappingProxyType(marks),
        )

    def experiment(self, exp: Mapping[str, Any]) -> Experiment:
        _, node = node_at(self.root, ["experiment"])
        arms = []
        for i, arm in enumerate(exp["arms"]):
            _, arm_node = node_at(self.root, ["experiment", "arms", i])
            overrides = {
                str(step_id): MappingProxyType(
                    {k: tuple(v) if k in DAY_FIELDS else v for k, v in fields.items()}
                )
                for step_id, fields in (arm.get("overrides") or {}).items()
            }
            arms.append(
                Arm(
                    id=str(arm["id"]),
                    weight=arm["weight"],
                    overrides=MappingProxyType(overrides),
                    line=mark_of(arm_node).line,
                    marks=MappingProxyType(flat_marks(arm_node)),
                )
            )
        experiment_id = str(exp["id"])
        salt = str(exp.get("salt", experiment_id))
        return Experiment(experiment_id, salt, tuple(arms), mark_of(node).line)


def _share(value: Any) -> Decimal:
    """A share as written (0.1 is exactly one tenth, not the float nearest to it)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(int(value))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
