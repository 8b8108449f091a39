"""Analytics over the contract's tables and the planner's runs: curves, timing, KPIs, report.

- `episodes`: delinquency episodes (an account's stay in arrears) from the ledger or from
  account snapshots, the common ground of the curves and the recovery KPIs.
- `curves`: natural-cure and recovery curves by days past due, per segment and arm.
- `knee`: the DPD after which natural cure fades, with a bootstrap band.
- `timing`: `suggest-timing` suggestions for the strategy's `assign:` steps.
- `kpis`, `migration`: connect, right-party, promise, recovery, cost, performance,
  compliance and roll-rate KPIs.
- `report`: one self-contained HTML file.
"""
