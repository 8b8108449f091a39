"""Robot dialog scripts: a small state machine in YAML, read with the file's own positions.

A script is a set of nodes. A node says something (a template of the library, or an inline
text), then either asks and branches on the intent of the reply, goes on to its `next`
node, hands the call over to a human, or ends the call with an outcome for the contact
ledger. The format is described in docs/dialogs.md.

This module reads a script and reports what is malformed (unknown keys, wrong types, bad
outcomes), each with its file, line and column. What needs the whole graph (unknown and
unreachable nodes, nodes with no way out, disclosure before the identity check) is in
`check.py`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.model import Mark
from arrears.strategy.yamlpos import compose, did_you_mean, duplicate_keys, flat_marks

__all__ = [
    "LEDGER_OUTCOMES",
    "RPC_SUBOUTCOMES",
    "SHIPPED",
    "Diagnostic",
    "Node",
    "Outcome",
    "Script",
    "ScriptError",
    "load_script",
    "load_script_text",
    "shipped_script",
]

LEDGER_OUTCOMES: tuple[str, ...] = ("rpc", "wrong_party", "third_party")
"""Outcomes a dialog may end with: the contact ledger's conversation outcomes
(`attempts.outcome`)."""
RPC_SUBOUTCOMES: tuple[str, ...] = ("promise", "dispute", "refusal", "callback", "hardship")
"""What a right-party contact came to: `rpc/promise`, `rpc/dispute`, …"""
CAPTURES: tuple[str, ...] = ("promise",)

NODE_KEYS: tuple[str, ...] = (
    "say",
    "text",
    "audience",
    "ask",
    "verify",
    "capture",
    "on",
    "default",
    "next",
    "handoff",
    "end",
)
SCRIPT_KEYS: tuple[str, ...] = (
    "id",
    "language",
    "start",
    "nodes",
    "description",
    "max_turns",
    "promise_days",
)
SHIPPED: tuple[str, ...] = ("m1_reminder_zh", "m1_reminder_en")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""An inline text's `{{ variable }}`."""


FILE_START = Mark(1, 1)
"""Where a message about no particular value points: the file's first line."""


class ScriptError(StrategyError):
    """A script that cannot be used; every problem found is listed, not only the first."""


@dataclass(frozen=True)
class Outcome:
    """How a call ended: `ledger` is the contact ledger's outcome (`rpc`, `wrong_party`,
    `third_party`) with, for `rpc`, what it came to (`sub`: promise, dispute, …).

    `callback` alone is a call ended before the identity was confirmed, to be tried again:
    it has no conversation outcome for the ledger (`ledger` None).
    """

    ledger: str | None
    sub: str | None = None

    def __str__(self) -> str:
        if self.ledger is None:
            return self.sub or ""
        return f"{self.ledger}/{self.sub}" if self.sub else self.ledger

    @staticmethod
    def parse(text: str) -> Outcome | None:
        if text == "callback":
            return Outcome(None, "callback")
        ledger, _, sub = text.partition("/")
        if ledger not in LEDGER_OUTCOMES:
            return None
        if sub and (ledger != "rpc" or sub not in RPC_SUBOUTCOMES):
            return None
        return Outcome(ledger, sub or None)


@dataclass(frozen=True)
class Node:
    """One state of the dialog. `marks` holds where each field sits in the file (`on/affirm`
    for a branch's target, `on/affirm#key` for the intent's name)."""

    id: str
    say: str | None = None
    text: str | None = None
    audience: str | None = None
    ask: bool = False
    verify: bool = False
    capture: str | None = None
    on: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    default: str | None = None
    next: str | None = None
    handoff: bool = False
    end: Outcome | None = None
    mark: Mark = FILE_START
    marks: Mapping[str, Mark] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    @property
    def terminal(self) -> bool:
        """The call ends (or leaves the robot) after this node has spoken."""
        return self.handoff or self.end is not None

    def targets(self) -> list[tuple[str, str]]:
        """Where the dialog may go from here: (how, node id), `how` an intent, `default` or
        `next`."""
        out = list(self.on.items())
        if self.default is not None:
            out.append(("default", self.default))
        if self.next is not None:
            out.append(("next", self.next))
        return out

    def at(self, key: str) -> Mark:
        return self.marks.get(key, self.mark)


@dataclass(frozen=True)
class Script:
    id: str
    language: str
    start: str
    nodes: Mapping[str, Node]
    source: str = "<string>"
    description: str = ""
    max_turns: int = 20
    """Replies after which the robot stops the call (a customer talking in circles)."""
    promise_days: int = 30
    """A promised date must fall within this many days of today."""
    content_hash: str = ""
    marks: Mapping[str, Mark] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def at(self, key: str) -> Mark:
        return self.marks.get(key, FILE_START)


# --- YAML with positions, YAML 1.2 booleans ---------------------------------------------------


