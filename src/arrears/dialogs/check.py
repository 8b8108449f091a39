"""Check a dialog script as a whole before any call is placed.

What is checked, each problem pointing into the file:

- every branch, `default` and `next` names a node, and `start` does;
- every intent a node branches on is one the recognizer knows;
- each node has one shape: it ends (`end`, `handoff`), asks (`ask` with a `default` for
  replies it does not recognize), or speaks and goes on (`next`);
- every node can be reached from `start`, and from every node the call can end;
- the identity check comes first: a node the dialog can reach before a `verify` node has
  been passed must tell a third party nothing: no template meant for the debtor only, no
  inline text not marked safe, no debt detail in the text (amount, dates, days past due,
  the lender, a payment link), no promise capture and no `rpc` outcome;
- a `verify` node asks, passes on `affirm` and lets a `wrong_person` go;
- with a template catalog: every template said exists in the script's language.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable
from typing import Protocol

from arrears.dialogs.intents import INTENTS
from arrears.dialogs.script import PLACEHOLDER, Node, Script, ScriptError
from arrears.strategy.diagnostics import Diagnostic, Severity
from arrears.strategy.model import Mark
from arrears.templates.render import VARIABLES as TEMPLATE_VARIABLES

__all__ = [
    "DISCLOSING_VARIABLES",
    "SAFE_AUDIENCES",
    "VARIABLES",
    "TemplateCatalog",
    "check_script",
    "placeholders",
    "raise_on_errors",
    "unverified_nodes",
]

VARIABLES: tuple[str, ...] = (
    *(v for v in TEMPLATE_VARIABLES if v != "language"),
    "promise_amount",
    "promise_date",
)
"""What an inline text may use as `{{ variable }}`: the account's context and the promise
captured so far."""
DISCLOSING_VARIABLES: frozenset[str] = frozenset(
    {
        "amount_due",
        "currency",
        "due_date",
        "dpd",
        "lender",
        "payment_link",
        "promise_amount",
        "promise_date",
    }
)
"""Variables that tell a listener there is a debt (or with whom): never said before the
identity check. The lender's name is among them: "this is X Finance calling for Y" says it."""
AUDIENCES: tuple[str, ...] = ("debtor", "guarantor", "third_party")
"""Whom an inline text is written for: the template library's audiences."""
SAFE_AUDIENCES: frozenset[str] = frozenset({"third_party"})
"""Audiences whose words tell a third party nothing of the debt (as the template library's
`Template.third_party_safe`)."""

_OTHER_SYNTAX = re.compile(r"\{%|\{#|\{\{(?!\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})")


class TemplateCatalog(Protocol):
    """What the check needs to know of a template library, in the script's language."""

    def third_party_safe(self, template_id: str) -> bool | None:
        """Whether the template tells a third party nothing of the debt; None when the
        library has no such template."""
        ...


def placeholders(text: str) -> list[str]:
    """The `{{ variable }}` names of an inline text, in order."""
    return PLACEHOLDER.findall(text)


def unverified_nodes(script: Script) -> set[str]:
    """Nodes the dialog can reach before any `verify` node has been passed: every path from
    `start` that does not leave a `verify` node on `affirm`."""
    seen: set[str] = set()
    queue = deque([script.start] if script.start in script.nodes else [])
    while queue:
        node_id = queue.popleft()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = script.nodes[node_id]
        for how, target in node.targets():
            if node.verify and how == "affirm":
                continue
            if target in script.nodes:
                queue.append(target)
    return seen


def _reachable(script: Script) -> set[str]:
    seen: set[str] = set()
    queue = deque([script.start] if script.start in script.nodes else [])
    while queue:
        node_id = queue.popleft()
        if node_id not in seen:
            seen.add(node_id)
            queue.extend(t for _, t in script.nodes[node_id].targets() if t in script.nodes)
    return seen


def _can_end(script: Script) -> set[str]:
    """Nodes from which some path reaches an ending node."""
    back: dict[str, set[str]] = {n: set() for n in script.nodes}
    for node in script.nodes.values():
        for _, target in node.targets():
            if target in back:
                back[target].add(node.id)
    done = {n.id for n in script.nodes.values() if n.terminal}
    queue = deque(done)
    while queue:
        for prev in back[queue.popleft()]:
            if prev not in done:
                done.add(prev)
                queue.append(prev)
    return done


