"""Planning by customer shards gives the same run as planning in one piece."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from arrears.contract.shards import customer_shard
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan

RUN_DATE = date(2026, 11, 30)
MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"


def portfolio_with_flaws(folder: Path, fmt: str) -> Path:
    tables = generate_portfolio(accounts=6000, seed=11, country="mixed", as_of=RUN_DATE)
    accounts = tables["accounts"].with_columns(
        # A lender's own text column: whole numbers but one, so its type is known file-wide.
        pl.when(pl.int_range(pl.len()) == 17)
        .then(pl.lit("12.5"))
        .otherwise((pl.int_range(pl.len()) % 900).cast(pl.String))
        .alias("score")
    )
    # The first account's key repeated under a customer of another shard (of three).
    shard = accounts.select("customer_id", customer_shard(3).alias("shard"))
    first_shard = shard.get_column("shard")[0]
    other_customer = shard.filter(pl.col("shard") != first_shard).get_column("customer_id")[0]
    repeat = accounts.head(1).with_columns(pl.lit(other_customer).alias("customer_id"))
    # A rejected row (negative amount) whose score is not a number: the column's type must
    # not depend on whether the rejected row is seen.
    broken = accounts.slice(40, 1).with_columns(
        pl.lit("A-BROKEN").alias("account_id"),
        pl.lit(-1.0).alias("overdue_amount"),
        pl.lit("n/a").alias("score"),
    )
    tables["accounts"] = pl.concat([accounts, repeat, broken])
    tables["attempts"] = pl.concat(
        [
            tables["attempts"],
            tables["attempts"].head(1).with_columns(pl.lit("A-404").alias("account_id")),
        ]
    )
    # An attempt on the first account through a contact point of a customer of another shard.
    foreign = tables["contacts"].filter(pl.col("customer_id") == other_customer)
    tables["attempts"] = pl.concat(
        [
            tables["attempts"],
            tables["attempts"]
            .head(1)
            .with_columns(
                pl.lit("AT-CROSS").alias("attempt_id"),
                pl.lit(accounts.get_column("account_id")[0]).alias("account_id"),
                pl.lit(foreign.get_column("contact_id")[0]).alias("contact_id"),
            ),
        ]
    )
    contacts = tables["contacts"]
    tables["contacts"] = pl.concat(
        [contacts, contacts.slice(5, 1).with_columns(pl.lit("+86123").alias("value"))]
    )
    write_portfolio(tables, folder, fmt=fmt)  # type: ignore[arg-type]
    return folder


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_three_shards_write_the_same_run_as_one_piece(tmp_path: Path, fmt: str):
    data = portfolio_with_flaws(tmp_path / "data", fmt)
    whole = run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "one")
    parts = run_plan(
        data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "three", shards=3
    )
    assert whole.shards == 1 and parts.shards == 3
    one, three = whole.out, parts.out
    assert whole.record.actions.height > 500
    names = ("actions", "blocked", "assignments", "unassigned", "owners", "call_lists")
    for name in (f"{n}.parquet" for n in names):
        assert_frame_equal(pl.read_parquet(one / name), pl.read_parquet(three / name))
    assert pl.read_parquet(one / "assignments.parquet").height > 500
    assert (one / "rejects.csv").read_text() == (three / "rejects.csv").read_text()
    rejects = pl.read_csv(one / "rejects.csv")
    assert set(rejects.get_column("error").str.slice(0, 13)) >= {
        "duplicate key",
        "account_id 'A",
        "not a valid n",
    }
    cross = rejects.filter(pl.col("key") == "AT-CROSS").get_column("error").to_list()
    assert len(cross) == 1 and "is not a contact point of the customer of account_id" in cross[0]
    assert_frame_equal(
        pl.read_parquet(one / "accounts.parquet").sort("account_id"),
        pl.read_parquet(three / "accounts.parquet").sort("account_id"),
    )
    m1 = json.loads((one / "manifest.json").read_text())
    m3 = json.loads((three / "manifest.json").read_text())
    m1.pop("timings"), m3.pop("timings")
    assert m1 == m3
    # The lender's own `score` column gets one type, found over every row of the file.
    assert pl.read_parquet(three / "accounts.parquet").schema["score"] == pl.String
    # Nothing of the shards' working files is left beside the run folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "one", "three"]


def test_integer_account_ids_are_split_like_text_ones(tmp_path: Path):
    tables = generate_portfolio(accounts=3000, seed=5, country="CN", as_of=RUN_DATE)
    as_int = pl.col("account_id").str.slice(1).cast(pl.Int64)
    for name in ("accounts", "attempts", "payments", "promises", "cases", "complaints"):
        tables[name] = tables[name].with_columns(as_int)
    data = tmp_path / "data"
    write_portfolio(tables, data, fmt="parquet")
    seed = MIXED.with_name("seed_example.yaml")
    whole = run_plan(data=data, strategy_path=seed, run_date=RUN_DATE, out=tmp_path / "one")
    parts = run_plan(
        data=data, strategy_path=seed, run_date=RUN_DATE, out=tmp_path / "two", shards=2
    )
    assert whole.record.actions.height > 50
    assert_frame_equal(whole.record.actions, parts.record.actions)
    assert whole.record.rejects.height == parts.record.rejects.height == 0
