"""`arrears plan --engine spark`: the daily plan with Spark carrying the customer shards.

What runs where:

- **Spark** reads the contract's tables, numbers their rows, finds the rows that repeat a key
  and the types of a lender's own columns over whole files, routes every row to its customer's
  shard (`arrears.spark.inputs`) and plans each shard in one Python task: validation,
  features, scores, segmentation, steps, compliance and emission are the local engine's own
  code (`planning.shards.validate_shard` and `plan_shard`, i.e. `plan_day(assign=False)`),
  run on that shard's rows. There is no second copy of any rule.
- **The driver** validates the small whole-book tables (`teams`, `agents`), checks the
  strategy against the data's columns, and, once the shards are back, assigns cases once over
  the whole book (owners' capacities span shards), schedules the call lists once (agents'
  hours span shards) and writes the run folder (`planning.shards.Gathered.finish`), exactly as
  the local sharded run does. The run folder is the local engine's, file for file.

Each shard's result comes back to the driver as one pickled `ShardPlan` and its accounts as
Parquet bytes, so the driver holds every action and blocked contact of the day (as the local
engine does) but only one shard's accounts at a time.
"""

from __future__ import annotations

import io
import math
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from pyspark import SparkConf, StorageLevel, cloudpickle
from pyspark.broadcast import Broadcast
from pyspark.sql import DataFrame, SparkSession

from arrears.contract.load import Portfolio, fingerprint, locate, read_ahead, validate_all
from arrears.contract.validate import ROW
from arrears.planning.run import (
    RunOutcome,
    _load_models,
    _load_timing,
    _timed,
    checked_strategy,
    library_summary,
)
from arrears.planning.shards import Gathered, ShardPlan, add_time, plan_shard, validate_shard
from arrears.spark.inputs import (
    BY_ACCOUNT,
    BY_CUSTOMER,
    duplicate_rows,
    extra_types,
    raw_schema,
    read_blob,
    read_table,
    routed,
    to_blobs,
)
from arrears.strategy.load import load_strategy
from arrears.strategy.model import Strategy
from arrears.templates.resolve import checked_library

if TYPE_CHECKING:
    from arrears.scoring.apply import ModelSet
    from arrears.templates.library import Library

ACCOUNTS_PER_SHARD = 200_000
"""Accounts per Spark shard by default: a shard is planned in one Python task, in memory
(about 0.5 GB for this many accounts with their history)."""
STAFF = ("teams", "agents")  # whole-book tables, validated on the driver


@dataclass
class ShardJob:
    """Everything a shard's task needs besides its rows (broadcast once to each executor)."""

    tables: list[str]  # the shard's tables, in load order
    schemas: dict[str, pl.Schema]  # as Polars reads each file
    duplicates: dict[str, list[int]]  # rows repeating a key, over each whole file
    extra_types: dict[str, dict[str, pl.DataType]]
    files: dict[str, str]
    strategy: Strategy
    run_date: date
    teams: pl.DataFrame | None  # the whole book's validated teams (agency facts)
    models: ModelSet | None
    library: Library | None

    def raws(self, blobs: dict[str, list[bytes]]) -> Iterator[tuple[str, pl.DataFrame]]:
        """The shard's raw tables, rows in file order, a table without rows here empty."""
        for name in self.tables:
            parts = [read_blob(b) for b in blobs.pop(name, [])]
            if parts:
                yield name, pl.concat(parts).sort(ROW)
            else:
                yield name, pl.DataFrame(schema=self.schemas[name])

    def plan(self, blobs: dict[str, list[bytes]]) -> tuple[ShardPlan, bytes]:
        """The shard planned by the local engine's code; its accounts as Parquet bytes."""
        clock = time.perf_counter
        lap = clock()
        duplicates = {
            name: pl.Series(ROW, rows, dtype=self.schemas[name][ROW])
            for name, rows in self.duplicates.items()
        }
        portfolio = validate_shard(
            self.raws(blobs),
            duplicates=duplicates,
            extra_types=self.extra_types,
            files=self.files,
        )
        validated = round(clock() - lap, 4)
        plan = plan_shard(
            portfolio, self.strategy, self.run_date, teams=self.teams, models=self.models,
            library=self.library, clock=clock,
        )  # fmt: skip
        plan.timings = {"load_validate": validated, **plan.timings}
        buffer = io.BytesIO()
        if plan.accounts is not None:
            plan.accounts.write_parquet(buffer)
        plan.accounts = None
        return plan, buffer.getvalue()


