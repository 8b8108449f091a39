"""Run a dialog script: state in, state out.

`Dialog.start(script, context)` speaks the first nodes and stops at the first question;
`Dialog.reply(state, text)` recognizes the reply, follows the branch and speaks until the
next question, a hand-over or the end. Nothing is kept between calls but the `State` the
caller holds, so a telephony front end, a test or the text-mode runner drive it alike.

What is said comes from a `render(template_id, context) -> str` callable passed in (the
runner wires the template library); a node's inline `text` is used when there is no
template, no renderer, or the renderer does not know the template. The engine never imports
the library.

Rules the engine keeps, whatever the script:

- Identity first. The state is `verified` only once a `verify` node is left on `affirm`; what
  a customer said before that (amounts, dates) is not kept, since it may not be the debtor's.
- A promise is taken at a `capture: promise` node, from the reply that leads to it or the
  replies at it: the date must be said (today to `promise_days` ahead); the amount is the
  one said, or the last one said since the identity check, or the full amount due when none
  was (or "all of it" was said). Until then the node asks; once known, it goes to `next`.
- After `max_turns` replies the robot stops the call rather than talk in circles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from arrears.dialogs.intents import Intent, Recognizer
from arrears.dialogs.script import PLACEHOLDER, Node, Outcome, Script

__all__ = ["Dialog", "DialogError", "Render", "State", "Turn", "format_value", "inline"]

Render = Callable[[str, Mapping[str, Any]], str]
"""`render(template_id, context) -> text`; raises `LookupError` for an unknown template."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class DialogError(Exception):
    """The dialog cannot go on: a finished dialog replied to, a template with nothing to say
    it with, or a script that loops without asking (a script that passed the check never
    does)."""


@dataclass(frozen=True)
class State:
    """Everything a dialog is: the script, the account's context, where it stands and what
    it has learnt. Immutable; each turn returns a new one."""

    script: Script
    context: Mapping[str, Any]
    node: str
    verified: bool = False
    heard: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """Slots said since the identity check (the latest amount)."""
    captured: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """`promise_amount` and `promise_date` once a promise is taken."""
    path: tuple[str, ...] = ()
    """Every node entered, in order."""
    turns: int = 0
    done: bool = False


@dataclass(frozen=True)
class Turn:
    """What the robot says now and where the dialog stands.

    `outcome` is set when the call ends (or, for a hand-over, when the script records one);
    `handoff` when the call goes to a human agent; `intent` is the intent the dialog acted on
    in this turn (None at the start); `lines` are the node texts said, in order; `reason`
    says why a dialog stopped that did not end at a node ("turn limit"); `nodes` are the
    nodes entered in this turn.
    """

    say: str
    state: State
    done: bool = False
    outcome: Outcome | None = None
    handoff: bool = False
    captured: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    intent: Intent | None = None
    lines: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    steps: tuple[tuple[str, str, str], ...] = ()
    """The edges taken in this turn: (from node, how, to node), `how` an intent, `default`
    or `next`."""
    reason: str = ""


_SYMBOLS = {
    "zh": {"CNY": "¥", "USD": "US$", "GBP": "£", "EUR": "€", "HKD": "HK$"},
    "en": {"CNY": "CN¥", "USD": "$", "GBP": "£", "EUR": "€", "HKD": "HK$"},
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
MONEY_VARIABLES = frozenset({"amount_due", "promise_amount"})


def format_value(value: Any, name: str = "", context: Mapping[str, Any] = _EMPTY) -> str:
    """How an inline text shows a context value: amounts to the cent with thousands
    separators (`amount_due` and `promise_amount` with the currency's symbol, ¥1,234.50),
    dates in the language's way (2026年12月11日, 11 December 2026), nothing for a missing
    value."""
    if value is None:
        return ""
    family = "zh" if str(context.get("language", "")).lower().startswith("zh") else "en"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | float | int) and name in MONEY_VARIABLES:
        currency = str(context.get("currency") or "")
        symbol = _SYMBOLS[family].get(currency)
        digits = f"{Decimal(str(value)):,.2f}"
        return f"{symbol}{digits}" if symbol else f"{digits} {currency}".strip()
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    if isinstance(value, date) and context:
        if family == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        month = _MONTHS[value.month - 1]
        if str(context.get("language", "")).lower() == "en-us":
            return f"{month} {value.day}, {value.year}"
        return f"{value.day} {month} {value.year}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def inline(text: str, context: Mapping[str, Any]) -> str:
    """An inline text with its `{{ variable }}` placeholders filled from the context."""
    return PLACEHOLDER.sub(
        lambda m: format_value(context.get(m.group(1)), m.group(1), context), text
    )


# Intents at a capture node that mean "go on with the promise" rather than a turn elsewhere.
_PROMISING = frozenset({"will_pay", "affirm", "unknown"})


