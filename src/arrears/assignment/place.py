"""Placing units one at a time: the greedy and round-robin back ends, and the optimizer's tail.

`place` walks units in the order given and puts each where room is left: the team with the best
net value, then that team's eligible owner with the most room (so load spreads). It is the greedy
back end when given every unit by value, and the optimizer's last step for the few units the flow
split. `round_robin` is the baseline a collection floor runs without an optimizer: cases in
arrival order, dealt in turn to every eligible owner with room, value ignored.

These loops are per unit on purpose (the reference back ends); the default optimizer calls
`place` only for the handful of units the flow could not deal whole.
"""

from __future__ import annotations

import time

import numpy as np

from arrears.assignment.problem import NONE, Problem, Solution


def _class_owners(problem: Problem) -> list[np.ndarray]:
    order = np.lexsort((problem.arc_owner, problem.arc_class))
    cls, own = problem.arc_class[order], problem.arc_owner[order]
    n_classes = int(max(problem.unit_class.max(initial=-1), cls.max(initial=-1))) + 1
    edges = np.searchsorted(cls, np.arange(n_classes + 1))
    return [own[edges[c] : edges[c + 1]] for c in range(n_classes)]


def _room(problem: Problem, owner: np.ndarray) -> np.ndarray:
    held = owner != NONE
    load = np.bincount(owner[held], weights=problem.weight[held], minlength=problem.owners)
    return problem.capacity - load.astype(np.int64)


def place(problem: Problem, owner: np.ndarray, order: np.ndarray) -> np.ndarray:
    """`owner` with the units of `order` (unassigned ones) placed best net first, where they fit."""
    owner = owner.copy()
    room = _room(problem, owner)
    by_class = _class_owners(problem)
    for u in order.tolist():
        candidates = by_class[int(problem.unit_class[u])]
        if candidates.size == 0:
            continue
        w = int(problem.weight[u])
        ok = (room[candidates] >= w) & (candidates != problem.exclude[u])
        if not ok.any():
            continue
        cand = candidates[ok]
        net = problem.net(np.full(cand.size, u), cand)
        best = net.max()
        if best <= 0:
            continue
        top = cand[net == best]
        chosen = int(top[np.argmax(room[top])])
        owner[u] = chosen
        room[chosen] -= w
    return owner


def solve_greedy(problem: Problem) -> Solution:
    """Greedy by value: the most valuable unit first, to its best team's roomiest owner."""
    started = time.perf_counter()
    order = np.lexsort((np.arange(problem.units), -problem.value))
    owner = place(problem, np.full(problem.units, NONE, dtype=np.int64), order)
    return Solution(owner, "greedy", None, time.perf_counter() - started)


def solve_round_robin(problem: Problem) -> Solution:
    """Units in arrival order (as given), each to the next eligible owner in turn with room."""
    started = time.perf_counter()
    owner = np.full(problem.units, NONE, dtype=np.int64)
    room = problem.capacity.copy()
    by_class = _class_owners(problem)
    turn = np.zeros(len(by_class), dtype=np.int64)
    for u in range(problem.units):
        c = int(problem.unit_class[u])
        candidates = by_class[c]
        if candidates.size == 0:
            continue
        w = int(problem.weight[u])
        rolled = np.roll(candidates, -int(turn[c]))
        ok = np.flatnonzero((room[rolled] >= w) & (rolled != problem.exclude[u]))
        if ok.size == 0:
            continue
        chosen = int(rolled[ok[0]])
        owner[u] = chosen
        room[chosen] -= w
        turn[c] = (turn[c] + ok[0] + 1) % candidates.size
    return Solution(owner, "round_robin", None, time.perf_counter() - started)
