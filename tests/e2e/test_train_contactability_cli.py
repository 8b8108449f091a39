"""`arrears train --model contactability`: a per-call model from a generated history."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def arrears(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "arrears", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_train_contactability_writes_a_per_call_model_judged_out_of_time(
    tmp_path: Path,
) -> None:
    data, models = tmp_path / "history", tmp_path / "models"
    made = arrears("generate", "--accounts", "2000", "--seed", "6", "--country", "mixed",
                   "--as-of", "2026-11-30", "--history", "84", "--out", str(data))  # fmt: skip
    assert made.returncode == 0, made.stderr
    trained = arrears("train", "--history", str(data), "--model", "contactability",
                      "--out", str(models))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "test AUC" in trained.stdout and "contactability-scorecard" in trained.stdout
    card = json.loads((models / "contactability" / "card.json").read_text())
    assert card["target"] == "contactability" and card["label"]["unit"] == "call"
    assert card["training_window"]["end"] < card["label"]["test_from"]
    names = {f["name"] for f in card["features"]}
    assert {"hour", "weekday", "band_rpcs", "lean_band", "dpd"} <= names
    assert card["metrics"]["test"]["auc"] > 0.55
    assert (models / "contactability" / "card.html").is_file()
