"""Strategy search: the declared space, the search on training books, the held-out test."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.simulation.knobs import Knobs
from arrears.simulation.search.optimize import Book, search
from arrears.simulation.search.output import write_search
from arrears.simulation.search.space import SpaceError, load_space, split_path
from arrears.strategy.load import load_strategy

from .conftest import ROOT, START

BASE = ROOT / "examples/strategies/seed_example.yaml"
SPACE = ROOT / "examples/search/seed_space.yaml"


@pytest.fixture(scope="module")
def base() -> dict:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


def test_paths_walk_keys_list_items_and_ids() -> None:
    assert split_path("segments[A].steps[1].days") == ["segments", "A", "steps", 1, "days"]
    assert split_path("house.caps") == ["house", "caps"]
    with pytest.raises(ValueError):
        split_path("segments[A]..x")


def test_a_choice_sets_its_settings_and_leaves_the_rest(base: dict) -> None:
    space = load_space(SPACE, base)
    doc = space.apply(base, {"call": "robot", "population": "bucket == 'M1'"})
    step = doc["segments"][0]["steps"][1]
    assert step["channel"] == "robot_call" and step["template"] == "robot_m1"
    assert "team" not in step  # null removes the setting
    assert doc["segments"][0]["when"] == "bucket == 'M1'"
    assert doc["segments"][0]["steps"][0] == base["segments"][0]["steps"][0]  # not picked
    assert base["segments"][0]["steps"][1]["channel"] == "human_call"  # the base is untouched


def test_a_segment_can_be_appended_and_choices_can_be_named(base: dict) -> None:
    space = load_space(SPACE, base)
    later = next(p for p in space.parameters if p.name == "later_buckets")
    assert later.labels[0] == "none"
    assert space.apply(base, {"later_buckets": "none"}) == base
    doc = space.apply(base, {"later_buckets": later.labels[2]})
    assert [seg["id"] for seg in doc["segments"]] == ["A", "B"]
    assert doc["segments"][1]["steps"][0]["channel"] == "robot_call"
    assert len(base["segments"]) == 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("parameters: []\n", "parameters"),
        ("objective: happiness\nparameters: [{name: a, path: name, choices: [x]}]\n", "objective"),
        ("parameters: [{name: a, path: 'segments[Z].when', choices: [x]}]\n", "parameter a"),
        (
            "parameters: [{name: a, path: 'segments[A].steps[9].days', choices: [[1]]}]\n",
            "parameter a",
        ),
        ("parameters: [{name: a, choices: [1, 2]}]\n", "parameter a"),
        (
            "parameters: [{name: a, path: name, choices: [x]},\n"
            "             {name: a, path: name, choices: [y]}]\n",
            "parameters",
        ),
        ("cost_cap: lots\nparameters: [{name: a, path: name, choices: [x]}]\n", "cost_cap"),
        ("parameters: [{name: a, path: name, choices: [x, y], labels: [one]}]\n", "parameter a"),
    ],
)
def test_a_bad_space_names_the_file_and_the_part(
    tmp_path: Path, base: dict, text: str, where: str
) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpaceError) as caught:
        load_space(path, base)
    assert str(path) in str(caught.value) and where in str(caught.value)


@pytest.fixture(scope="module")
def searched(base: dict, tmp_path_factory: pytest.TempPathFactory):
    space = load_space(SPACE, base)
    book = Book(accounts=1500, days=6, country="CN", start=START, knobs=Knobs())
    result = search(base, space, book=book, budget=5, train_seeds=[1], test_seeds=[101], seed=3)
    out = tmp_path_factory.mktemp("search")
    return result, write_search(result, out, "seed_example.yaml")


def test_the_search_keeps_to_the_cost_cap_and_never_picks_worse_than_the_base(searched) -> None:
    result, _ = searched
    assert len(result.trials) == 5
    assert result.cap == pytest.approx(result.base_train.cost)
    for t in result.trials:
        assert t.feasible == (t.error is None and t.cost <= result.cap)
    if result.best_picked:
        chosen = [t for t in result.trials if t.picked == result.best_picked]
        assert chosen and chosen[0].feasible
        assert chosen[0].recovered > result.base_train.recovered
    else:
        assert result.best == result.base


def test_the_winner_is_a_valid_strategy_with_a_diff_and_a_held_out_verdict(searched) -> None:
    result, files = searched
    best = load_strategy(files["strategy"])
    assert best.segments and best.name == "small-loan-early"
    diff = files["diff"].read_text(encoding="utf-8")
    assert diff.startswith("--- seed_example.yaml")
    assert result.best_picked  # this seeded search does beat the base on its training book
    assert str(best.version) == "2" and "+version: 2" in diff
    assert "+description: 'found by arrears optimize" in diff
    trials = pl.read_parquet(files["trials"])
    assert trials.height == 5 and {"recovered", "cost", "feasible"} <= set(trials.columns)
    doc = json.loads(files["summary"].read_text(encoding="utf-8"))
    metrics = {d["metric"] for d in doc["held_out"]["differences"]}
    assert metrics == {"recovered", "cost", "contacts", "complaints"}
    assert doc["held_out"]["kpis"]["best"]["violations"] == 0
    assert doc["held_out"]["kpis"]["base"]["violations"] == 0
    assert isinstance(doc["held_out"]["target_met"], bool)


def test_the_same_seeds_find_the_same_strategy(base: dict, searched) -> None:
    result, _ = searched
    space = load_space(SPACE, base)
    book = Book(accounts=1500, days=6, country="CN", start=START, knobs=Knobs())
    again = search(base, space, book=book, budget=5, train_seeds=[1], test_seeds=[101], seed=3)
    assert again.best == result.best
    assert [t.recovered for t in again.trials] == [t.recovered for t in result.trials]


def test_optimize_refuses_a_test_seed_it_trains_on(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "optimize",
            "--strategy",
            str(BASE),
            "--space",
            str(SPACE),
            "--out",
            str(tmp_path / "o"),
            "--train-seeds",
            "1,2",
            "--test-seeds",
            "2,3",
        ],
    )
    assert result.exit_code == 2
    assert "must not share" in result.output


def test_optimize_names_a_bad_space_file(tmp_path: Path) -> None:
    space = tmp_path / "bad.yaml"
    space.write_text("parameters: [{name: a, path: 'segments[Q].when', choices: [x]}]\n")
    result = CliRunner().invoke(
        app, ["optimize", "--strategy", str(BASE), "--space", str(space), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "parameter a" in result.output
