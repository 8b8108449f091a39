"""Robot dialogs: a robot-call script as a small state machine, and what runs it.

A script (YAML) says, asks, branches on the customer's intent, takes a promise, hands the
call to a human or ends it with an outcome for the contact ledger. The identity check comes
first: nothing of the debt is said before the robot knows it speaks to the debtor, and the
check of a script (`check_script`) proves it for every path. The engine is pure (state in,
state out); the recognizer is an interface, with a keyword recognizer for zh-CN and en.
"""

from arrears.dialogs.check import TemplateCatalog, check_script, unverified_nodes
from arrears.dialogs.engine import Dialog, DialogError, Render, State, Turn
from arrears.dialogs.intents import INTENTS, Intent, KeywordRecognizer, Recognizer
from arrears.dialogs.script import (
    Diagnostic,
    Node,
    Outcome,
    Script,
    ScriptError,
    load_script,
    load_script_text,
    shipped_script,
)
from arrears.dialogs.slots import Slots, extract_slots

__all__ = [
    "INTENTS",
    "Diagnostic",
    "Dialog",
    "DialogError",
    "Intent",
    "KeywordRecognizer",
    "Node",
    "Outcome",
    "Recognizer",
    "Render",
    "Script",
    "ScriptError",
    "Slots",
    "State",
    "TemplateCatalog",
    "Turn",
    "check_script",
    "extract_slots",
    "load_script",
    "load_script_text",
    "shipped_script",
    "unverified_nodes",
]
