"""The dispatch problem in arrays, and what a solution is worth.

A *unit* is one customer's wanted accounts (a customer's accounts always go to one owner); its
`weight` is its number of accounts, the measure of every capacity. A *class* is the set of units
that may go to the same owners (same teams, skills and language). An *owner* is an agent, or a
robot / agency team that holds cases itself. Working unit u by owner o is worth

    net(u, o) = value[u] × keep[class(u), team(o)] − weight[u] × cost[class(u), team(o)]

where `keep` is the share of the expected value that team recovers and keeps (lift × (1 −
commission)) and `cost` the cost of working one account (cost per contact × contacts per case);
both are per class because the strategy step behind a class sets lift and contacts.
Every solver (flow, greedy, round-robin) takes a `Problem` and returns an owner per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

NONE = -1


def ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row i's indices starts[i] … starts[i] + counts[i] − 1, all rows flattened: (the row of
    each index, the index). The vectorized way to expand each row by its group's slice."""
    rows = np.repeat(np.arange(starts.size), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.repeat(starts, counts) + offset


@dataclass(frozen=True)
class Problem:
    value: np.ndarray  # float64 per unit: expected recovery of the whole unit
    weight: np.ndarray  # int64 per unit: accounts
    unit_class: np.ndarray  # int64 per unit
    exclude: np.ndarray  # int64 per unit: an owner it must not go to (rotation), NONE if none
    arc_class: np.ndarray  # eligibility: class arc_class[i] may go to owner arc_owner[i]
    arc_owner: np.ndarray
    owner_team: np.ndarray  # int64 per owner
    capacity: np.ndarray  # int64 per owner: accounts it may still take
    keep: np.ndarray  # float64 [class, team]
    cost: np.ndarray  # float64 [class, team]: cost per account
    held: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Per owner, accounts it already holds (kept cases): load balance counts them. Empty = 0."""

    def __post_init__(self) -> None:
        if self.held.size == 0:
            object.__setattr__(self, "held", np.zeros(self.owner_team.size, dtype=np.int64))

    @property
    def units(self) -> int:
        return int(self.value.size)

    @property
    def owners(self) -> int:
        return int(self.owner_team.size)

    @property
    def classes(self) -> int:
        """How many classes there are: the rows of `keep` (a class may have no unit or owner)."""
        return int(self.keep.shape[0])

    def load(self, owner: np.ndarray) -> np.ndarray:
        """Accounts each owner holds when unit u goes to `owner[u]` (NONE: nobody)."""
        held = owner != NONE
        counted = np.bincount(owner[held], weights=self.weight[held], minlength=self.owners)
        return counted.astype(np.int64)

    def owners_by_class(self) -> tuple[np.ndarray, np.ndarray]:
        """The eligible owners in class order, and where each class starts among them
        (`edges[c]:edges[c + 1]` are class c's; `edges` has one entry more than classes)."""
        order = np.argsort(self.arc_class, kind="stable")
        edges = np.searchsorted(self.arc_class[order], np.arange(self.classes + 1))
        return self.arc_owner[order], edges

    def unit_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (unit, eligible owner) pair, as two arrays."""
        owners, edges = self.owners_by_class()
        unit, at = ranges(
            edges[self.unit_class], edges[self.unit_class + 1] - edges[self.unit_class]
        )
        return unit, owners[at]

    def net(self, units: np.ndarray, owners: np.ndarray) -> np.ndarray:
        at = (self.unit_class[units], self.owner_team[owners])
        return self.value[units] * self.keep[at] - self.weight[units] * self.cost[at]

    def eligible_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(class, team) pairs that have at least one eligible owner, sorted by class then team."""
        pairs = np.unique(
            np.stack([self.arc_class, self.owner_team[self.arc_owner]], axis=1), axis=0
        )
        if pairs.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


@dataclass(frozen=True)
class Solution:
    owner: np.ndarray  # int64 per unit, NONE when unassigned
    solver: str
    bound: float | None = None  # the LP relaxation's optimum, when the solver computes it
    seconds: float = 0.0

    def objective(self, problem: Problem) -> float:
        held = np.flatnonzero(self.owner != NONE)
        return float(problem.net(held, self.owner[held]).sum())

    def recovery(self, problem: Problem) -> float:
        """Expected recovery kept (before cost) of the assigned units."""
        held = np.flatnonzero(self.owner != NONE)
        at = (problem.unit_class[held], problem.owner_team[self.owner[held]])
        return float((problem.value[held] * problem.keep[at]).sum())


def violations(problem: Problem, owner: np.ndarray) -> list[str]:
    """What a solution breaks: capacity, eligibility or exclusion (empty when none)."""
    out: list[str] = []
    held = np.flatnonzero(owner != NONE)
    load = problem.load(owner)
    for o in np.flatnonzero(load > problem.capacity):
        out.append(f"owner {o} holds {int(load[o])} accounts, capacity {problem.capacity[o]}")
    allowed = set(zip(problem.arc_class.tolist(), problem.arc_owner.tolist(), strict=True))
    for u in held:
        if (int(problem.unit_class[u]), int(owner[u])) not in allowed:
            out.append(f"unit {u} (class {problem.unit_class[u]}) is not eligible for {owner[u]}")
        if owner[u] == problem.exclude[u]:
            out.append(f"unit {u} went back to the owner it rotates away from ({owner[u]})")
    return out


def without_exclusions(problem: Problem) -> Problem:
    """The same problem with each (class, excluded owner) made a class of its own.

    A rotating unit may go to any owner of its class but the one it leaves; as a class of its
    own, that rule is part of the eligibility a solver sees, and `exclude` is no longer needed.
    """
    rotating = np.flatnonzero(problem.exclude != NONE)
    if rotating.size == 0:
        return problem
    n_classes = problem.classes
    key = problem.unit_class[rotating] * problem.owners + problem.exclude[rotating]
    keys, new_of = np.unique(key, return_inverse=True)
    base, excluded = keys // problem.owners, keys % problem.owners
    owners, edges = problem.owners_by_class()
    new_class, at = ranges(edges[base], edges[base + 1] - edges[base])
    owner = owners[at]
    keep = owner != excluded[new_class]
    unit_class = problem.unit_class.copy()
    unit_class[rotating] = n_classes + new_of
    rows = np.concatenate([np.arange(problem.keep.shape[0]), base])
    return replace(
        problem,
        keep=problem.keep[rows],
        cost=problem.cost[rows],
        unit_class=unit_class,
        exclude=np.full(problem.units, NONE, dtype=np.int64),
        arc_class=np.concatenate([problem.arc_class, n_classes + new_class[keep]]),
        arc_owner=np.concatenate([problem.arc_owner, owner[keep]]),
    )
