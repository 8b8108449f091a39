"""The dispatch optimizer: a min-cost flow (OR-Tools), then whole customers dealt to owners.

Network: source → unit (capacity = its accounts) → (class, team) → owner (eligible) → sink
(the owner's room, in cost bands that spread load), plus a source → sink bypass so a unit worth
nothing stays unassigned. The unit → (class, team) arc costs −net per account, in 1/10 000 of
the currency unit, and only exists when net > 0. Its optimum is the LP relaxation of the
assignment (a customer may be split): that is the `bound` every solution is measured against.

A customer must not be split, so the flow only says how much of each owner's room each
(class, team) uses. Units whose whole flow went to one (class, team) are dealt to its owners by
value rank (`deal`), within those budgets; the few split or left-over units are then placed
one by one, best first, where room is left (`place`), and those still without room get it
where single accounts of a full owner can move to another owner of the same team
(`make_room`).
"""

from __future__ import annotations

import time

import numpy as np

from arrears.assignment.deal import deal
from arrears.assignment.place import make_room, place
from arrears.assignment.problem import NONE, Problem, Solution, ranges, without_exclusions

SCALE = 10_000.0  # costs in 1/10 000 of the currency unit
BANDS = 10
"""Each owner's room is cut into bands of a tenth of its capacity, the k-th costing k / SCALE per
account: among equally good solutions the flow fills every owner to 10 % before any to 20 %,
so load spreads across owners without changing what is worth doing."""


def solve_flow(given: Problem) -> Solution:
    started = time.perf_counter()
    problem = without_exclusions(given)
    pair_class, pair_team = problem.eligible_pairs()
    n_units, n_pairs, n_owners = problem.units, pair_class.size, problem.owners
    # Unit arcs: one per (class, team) pair of the unit's class.
    first = np.searchsorted(pair_class, np.arange(problem.classes + 1))
    uc = problem.unit_class
    unit, pair = ranges(first[uc], first[uc + 1] - first[uc])
    weight = problem.weight[unit]
    at = (pair_class[pair], pair_team[pair])
    per_account = problem.value[unit] * problem.keep[at] / weight - problem.cost[at]
    keep = per_account > 0
    unit, pair, weight, per_account = unit[keep], pair[keep], weight[keep], per_account[keep]

    # Pair → owner arcs.
    owner_pair = _pair_of_arcs(problem, pair_class, pair_team)
    ok = owner_pair != NONE
    po_pair, po_owner = owner_pair[ok], problem.arc_owner[ok]

    source, sink = 0, 1 + n_units + n_pairs + n_owners
    unit_node = 1 + np.arange(n_units)
    pair_node = 1 + n_units + np.arange(n_pairs)
    owner_node = 1 + n_units + n_pairs + np.arange(n_owners)
    total = int(problem.weight.sum())
    band_owner, band_room, band_cost = _bands(problem, total)
    tails = np.concatenate(
        [
            np.zeros(n_units, np.int64),
            unit_node[unit],
            pair_node[po_pair],
            owner_node[band_owner],
            [source],
        ]
    )
    heads = np.concatenate(
        [unit_node, pair_node[pair], owner_node[po_owner], np.full(band_owner.size, sink), [sink]]
    )
    caps = np.concatenate(
        [problem.weight, weight, np.full(po_pair.size, total, np.int64), band_room, [total]]
    )
    costs = np.concatenate(
        [
            np.zeros(n_units, np.int64),
            -np.round(per_account * SCALE).astype(np.int64),
            np.zeros(po_pair.size, np.int64),
            band_cost,
            [0],
        ]
    )
    # OR-Tools is imported by the runs that assign (not by every `arrears plan`).
    from ortools.graph.python import min_cost_flow

    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = total, -total
    solver.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: {status}")
    flows = solver.flows(arcs)
    unit_flow = flows[n_units : n_units + unit.size]
    # The flow's value; its costs were rounded and carry the bands' tie-break, so the LP
    # optimum may exceed it by at most (BANDS + 1) / SCALE per account: added, the bound holds.
    bound = float((unit_flow * per_account).sum()) + (BANDS + 1) / SCALE * float(unit_flow.sum())
    po_flow = flows[n_units + unit.size : n_units + unit.size + po_pair.size]

    # Whole units: all their accounts through one pair.
    whole = unit_flow == weight
    owner = np.full(n_units, NONE, dtype=np.int64)
    heavy = problem.weight[unit[whole]] > 1  # heavy customers first: singles fill the gaps
    order = np.lexsort((unit[whole], -problem.value[unit[whole]], ~heavy, pair[whole]))
    w_unit, w_pair = unit[whole][order], pair[whole][order]
    edges = np.searchsorted(w_pair, np.arange(n_pairs + 1))
    po_order = np.argsort(po_pair, kind="stable")
    po_edges = np.searchsorted(po_pair[po_order], np.arange(n_pairs + 1))
    for p in np.flatnonzero(np.diff(edges)):
        units_p = w_unit[edges[p] : edges[p + 1]]
        arcs_p = po_order[po_edges[p] : po_edges[p + 1]]
        budget = po_flow[arcs_p]
        got = deal(problem.weight[units_p], budget)
        placed = got != NONE
        owner[units_p[placed]] = po_owner[arcs_p[got[placed]]]
    # Split units and units that did not fit their budgets: best first where room is left.
    rest = np.unique(unit[unit_flow > 0])
    rest = rest[owner[rest] == NONE]
    best_first = rest[np.argsort(-problem.value[rest], kind="stable")]
    owner = make_room(problem, place(problem, owner, best_first), best_first)
    return Solution(owner, "flow", bound, time.perf_counter() - started)


def _bands(problem: Problem, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Owner → sink arcs: (owner, room, cost) per band of each owner's capacity with room."""
    full = problem.capacity + problem.held
    k = np.arange(BANDS)
    lo = -(-full[:, None] * k // BANDS)  # ceil
    hi = -(-full[:, None] * (k + 1) // BANDS)
    room = np.clip(hi - np.maximum(lo, problem.held[:, None]), 0, None)
    room = np.minimum(room, total)
    owner, band = np.nonzero(room > 0)
    return owner.astype(np.int64), room[owner, band].astype(np.int64), band.astype(np.int64)


def _pair_of_arcs(problem: Problem, pair_class: np.ndarray, pair_team: np.ndarray) -> np.ndarray:
    """For each eligibility arc, the index of its (class, team) pair."""
    n_teams = int(problem.keep.shape[1])
    key = pair_class * n_teams + pair_team
    arc_key = problem.arc_class * n_teams + problem.owner_team[problem.arc_owner]
    at = np.searchsorted(key, arc_key)
    at = np.minimum(at, max(key.size - 1, 0))
    return np.where((key.size > 0) & (key[at] == arc_key), at, NONE)
