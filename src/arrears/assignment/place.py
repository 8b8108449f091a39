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
    owners, edges = problem.owners_by_class()
    return [owners[edges[c] : edges[c + 1]] for c in range(problem.classes)]


def _room(problem: Problem, owner: np.ndarray) -> np.ndarray:
    return problem.capacity - problem.load(owner)


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


SCAN = 64  # single-account units looked at per owner when making room


def make_room(problem: Problem, owner: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Place units of `order` (best first) that found no owner with room, by moving
    single-account units of a full owner to another owner of the same team with room.

    A move keeps the moved unit's net value (same team, same class), so the objective only
    gains the placed unit's. This is what whole customers need when owners hold few cases: a
    customer of three accounts fits where three single accounts can step aside.
    """
    owner = owner.copy()
    room = _room(problem, owner)
    by_class = _class_owners(problem)
    singles: dict[int, list[int]] = {}
    held = np.flatnonzero((owner != NONE) & (problem.weight == 1))
    for u in held[np.argsort(problem.value[held], kind="stable")].tolist():
        singles.setdefault(int(owner[u]), []).append(u)
    for u in order.tolist():
        if owner[u] != NONE:
            continue
        candidates = by_class[int(problem.unit_class[u])]
        candidates = candidates[candidates != problem.exclude[u]]
        if candidates.size == 0:
            continue
        net = problem.net(np.full(candidates.size, u), candidates)
        w = int(problem.weight[u])
        ranked = np.lexsort((-room[candidates], -net))
        for o in candidates[ranked][net[ranked] > 0].tolist():
            moves = _movers(problem, room, by_class, singles.get(o, []), o, w - int(room[o]))
            if moves is None:
                continue
            for s, target in moves:
                owner[s] = target
                room[target] -= 1
                room[o] += 1
                singles[o].remove(s)
                singles.setdefault(target, []).append(s)
            owner[u] = o
            room[o] -= w
            break
    return owner


def _movers(
    problem: Problem,
    room: np.ndarray,
    by_class: list[np.ndarray],
    held: list[int],
    o: int,
    need: int,
) -> list[tuple[int, int]] | None:
    """`need` single-account units at owner `o` and, for each, another owner of the same team
    with room; None when they cannot be found."""
    if need <= 0:
        return []
    taken = room.copy()
    moves: list[tuple[int, int]] = []
    team = problem.owner_team[o]
    for s in held[:SCAN]:
        others = by_class[int(problem.unit_class[s])]
        ok = (
            (others != o)
            & (others != problem.exclude[s])
            & (problem.owner_team[others] == team)
            & (taken[others] >= 1)
        )
        if not ok.any():
            continue
        target = int(others[ok][np.argmax(taken[others[ok]])])
        taken[target] -= 1
        moves.append((s, target))
        if len(moves) == need:
            return moves
    return None