class _Checker:
    def __init__(self, script: Script, intents: Iterable[str], catalog: TemplateCatalog | None):
        self.script = script
        self.intents = tuple(intents)
        self.catalog = catalog
        self.out: list[Diagnostic] = []

    def add(self, mark: Mark, message: str, code: str, severity: Severity = "error") -> None:
        self.out.append(
            Diagnostic(self.script.source, mark.line, mark.column, message, severity, code)
        )

    def run(self) -> list[Diagnostic]:
        s = self.script
        if s.start not in s.nodes:
            self.add(
                s.at("start"),
                f"start: unknown node '{s.start}'{self.hint(s.start)}",
                "unknown-node",
            )
        for node in s.nodes.values():
            self.targets(node)
            self.shape(node)
            self.texts(node)
        if s.start in s.nodes:
            self.graph()
        return sorted(self.out, key=lambda d: (d.line, d.column, d.message))

    def hint(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.script.nodes), n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def targets(self, node: Node) -> None:
        for intent, target in node.on.items():
            if intent not in self.intents:
                close = difflib.get_close_matches(intent, self.intents, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.add(
                    node.at(f"on/{intent}#key"),
                    f"node '{node.id}': unknown intent '{intent}'{hint} (known: "
                    f"{', '.join(self.intents)})",
                    "unknown-intent",
                )
            if target not in self.script.nodes:
                self.add(
                    node.at(f"on/{intent}"),
                    f"node '{node.id}': on {intent}: unknown node '{target}'{self.hint(target)}",
                    "unknown-node",
                )
        for key in ("default", "next"):
            target = getattr(node, key)
            if target is not None and target not in self.script.nodes:
                self.add(
                    node.at(key),
                    f"node '{node.id}': {key}: unknown node '{target}'{self.hint(target)}",
                    "unknown-node",
                )

    def shape(self, node: Node) -> None:
        n = node.id
        if node.terminal:
            for key, present in (
                ("ask", node.ask),
                ("on", bool(node.on)),
                ("default", node.default),
                ("next", node.next),
                ("verify", node.verify),
                ("capture", node.capture),
            ):
                if present:
                    self.add(
                        node.at(key),
                        f"node '{n}' ends the call ('end' or 'handoff'): "
                        f"it cannot also have '{key}'",
                        "shape",
                    )
            return
        if node.ask:
            if node.default is None:
                self.add(
                    node.mark,
                    f"node '{n}': no way out for a reply it does not recognize: add 'default'",
                    "no-way-out",
                )
            if node.capture is not None and node.next is None:
                self.add(
                    node.at("capture"),
                    f"node '{n}' captures a promise: 'next' names "
                    "where to go once the amount and date are known",
                    "shape",
                )
            if node.capture is None and node.next is not None:
                self.add(
                    node.at("next"),
                    f"node '{n}' asks: it goes on by its branches and 'default', not 'next'",
                    "shape",
                )
        else:
            for key, present, why in (
                ("on", bool(node.on), "branches on a reply"),
                ("default", node.default, "needs a reply"),
                ("verify", node.verify, "needs a reply"),
                ("capture", node.capture, "needs a reply"),
            ):
                if present:
                    self.add(node.at(key), f"node '{n}': '{key}' {why}: add 'ask: true'", "shape")
            if node.next is None:
                self.add(
                    node.mark,
                    f"node '{n}': no way out: it neither asks, goes on "
                    "('next'), hands over nor ends",
                    "no-way-out",
                )
        if node.verify:
            for intent, why in (
                ("affirm", "the identity check can never pass"),
                ("wrong_person", "a third party would be kept on the line"),
            ):
                if intent not in node.on:
                    self.add(
                        node.at("verify"),
                        f"node '{n}' checks the identity but does not branch on '{intent}': {why}",
                        "verify",
                    )

    def texts(self, node: Node) -> None:
        if node.audience is not None and node.audience not in AUDIENCES:
            self.add(
                node.at("audience"),
                f"node '{node.id}': unknown audience "
                f"'{node.audience}' (one of: {', '.join(AUDIENCES)})",
                "audience",
            )
        if node.text is not None:
            if _OTHER_SYNTAX.search(node.text):
                self.add(
                    node.at("text"),
                    f"node '{node.id}': an inline text takes only "
                    "{{ variable }} placeholders; use a template for more",
                    "text",
                )
            for name in placeholders(node.text):
                if name not in VARIABLES:
                    close = difflib.get_close_matches(name, VARIABLES, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    self.add(
                        node.at("text"),
                        f"node '{node.id}': unknown variable "
                        f"'{name}'{hint} (known: {', '.join(VARIABLES)})",
                        "variable",
                    )
        known = (
            None
            if self.catalog is None or node.say is None
            else self.catalog.third_party_safe(node.say)
        )
        if node.say is not None and self.catalog is not None and known is None:
            fallback = node.text is not None
            self.add(
                node.at("say"),
                f"node '{node.id}': no template '{node.say}' in the library for "
                f"{self.script.language}"
                + ("; its inline text is said instead" if fallback else ""),
                "unknown-template",
                "warning" if fallback else "error",
            )

    def graph(self) -> None:
        s = self.script
        reachable = _reachable(s)
        can_end = _can_end(s)
        for node in s.nodes.values():
            if node.id not in reachable:
                self.add(
                    node.mark, f"node '{node.id}' is unreachable from '{s.start}'", "unreachable"
                )
            elif node.id not in can_end and not node.terminal and node.targets():
                self.add(
                    node.mark,
                    f"node '{node.id}': no way out: no path from it ends the call or hands it over",
                    "no-way-out",
                )
        before = unverified_nodes(s)
        if not any(n.verify for n in s.nodes.values()):
            self.add(
                s.at("nodes"),
                "no 'verify' node: the robot never checks that it speaks "
                "to the debtor, so it may say nothing of the debt",
                "verify",
                "warning",
            )
        for node_id in sorted(before):
            self.before_verification(s.nodes[node_id])

    def before_verification(self, node: Node) -> None:
        n, why = node.id, "reachable before the identity is checked"
        safe = None
        if node.say is not None:
            safe = self.catalog.third_party_safe(node.say) if self.catalog is not None else None
            if safe is False:
                self.add(
                    node.at("say"),
                    f"node '{n}' is {why} but says template "
                    f"'{node.say}', which is not safe for a third party (it may tell of "
                    "the debt)",
                    "disclosure",
                )
            elif safe is None and self.catalog is None and node.text is None:
                self.add(
                    node.at("say"),
                    f"node '{n}' is {why}: without the template library "
                    f"it cannot be checked that '{node.say}' is safe for a third party",
                    "disclosure",
                    "warning",
                )
        # the inline text is said when there is no template, or the library lacks it
        if node.text is not None and safe is None and node.audience not in SAFE_AUDIENCES:
            self.add(
                node.at("text"),
                f"node '{n}' is {why}: mark its text "
                "'audience: third_party' once it tells a third party nothing of the debt",
                "disclosure",
            )
        if node.text is not None:
            told = [v for v in placeholders(node.text) if v in DISCLOSING_VARIABLES]
            if told:
                self.add(
                    node.at("text"),
                    f"node '{n}' is {why} but its text says {', '.join(told)}",
                    "disclosure",
                )
        if node.capture is not None:
            self.add(
                node.at("capture"),
                f"node '{n}' is {why}: a promise can only be taken from the debtor",
                "disclosure",
            )
        if node.end is not None and node.end.ledger == "rpc":
            self.add(
                node.at("end"),
                f"node '{n}' is {why}: it cannot end as '{node.end}' (a right-party contact)",
                "outcome",
            )


def check_script(
    script: Script,
    *,
    catalog: TemplateCatalog | None = None,
    intents: Iterable[str] = INTENTS,
) -> list[Diagnostic]:
    """Every problem of a loaded script, errors and warnings, in file order."""
    return _Checker(script, intents, catalog).run()


def raise_on_errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The warnings, when there is no error; `ScriptError` with the errors otherwise."""
    diagnostics = list(diagnostics)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise ScriptError(errors)
    return diagnostics
