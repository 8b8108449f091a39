"""A fitted model and its card on disk, one folder per target:

    <root>/<target>/model.joblib   the fitted CollectionModel (joblib pickle)
    <root>/<target>/card.json      the card (its "version" is the model's content hash)
    <root>/<target>/card.html      the same card, readable

Loading refuses a folder whose files are incomplete, or whose card does not describe the model
next to it (a different target, or a different version), rather than scoring with the wrong one.
A joblib file is a pickle: load only folders this platform wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]

from arrears.scoring.card import render_html
from arrears.scoring.model import TARGETS, CollectionModel

MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
HTML_FILE = "card.html"


def model_dir(root: str | Path, target: str) -> Path:
    if target not in TARGETS:
        raise ValueError(f"target must be one of: {', '.join(TARGETS)} (got {target!r})")
    return Path(root) / target


def save_model(model: CollectionModel, card: dict[str, Any], root: str | Path) -> Path:
    """Write the model and its card under `root/<target>/`; returns that folder."""
    version = getattr(model, "version_", None)
    if version is None:
        raise ValueError("the model is not fitted; fit it before saving")
    if card.get("version") != version or card.get("target") != model.target:
        raise ValueError(
            f"the card (target {card.get('target')!r}, version {card.get('version')!r}) does not "
            f"describe this model (target {model.target!r}, version {version!r})"
        )
    folder = model_dir(root, model.target)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / MODEL_FILE)
    text = json.dumps(card, indent=2, sort_keys=True, allow_nan=False)
    (folder / CARD_FILE).write_text(text + "\n", encoding="utf-8")
    (folder / HTML_FILE).write_text(render_html(card), encoding="utf-8")
    return folder


def load_model(root: str | Path, target: str) -> tuple[CollectionModel, dict[str, Any]]:
    """The model and card saved under `root/<target>/`, checked against each other."""
    folder = model_dir(root, target)
    absent = [name for name in (MODEL_FILE, CARD_FILE) if not (folder / name).is_file()]
    if absent:
        raise FileNotFoundError(
            f"no saved {target!r} model in {folder}: missing {', '.join(absent)}"
        )
    card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    model = joblib.load(folder / MODEL_FILE)
    if not isinstance(model, CollectionModel):
        raise ValueError(
            f"{folder / MODEL_FILE} holds a {type(model).__name__}, not a CollectionModel"
        )
    recomputed = model.fingerprint()
    checks = {
        "target": (card.get("target"), model.target, target),
        "version": (card.get("version"), model.version_, recomputed),
    }
    for what, values in checks.items():
        if len(set(values)) != 1:
            card_v, model_v, expected = values
            raise ValueError(
                f"{folder}: the card and the model disagree on the {what} "
                f"(card {card_v!r}, model {model_v!r}, expected {expected!r})"
            )
    return model, card
