"""Splitting a large portfolio by customer, so each part is validated and planned in bounded
memory while the run's answer stays that of the whole portfolio.

Everything the planner decides about an account depends only on the account, its customer,
the customer's contact points and the account's history, so rows are routed by customer:
customers, accounts and contacts by `customer_id`, and the history tables by the customer of
their account. What must hold over the whole file is settled before the split: the rows that
repeat a key (the first occurrence stands), the row numbers of the file (rejects name them),
and the types of a lender's own account columns read from CSV.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from arrears.contract.load import _unreadable, fingerprint, scan
from arrears.contract.tables import TABLES
from arrears.contract.validate import ROW, extra_column_types, later_repeats

SHARD = "__shard"
ACCOUNTS_PER_SHARD = 2_000_000
"""A shard of this many accounts plans in about 5 GB; the count follows from the input alone,
so the same inputs always give the same shards and the same files."""
BY_CUSTOMER = ("customers", "accounts", "contacts")
BY_ACCOUNT = ("attempts", "payments", "promises", "cases", "complaints")
# Tables that are not about customers (teams, agents) stay whole, in the first shard.


def count_rows(path: Path) -> int:
    try:
        return int(scan(path).select(pl.len()).collect().item())
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def shard_count(paths: dict[str, Path], per_shard: int = ACCOUNTS_PER_SHARD) -> int:
    return max(1, math.ceil(count_rows(paths["accounts"]) / per_shard))


@dataclass
class ShardedInputs:
    count: int
    folder: Path
    paths: dict[str, Path]
    duplicates: dict[str, pl.Series] = field(default_factory=dict)
    extra_types: dict[str, dict[str, pl.DataType]] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, str]:
        return {name: path.name for name, path in self.paths.items()}

    def fingerprints(self) -> dict[str, str]:
        return {name: fingerprint(path) for name, path in self.paths.items()}

    def raws(self, index: int) -> Iterator[tuple[str, pl.DataFrame]]:
        """The raw tables of one shard, in load order, one at a time."""
        for name, path in self.paths.items():
            if name in BY_CUSTOMER or name in BY_ACCOUNT:
                part = self.folder / name / f"{SHARD}={index}"
                if part.exists():
                    yield name, pl.read_parquet(sorted(part.glob("*.parquet")))
                else:  # no row of this table belongs to the shard
                    yield name, scan(path).head(0).collect()
            elif index == 0:
                yield name, scan(path).collect()


def customer_shard(count: int) -> pl.Expr:
    return (pl.col("customer_id").cast(pl.String).hash(seed=0) % count).cast(pl.UInt32)


def _file_duplicates(path: Path, key: str) -> pl.Series:
    """Row numbers of the rows that repeat a key an earlier row of the file has."""
    keys = scan(path).select(ROW, pl.col(key).cast(pl.String)).collect()
    return keys.get_column(ROW).filter(later_repeats(keys.get_column(key)))


def split_inputs(paths: dict[str, Path], folder: Path, count: int) -> ShardedInputs:
    """Write each customer-related table as `count` parts under `folder` (streaming)."""
    inputs = ShardedInputs(count=count, folder=folder, paths=paths)
    accounts = current = paths["accounts"]
    try:
        for name, path in paths.items():
            current = path
            inputs.duplicates[name] = _file_duplicates(path, TABLES[name].key)
        current = accounts
        extras = [
            c
            for c in scan(accounts).collect_schema().names()
            if c not in {col.name for col in TABLES["accounts"].columns} | {ROW}
        ]
        if extras:
            inputs.extra_types["accounts"] = extra_column_types(
                scan(accounts).select(extras).collect(), extras
            )
        owner = (
            scan(accounts)
            .select(pl.col("account_id").cast(pl.String), customer_shard(count).alias(SHARD))
            .unique("account_id", keep="first", maintain_order=True)
            .collect()
        )
        for name, path in paths.items():
            current = path
            if name in BY_CUSTOMER:
                routed = scan(path).with_columns(customer_shard(count).alias(SHARD))
            elif name in BY_ACCOUNT:
                # History of an unknown account goes to the first shard, to be rejected there.
                routed = (
                    scan(path)
                    .with_columns(pl.col("account_id").cast(pl.String).alias("__account"))
                    .join(
                        owner.lazy().rename({"account_id": "__account"}),
                        on="__account",
                        how="left",
                        maintain_order="left",
                    )
                    .with_columns(pl.col(SHARD).fill_null(0))
                    .drop("__account")
                )
            else:
                continue
            routed.sink_parquet(
                pl.PartitionBy(folder / name, key=SHARD, include_key=False),
                mkdir=True,
                compression="lz4",  # working files, read once: speed over size
            )
    except Exception as exc:  # a file that cannot be read or split is a structural error
        raise _unreadable(current, exc) from exc
    return inputs