def _plan_partition(
    shared: Broadcast[bytes],
) -> Callable[[Iterable[tuple[int, tuple[str, bytes]]]], Iterator[tuple[int, bytes, bytes]]]:
    def run(items: Iterable[tuple[int, tuple[str, bytes]]]) -> Iterator[tuple[int, bytes, bytes]]:
        shards: dict[int, dict[str, list[bytes]]] = {}
        for shard, (table, payload) in items:
            shards.setdefault(shard, {}).setdefault(table, []).append(payload)
        job: ShardJob = pickle.loads(shared.value)
        for shard in sorted(shards):
            plan, accounts = job.plan(shards.pop(shard))
            yield shard, pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL), accounts

    return run


def spark_session(master: str | None = None, memory: str = "2g") -> SparkSession:
    """The plan's session: UTC, Arrow on, quiet. Under spark-submit (a master is already
    configured) its master and memory stand unless `master` is given; otherwise a local
    Spark (`local[*]`) with `memory` for the driver."""
    builder = SparkSession.builder.appName("arrears-plan")
    configured = SparkConf().contains("spark.master")
    if master is not None or not configured:
        builder = builder.master(master or "local[*]")
    if not configured:
        builder = builder.config("spark.driver.memory", memory)
    session = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    if not configured:  # a local Spark: few, larger shuffle partitions (not 200 tiny ones)
        partitions = 2 * session.sparkContext.defaultParallelism
        session.conf.set("spark.sql.shuffle.partitions", str(partitions))
    return session


def run_plan_spark(
    *,
    spark: SparkSession,
    data: Path,
    strategy_path: Path,
    run_date: date,
    out: Path,
    shards: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    solver: str = "flow",
    models: Path | None = None,
    timing: Path | None = None,
    templates: Path | None = None,
) -> RunOutcome:
    """Plan `run_date` on `spark` and write the run folder `out`: the local engine's files
    (as `planning.run.run_plan` writes them), the manifest saying `engine: spark`.

    `shards` is the number of customer shards (Python tasks); by default one per
    ACCOUNTS_PER_SHARD accounts, at least two per core of the cluster. Nothing planned
    depends on it."""
    started = clock()
    paths = locate(data)
    model_set = _load_models(models)
    suggestions = _load_timing(timing)
    strategy = load_strategy(strategy_path)  # a broken file fails before any Spark job
    library = checked_library(strategy, templates)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprint") as pool,
        tempfile.TemporaryDirectory(prefix=f".{out.name}.spark-", dir=out.parent) as tmp,
    ):
        hashing = {name: pool.submit(fingerprint, path) for name, path in paths.items()}
        schemas = {name: raw_schema(path) for name, path in paths.items()}
        staff, staff_rejects, staff_rows = validate_all(
            read_ahead({n: p for n, p in paths.items() if n in STAFF})
        )
        tables = [n for n in paths if n in BY_CUSTOMER or n in BY_ACCOUNT]
        frames = {n: _kept(read_table(spark, paths[n], schemas[n]), paths[n]) for n in tables}
        count = shards or _shard_count(spark, frames["accounts"])
        add_time(timings, "prepare", clock() - started)
        lap = clock()
        job = ShardJob(
            tables=tables,
            schemas={n: schemas[n] for n in tables},
            duplicates={},
            extra_types=extra_types(frames, schemas),
            files={name: path.name for name, path in paths.items()},
            strategy=strategy,
            run_date=run_date,
            teams=staff.get("teams"),
            models=model_set,
            library=library,
        )
        portfolio = _columns_only(job, staff)
        job.strategy, knees = _timed(
            checked_strategy(strategy_path, portfolio, model_set), suggestions
        )
        add_time(timings, "extra_types_check", clock() - lap)
        lap = clock()
        job.duplicates = duplicate_rows(frames)  # once the strategy is known to fit the data
        add_time(timings, "duplicates", clock() - lap)
        lap = clock()
        gathered = Gathered(Path(tmp), timings)
        for plan, accounts in _planned(spark, job, frames, count, Path(tmp)):
            gathered.add(plan, accounts)
        if not gathered.parts:  # no row in any shard: the empty book, planned here
            empty, written_accounts = job.plan({})
            (Path(tmp) / "accounts-empty.parquet").write_bytes(written_accounts)
            gathered.add(empty, Path(tmp) / "accounts-empty.parquet")
        add_time(timings, "shards", clock() - lap)
        gathered.rejects.append(staff_rejects)
        for name, n in staff_rows.items():
            gathered.rows_read[name] = n
        for frame in frames.values():
            frame.unpersist()
        written, record = gathered.finish(
            strategy=job.strategy, staff=staff, run_date=run_date, solver=solver,
            models=model_set, files=job.files,
            fingerprints={name: f.result() for name, f in hashing.items()}, out=out,
            clock=clock, started=started, timing=knees, templates=library_summary(library),
            engine="spark", engine_detail=_detail(spark, count),
        )  # fmt: skip
    return RunOutcome(written, record, timings, count)