@dataclass(frozen=True)
class Dialog:
    """A dialog runner: the recognizer, today's date (for promised dates) and the renderer."""

    recognizer: Recognizer
    today: date
    render: Render | None = None

    def start(self, script: Script, context: Mapping[str, Any]) -> Turn:
        state = State(script=script, context=MappingProxyType(dict(context)), node=script.start)
        return self._walk(state, script.start, intent=None, fresh=_EMPTY)

    def reply(self, state: State, text: str) -> Turn:
        if state.done:
            raise DialogError("the dialog is over: start a new one")
        script = state.script
        node = script.nodes[state.node]
        intent = self.recognizer.recognize(text, script.language)
        chosen = next((c for c in intent.ranked() if c.name in node.on), None)
        verified = state.verified or (
            node.verify and chosen is not None and chosen.name == "affirm"
        )
        slots = _slots(intent) if verified else _EMPTY
        heard = dict(state.heard)
        if "amount" in slots:
            heard["amount"] = slots["amount"]
        state = replace(
            state, turns=state.turns + 1, verified=verified, heard=MappingProxyType(heard)
        )
        acted = chosen or intent
        target: str | None = None
        how = "next"
        if node.capture == "promise" and (chosen is None or chosen.name in _PROMISING):
            promise = self._promise(state, slots)
            if promise is not None:
                state = replace(state, captured=MappingProxyType({**state.captured, **promise}))
                target = node.next
        if target is None:
            how = chosen.name if chosen is not None else "default"
            target = node.on[chosen.name] if chosen is not None else node.default
        if target is None:  # an unchecked script: a node that asks with nowhere to go
            raise DialogError(f"node '{node.id}': no branch for '{intent.name}' and no default")
        turn = self._walk(state, target, intent=acted, fresh=slots, came=(node.id, how))
        if not turn.done and turn.state.turns >= script.max_turns:
            outcome = Outcome("rpc") if turn.state.verified else None
            stopped = replace(turn.state, done=True)
            return replace(turn, state=stopped, done=True, outcome=outcome, reason="turn limit")
        return turn

    # -- internals ------------------------------------------------------------------------

    def _walk(
        self,
        state: State,
        node_id: str,
        *,
        intent: Intent | None,
        fresh: Mapping[str, Any],
        came: tuple[str, str] | None = None,
    ) -> Turn:
        """Enter `node_id` (reached from `came`: node and how) and speak until a node asks,
        hands over or ends."""
        script = state.script
        lines: list[str] = []
        entered: list[str] = []
        steps: list[tuple[str, str, str]] = []
        for _ in range(len(script.nodes) + 1):
            if came is not None:
                steps.append((*came, node_id))
            node = script.nodes[node_id]
            state = replace(state, node=node_id, path=(*state.path, node_id))
            entered.append(node_id)
            if node.capture == "promise":
                promise = self._promise(state, fresh) if state.verified else None
                if promise is not None and node.next is not None:
                    state = replace(state, captured=MappingProxyType({**state.captured, **promise}))
                    came, node_id = (node_id, "next"), node.next
                    continue
            line = self._say(node, state)
            if line:
                lines.append(line)
            if node.terminal or node.ask:
                done = node.terminal
                state = replace(state, done=done)
                return Turn(
                    say="\n".join(lines),
                    state=state,
                    done=done,
                    outcome=node.end if done else None,
                    handoff=node.handoff,
                    captured=state.captured,
                    intent=intent,
                    lines=tuple(lines),
                    nodes=tuple(entered),
                    steps=tuple(steps),
                )
            if node.next is None:
                raise DialogError(f"node '{node.id}' neither asks, goes on nor ends")
            came, node_id = (node_id, "next"), node.next
        raise DialogError(f"the script goes round without asking (through '{node_id}')")

    def _say(self, node: Node, state: State) -> str:
        context = {**state.context, **state.captured}
        if node.say is not None and self.render is not None:
            try:
                return self.render(node.say, context).strip()
            except LookupError:
                if node.text is None:
                    raise DialogError(
                        f"node '{node.id}': no template '{node.say}' and no inline text"
                    ) from None
        elif node.say is not None and node.text is None:
            raise DialogError(
                f"node '{node.id}' says template '{node.say}' but no template library is wired"
            )
        return inline(node.text, context).strip() if node.text is not None else ""

    def _promise(self, state: State, slots: Mapping[str, Any]) -> dict[str, Any] | None:
        """The promise in `slots` (with what was heard before), or None while no valid date
        has been said."""
        day = slots.get("date")
        latest = self.today + timedelta(days=state.script.promise_days)
        if not isinstance(day, date) or not self.today <= day <= latest:
            return None
        due = state.context.get("amount_due")
        amount = None if slots.get("full") else (slots.get("amount") or state.heard.get("amount"))
        if amount is None:
            amount = due
        if amount is None:
            return None
        return {"promise_amount": Decimal(str(amount)), "promise_date": day}


def _slots(intent: Intent) -> Mapping[str, Any]:
    """The slots of an intent and its alternatives, the best-ranked first."""
    merged: dict[str, Any] = {}
    for candidate in reversed(intent.ranked()):
        merged.update(candidate.slots)
    return MappingProxyType(merged)
