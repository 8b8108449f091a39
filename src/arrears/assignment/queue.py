"""Which accounts the strategy wants assigned today, to which step, at what value — and why not.

An account is *wanted* by the first `assign` step of its segment whose start (`from_dpd`) and
`when` hold, unless one of that step's exits applies: paid (nothing overdue), settled, an open
promise, a dispute, a hold. The exit that applies is the reason a held case leaves its owner.
All of it is one vectorized pass over the planner's account frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from arrears.assignment.owners import primary_language
from arrears.exprs import first_of
from arrears.strategy.check import contract_columns
from arrears.strategy.compile_polars import condition_expr, to_polars
from arrears.strategy.model import Assign, Strategy

HOLD_STATUSES: tuple[str, ...] = (
    "legal_hold",
    "bankruptcy",
    "deceased",
    "cease_contact",
    "attorney",
)

# Recovery rate by dpd when a step gives no `value`: a falling curve of the usual shape
# (early buckets recover most, write-off debt little); a scored portfolio should say `value:`.
DEFAULT_RATES: tuple[tuple[int, float], ...] = ((30, 0.6), (60, 0.35), (90, 0.2), (180, 0.1))
LATE_RATE = 0.03

WANTED_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "customer_id": pl.String(),
    "assign_step": pl.String(),  # the step that wants it (null: none)
    "exit": pl.String(),  # why it is not wanted although a step matched (null: wanted or none)
    "value": pl.Float64(),
    "needs": pl.List(pl.String()),  # skill tags the owner must have
    "language": pl.String(),  # primary subtag the owner must speak (null: any)
}


def cents_sum(column: str) -> pl.Expr:
    """The sum of an amount column in whole cents: exact, so the same in every run whatever
    order a parallel group-by adds the rows in."""
    return (pl.col(column) * 100).round().cast(pl.Int64).sum() / 100


def default_value() -> pl.Expr:
    dpd, overdue = pl.col("dpd"), pl.col("overdue_amount").cast(pl.Float64)
    rate = first_of([(dpd <= limit, pl.lit(r)) for limit, r in DEFAULT_RATES], pl.lit(LATE_RATE))
    return overdue * rate


def exit_exprs(columns: Mapping[str, pl.DataType]) -> dict[str, pl.Expr]:
    """By exit name, the condition under which a case leaves the queue."""
    status = pl.col("status")
    promise = pl.col("has_open_promise") if "has_open_promise" in columns else pl.lit(False)
    return {
        "paid": pl.col("overdue_amount") <= 0,
        "settled": status == "settled",
        "promise": promise.fill_null(False),
        "dispute": status == "dispute",
        "hold": status.is_in(HOLD_STATUSES),
    }


EXIT_TEXT: dict[str, str] = {
    "paid": "paid: nothing overdue",
    "settled": "settled",
    "promise": "promise to pay open",
    "dispute": "in dispute",
    "hold": "on hold",
}


def wanted(accounts: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """One row per account: its assign step, exit, value and what its owner needs.

    The step's conditions are evaluated once (the first that holds names the step); everything
    else is chosen by comparing that name, and the accounts no step matches are left out of the
    per-step work, so the cost grows with the matched accounts, not with steps × accounts."""
    steps = strategy.assignments()
    schema = {**contract_columns(), **dict(accounts.schema)}
    step = first_of(
        [(_matches(a, schema), pl.lit(a.step)) for a in steps], pl.lit(None, dtype=pl.String)
    )
    exits = exit_exprs(schema)
    is_step = {a.step: pl.col("assign_step") == a.step for a in steps}
    exit_first = first_of(
        [(is_step[a.step], _exit_for(a, exits)) for a in steps], pl.lit(None, dtype=pl.String)
    )
    value = first_of(
        [(is_step[a.step], _value(a, schema)) for a in steps], pl.lit(None, dtype=pl.Float64)
    )
    static = pl.DataFrame(
        {"assign_step": [a.step for a in steps], "_static": [sorted(set(a.skills)) for a in steps]},
        schema={"assign_step": pl.String, "_static": pl.List(pl.String)},
    )
    from_columns = [(a, c) for a in steps for c in a.skills_from]
    speaking = [a.step for a in steps if a.language and "language" in schema]
    language = (
        pl.when(pl.col("assign_step").is_in(speaking)).then(
            primary_language(pl.col("language").cast(pl.String))
        )
        if speaking
        else pl.lit(None, dtype=pl.String)
    )
    stepped = accounts.with_columns(step.alias("assign_step")).with_row_index("_i")
    base = stepped.select("_i", "account_id", "customer_id", "assign_step")
    picked = (
        stepped.filter(pl.col("assign_step").is_not_null())
        .select(
            "_i",
            exit_first.alias("exit"),
            value.cast(pl.Float64).alias("value"),
            *[
                pl.when(is_step[a.step]).then(pl.col(c).cast(pl.String)).alias(f"_from{i}")
                for i, (a, c) in enumerate(from_columns)
            ],
            language.alias("language"),
            "assign_step",
        )
        .join(static, on="assign_step", how="left")
    )
    needs = pl.col("_static")
    if from_columns:
        # Lists are slow row by row: each distinct (step, skill columns) is combined once.
        combo = ["assign_step", *[f"_from{i}" for i in range(len(from_columns))]]
        extra = pl.concat_list(combo[1:]).list.drop_nulls()
        distinct = (
            picked.select(*combo, "_static")
            .unique(combo)
            .select(
                *combo, pl.concat_list("_static", extra).list.unique().list.sort().alias("_needs")
            )
        )
        picked = picked.join(
            distinct, on=combo, how="left", maintain_order="left", nulls_equal=True
        )
        needs = pl.col("_needs")
    picked = picked.select(
        "_i", "exit", "value", needs.alias("needs"), pl.col("language").cast(pl.String)
    )
    # Joined back by row number (the picked rows are rows of `accounts`), not by id.
    return (
        base.join(picked, on="_i", how="left", maintain_order="left")
        .with_columns(
            pl.col("needs").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.when(pl.col("exit").is_null()).then(pl.col("assign_step")).alias("assign_step"),
            pl.when(pl.col("exit").is_null()).then(pl.col("value")).alias("value"),
        )
        .select(list(WANTED_COLUMNS))
    )


def _matches(a: Assign, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    hit = (pl.col("segment") == a.segment) & (pl.col("dpd") >= a.from_dpd)
    if a.when_ast is not None:
        hit = hit & condition_expr(a.when_ast, schema)
    return hit.fill_null(False)


def _exit_for(a: Assign, exits: Mapping[str, pl.Expr]) -> pl.Expr:
    return first_of(
        [(exits[name], pl.lit(EXIT_TEXT[name])) for name in a.exits if name in exits],
        pl.lit(None, dtype=pl.String),
    )


def _value(a: Assign, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    expr = default_value() if a.value_ast is None else to_polars(a.value_ast, schema)
    return expr.cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
