"""The contract's tables read by Spark and routed to customer shards.

Spark reads every table; what the local sharded run settles over the whole file before its
split (`contract/shards.py`) is settled here over the whole Spark frame, with the same rules:

- **row numbers**: a Parquet file's exact row (`_metadata.row_index` + 1); a CSV file is read
  as one multi-line partition (Spark never splits a multi-line CSV), so its rows' positions
  are the file's order (`monotonically_increasing_id` + 1 in that single partition).
- **CSV cells** are cleaned by the planner's own expression (`contract.load.csv_cells`), run
  by Polars inside `mapInArrow`, before anything looks at them.
- **rows repeating a key**: the keys (as text) found more than once, with their first row;
  every later row of such a key is a duplicate, whatever shard it goes to.
- **types of a lender's own columns** (`contract.validate.extra_type_fits`, per partition in
  `mapInArrow`, combined on the driver by `combine_type_fits`).
- **routing**: customers, accounts and contacts by their `customer_id`; the history tables by
  the customer of their account (the first row of that account), unknown accounts to shard 0
  to be rejected there. The shard is `xxhash64(customer_id) mod shards`, Spark's own hash:
  it only has to keep a customer's rows together, nothing planned depends on it.

Each partition of each table then leaves Spark as Arrow IPC blobs per shard (`to_blobs`), the
rows cast back to the types Polars reads the file with, so a shard's task rebuilds exactly the
raw frames the local engine would have.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.pandas.types import to_arrow_schema

from arrears.contract.load import csv_cells, scan
from arrears.contract.tables import TABLES
from arrears.contract.validate import ROW, combine_type_fits, extra_type_fits

SHARD = "__shard"
BY_CUSTOMER = ("customers", "accounts", "contacts")
BY_ACCOUNT = ("attempts", "payments", "promises", "cases", "complaints")
BLOB_ROWS = 200_000  # rows per blob: keeps every Arrow binary value far below 2 GB
BLOBS = T.StructType(
    [
        T.StructField(SHARD, T.IntegerType()),
        T.StructField("table", T.StringType()),
        T.StructField("payload", T.BinaryType()),
    ]
)


def col(name: str) -> F.Column:
    """A column by its exact name (a lender's column may contain dots)."""
    return F.col("`" + name.replace("`", "``") + "`")


def raw_schema(path: Path) -> pl.Schema:
    """The Polars types the local engine reads the file with (`__row` first); no rows read."""
    return scan(path).collect_schema()


def read_table(spark: SparkSession, path: Path, schema: pl.Schema) -> DataFrame:
    """The file as Spark reads it, with `__row` (1-based) and CSV cells cleaned as locally."""
    names = [c for c in schema.names() if c != ROW]
    if path.suffix == ".csv":
        text = T.StructType([T.StructField(n, T.StringType()) for n in names])
        frame = spark.read.csv(
            str(path), schema=text, header=True, multiLine=True, escape='"', quote='"'
        )
        if frame.rdd.getNumPartitions() != 1:  # row numbers are positions in one partition
            raise RuntimeError(f"{path}: Spark split a multi-line CSV file")
        numbered = frame.select(
            (F.monotonically_increasing_id() + 1).alias(ROW), *[col(n) for n in names]
        )
        return numbered.mapInArrow(_cleaned(names, numbered.schema), numbered.schema)
    frame = spark.read.parquet(str(path))
    return frame.select((F.col("_metadata.row_index") + 1).alias(ROW), *[col(n) for n in names])


def _cleaned(
    names: list[str], schema: T.StructType
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    arrow = to_arrow_schema(schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield from frame.with_columns(csv_cells(names)).to_arrow().cast(arrow).to_batches()

    return run


def duplicate_rows(frames: dict[str, DataFrame]) -> dict[str, list[int]]:
    """Per table, the rows repeating a key an earlier row of the file has, in one Spark job
    over every table: the keys (as text) found more than once, with their first row, joined
    back to their rows."""
    found: dict[str, list[int]] = {name: [] for name in frames}
    keys = None
    for name, frame in frames.items():
        part = frame.select(
            F.lit(name).alias("table"),
            col(TABLES[name].key).cast(T.StringType()).alias("__key"),
            ROW,
        ).where(F.col("__key").isNotNull())
        keys = part if keys is None else keys.unionByName(part)
    if keys is None:
        return found
    repeated = (
        keys.groupBy("table", "__key")
        .agg(F.count(F.lit(1)).alias("n"), F.min(ROW).alias("__first"))
        .where(F.col("n") > 1)
    )
    later = keys.join(F.broadcast(repeated), on=["table", "__key"]).where(
        F.col(ROW) > F.col("__first")
    )
    for table, row in later.select("table", ROW).collect():
        found[table].append(int(row))
    return found


def extra_types(
    frames: dict[str, DataFrame], schemas: dict[str, pl.Schema]
) -> dict[str, dict[str, pl.DataType]]:
    """The types of the lender's own text columns of each table, over every row of its file
    (every table gets an entry, empty when none: a shard must never decide them alone)."""
    out: dict[str, dict[str, pl.DataType]] = {}
    for name, frame in frames.items():
        own = {c.name for c in TABLES[name].columns} | {ROW}
        extras = [c for c, t in schemas[name].items() if c not in own and t == pl.String]
        out[name] = {}
        if extras:
            picked = frame.select(*[col(c) for c in extras])
            rows = picked.mapInArrow(_fits(extras), "fits string").collect()
            out[name] = combine_type_fits([json.loads(r[0]) for r in rows])
    return out


def _fits(names: list[str]) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        frame = _frame(batches)
        if frame is not None:
            fits = json.dumps(extra_type_fits(frame.select(names), names))
            yield pa.RecordBatch.from_pydict({"fits": [fits]})

    return run


def routed(frames: dict[str, DataFrame], count: int) -> tuple[dict[str, DataFrame], DataFrame]:
    """Each customer-related table with its shard (`__shard`) first; and the accounts' shards
    (kept by Spark: the caller unpersists it when the shards are planned)."""
    out: dict[str, DataFrame] = {}
    shard = F.pmod(F.xxhash64(col("customer_id").cast(T.StringType())), F.lit(count)).cast("int")
    for name in BY_CUSTOMER:
        if name in frames:
            out[name] = frames[name].select(shard.alias(SHARD), "*")
    account = col("account_id").cast(T.StringType()).alias("__account")
    owners = (
        out["accounts"]
        .where(col("account_id").isNotNull())
        .groupBy(account)
        .agg(F.min_by(SHARD, ROW).alias(SHARD))
        .persist(StorageLevel.MEMORY_AND_DISK)  # joined to each history table
    )
    for name in BY_ACCOUNT:
        if name in frames:
            frame = frames[name]
            joined = frame.select(account, "*").join(owners, on="__account", how="left")
            out[name] = joined.select(
                F.coalesce(F.col(SHARD), F.lit(0)).alias(SHARD), *[col(c) for c in frame.columns]
            )
    return out, owners


def to_blobs(name: str, frame: DataFrame, schema: pl.Schema) -> DataFrame:
    """The routed table as (shard, table, Arrow IPC of its rows in the local engine's types)."""
    return frame.mapInArrow(_blobs(name, schema), BLOBS)


def _blobs(
    name: str, schema: pl.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        frame = _frame(batches)
        if frame is None:
            return
        types: dict[str, pl.DataType] = {**dict(schema.items()), SHARD: pl.Int32()}
        typed = frame.cast(types)  # type: ignore[arg-type]
        for (shard,), part in typed.partition_by(SHARD, as_dict=True).items():
            rows = part.drop(SHARD)
            for start in range(0, rows.height, BLOB_ROWS):
                buffer = io.BytesIO()
                rows.slice(start, BLOB_ROWS).write_ipc(buffer, compression="lz4")
                yield pa.RecordBatch.from_pydict(
                    {SHARD: [shard], "table": [name], "payload": [buffer.getvalue()]},
                    schema=to_arrow_schema(BLOBS),
                )

    return run


def _frame(batches: Iterator[pa.RecordBatch]) -> pl.DataFrame | None:
    """A partition's batches as one Polars frame (None for an empty partition)."""
    tables = [pa.Table.from_batches([b]) for b in batches if b.num_rows]
    if not tables:
        return None
    frame = pl.from_arrow(pa.concat_tables(tables))
    assert isinstance(frame, pl.DataFrame)
    return frame


def read_blob(payload: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(payload))
