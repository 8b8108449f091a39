"""The dispatch back ends against brute force, the LP bound and each other's constraints."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.assignment.deal import deal
from arrears.assignment.place import make_room
from arrears.assignment.problem import NONE, Problem, violations, without_exclusions
from arrears.assignment.solvers import SOLVERS, solve


@st.composite
def problems(draw: st.DrawFn, units: int = 7, most_weight: int = 3, rotate: bool = True) -> Problem:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_units = draw(st.integers(1, units))
    n_owners = draw(st.integers(1, 3))
    n_teams = draw(st.integers(1, 2))
    n_classes = draw(st.integers(1, 3))
    classes = np.repeat(np.arange(n_classes), n_owners)
    owners = np.tile(np.arange(n_owners), n_classes)
    keep = rng.random(classes.size) < 0.7
    exclude = np.full(n_units, NONE, dtype=np.int64)
    if rotate:
        rotating = rng.random(n_units) < 0.3
        exclude[rotating] = rng.integers(0, n_owners, int(rotating.sum()))
    return Problem(
        value=np.round(rng.uniform(0, 100, n_units), 2),
        weight=rng.integers(1, most_weight + 1, n_units),
        unit_class=rng.integers(0, n_classes, n_units),
        exclude=exclude,
        arc_class=classes[keep],
        arc_owner=owners[keep],
        owner_team=rng.integers(0, n_teams, n_owners),
        capacity=rng.integers(0, 5, n_owners),
        keep=np.round(rng.uniform(0.5, 1.0, (n_classes, n_teams)), 3),
        cost=np.round(rng.uniform(0, 20, (n_classes, n_teams)), 2),
    )


def brute_force(p: Problem) -> float:
    """The best objective over every assignment that keeps every rule."""
    allowed = set(zip(p.arc_class.tolist(), p.arc_owner.tolist(), strict=True))
    options = [
        [NONE]
        + [o for o in range(p.owners) if (int(p.unit_class[u]), o) in allowed and o != p.exclude[u]]
        for u in range(p.units)
    ]
    best = 0.0
    for combo in itertools.product(*options):
        owner = np.array(combo, dtype=np.int64)
        held = owner != NONE
        load = np.bincount(owner[held], weights=p.weight[held], minlength=p.owners)
        if (load > p.capacity).any():
            continue
        best = max(best, float(p.net(np.flatnonzero(held), owner[held]).sum()))
    return best


@settings(max_examples=150, deadline=None)
@given(problems(most_weight=1))
def test_the_flow_optimizer_finds_the_brute_force_optimum_when_customers_hold_one_account(
    p: Problem,
) -> None:
    solution = solve(p, "flow")
    assert violations(p, solution.owner) == []
    assert solution.objective(p) == pytest.approx(brute_force(p), abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_exact_program_finds_the_brute_force_optimum_with_whole_customers_and_rotation(
    p: Problem,
) -> None:
    solution = solve(p, "milp")
    assert violations(p, solution.owner) == []
    assert solution.objective(p) == pytest.approx(brute_force(p), abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_no_back_end_breaks_capacity_eligibility_or_rotation(p: Problem) -> None:
    for name in SOLVERS:
        assert violations(p, solve(p, name).owner) == [], name


@settings(max_examples=100, deadline=None)
@given(problems())
def test_the_lp_bound_is_above_the_true_optimum_and_the_flow_below_it(p: Problem) -> None:
    flow = solve(p, "flow")
    best = brute_force(p)
    assert flow.bound is not None
    assert flow.bound >= best - 1e-3  # costs are rounded to 1/10 000 of a unit in the flow
    assert flow.objective(p) <= best + 1e-6


def test_the_optimizer_beats_greedy_where_a_scarce_skill_decides() -> None:
    # Two owners: A has the rare skill (class 1 may only go to A), B does not. Greedy by
    # value gives A the most valuable class-0 case first and strands the class-1 case.
    p = Problem(
        value=np.array([100.0, 90.0, 80.0]),
        weight=np.array([1, 1, 1]),
        unit_class=np.array([0, 1, 0]),
        exclude=np.full(3, NONE),
        arc_class=np.array([0, 0, 1]),
        arc_owner=np.array([0, 1, 0]),
        owner_team=np.array([0, 0]),
        capacity=np.array([1, 1]),
        keep=np.ones((2, 1)),
        cost=np.zeros((2, 1)),
    )
    assert solve(p, "flow").objective(p) == pytest.approx(190.0)
    assert solve(p, "greedy").objective(p) < 190.0


def test_a_rotating_case_never_returns_to_the_owner_it_leaves() -> None:
    p = Problem(
        value=np.array([50.0]),
        weight=np.array([1]),
        unit_class=np.array([0]),
        exclude=np.array([0]),
        arc_class=np.array([0, 0]),
        arc_owner=np.array([0, 1]),
        owner_team=np.array([0, 0]),
        capacity=np.array([5, 0]),
        keep=np.ones((1, 1)),
        cost=np.zeros((1, 1)),
    )
    for name in SOLVERS:
        assert solve(p, name).owner.tolist() == [NONE], name
    refined = without_exclusions(p)
    assert refined.exclude.tolist() == [NONE]
    assert set(refined.arc_owner[refined.arc_class == refined.unit_class[0]].tolist()) == {1}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=0, max_size=60),
    st.lists(st.integers(0, 20), min_size=1, max_size=6),
)
def test_dealing_never_overfills_a_bin_and_places_all_single_accounts_that_fit(
    weights: list[int], budgets: list[int]
) -> None:
    w, b = np.array(weights, dtype=np.int64), np.array(budgets, dtype=np.int64)
    got = deal(w, b)
    placed = got != NONE
    load = np.bincount(got[placed], weights=w[placed], minlength=b.size)
    assert (load <= b).all()
    if (w == 1).all():
        assert placed.sum() == min(w.size, int(b.sum()))


def test_dealing_spreads_the_top_of_the_ranking_in_proportion_to_budgets() -> None:
    value = np.linspace(1000, 1, 600)  # ranked, highest first
    got = deal(np.ones(600, dtype=np.int64), np.array([100, 200, 300]))
    per_bin = np.array([value[got == k].sum() for k in range(3)])
    per_capacity = per_bin / np.array([100, 200, 300])
    assert per_capacity.max() / per_capacity.min() < 1.02
    top = got[:60]  # the first tenth of the ranking goes 1 : 2 : 3
    assert np.bincount(top, minlength=3).tolist() == [10, 20, 30]


def test_the_flow_spreads_load_over_equally_good_owners_counting_what_they_hold() -> None:
    p = Problem(
        value=np.full(40, 10.0),
        weight=np.ones(40, dtype=np.int64),
        unit_class=np.zeros(40, dtype=np.int64),
        exclude=np.full(40, NONE),
        arc_class=np.zeros(3, dtype=np.int64),
        arc_owner=np.arange(3),
        owner_team=np.zeros(3, dtype=np.int64),
        capacity=np.array([100, 100, 50]),  # the third already holds 50 of its 100
        keep=np.ones((1, 1)),
        cost=np.zeros((1, 1)),
        held=np.array([0, 0, 50]),
    )
    owner = solve(p, "flow").owner
    assert np.bincount(owner, minlength=3).tolist() == [20, 20, 0]


def test_a_whole_customer_gets_room_when_single_accounts_step_aside() -> None:
    # Owner 0 is full with two single-account units (class 0, which owner 1 may also hold);
    # the two-account customer (class 1) may go to owner 0 only.
    p = Problem(
        value=np.array([10.0, 10.0, 100.0]),
        weight=np.array([1, 1, 2]),
        unit_class=np.array([0, 0, 1]),
        exclude=np.full(3, NONE),
        arc_class=np.array([0, 0, 1]),
        arc_owner=np.array([0, 1, 0]),
        owner_team=np.array([0, 0]),
        capacity=np.array([2, 2]),
        keep=np.ones((2, 1)),
        cost=np.zeros((2, 1)),
    )
    owner = make_room(p, np.array([0, 0, NONE]), np.array([2]))
    assert owner.tolist() == [1, 1, 0]
    assert violations(p, owner) == []
    assert solve(p, "flow").objective(p) == pytest.approx(120.0)
