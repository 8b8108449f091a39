"""The assignment back ends by name: the optimizer and the two it is measured against."""

from __future__ import annotations

from arrears.assignment.flow import solve_flow
from arrears.assignment.milp import solve_milp
from arrears.assignment.place import solve_greedy, solve_round_robin
from arrears.assignment.problem import Problem, Solution

SOLVERS = ("flow", "milp", "greedy", "round_robin")


def solve(problem: Problem, solver: str = "flow") -> Solution:
    """The solution of the back end named `solver` (one of SOLVERS)."""
    if solver == "flow":
        return solve_flow(problem)
    if solver == "milp":
        return solve_milp(problem)
    if solver == "greedy":
        return solve_greedy(problem)
    if solver == "round_robin":
        return solve_round_robin(problem)
    raise ValueError(f"unknown assignment solver '{solver}' (one of: {', '.join(SOLVERS)})")
