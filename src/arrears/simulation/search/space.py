"""A declared search space over a base strategy: which settings may change, to which values.

A space file (YAML) names the objective and the parameters:

    objective: recovered          # or recovered_per_cost
    cost_cap: base                # recovered: cost at most the base's (or a number, or null)
    parameters:
      - name: population
        path: segments[A].when
        choices: ["bucket == 'M1' and product == 'cash_loan'", "bucket == 'M1'"]
        labels: [cash loans, all M1]  # optional: names for the choices
      - name: call
        choices:                  # a choice may set several settings at once
          agent:
            "segments[A].steps[1].channel": human_call
          robot:
            "segments[A].steps[1].channel": robot_call
            "segments[A].steps[1].team": null

A path walks the strategy document: `.key` for a mapping, `[N]` for a list item, `[ID]` for the
item whose `id` is ID (segments, steps, house caps and rests), and, last, `[+]` to append to a
list (a whole segment or step). A null value removes the setting (or, with `[+]`, appends
nothing). Applying a choice never edits the base: each candidate is a new document, loaded and
checked like any strategy.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

OBJECTIVES: tuple[str, ...] = ("recovered", "recovered_per_cost")
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


class SpaceError(ValueError):
    def __init__(self, source: str, where: str, message: str) -> None:
        super().__init__(f"{source}: {where}: {message}")


@dataclass(frozen=True)
class Parameter:
    name: str
    labels: tuple[str, ...]  # the choices as shown (and as the optimizer picks them)
    settings: tuple[dict[str, Any], ...]  # per choice: path -> value


@dataclass(frozen=True)
class Space:
    objective: str
    cost_cap: float | str | None  # a number, "base", or None
    parameters: tuple[Parameter, ...]
    source: str

    def apply(self, base: dict[str, Any], picked: dict[str, str]) -> dict[str, Any]:
        """The base document with the picked choice of each parameter set (a parameter not
        picked leaves the base as it is)."""
        doc = copy.deepcopy(base)
        for p in self.parameters:
            if p.name not in picked:
                continue
            for path, value in p.settings[p.labels.index(picked[p.name])].items():
                set_path(doc, path, value, f"{self.source}: parameter {p.name}")
        return doc


def split_path(path: str) -> list[str | int]:
    """`segments[A].steps[1].days` → ["segments", "A", "steps", 1, "days"] (ints index lists)."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _STEP.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"path {path!r}: cannot read it at {path[pos:]!r}")
        key, item = m.group(1), m.group(2)
        parts.append(key if key is not None else (int(item) if item.isdigit() else item))
        pos = m.end()
    if not parts:
        raise ValueError("empty path")
    return parts


def _child(node: Any, part: str | int, path: str) -> Any:
    if isinstance(node, dict) and isinstance(part, str) and part in node:
        return node[part]
    if isinstance(node, list):
        if isinstance(part, int) and 0 <= part < len(node):
            return node[part]
        for item in node:
            if isinstance(item, dict) and str(item.get("id")) == str(part):
                return item
    raise KeyError(f"path {path!r}: no {part!r} here")


def set_path(doc: dict[str, Any], path: str, value: Any, where: str) -> None:
    parts = split_path(path)
    node: Any = doc
    try:
        for part in parts[:-1]:
            node = _child(node, part, path)
    except KeyError as exc:
        raise ValueError(f"{where}: {exc.args[0]}") from None
    last = parts[-1]
    if last == "+" and isinstance(node, list):
        if value is not None:
            node.append(copy.deepcopy(value))
        return
    if isinstance(node, dict) and isinstance(last, str):
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = value
    else:
        raise ValueError(f"{where}: path {path!r}: cannot set {last!r} here")


def load_space(path: Path, base: dict[str, Any]) -> Space:
    """Read a space file and check every path against the base strategy's document."""
    source = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpaceError(source, "file", f"cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise SpaceError(source, "file", "must be a mapping with `parameters`")
    objective = raw.get("objective", "recovered")
    if objective not in OBJECTIVES:
        raise SpaceError(source, "objective", f"one of {', '.join(OBJECTIVES)}, not {objective!r}")
    cap = raw.get("cost_cap", "base" if objective == "recovered" else None)
    if not (cap is None or cap == "base" or isinstance(cap, int | float)):
        raise SpaceError(source, "cost_cap", f"a number, `base` or null, not {cap!r}")
    items = raw.get("parameters")
    if not isinstance(items, list) or not items:
        raise SpaceError(source, "parameters", "a non-empty list")
    params = tuple(_parameter(item, i, source) for i, item in enumerate(items))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise SpaceError(source, "parameters", "names must be unique")
    space = Space(objective, cap, params, source)
    for p in params:
        for label in p.labels:
            try:
                space.apply(base, {p.name: label})
            except ValueError as exc:
                raise SpaceError(source, f"parameter {p.name}, choice {label}", str(exc)) from None
    return space


def _parameter(item: Any, i: int, source: str) -> Parameter:
    where = f"parameters[{i}]"
    if not isinstance(item, dict) or "name" not in item or "choices" not in item:
        raise SpaceError(source, where, "needs `name` and `choices`")
    name, choices = str(item["name"]), item["choices"]
    if "path" in item:
        if not isinstance(choices, list) or not choices:
            raise SpaceError(source, f"parameter {name}", "`choices` must be a non-empty list")
        named = item.get("labels")
        if named is not None and (not isinstance(named, list) or len(named) != len(choices)):
            raise SpaceError(source, f"parameter {name}", "`labels` names each choice, in order")
        labels = tuple(str(x) for x in named) if named else tuple(_label(c) for c in choices)
        settings = tuple({str(item["path"]): c} for c in choices)
    else:
        if not isinstance(choices, dict) or not choices:
            raise SpaceError(
                source, f"parameter {name}", "without `path`, `choices` maps labels to settings"
            )
        labels = tuple(str(k) for k in choices)
        if not all(isinstance(v, dict) and v for v in choices.values()):
            raise SpaceError(source, f"parameter {name}", "each choice is a mapping path: value")
        settings = tuple({str(k): v for k, v in c.items()} for c in choices.values())
    for paths in settings:
        for p in paths:
            try:
                split_path(p)
            except ValueError as exc:
                raise SpaceError(source, f"parameter {name}", str(exc)) from None
    if len(set(labels)) != len(labels):
        raise SpaceError(source, f"parameter {name}", "two choices read the same")
    return Parameter(name, labels, settings)


def _label(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
