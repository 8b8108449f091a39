"""Strategy search over assignment timing and contact caps (issue 9): a choice named by path
reaches the assignment and the compliance guard, and `arrears optimize` searches both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.contract.load import Portfolio
from arrears.planning.plan import PlanResult, plan_day
from arrears.planning.run import condition_columns, team_kinds
from arrears.simulation.knobs import Knobs
from arrears.simulation.search.optimize import strategy_of
from arrears.simulation.search.space import Space, load_space, split_path
from arrears.simulation.world import World, portfolio_of, start_world
from arrears.strategy.check import check_strategy
from arrears.strategy.load import load_strategy

from .conftest import ROOT, START

BASE = ROOT / "examples/strategies/mixed_example.yaml"
SPACE = ROOT / "examples/search/mixed_space.yaml"
OWNER_FROM = "segments[m1_other].steps[m1.owner].assign.from_dpd"
DAY_CAP = "house.caps[HOUSE-3-A-DAY].max"


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def space(base: dict[str, Any]) -> Space:
    return load_space(SPACE, base)


@pytest.fixture(scope="module")
def world() -> World:
    return start_world(accounts=1500, seed=5, country="CN", start=START, knobs=Knobs())


@pytest.fixture(scope="module")
def portfolio(world: World) -> Portfolio:
    return portfolio_of(world)


def at(doc: Any, path: str) -> Any:
    """The value at a space path (`[ID]` picks the list item with that id)."""
    for part in split_path(path):
        if isinstance(doc, list) and isinstance(part, str):
            doc = next(item for item in doc if str(item.get("id")) == part)
        else:
            doc = doc[part]
    return doc


def candidate_plan(
    base: dict[str, Any], space: Space, picked: dict[str, str], portfolio: Portfolio
) -> PlanResult:
    """The candidate's plan of the first day, once the strategy checker has passed it."""
    strategy = strategy_of(space.apply(base, picked), f"candidate {picked}")
    found = check_strategy(strategy, condition_columns(portfolio), team_kinds(portfolio))
    assert [d for d in found if d.severity == "error"] == [], picked
    return plan_day(portfolio, strategy, START)


def test_every_choice_of_the_timing_and_caps_space_passes_the_checker(
    base: dict[str, Any], space: Space, portfolio: Portfolio
) -> None:
    columns, teams = condition_columns(portfolio), team_kinds(portfolio)
    assert {p.name for p in space.parameters} >= {"m1_owner_from", "day_cap"}
    for p in space.parameters:
        for label, settings in zip(p.labels, p.settings, strict=True):
            doc = space.apply(base, {p.name: label})
            for path, value in settings.items():
                assert at(doc, path) == value
            found = check_strategy(strategy_of(doc, label), columns, teams)
            assert [d for d in found if d.severity == "error"] == [], (p.name, label)


def test_a_later_assignment_start_gives_the_team_fewer_cases(
    base: dict[str, Any], space: Space, portfolio: Portfolio
) -> None:
    assert at(space.apply(base, {"m1_owner_from": "1"}), OWNER_FROM) == 1
    owned: dict[int, pl.DataFrame] = {}
    for start in (1, 24):
        plan = candidate_plan(base, space, {"m1_owner_from": str(start)}, portfolio)
        assert plan.assignment is not None
        by_step = plan.assignment.assignments.filter(pl.col("assign_step") == "m1.owner")
        assert set(by_step.get_column("team")) == {"m1_collectors"}
        owned[start] = by_step.join(
            plan.accounts.select("account_id", "segment", "dpd"), on="account_id"
        )
        assert (owned[start].get_column("dpd") >= start).all()  # none before its start
        assert set(owned[start].get_column("segment")) == {"m1_other"}
    early, late = (set(owned[s].get_column("account_id")) for s in (1, 24))
    assert late < early  # later start: a strict subset of the same book's cases
    moved = owned[1].filter(pl.col("account_id").is_in(sorted(early - late)))
    assert (moved.get_column("dpd") < 24).all()  # exactly those not yet at day 24


@pytest.mark.parametrize(
    ("parameter", "rule", "tight", "loose"),
    [
        ("day_cap", "HOUSE-3-A-DAY", "1", "3"),
        ("call_rest_hours", "HOUSE-2H-BETWEEN-CALLS", "72", "2"),
    ],
)
def test_a_tighter_contact_cap_blocks_more_contacts_under_its_own_rule(
    base: dict[str, Any],
    space: Space,
    portfolio: Portfolio,
    parameter: str,
    rule: str,
    tight: str,
    loose: str,
) -> None:
    plans = {x: candidate_plan(base, space, {parameter: x}, portfolio) for x in (tight, loose)}
    blocked = {x: plans[x].blocked.filter(pl.col("rule") == rule).height for x in plans}
    assert blocked[tight] > blocked[loose]
    assert plans[tight].actions.height < plans[loose].actions.height
    if parameter == "day_cap":  # a debtor-scope cap of one: one contact a debtor today
        per_debtor = (
            plans[tight].actions.filter(pl.col("role") == "debtor").group_by("customer_id").len()
        )
        assert per_debtor.get_column("len").max() == 1


def test_optimize_searches_assignment_timing_and_a_contact_cap(
    tmp_path: Path, base: dict[str, Any]
) -> None:
    # No choice is the base's own value, so a winner changes both paths.
    space = tmp_path / "space.yaml"
    space.write_text(
        "objective: recovered_per_cost\n"
        "parameters:\n"
        f"  - {{name: owner_from, path: '{OWNER_FROM}', choices: [1, 10]}}\n"
        f"  - {{name: day_cap, path: '{DAY_CAP}', choices: [1, 2]}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["--strategy", str(BASE), "--space", str(space), "--out", str(out), "--budget", "3"]
    args += ["--accounts", "1000", "--days", "3", "--train-seeds", "1", "--test-seeds", "101"]
    args += ["--seed", "0", "--start", START.isoformat(), "--country", "CN"]
    result = CliRunner().invoke(app, ["optimize", *args])
    assert result.exit_code == 0, result.output

    summary = json.loads((out / "search.json").read_text(encoding="utf-8"))
    picked = summary["best_choices"]
    assert set(picked) == {"owner_from", "day_cap"}  # this seeded search beats the base
    assert summary["held_out"]["kpis"]["best"]["violations"] == 0
    best_text = (out / "best.yaml").read_text(encoding="utf-8")
    load_strategy(out / "best.yaml")  # loads and passes the checker
    best = yaml.safe_load(best_text)
    assert at(best, OWNER_FROM) == int(picked["owner_from"])
    assert at(best, DAY_CAP) == int(picked["day_cap"])
    assert best["version"] == base["version"] + 1

    diff = (out / "best.diff").read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in diff
        if line[:1] in "+-"
        and not line.startswith(("+++", "---", "-version", "+version"))
        and not line.startswith(("-description", "+description"))
    ]
    # The searched settings, and nothing else: the step's `from_dpd` and the cap's `max`.
    assert len(changed) == 4, changed
    removed = " ".join(x for x in changed if x.startswith("-"))
    added = " ".join(x for x in changed if x.startswith("+"))
    assert "from_dpd: 24" in removed and f"from_dpd: {picked['owner_from']}," in added
    assert "max: 3}" in removed and f"max: {picked['day_cap']}}}" in added
    hunks = "\n".join(diff)
    assert "- id: m1.owner" in hunks and "HOUSE-3-A-DAY" in hunks  # in the hunks' context
