"""Simulation: replay strategies day by day on a simulated book before one customer is called.

`world` (the book and its customers), `knobs` (the calibration), `day` (one day: the real
planner plans, `contact` carries the plan out), `kpis` and `compare` (what an arm achieved,
and the difference between arms with a bootstrap CI), `run` (`arrears simulate`), `report`.
"""
