"""`arrears robot-chat` end to end, in a subprocess, on a generated portfolio."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.generate.portfolio import generate_portfolio, write_portfolio

RUN_DATE = date(2026, 11, 30)
DIALOGS = Path(__file__).parents[3] / "examples" / "dialogs"


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The data folder, and one overdue account per country with its name and amount."""
    tables = generate_portfolio(accounts=300, seed=5, country="mixed", as_of=RUN_DATE)
    data = tmp_path_factory.mktemp("dialogs") / "data"
    write_portfolio(tables, data)
    rows = (
        tables["accounts"]
        .join(tables["customers"], on="customer_id")
        .filter(pl.col("due_date").is_not_null() & (pl.col("overdue_amount") > 0))
    )
    picked = {
        country: rows.filter(pl.col("country") == country).row(0, named=True)
        for country in ("CN", "US")
    }
    return data, picked


def chat(data: Path, account: str, script: str, *args: str, stdin: str | None = None):
    cmd = [
        sys.executable,
        "-m",
        "arrears",
        "robot-chat",
        "--script",
        str(DIALOGS / script),
        "--data",
        str(data),
        "--account",
        account,
        "--date",
        RUN_DATE.isoformat(),
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, input=stdin)


def test_a_promise_by_replies_on_the_command_line_ends_with_its_outcome(portfolio):
    data, picked = portfolio
    cn = picked["CN"]
    proc = chat(
        data,
        cn["account_id"],
        "m1_reminder_zh.yaml",
        "--say",
        "是我",
        "--say",
        "下周五还500",
        "--say",
        "对",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"robot: 您好，我是智能语音助手。请问您是{cn['name']}本人吗？"
    assert f"¥{cn['overdue_amount']:,.2f}" in lines[2]
    assert lines[-1] == "outcome: rpc/promise · promise 500.00 on 2026-12-11"


def test_a_dispute_is_handed_to_a_human_with_its_intent(portfolio):
    data, picked = portfolio
    proc = chat(
        data,
        picked["US"]["account_id"],
        "m1_reminder_en.yaml",
        "--say",
        "speaking",
        "--say",
        "that's not my debt",
        "--trace",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [
        "outcome: rpc/dispute",
        "→ handed to a human agent (intent dispute)",
    ]
    assert "[remind → handoff_dispute] ← dispute (0.90)" in proc.stdout


def test_replies_from_a_file_that_run_out_leave_the_dialog_waiting_with_exit_1(portfolio, tmp_path):
    data, picked = portfolio
    replies = tmp_path / "replies.txt"
    replies.write_text("# the customer confirms, then hangs up\nyes\n\n", encoding="utf-8")
    proc = chat(
        data, picked["US"]["account_id"], "m1_reminder_en.yaml", "--script-input", str(replies)
    )
    assert proc.returncode == 1, proc.stderr
    assert "you: yes" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "(no more replies: the dialog waits at 'remind')"


def test_typed_replies_are_read_until_the_dialog_ends(portfolio):
    data, picked = portfolio
    proc = chat(data, picked["CN"]["account_id"], "m1_reminder_zh.yaml", stdin="我是他老婆\n")
    assert proc.returncode == 0, proc.stderr
    assert "you> " in proc.stdout
    assert proc.stdout.splitlines()[-1].endswith("outcome: third_party")


def test_a_broken_script_or_an_unknown_account_is_refused_with_exit_2(portfolio, tmp_path):
    data, picked = portfolio
    broken = tmp_path / "broken.yaml"
    text = (DIALOGS / "m1_reminder_en.yaml").read_text("utf-8")
    broken.write_text(text.replace("affirm: remind", "affirm: remindd", 1), encoding="utf-8")
    proc = chat(data, picked["US"]["account_id"], str(broken))
    assert proc.returncode == 2
    line = text.splitlines().index("      affirm: remind") + 1
    assert f"{broken}:{line}:" in proc.stderr and "unknown node 'remindd'" in proc.stderr
    proc = chat(data, "NOPE", "m1_reminder_en.yaml", "--say", "yes")
    assert proc.returncode == 2 and "no such account" in proc.stderr