def _kept(frame: DataFrame, path: Path) -> DataFrame:
    """A CSV table (parsed and cleaned through Python) is kept, not parsed again by each of
    the jobs that read it; Parquet is read again, which is cheaper than keeping it."""
    return frame.persist(StorageLevel.MEMORY_AND_DISK) if path.suffix == ".csv" else frame


def _shard_count(spark: SparkSession, accounts: DataFrame) -> int:
    cores = spark.sparkContext.defaultParallelism
    return max(2 * cores, math.ceil(accounts.count() / ACCOUNTS_PER_SHARD))


def _columns_only(job: ShardJob, staff: dict[str, pl.DataFrame]) -> Portfolio:
    """The data's tables without rows (their clean columns and types) and the whole teams:
    what checking the strategy against the data reads."""
    empty = ((n, pl.DataFrame(schema=job.schemas[n])) for n in job.tables)
    clean, rejects, _ = validate_all(empty, extra_types=job.extra_types)
    return Portfolio({**clean, **staff}, rejects)


def _planned(
    spark: SparkSession, job: ShardJob, frames: dict[str, DataFrame], count: int, work: Path
) -> Iterator[tuple[ShardPlan, Path]]:
    """Every shard planned by Spark, in shard order; accounts written to `work` as parts."""
    shards, owners = routed(frames, count)
    blobs = [to_blobs(name, shards[name], job.schemas[name]) for name in job.tables]
    union = blobs[0]
    for part in blobs[1:]:
        union = union.unionByName(part)
    # cloudpickle: the strategy holds read-only mappings plain pickle refuses.
    shared = spark.sparkContext.broadcast(cloudpickle.dumps(job))
    planned = (
        union.rdd.map(lambda row: (row[0], (row[1], row[2])))
        .partitionBy(count, lambda shard: shard)  # shard k is planned by task k
        .mapPartitions(_plan_partition(shared))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        planned.count()  # every shard at once; the driver then takes them one by one
        for shard, pickled, parquet in planned.toLocalIterator():
            path = work / f"accounts-{shard:05d}.parquet"
            path.write_bytes(parquet)
            yield pickle.loads(pickled), path
    finally:
        planned.unpersist()
        owners.unpersist()
        shared.destroy()


def _detail(spark: SparkSession, count: int) -> dict[str, Any]:
    return {
        "master": spark.sparkContext.master,
        "spark": spark.version,
        "shards": count,
        "on_driver": ["teams and agents validation", "assignment", "call lists", "writing"],
        "timings": "per-stage timings are summed over the shards' tasks; `shards` is wall time",
    }
