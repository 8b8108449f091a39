"""Saving a model with its card, and refusing to load a folder that does not hold together."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from arrears.scoring import CollectionModel, build_card, load_model, save_model


def _fitted(portfolio: Any, backend: str = "scorecard") -> tuple[CollectionModel, dict, Any]:
    frame, y, _ = portfolio(3000, seed=31)
    params = {"n_estimators": 30} if backend == "lightgbm" else None
    model = CollectionModel(target="self_cure", backend=backend, backend_params=params)
    model.fit(frame[:2000], y[:2000])
    card = build_card(
        model,
        train=(frame[:2000], y[:2000]),
        test=(frame[2000:], y[2000:]),
        window=(date(2026, 1, 1), date(2026, 3, 31)),
    )
    return model, card, frame


@pytest.mark.parametrize("backend", ["scorecard", "lightgbm"])
def test_a_saved_model_loads_back_with_the_same_card_and_predictions(
    tmp_path: Path, portfolio: Any, backend: str
) -> None:
    model, card, frame = _fitted(portfolio, backend)
    folder = save_model(model, card, tmp_path)
    assert folder == tmp_path / "self_cure"
    assert {p.name for p in folder.iterdir()} == {"model.joblib", "card.json", "card.html"}
    loaded, loaded_card = load_model(tmp_path, "self_cure")
    assert loaded_card == card
    assert loaded.version_ == model.version_
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))


def test_loading_a_folder_without_its_files_names_what_is_missing(
    tmp_path: Path, portfolio: Any
) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.joblib, card\.json"):
        load_model(tmp_path, "pay")
    model, card, _ = _fitted(portfolio)
    folder = save_model(model, card, tmp_path)
    (folder / "card.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing card\.json"):
        load_model(tmp_path, "self_cure")


def test_a_card_that_does_not_describe_the_model_is_refused(tmp_path: Path, portfolio: Any) -> None:
    model, card, _ = _fitted(portfolio)
    folder = save_model(model, card, tmp_path)
    tampered = {**card, "version": "0" * 16}
    (folder / "card.json").write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match="disagree on the version"):
        load_model(tmp_path, "self_cure")
    with pytest.raises(ValueError, match="does not describe this model"):
        save_model(model, tampered, tmp_path)


def test_a_model_filed_under_another_target_is_refused(tmp_path: Path, portfolio: Any) -> None:
    model, card, _ = _fitted(portfolio)
    shutil.copytree(save_model(model, card, tmp_path), tmp_path / "roll")
    with pytest.raises(ValueError, match="disagree on the target"):
        load_model(tmp_path, "roll")
    with pytest.raises(ValueError, match="pay, roll, self_cure, contactability"):
        load_model(tmp_path, "recovery")


def test_an_unfitted_model_cannot_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        save_model(CollectionModel(), {}, tmp_path)