class _Loader(yaml.SafeLoader):
    """PyYAML reads `on`, `yes`, `no` as booleans (YAML 1.1); a script branches `on:` intents,
    so only true and false are booleans here (YAML 1.2)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# --- building ----------------------------------------------------------------------------------


class _Builder:
    def __init__(self, root: yaml.Node, source: str) -> None:
        self.source = source
        self.marks = flat_marks(root)
        self.diagnostics: list[Diagnostic] = []

    def error(self, path: str, message: str, code: str) -> None:
        m = self.marks.get(path) or self.marks.get(path.rpartition("/")[0]) or FILE_START
        self.diagnostics.append(Diagnostic(self.source, m.line, m.column, message, "error", code))

    def text(self, data: Mapping[str, Any], key: str, path: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(path, f"'{key}' is missing", "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(f"{path}/{key}", f"'{key}' must be a text", "type")
            return ""
        return str(value)

    def flag(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.error(f"{path}/{key}", f"'{key}' must be true or false, not {value!r}", "type")
            return False
        return value

    def positive(self, data: Mapping[str, Any], key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(key, f"'{key}' must be a whole number of at least 1", "type")
            return default
        return value

    def build(self, data: Any, content_hash: str) -> Script:
        if not isinstance(data, dict):
            self.error("", "a dialog script is a mapping (id, language, start, nodes)", "type")
            raise ScriptError(self.diagnostics)
        for key in data:
            if str(key) not in SCRIPT_KEYS:
                hint = did_you_mean(str(key), SCRIPT_KEYS)
                self.error(f"{key}#key", f"unknown key '{key}'{hint}", "key")
        nodes_data = data.get("nodes")
        nodes: dict[str, Node] = {}
        if not isinstance(nodes_data, dict) or not nodes_data:
            self.error(
                "nodes" if "nodes" in data else "",
                "'nodes' must be a mapping of nodes",
                "missing" if "nodes" not in data else "type",
            )
        else:
            for node_id, body in nodes_data.items():
                nodes[str(node_id)] = self.node(str(node_id), body)
        script = Script(
            id=self.text(data, "id", "", required=True),
            language=self.text(data, "language", "", required=True),
            start=self.text(data, "start", "", required=True),
            nodes=MappingProxyType(nodes),
            source=self.source,
            description=self.text(data, "description", ""),
            max_turns=self.positive(data, "max_turns", 20),
            promise_days=self.positive(data, "promise_days", 30),
            content_hash=content_hash,
            marks=MappingProxyType({k: v for k, v in self.marks.items() if "/" not in k}),
        )
        if self.diagnostics:
            raise ScriptError(self.diagnostics)
        return script

    def node(self, node_id: str, body: Any) -> Node:
        path = f"nodes/{node_id}"
        marks = {
            k.removeprefix(path + "/"): m for k, m in self.marks.items() if k.startswith(path + "/")
        }
        mark = self.marks.get(path + "#key", FILE_START)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            self.error(path, f"node '{node_id}' must be a mapping", "type")
            return Node(node_id, mark=mark)
        for key in body:
            if str(key) not in NODE_KEYS:
                hint = did_you_mean(str(key), NODE_KEYS)
                self.error(
                    f"{path}/{key}#key", f"node '{node_id}': unknown key '{key}'{hint}", "key"
                )
        on: dict[str, str] = {}
        raw_on = body.get("on", {})
        if not isinstance(raw_on, dict):
            self.error(f"{path}/on", f"node '{node_id}': 'on' maps intents to nodes", "type")
        else:
            for intent, target in raw_on.items():
                if not isinstance(target, str):
                    self.error(
                        f"{path}/on/{intent}",
                        f"node '{node_id}': 'on.{intent}' must name a node",
                        "type",
                    )
                else:
                    on[str(intent)] = target
        end = None
        end_text = self.text(body, "end", path)
        if end_text:
            end = Outcome.parse(end_text)
            if end is None:
                subs = ", ".join(f"rpc/{s}" for s in RPC_SUBOUTCOMES)
                self.error(
                    f"{path}/end",
                    f"node '{node_id}': unknown outcome '{end_text}' (one of: rpc, {subs}, "
                    "wrong_party, third_party, callback)",
                    "outcome",
                )
        capture = self.text(body, "capture", path) or None
        if capture is not None and capture not in CAPTURES:
            self.error(
                f"{path}/capture",
                f"node '{node_id}': unknown capture '{capture}' (one of: {', '.join(CAPTURES)})",
                "capture",
            )
        return Node(
            id=node_id,
            say=self.text(body, "say", path) or None,
            text=self.text(body, "text", path) or None,
            audience=self.text(body, "audience", path) or None,
            ask=self.flag(body, "ask", path),
            verify=self.flag(body, "verify", path),
            capture=capture,
            on=MappingProxyType(on),
            default=self.text(body, "default", path) or None,
            next=self.text(body, "next", path) or None,
            handoff=self.flag(body, "handoff", path),
            end=end,
            mark=mark,
            marks=MappingProxyType(marks),
        )


def load_script_text(text: str, source: str = "<string>") -> Script:
    """A script from YAML text; `ScriptError` lists every malformed part with its position."""
    root, data = compose(text, source, _Loader, ScriptError)
    duplicates = duplicate_keys(root, source)
    if duplicates:
        raise ScriptError(duplicates)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _Builder(root, source).build(data, digest)


def load_script(path: Path | str) -> Script:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(
            [Diagnostic(str(path), 1, exc.start + 1, "the file is not UTF-8", "error", "encoding")]
        ) from None
    return load_script_text(text.removeprefix("\ufeff"), str(path))


def shipped_script(name: str) -> Path:
    """The file of a shipped example dialog (`m1_reminder_zh`, `m1_reminder_en`)."""
    if name not in SHIPPED:
        raise KeyError(f"no example dialog '{name}' (known: {', '.join(SHIPPED)})")
    return Path(str(resources.files("arrears.examples").joinpath(f"dialogs/{name}.yaml")))
