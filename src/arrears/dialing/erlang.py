"""Erlang B: the share of Poisson arrivals lost by `servers` servers with no waiting room.

Offered traffic A (erlangs) = arrival rate x mean holding time; the loss probability depends
on the holding-time distribution only through its mean. Computed with the stable recursion
B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)). For open-loop dialing the live answers of Poisson
dials at rate λ are Poisson at λ·p_live, so a loss system of agents sees A = λ·p_live·handle.
"""

from __future__ import annotations

import math

_BISECTIONS = 200


def erlang_b(traffic_erlangs: float, servers: int) -> float:
    """The blocking probability of `servers` servers offered `traffic_erlangs` erlangs."""
    if not (math.isfinite(traffic_erlangs) and traffic_erlangs >= 0):
        raise ValueError(f"traffic must be a finite number >= 0, got {traffic_erlangs!r}")
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    b = 1.0
    for k in range(1, servers + 1):
        ab = traffic_erlangs * b
        b = ab / (k + ab)
    return b


def open_loop_rate_for(cap: float, agents: int, p_live: float, mean_handle_s: float) -> float:
    """The largest Poisson dial rate (per s) whose live answers see Erlang B blocking <= cap."""
    if not 0.0 < cap < 1.0:
        raise ValueError(f"cap must be in (0, 1), got {cap!r}")
    if agents < 1:
        raise ValueError(f"agents must be >= 1, got {agents}")
    if not 0.0 < p_live <= 1.0:
        raise ValueError(f"p_live must be in (0, 1], got {p_live!r}")
    if not (math.isfinite(mean_handle_s) and mean_handle_s > 0):
        raise ValueError(f"mean_handle_s must be > 0, got {mean_handle_s!r}")
    low, high = 0.0, float(agents)
    while erlang_b(high, agents) <= cap:  # B rises to 1 as traffic grows: this ends
        low, high = high, 2.0 * high
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if erlang_b(mid, agents) <= cap:
            low = mid
        else:
            high = mid
    return low / (p_live * mean_handle_s)
