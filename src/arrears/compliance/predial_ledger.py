"""The one-question path's ledger steps (`predial_one`): a customer's few ledger rows read in
plain Python where they settle a step, the guard's own functions where they do not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from arrears.compliance.ledger import UTC_TS, cap_count, rest_end
from arrears.compliance.presets import Reachability
from arrears.compliance.reach import debtor_unreachable
from arrears.compliance.windows import day_span_for_one


def count_between(instants: list[datetime], lo: datetime | None, hi: datetime) -> int:
    """How many of a customer's few ledger instants are in [lo, hi) (lo None: unbounded)."""
    return sum(1 for t in instants if t is not None and (lo is None or t >= lo) and t < hi)


def with_ledger_one(
    checks: pl.DataFrame,
    ledger: pl.DataFrame,
    policy: dict[str, Any],
    contact: str,
    nulls: pl.DataFrame,
) -> pl.DataFrame:
    """`guard.with_ledger` for the rows of one question (one customer, one point, one
    instant), with the null columns of the rules no preset filled: a cap whose span holds
    no event of the customer counts 0 where it applies, a rest with no event on the point
    since its horizon is null, both without asking the ledger. `policy` is the state's
    (`predial_one._policy`), `nulls` the rows' null ledger columns."""
    as_of: datetime = checks.get_column("_as_of")[0]
    zones, day = checks.get_column("zones")[0], checks.get_column("_day")[0]
    instants = ledger.get_column("at").to_list()
    present = set(checks.get_column("_preset").drop_nulls().to_list())
    n = checks.height
    columns: dict[str, list[Any]] = {}
    caps = [(p, cap, applies) for p, cap, applies in policy["applies"] if p.id in present]
    flags = checks.select([applies for _, _, applies in caps]) if caps else None
    for p, cap, applies in caps:
        assert flags is not None
        mask = flags.get_column(applies.meta.output_name()).fill_null(False).to_list()
        if not any(mask):
            continue
        span = day_span_for_one(list(zones), day, cap.days) if zones is not None and day else None
        if span is not None and count_between(instants, span[0], min(span[1], as_of)):
            counted = cap_count(checks, ledger, cap, p.id)
            got = dict(
                zip(
                    counted["_r"].to_list(), counted.select("_count", "_before").rows(), strict=True
                )
            )
        else:
            got = {r: (0, 0) for r, m in enumerate(mask) if m}
        counts = columns.setdefault(f"_cap:{cap.id}", [None] * n)
        before = columns.setdefault(f"_before:{cap.id}", [None] * n)
        most = columns.setdefault(f"_max:{cap.id}", [None] * n)
        for r, (count, planned) in got.items():
            counts[r], before[r], most[r] = count, planned, cap.max
    rests = [(p, rest) for p in policy["presets"] if p.id in present for rest in p.rests]
    if rests and zones is not None and day is not None:
        horizon = day_span_for_one(list(zones), day, 1)
        on_point = [
            t
            for t, c in zip(instants, ledger.get_column("contact_id").to_list(), strict=True)
            if c == contact
        ]
        for p, rest in rests:
            since = horizon[0] - timedelta(hours=rest.hours) if horizon else None
            if horizon is None or not count_between(on_point, since, as_of):
                continue
            column = columns.setdefault(f"_rest:{rest.id}", [None] * n)
            for r, until in rest_end(checks, ledger, rest, p.id).iter_rows():
                column[r] = until
    dtypes: dict[str, pl.DataType] = policy["ledger_columns"]
    if columns:
        filled = pl.DataFrame(columns, schema={c: dtypes[c] for c in columns})
        nulls = nulls.with_columns(filled.get_columns())
    return checks.hstack(nulls.get_columns())


def unreachable_one(
    points: Callable[[], pl.DataFrame],
    reach: Reachability,
    customer: str,
    ledger: pl.DataFrame,
    at: datetime,
) -> tuple[bool, datetime | None]:
    """`reach.debtor_unreachable` of `customer` (its `points`, cut out when needed, and its
    `ledger`) as of `at`, and until when (fewer events in the look-back than the failed
    calls it needs on a number: reachable, without asking)."""
    since = at - timedelta(days=reach.days)
    recent = count_between(ledger.get_column("at").to_list(), since, at)
    if recent < max(reach.failed_per_number, 1):
        return False, None
    found = debtor_unreachable(
        points().lazy(),
        ledger.lazy(),
        reach,
        asked=pl.LazyFrame(
            {"customer_id": [customer], "_as_of": [at]},
            schema={"customer_id": pl.String, "_as_of": UTC_TS},
        ),
        until=True,
    ).collect()
    return found.height > 0, found.get_column("_until")[0] if found.height else None
