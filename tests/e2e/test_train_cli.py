"""`arrears train` then `arrears plan --models`: from a generated history to scored accounts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"


def arrears(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "arrears", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_train_writes_the_model_and_its_card_and_plan_scores_with_it(tmp_path: Path) -> None:
    data, models = tmp_path / "history", tmp_path / "models"
    made = arrears("generate", "--accounts", "2000", "--seed", "6", "--country", "mixed",
                   "--as-of", "2026-11-30", "--history", "84", "--out", str(data))  # fmt: skip
    assert made.returncode == 0, made.stderr
    trained = arrears("train", "--history", str(data), "--model", "pay", "--out", str(models),
                      "--within-days", "14")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "test AUC" in trained.stdout
    card = json.loads((models / "pay" / "card.json").read_text())
    assert card["target"] == "pay" and card["backend"] == "scorecard"
    html = (models / "pay" / "card.html").read_text()
    assert card["version"] in html and "<script src=" not in html
    out = tmp_path / "run"
    planned = arrears("plan", "--data", str(data), "--strategy", str(MIXED), "--date",
                      "2026-11-30", "--out", str(out), "--models", str(models))  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["models"]["versions"] == {"pay": card["version"]}


def test_bad_model_inputs_stop_with_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_history = arrears("train", "--history", str(empty), "--model", "pay", "--out",
                         str(tmp_path / "m"))  # fmt: skip
    assert no_history.returncode == 2 and "account_snapshots" in no_history.stderr
    plan = ["plan", "--data", str(empty), "--strategy", str(MIXED), "--date", "2026-11-30"]
    no_models = arrears(*plan, "--out", str(tmp_path / "r"), "--models", str(empty))
    assert no_models.returncode == 2
