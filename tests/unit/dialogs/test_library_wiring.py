"""The template library behind a dialog: the check asks it whether a template exists and is safe
for a third party, and the runner renders through it (the engine itself never imports it)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.dialogs import Dialog, KeywordRecognizer, check_script, load_script_text
from arrears.dialogs.runner import library_wiring, shipped_templates

pytest.importorskip("arrears.templates.library")
pytestmark = pytest.mark.skipif(shipped_templates() is None, reason="no shipped template library")

TODAY = date(2026, 11, 30)
SCRIPT = """\
id: t
language: zh-CN
start: verify
nodes:
  verify:
    say: {verify}
    text: 请问您是{{{{ name }}}}本人吗？
    audience: third_party
    ask: true
    verify: true
    on: {{affirm: remind, wrong_person: bye}}
    default: bye
  remind:
    say: {remind}
    end: rpc
  bye:
    text: 打扰了，再见。
    audience: third_party
    end: wrong_party
"""


def test_a_debtor_template_before_the_identity_check_is_refused_by_the_library():
    _, catalog = library_wiring(None, "zh-CN")
    script = load_script_text(SCRIPT.format(verify="robot_m1", remind="robot_m1"), "t.yaml")
    [d] = check_script(script, catalog=catalog)
    assert (d.line, d.severity) == (6, "error")
    assert "'robot_m1', which is not safe for a third party" in d.message


def test_a_template_the_library_does_not_have_is_reported():
    _, catalog = library_wiring(None, "zh-CN")
    script = load_script_text(
        SCRIPT.format(verify="third_party_contact_robot", remind="robot_m1_no_such_step"), "t.yaml"
    )
    [d] = check_script(script, catalog=catalog)
    assert (d.line, d.severity) == (14, "error")
    assert "no template 'robot_m1_no_such_step' in the library for zh-CN" in d.message


def test_the_library_renders_a_templates_text_with_its_own_formats():
    render, _ = library_wiring(None, "zh-CN")
    script = load_script_text(SCRIPT.format(verify="third_party_contact_robot", remind="robot_m1"))
    context = {
        "name": "张三",
        "amount_due": Decimal("4321.09"),
        "currency": "CNY",
        "dpd": 44,
        "lender": "泽塔金融",
        "payment_link": "x",
        "agent_name": "小安",
        "due_date": TODAY,
        "language": "zh-CN",
    }
    dialog = Dialog(KeywordRecognizer(TODAY), TODAY, render)
    first = dialog.start(script, context)
    assert "4321" not in first.say and "泽塔金融" not in first.say
    last = dialog.reply(first.state, "是我")
    assert "¥4,321.09" in last.say and str(last.outcome) == "rpc"


def test_a_missing_template_folder_is_bad_input_for_the_chat(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "arrears",
        "robot-chat",
        "--script",
        str(Path(__file__).parents[3] / "examples" / "dialogs" / "m1_reminder_zh.yaml"),
        "--data",
        str(tmp_path),
        "--account",
        "A1",
        "--templates",
        str(tmp_path / "nowhere"),
        "--say",
        "是我",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--templates" in proc.stderr
