"""The exact back end: the assignment as a 0-1 integer program, solved by HiGHS (SciPy).

One variable per (unit, eligible owner) worth working (net > 0); each unit goes to at most one
owner, and no owner takes more accounts than its room. Customers are never split, so this is
the true optimum the flow back end approximates. It has one variable per (unit, eligible owner):
with 1 000 agents a book of 5 000 accounts already takes minutes (bench/README.md), so it is for
tests (against brute force) and small books or staffs with few eligible owners per unit.
"""

from __future__ import annotations

import time

import numpy as np

from arrears.assignment.problem import NONE, Problem, Solution, without_exclusions


def solve_milp(given: Problem, time_limit: float = 600.0) -> Solution:
    # SciPy's optimizer takes half a second to import: only runs that choose this back end pay.
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    started = time.perf_counter()
    problem = without_exclusions(given)
    unit, owner = problem.unit_arcs()
    net = problem.net(unit, owner)
    keep = net > 0
    unit, owner, net = unit[keep], owner[keep], net[keep]
    chosen = np.full(problem.units, NONE, dtype=np.int64)
    if unit.size == 0:
        return Solution(chosen, "milp", 0.0, time.perf_counter() - started)
    n = unit.size
    one_owner = csr_array((np.ones(n), (unit, np.arange(n))), shape=(problem.units, n))
    room = csr_array(
        (problem.weight[unit].astype(float), (owner, np.arange(n))), shape=(problem.owners, n)
    )
    result = milp(
        -net,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(one_owner, -np.inf, 1),
            LinearConstraint(room, -np.inf, problem.capacity.astype(float)),
        ],
        options={"time_limit": time_limit},
    )
    if result.x is None:
        raise RuntimeError(f"the integer program did not solve: {result.message}")
    picked = result.x > 0.5
    chosen[unit[picked]] = owner[picked]
    bound = -float(result.mip_dual_bound) if result.mip_dual_bound is not None else None
    return Solution(chosen, "milp", bound, time.perf_counter() - started)
