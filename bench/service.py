"""Load benchmark of the REST API on PostgreSQL: Get Next and outcome recording by many agents.

    python bench/service.py [--accounts 60000] [--staff 240] [--agents 1,50,200]
                            [--seconds 12] [--warmup 3] [--raw-seconds 3] [--raw-warmup 0.1]
                            [--workers 2] [--server uvicorn|uvicorn-nodelay] [--think 0]
                            [--profile] [--healthcheck S] [--no-baseline] [--out bench/out]
                            [--keep]

The book: a seeded mixed-country portfolio of `--accounts` accounts whose `agents` table is
widened to `--staff` agents (the generated agents copied, same team, skills and languages, each
copy's capacity the original's divided by the number of copies, so a team's total is kept: the
generator staffs one agent per 2,000 accounts, far too few for 200 agents), planned with the
mixed example strategy (examples/strategies/mixed_example.yaml; its assignment stage deals the
customers to the agents) and imported into a fresh PostgreSQL database on 127.0.0.1:5432 (user
postgres), dropped at the end unless `--keep`. One agent user is created
(`accounts_admin.create_user`) for each of the agents with the most work (dispatched units plus
their share of their team's pool); a concurrency of N uses the first N of them.

Each agent works a **cycle**: **full** = POST /queue/next, POST /cases/{id}/attempts (with an
`Idempotency-Key`), POST /cases/{id}/release `{"done": true}`; **queue only** = Get Next and
release (what Get Next costs without the attempt's pre-dial check beside it). Every phase
starts from the same queue (every unit open and unclaimed again, VACUUM ANALYZE, CHECKPOINT).
For each concurrency of `--agents` and each cycle:

* **raw SQL** (the baseline, measured first, before the service is started): the statements
  Get Next, the attempt and the release run — the held-claim check, `SELECT … FOR UPDATE SKIP
  LOCKED`, the conditional UPDATE, the audit entries; the attempt's key, account and contact
  look-ups, the ledger insert and the stored idempotency key — through psycopg, one transaction
  each, one thread per agent over at most as many connections as the service's pools may open
  (workers × 40);
* **service**: uvicorn with `--workers` processes (`uvicorn arrears.service.api.app:create_app
  --factory`, `ARREARS_DATABASE_URL` set) driven by this process (asyncio, httpx, one client
  and connection per agent, logged in with its bearer token), back to back (a closed loop).
  `--server uvicorn-nodelay` runs the same supervisor and workers from a launcher that binds
  the listener with `IPPROTO_TCP`: `uvicorn --workers N` binds it with proto 0, so asyncio never
  sets TCP_NODELAY on its connections and every keep-alive response after the first waits
  ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149, open in uvicorn 0.54).
  `--think S` adds a full-cycle phase at the largest concurrency with an exponential pause of
  mean S seconds after each case (agents start spread over S seconds). `--profile` adds one
  phase per cycle at the largest concurrency under py-spy (the workers sampled without being
  stopped; the busy threads' stacks summarised), not counted as measurements.

A phase counts the requests that complete in a window of `--seconds` (raw SQL: `--raw-seconds`)
that opens `--warmup` (`--raw-warmup`) seconds after the start or once every agent has finished
its first case, whichever is later (the first burst of 200 simultaneous Get Next is not
counted); agents start no new case after the window and finish the one they are in. Reported per
endpoint: count, errors, p50 / p90 / p99 / max latency as the client sees it, requests per
second; per phase: cases per second, CPU milliseconds per case of the load generator, the
uvicorn processes and the PostgreSQL backends (over every case of the phase), the machine's busy
share and load average (the machine may be shared), the client's event-loop lag (its own
queueing, which a latency includes), uvicorn worker restarts (its supervisor kills a worker
that does not answer its health check within 5 s), agents whose queue ran dry. Checked in every
phase: no unit claimed twice (client side, each claim's customer and hold; server side, the
audit log's `get_next` entries of the phase) and every claimed unit done at the end. Ratios:
service / raw SQL per endpoint, same cycle and concurrency.

It prints the tables and writes ``<out>/service.json``, ``<out>/service.md`` and
``<out>/service-uvicorn.log`` (and ``service-profile-*.txt``, py-spy's collapsed stacks).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import random
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
import psutil
import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))

from arrears.contract.load import load_portfolio  # noqa: E402
from arrears.generate.portfolio import generate_portfolio, write_portfolio  # noqa: E402
from arrears.planning.run import run_plan  # noqa: E402
from arrears.service.accounts_admin import create_user  # noqa: E402
from arrears.store.db import upgrade  # noqa: E402
from arrears.store.io import import_run, import_tables  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
MIXED = REPO / "examples" / "strategies" / "mixed_example.yaml"
SEED = 7
POOL_PER_WORKER = 40  # Settings.pool_size 20 + max_overflow 20 (api/app.py)
LEASE = dt.timedelta(minutes=30)  # Settings.claim_minutes
OUTCOMES = ("no_answer", "no_answer", "voicemail", "rpc", "no_connect")
ENDPOINTS = ("next", "attempt", "release")
TARGET_P99_MS = 50.0  # Get Next at 200 agents
MAX_WARMUP_S = 120.0


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# The machine and the code measured


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {
            m.__name__: m.__version__ for m in (httpx, psycopg, sa) if hasattr(m, "__version__")
        }
        | {"uvicorn": _version("uvicorn"), "fastapi": _version("fastapi")},
    }


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except (ImportError, AttributeError):
        return "?"


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "subject": git("log", "-1", "--format=%s")[:120],
        "src_dirty": bool(git("status", "--porcelain", "--", "src")),
    }


def pg_settings(dsn: str) -> dict[str, str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', "
            "'shared_buffers', 'synchronous_commit', 'fsync', 'server_version')"
        ).fetchall()
    return dict(rows)


# --------------------------------------------------------------------------------------------
# The book


@contextlib.contextmanager
def fresh_database(keep: bool) -> Any:
    name = f"arrears_bench_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        if keep:
            log(f"kept database {name}")
        else:
            with server.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def widen_staff(agents: pl.DataFrame, staff: int) -> pl.DataFrame:
    """`staff` agents: copies of the generated ones (same team, skills, languages), each copy's
    capacity the original's divided by the number of copies, so a team's total is kept."""
    copies = -(-staff // agents.height)
    frames = [
        agents.with_columns(
            (pl.col("agent_id") + pl.lit(f"-{i}" if i else "")).alias("agent_id"),
            (pl.col("capacity_cases") // copies).clip(lower_bound=20).alias("capacity_cases"),
        )
        for i in range(copies)
    ]
    return pl.concat(frames).head(max(staff, agents.height))


def build_book(url: str, folder: Path, accounts: int, staff: int, run_date: dt.date) -> dict:
    """Generate, plan and import; returns timings and the queue's shape."""
    times: dict[str, float] = {}
    if folder.exists():
        shutil.rmtree(folder)
    t = time.perf_counter()
    tables = generate_portfolio(accounts=accounts, seed=SEED, country="mixed", as_of=run_date)
    tables["agents"] = widen_staff(tables["agents"], staff)
    write_portfolio(tables, folder / "data", fmt="parquet")
    times["generate_s"] = time.perf_counter() - t
    strategy = folder / "mixed_example.yaml"
    shutil.copy(MIXED, strategy)
    t = time.perf_counter()
    run_plan(data=folder / "data", strategy_path=strategy, run_date=run_date, out=folder / "run")
    times["plan_s"] = time.perf_counter() - t
    t = time.perf_counter()
    upgrade(url)
    import_tables(url, load_portfolio(folder / "data").tables)
    import_run(url, folder / "run", at=dt.datetime.now(dt.UTC))
    times["import_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with psycopg.connect(dsn_of(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute(
            "SELECT mode, count(*), count(DISTINCT owner_id), count(DISTINCT team_id) "
            "FROM work_units WHERE state = 'open' GROUP BY mode ORDER BY mode"
        ).fetchall()
        counts = dict(
            conn.execute(
                "SELECT 'accounts', count(*) FROM accounts UNION ALL "
                "SELECT 'customers', count(*) FROM customers UNION ALL "
                "SELECT 'contacts', count(*) FROM contacts UNION ALL "
                "SELECT 'attempts', count(*) FROM attempts UNION ALL "
                "SELECT 'agents', count(*) FROM agents"
            ).fetchall()
        )
    times["vacuum_s"] = time.perf_counter() - t
    queue_shape = {m: {"units": n, "owners": o, "teams": tm} for m, n, o, tm in rows}
    return {"times": {k: round(v, 2) for k, v in times.items()}, "queue": queue_shape, **counts}


def dsn_of(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@dataclass(frozen=True)
class AgentUser:
    user_id: str
    agent_id: str
    team_id: str
    dispatched: int
    pooled: int


def pick_agents(url: str, wanted: int) -> list[AgentUser]:
    """The `wanted` agents with the most work: their dispatched units plus their share of
    their team's pool."""
    with psycopg.connect(dsn_of(url)) as conn:
        rows = conn.execute(
            """
            SELECT a.agent_id, a.team_id,
                   (SELECT count(*) FROM work_units w WHERE w.state = 'open'
                        AND w.mode = 'dispatch' AND w.owner_id = a.agent_id),
                   (SELECT count(*) FROM work_units w WHERE w.state = 'open'
                        AND w.mode = 'pool' AND w.team_id = a.team_id),
                   (SELECT count(*) FROM agents b WHERE b.team_id = a.team_id AND b.active)
            FROM agents a WHERE a.active
            """
        ).fetchall()
    scored = sorted(
        ((d + p / max(n, 1), a, t, d, p) for a, t, d, p, n in rows if d + p > 0),
        key=lambda r: (-r[0], r[1]),
    )
    if len(scored) < wanted:
        raise SystemExit(
            f"only {len(scored)} agents have work; raise --accounts or --staff for {wanted}"
        )
    return [AgentUser(f"bench-{a.lower()}", a, t, d, p) for _, a, t, d, p in scored[:wanted]]


def password_of(user_id: str) -> str:
    return f"{user_id}-bench-pass-phrase"


def create_users(url: str, agents: list[AgentUser]) -> float:
    t = time.perf_counter()
    eng = sa.create_engine(url)
    try:
        with eng.begin() as connection:
            for a in agents:
                create_user(
                    connection, user_id=a.user_id, name=a.user_id, password=password_of(a.user_id),
                    roles=["agent"], actor="bench/service.py", agent_id=a.agent_id,
                )  # fmt: skip
    finally:
        eng.dispose()
    return time.perf_counter() - t


def case_points(url: str) -> dict[str, tuple[str, str]]:
    """Per queued customer, an account and a phone contact point to record an attempt on (an
    agent's screen shows them; the load generator reads them once, before the phases)."""
    with psycopg.connect(dsn_of(url)) as conn:
        rows = conn.execute(
            """
            SELECT w.customer_id,
                   (SELECT min(a.account_id) FROM accounts a WHERE a.customer_id = w.customer_id),
                   (SELECT min(c.contact_id) FROM contacts c
                     WHERE c.customer_id = w.customer_id AND c.kind = 'phone')
            FROM work_units w
            """
        ).fetchall()
    return {c: (a, p) for c, a, p in rows if a is not None and p is not None}


def reset_queue(url: str) -> None:
    """Every unit of today's queue open and unclaimed again, and fresh statistics."""
    with psycopg.connect(dsn_of(url), autocommit=True) as conn:
        conn.execute(
            "UPDATE work_units SET state = 'open', claimed_by = NULL, claimed_until = NULL, "
            "worked_at = NULL WHERE state IN ('open', 'done')"
        )
        conn.execute("VACUUM ANALYZE work_units")
        conn.execute("CHECKPOINT")


def last_audit_id(url: str) -> int:
    with psycopg.connect(dsn_of(url)) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])


def server_checks(url: str, since_id: int, claimed: set[str]) -> dict[str, Any]:
    """The audit log's claims since `since_id`: a unit claimed twice is a double claim (every
    claimed unit is finished the same day, so it never becomes free again in a phase)."""
    with psycopg.connect(dsn_of(url)) as conn:
        twice = conn.execute(
            "SELECT entity_id, count(*), count(DISTINCT actor) FROM audit_log "
            "WHERE id > %s AND action = 'get_next' GROUP BY entity_id HAVING count(*) > 1",
            (since_id,),
        ).fetchall()
        claims = conn.execute(
            "SELECT count(*) FROM audit_log WHERE id > %s AND action = 'get_next'", (since_id,)
        ).fetchone()[0]
        not_done = conn.execute(
            "SELECT count(*) FROM work_units WHERE customer_id = ANY(%s) AND state <> 'done'",
            (sorted(claimed),),
        ).fetchone()[0]
    return {
        "audit_claims": int(claims),
        "audit_units_claimed_twice": [list(r) for r in twice],
        "claimed_not_done": int(not_done),
    }


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Samples:
    """Every request of a phase (endpoint, start, end, status) and the measured window: it opens
    `warmup` seconds after the start or once every agent has finished its first case (or found
    its queue empty), whichever is later (at most `MAX_WARMUP_S` after the start), and lasts
    `seconds`. Only the requests completed in the window are counted."""

    t0: float
    warmup: float
    seconds: float
    agents: int
    start: float | None = None
    end: float | None = None
    requests: list[tuple[str, float, float, int]] = field(default_factory=list)
    claims: list[tuple[str, str, float, float]] = field(default_factory=list)
    resumed: int = 0
    dry_at: list[float] = field(default_factory=list)
    """When agents found their queue empty (s after the phase started)."""
    first_done: set[str] = field(default_factory=set)
    max_warmup: float = MAX_WARMUP_S
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, t0: float, t1: float, status: int) -> None:
        with self.lock:
            self.requests.append((endpoint, t0, t1, status))

    def case_done(self, agent: str, *, dry: bool = False) -> None:
        now = time.perf_counter()
        with self.lock:
            if dry:
                self.dry_at.append(now - self.t0)
            self.first_done.add(agent)
            self._maybe_open(now)

    def _maybe_open(self, now: float) -> None:
        if self.start is not None:
            return
        everyone = len(self.first_done) >= self.agents
        if (everyone and now >= self.t0 + self.warmup) or now >= self.t0 + self.max_warmup:
            self.start, self.end = now, now + self.seconds
        elif everyone:
            self.start = self.t0 + self.warmup
            self.end = self.start + self.seconds

    def running(self) -> bool:
        """True while agents should start another case."""
        now = time.perf_counter()
        with self.lock:
            self._maybe_open(now)
            return self.end is None or now < self.end

    def effective_end(self) -> float:
        """The window's end, or when the last agent ran out of work if all did before."""
        assert self.start is not None and self.end is not None
        if len(self.dry_at) >= self.agents:
            return max(self.start, min(self.end, self.t0 + max(self.dry_at)))
        return self.end

    def counted(self) -> list[tuple[str, float, float, int]]:
        assert self.start is not None
        end = self.effective_end()
        return [r for r in self.requests if self.start <= r[2] < end]


def summary(samples: Samples) -> dict[str, Any]:
    counted = samples.counted()
    assert samples.start is not None
    seconds = max(samples.effective_end() - samples.start, 1e-3)
    out: dict[str, Any] = {
        "window_opened_s": round(samples.start - samples.t0, 2),
        "window_s": round(seconds, 2),
    }
    for endpoint in ENDPOINTS:
        lat = np.array([t1 - t0 for e, t0, t1, _ in counted if e == endpoint]) * 1000
        codes = Counter(status for e, _, _, status in counted if e == endpoint)
        ok = sum(n for c, n in codes.items() if 200 <= c < 300)
        out[endpoint] = {
            "count": int(lat.size),
            "errors": {str(c): n for c, n in sorted(codes.items()) if not 200 <= c < 300},
            "ok": ok,
            "per_s": round(lat.size / seconds, 1),
            **(
                {
                    "mean_ms": round(float(lat.mean()), 2),
                    "p50_ms": round(float(np.percentile(lat, 50)), 2),
                    "p90_ms": round(float(np.percentile(lat, 90)), 2),
                    "p99_ms": round(float(np.percentile(lat, 99)), 2),
                    "max_ms": round(float(lat.max()), 2),
                }
                if lat.size
                else {}
            ),
        }
    total = sum(out[e]["count"] for e in ENDPOINTS)
    out["all"] = {"count": total, "per_s": round(total / seconds, 1)}
    out["cases_per_s"] = round(out["release"]["ok"] / seconds, 1)
    return out


def claim_checks(claims: list[tuple[str, str, float, float]]) -> dict[str, Any]:
    """Client side: each claim (customer, agent, got at, released at). A customer claimed by two
    agents with overlapping holds is a double claim; any second claim of a customer in a
    phase is suspect (it was finished), so both are counted."""
    by_customer: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for customer, agent, got, released in claims:
        by_customer[customer].append((agent, got, released))
    overlapping = 0
    twice = 0
    for held in by_customer.values():
        if len(held) < 2:
            continue
        twice += 1
        held.sort(key=lambda h: h[1])
        for (a1, _g1, r1), (a2, g2, _r2) in itertools.pairwise(held):
            if a1 != a2 and g2 < r1:
                overlapping += 1
    return {
        "client_claims": len(claims),
        "client_units_claimed_twice": twice,
        "client_overlapping_claims": overlapping,
    }


class CpuMeter:
    """CPU seconds of this process, of the uvicorn process tree and of the PostgreSQL backends,
    and the machine's busy share, between `start` and `stop`."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def _groups(self) -> dict[str, float]:
        me = psutil.Process()
        t = me.cpu_times()
        out = {"client": t.user + t.system, "server": 0.0, "postgres": 0.0}
        procs: list[tuple[str, psutil.Process]] = []
        if self.server_pid is not None:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(self.server_pid)
                procs += [("server", p) for p in [root, *root.children(recursive=True)]]
        for p in psutil.process_iter(["name"]):
            if p.info["name"] == "postgres":
                procs.append(("postgres", p))
        self._pids = {}
        for group, p in procs:
            with contextlib.suppress(psutil.Error):
                c = p.cpu_times()
                self._pids[p.pid] = (group, c.user + c.system)
        for group, value in self._pids.values():
            out[group] += value
        return out

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._machine0 = psutil.cpu_times()
        self._groups()
        self._before = dict(self._pids)
        self._client0 = psutil.Process().cpu_times()
        self._load0 = os.getloadavg()[0]

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._t0
        m1 = psutil.cpu_times()
        self._groups()
        used: dict[str, float] = {"server": 0.0, "postgres": 0.0}
        for pid, (group, value) in self._pids.items():
            used[group] += value - self._before.get(pid, (group, 0.0))[1]
        c1 = psutil.Process().cpu_times()
        used["client"] = (c1.user + c1.system) - (self._client0.user + self._client0.system)
        busy0 = sum(self._machine0) - self._machine0.idle - self._machine0.iowait
        busy1 = sum(m1) - m1.idle - m1.iowait
        total = sum(m1) - sum(self._machine0)
        return {
            "wall_s": round(wall, 2),
            "cpu_s": {k: round(v, 2) for k, v in used.items()},
            "machine_busy": round((busy1 - busy0) / total, 3) if total else None,
            "load_before": round(self._load0, 2),
        }


# --------------------------------------------------------------------------------------------
# Baseline: the same statements through psycopg, from threads

HELD = """
SELECT customer_id FROM work_units
WHERE claimed_by = %(agent)s AND claimed_until > %(now)s AND state = 'open'
ORDER BY customer_id LIMIT 1"""
CANDIDATE = """
SELECT customer_id FROM work_units
WHERE state = 'open' AND worked_at IS NULL
  AND (claimed_by IS NULL OR claimed_until <= %(now)s)
  AND ((mode = 'dispatch' AND owner_id = %(agent)s) OR (mode = 'pool' AND team_id = %(team)s))
ORDER BY CASE WHEN window_start <= %(now)s AND window_end > %(now)s THEN 0
              WHEN window_start > %(now)s THEN 1 ELSE 2 END,
         priority IS NULL, priority, unit_value DESC, customer_id
LIMIT 1 FOR UPDATE SKIP LOCKED"""
TAKE = """
UPDATE work_units SET claimed_by = %(agent)s, claimed_until = %(until)s
WHERE customer_id = %(customer)s AND state = 'open'
  AND (claimed_by IS NULL OR claimed_until <= %(now)s)"""
AUDIT = """
INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)
VALUES (%s, %s, %s, %s, %s, %s, %s)"""
FINISH = """
UPDATE work_units SET claimed_by = NULL, claimed_until = NULL, worked_at = %(now)s, state = 'done'
WHERE customer_id = %(customer)s AND claimed_by = %(agent)s AND claimed_until > %(now)s"""


def raw_get_next(conn: psycopg.Connection, a: AgentUser) -> str | None:
    now = dt.datetime.now(dt.UTC)
    with conn.transaction():
        held = conn.execute(HELD, {"agent": a.agent_id, "now": now}).fetchone()
        if held is not None:
            conn.execute(
                "UPDATE work_units SET claimed_until = %s WHERE customer_id = %s",
                (now + LEASE, held[0]),
            )
            return str(held[0])
        for _ in range(8):
            row = conn.execute(
                CANDIDATE, {"agent": a.agent_id, "team": a.team_id, "now": now}
            ).fetchone()
            if row is None:
                return None
            params = {"agent": a.agent_id, "until": now + LEASE, "customer": row[0], "now": now}
            if conn.execute(TAKE, params).rowcount == 1:
                conn.execute(
                    AUDIT,
                    (now, a.user_id, "get_next", "work_units", row[0], None,
                     Json({"claimed_by": a.agent_id})),
                )  # fmt: skip
                return str(row[0])
    raise RuntimeError("queue busy")


def raw_attempt(
    conn: psycopg.Connection, a: AgentUser, customer: str, account: str, contact: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    key = uuid.uuid4().hex
    with conn.transaction():
        conn.execute(
            "SELECT 1 FROM idempotency_keys WHERE key = %s AND user_id = %s", (key, a.user_id)
        ).fetchone()
        conn.execute(
            "SELECT * FROM accounts WHERE account_id = %s AND customer_id = %s",
            (account, customer),
        ).fetchone()
        conn.execute(
            "SELECT kind FROM contacts WHERE contact_id = %s AND customer_id = %s",
            (contact, customer),
        ).fetchone()
        attempt_id = f"att-{uuid.uuid4().hex}"
        row = {
            "attempt_id": attempt_id, "account_id": account, "contact_id": contact,
            "channel": "human_call", "at": now, "outcome": "no_answer", "agent_id": a.agent_id,
        }  # fmt: skip
        conn.execute(
            "INSERT INTO attempts (attempt_id, account_id, contact_id, channel, at, outcome, "
            "agent_id) VALUES (%(attempt_id)s, %(account_id)s, %(contact_id)s, %(channel)s, "
            "%(at)s, %(outcome)s, %(agent_id)s)",
            row,
        )
        conn.execute(
            AUDIT,
            (now, a.user_id, "record_attempt", "attempts", attempt_id, None,
             Json({**row, "at": now.isoformat()})),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO idempotency_keys (key, user_id, route, request_hash, status_code, "
            "response, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (key, a.user_id, f"attempt:{customer}", "0" * 64, 201,
             Json({"body": {**row, "at": now.isoformat()}}), now),
        )  # fmt: skip


def raw_release(conn: psycopg.Connection, a: AgentUser, customer: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with conn.transaction():
        done = conn.execute(FINISH, {"customer": customer, "agent": a.agent_id, "now": now})
        if done.rowcount != 1:
            raise RuntimeError(f"{a.agent_id} does not hold {customer}")
        conn.execute(
            AUDIT,
            (now, a.user_id, "finish", "work_units", customer,
             Json({"claimed_by": a.agent_id}), Json({"claimed_by": None, "done": True})),
        )  # fmt: skip


class FairPool:
    """Connections handed out first come, first served (a `queue.Queue` may let one thread wait
    for seconds while others take the connection back and forth)."""

    def __init__(self, connections: list[psycopg.Connection]) -> None:
        self._all = list(connections)
        self._free = collections.deque(connections)
        self._waiting: collections.deque[list[Any]] = collections.deque()
        self._lock = threading.Lock()

    def get(self) -> psycopg.Connection:
        with self._lock:
            if self._free and not self._waiting:
                return self._free.popleft()
            ticket: list[Any] = [threading.Event(), None]
            self._waiting.append(ticket)
        ticket[0].wait()
        return ticket[1]

    def put(self, connection: psycopg.Connection) -> None:
        with self._lock:
            if self._waiting:
                ticket = self._waiting.popleft()
                ticket[1] = connection
                ticket[0].set()
            else:
                self._free.append(connection)

    def close(self) -> None:
        for connection in self._all:
            connection.close()


def run_baseline(
    url: str,
    agents: list[AgentUser],
    points: dict[str, tuple[str, str]],
    connections: int,
    warmup: float,
    seconds: float,
    full: bool,
    meter: CpuMeter,
) -> tuple[Samples, list[str], dict[str, Any]]:
    """One thread per agent over a shared set of `connections` connections; `full`: the
    attempt too, else Get Next and release only."""
    pool = FairPool([psycopg.connect(dsn_of(url), autocommit=True) for _ in range(connections)])
    t0 = time.perf_counter()
    samples = Samples(t0, warmup, seconds, len(agents), max_warmup=warmup + 10)
    failures: list[str] = []

    def timed(endpoint: str, work: Any, *args: Any) -> Any:
        start = time.perf_counter()
        conn = pool.get()
        try:
            result = work(conn, *args)
            status = 200
        except Exception as exc:
            result, status = exc, 500
            failures.append(f"{endpoint}: {exc!r}"[:300])
        finally:
            pool.put(conn)
        samples.add(endpoint, start, time.perf_counter(), status)
        return result

    def agent_loop(a: AgentUser) -> None:
        while samples.running():
            start = time.perf_counter()
            customer = timed("next", raw_get_next, a)
            if isinstance(customer, Exception):
                continue
            if customer is None:
                samples.case_done(a.agent_id, dry=True)
                return
            if full:
                account, contact = points[customer]
                timed("attempt", raw_attempt, a, customer, account, contact)
            timed("release", raw_release, a, customer)
            with samples.lock:
                samples.claims.append((customer, a.agent_id, start, time.perf_counter()))
            samples.case_done(a.agent_id)

    threads = [threading.Thread(target=agent_loop, args=(a,), daemon=True) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = meter.stop()  # before the backends exit, so their CPU time is still counted
    pool.close()
    return samples, failures, cpu


# --------------------------------------------------------------------------------------------
# The service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


NODELAY_LAUNCHER = """
import socket, sys
from uvicorn.config import Config
from uvicorn.supervisors import Multiprocess

host, port, workers, healthcheck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
options = {"timeout_worker_healthcheck": int(healthcheck)} if healthcheck else {}
config = Config(
    "arrears.service.api.app:create_app", factory=True, host=host, port=port, workers=workers,
    access_log=False, log_level="info", **options,
)
# What `uvicorn --workers N` does (main.run), except that the listener is created with
# proto=IPPROTO_TCP (uvicorn's Config.bind_socket leaves it 0), so asyncio sets TCP_NODELAY on
# the accepted connections (Kludex/uvicorn#3149).
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((host, port))
sock.set_inheritable(True)
Multiprocess(config, sockets=[sock]).run()
"""
"""`--server uvicorn-nodelay`: uvicorn's own supervisor and workers, the listener bound as the
upstream fix binds it."""


def start_server(
    url: str, workers: int, port: int, logfile: Path, healthcheck: int | None, server: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["ARREARS_DATABASE_URL"] = url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable, "-m", "uvicorn", "arrears.service.api.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    if healthcheck is not None:
        cmd += ["--timeout-worker-healthcheck", str(healthcheck)]
    if server == "uvicorn-nodelay":
        cmd = [sys.executable, "-c", NODELAY_LAUNCHER, "127.0.0.1", str(port), str(workers),
               "" if healthcheck is None else str(healthcheck)]  # fmt: skip
    out = logfile.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"uvicorn exited ({proc.returncode}); see {logfile}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                alive = [c for c in psutil.Process(proc.pid).children() if c.is_running()]
                if len(alive) >= workers:
                    time.sleep(1.0)  # the other workers finish importing
                    return proc
        time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"uvicorn did not answer in 120 s; see {logfile}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def login_all(base: str, agents: list[AgentUser]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def one(a: AgentUser) -> None:
            async with gate:
                r = await client.post(
                    "/api/v1/auth/login",
                    json={"user_id": a.user_id, "password": password_of(a.user_id)},
                )
                r.raise_for_status()
                tokens[a.user_id] = r.json()["token"]

        await asyncio.gather(*(one(a) for a in agents))
    return tokens


async def run_http(
    base: str,
    agents: list[AgentUser],
    tokens: dict[str, str],
    points: dict[str, tuple[str, str]],
    warmup: float,
    seconds: float,
    think: float,
    full: bool,
    seed: int,
) -> tuple[Samples, dict[str, Any], list[str]]:
    rng = random.Random(seed)
    tls = ssl.create_default_context()  # one for all clients (each would build its own)
    clients = [
        httpx.AsyncClient(
            base_url=base,
            verify=tls,
            headers={"Authorization": f"Bearer {tokens[a.user_id]}"},
            timeout=120,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        for a in agents
    ]
    failures: list[str] = []
    lags: list[float] = []
    t0 = time.perf_counter()
    samples = Samples(t0, warmup, seconds, len(agents))

    async def timed(endpoint: str, client: httpx.AsyncClient, path: str, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            r = await client.post(path, **kw)
            status = r.status_code
        except httpx.HTTPError as exc:
            r, status = None, 599
            failures.append(f"{endpoint} {path}: {exc!r}"[:300])
        samples.add(endpoint, start, time.perf_counter(), status)
        if r is not None and status >= 400 and len(failures) < 50:
            failures.append(f"{endpoint} {path}: {status} {r.text[:200]}")
        return r if status < 400 else None

    async def agent_loop(a: AgentUser, client: httpx.AsyncClient, pause: random.Random) -> None:
        if think:
            await asyncio.sleep(pause.uniform(0, think))
        while samples.running():
            start = time.perf_counter()
            r = await timed("next", client, "/api/v1/queue/next")
            if r is None:
                await asyncio.sleep(0.05)
                continue
            claim = r.json()["claim"]
            if claim is None:
                samples.case_done(a.agent_id, dry=True)
                return
            customer = claim["customer_id"]
            if claim["resumed"]:
                samples.resumed += 1
            if full:
                account, contact = points[customer]
                body = {
                    "account_id": account, "contact_id": contact, "channel": "human_call",
                    "outcome": pause.choice(OUTCOMES),
                }  # fmt: skip
                await timed(
                    "attempt", client, f"/api/v1/cases/{customer}/attempts", json=body,
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )  # fmt: skip
            await timed("release", client, f"/api/v1/cases/{customer}/release", json={"done": True})
            samples.claims.append((customer, a.agent_id, start, time.perf_counter()))
            samples.case_done(a.agent_id)
            if think:
                wake = time.perf_counter() + pause.expovariate(1 / think)
                while samples.running() and time.perf_counter() < wake:
                    await asyncio.sleep(min(1.0, wake - time.perf_counter()))

    async def lag_monitor() -> None:
        while samples.running():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((before, time.perf_counter() - before - 0.01))

    tasks = [
        agent_loop(a, c, random.Random(rng.random())) for a, c in zip(agents, clients, strict=True)
    ]
    await asyncio.gather(lag_monitor(), *tasks)
    await asyncio.gather(*(c.aclose() for c in clients))
    lag = np.array([x for t, x in lags if samples.start is not None and t >= samples.start]) * 1000
    loop = {
        "lag_p50_ms": round(float(np.percentile(lag, 50)), 2) if lag.size else None,
        "lag_p99_ms": round(float(np.percentile(lag, 99)), 2) if lag.size else None,
        "lag_max_ms": round(float(lag.max()), 2) if lag.size else None,
    }
    return samples, loop, failures


def profile_server(
    proc: subprocess.Popen[bytes], seconds: float, out: Path, gil: bool
) -> subprocess.Popen[bytes] | None:
    """py-spy over the uvicorn workers (sampling without stopping them): the threads that are
    not idle (running, in Polars, waiting on PostgreSQL or for the GIL), or with `gil` only the
    thread holding the GIL (where the Python CPU time goes)."""
    spy = shutil.which("py-spy")
    if spy is None:
        log("    py-spy is not installed (pip install py-spy): no profile")
        return None
    cmd = [
        spy, "record", "--pid", str(proc.pid), "--subprocesses", "--nonblocking",
        "--rate", "100", "--duration", str(int(seconds)), "--format", "raw", "--output", str(out),
    ]  # fmt: skip
    if gil:
        cmd.append("--gil")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def where_time_goes(raw: Path, top: int = 30) -> dict[str, Any]:
    """Inclusive share of the workers' busy samples per function (from py-spy's collapsed
    stacks): each function counted once per sample it is on the stack of."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f.rstrip(")").rsplit(":", 1)[0].endswith(".py")]
        if not frames or _frame_name(frames[-1]) in IDLE:
            continue
        total += n
        seen = set()
        for f in frames:
            name = _frame_name(f)
            if name not in seen:
                seen.add(name)
                inclusive[name] += n
        own[_frame_name(frames[-1])] += n
    return {
        "samples": total,
        "inclusive": [(k, round(v / total, 4)) for k, v in inclusive.most_common(top)],
        "self": [(k, round(v / total, 4)) for k, v in own.most_common(top)],
    }


IDLE = {
    "Condition.wait (threading.py)",
    "EpollSelector.select (selectors.py)",
    "Connection._recv (multiprocessing/connection.py)",
}
"""Leaves of threads with nothing to do: anyio's idle workers, the event loop's poll, the
supervisor's pipe."""


def _frame_name(frame: str) -> str:
    """`func (path/to/file.py:123)` -> `func (file.py)` with the package kept for site-packages
    and src paths."""
    func, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{func} ({path})"


# --------------------------------------------------------------------------------------------
# Reporting


def _ms(e: dict[str, Any], key: str) -> str:
    return f"{e[key]:,.1f}" if key in e else "—"


def markdown(results: dict[str, Any]) -> str:
    m, pg, b = results["machine"], results["postgres"], results["book"]
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; Python {m['python']}; "
        f"PostgreSQL {pg.get('server_version')} on the same machine (max_connections "
        f"{pg.get('max_connections')}, synchronous_commit {pg.get('synchronous_commit')}); "
        f"{results['server']} {results['workers']} workers; commit {results['git']['commit'][:7]}"
        + (" (src/ with uncommitted changes)" if results["git"]["src_dirty"] else "")
        + f"; load average before the run {results['load_before']}.",
        "",
        f"Book: {b['accounts']:,} accounts, {b['customers']:,} customers, {b['agents']:,} "
        "agents; queue "
        + ", ".join(
            f"{k} {v['units']:,} units ({v['owners']} owners)" for k, v in b["queue"].items()
        )
        + f"; {results['users']['created']} agent users; build s {b['times']}.",
        "",
        "| phase | cycle | agents | endpoint | requests | errors | p50 ms | p90 ms | p99 ms "
        "| max ms | req/s |",
        "|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for p in results["phases"]:
        for endpoint in ENDPOINTS:
            e = p["summary"][endpoint]
            if not e["count"]:
                continue
            errors = ", ".join(f"{k}×{v}" for k, v in e["errors"].items()) or "0"
            lines.append(
                f"| {p['label']} | {p['cycle']} | {p['agents']} | {endpoint} | {e['count']:,} | "
                f"{errors} | {_ms(e, 'p50_ms')} | {_ms(e, 'p90_ms')} | {_ms(e, 'p99_ms')} | "
                f"{_ms(e, 'max_ms')} | {e['per_s']:,.1f} |"
            )
    lines += [
        "",
        "| phase | cycle | agents | cases/s | req/s | CPU ms per case client / server / "
        "postgres | machine busy | load before | loop lag p99 ms | worker restarts | agents out "
        "of work | cases client / audit | double claims | left undone |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for p in results["phases"]:
        c, k, s = p["cpu"], p["checks"], p["summary"]
        double = (
            k["client_units_claimed_twice"]
            + k["client_overlapping_claims"]
            + len(k["audit_units_claimed_twice"])
        )
        lag = p.get("loop", {}).get("lag_p99_ms")
        dry = p["dry_at"]
        dry_text = f"{len(dry)} (first at {min(dry):.1f} s)" if dry else "0"
        per = c["ms_per_case"]
        lines.append(
            f"| {p['label']} | {p['cycle']} | {p['agents']} | {s['cases_per_s']:,.1f} | "
            f"{s['all']['per_s']:,.1f} | {per['client']:.1f} / {per['server']:.1f} / "
            f"{per['postgres']:.1f} | {c['machine_busy']:.0%} | {c['load_before']} | "
            f"{lag if lag is not None else '—'} | {p.get('restarts', '—')} | {dry_text} | "
            f"{k['client_claims']:,} / {k['audit_claims']:,} | {double} | "
            f"{k['claimed_not_done']} |"
        )
    if results.get("ratios"):
        lines += [
            "",
            "| cycle | agents | endpoint | p50 service / raw | p99 service / raw "
            "| req/s raw / service |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for r in results["ratios"]:
            lines.append(
                f"| {r['cycle']} | {r['agents']} | {r['endpoint']} | {r['p50']:.1f}× | "
                f"{r['p99']:.1f}× | {r['throughput']:.1f}× |"
            )
    top = results["target"]["agents"]
    lines += ["", f"Target p99 ≤ {TARGET_P99_MS:.0f} ms for Get Next at {top} agents:"]
    for name, value in results["target"]["p99_ms"].items():
        verdict = "met" if value is not None and value <= TARGET_P99_MS else "**missed**"
        lines.append(f"* {name}: p99 {value} ms — {verdict}")
    return "\n".join(lines) + "\n"


def ratios(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Service over raw SQL, same cycle and agents (closed loop, not profiled)."""
    plain = [p for p in phases if not p["think_s"] and not p["profiled"]]
    raw = {(p["cycle"], p["agents"]): p["summary"] for p in plain if p["name"] == "raw SQL"}
    out = []
    for p in plain:
        base = raw.get((p["cycle"], p["agents"]))
        if p["name"] != "service" or base is None:
            continue
        for endpoint in ENDPOINTS:
            a, b = p["summary"][endpoint], base[endpoint]
            if not a.get("p50_ms") or not b.get("p50_ms"):
                continue
            out.append(
                {
                    "cycle": p["cycle"], "agents": p["agents"], "endpoint": endpoint,
                    "p50": a["p50_ms"] / b["p50_ms"], "p99": a["p99_ms"] / b["p99_ms"],
                    "throughput": b["per_s"] / a["per_s"] if a["per_s"] else float("inf"),
                }
            )  # fmt: skip
    return out


def report_profile(phase: dict[str, Any]) -> None:
    prof = phase["profile"]
    what = "the GIL holder" if "--gil" in phase["label"] else "busy threads"
    log(
        f"where the workers' time goes — {phase['cycle']} cycle, {phase['agents']} agents "
        f"({prof['samples']} samples of {what}), inclusive:"
    )
    for name, share in prof["inclusive"]:
        log(f"  {share:6.1%}  {name}")
    log("self:")
    for name, share in prof["self"][:15]:
        log(f"  {share:6.1%}  {name}")


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    name: str  # "raw SQL" or "service"
    full: bool  # Get Next, attempt, release; else Get Next and release
    agents: int
    think: float = 0.0
    profiled: bool = False

    @property
    def cycle(self) -> str:
        return "full" if self.full else "queue only"

    @property
    def gil(self) -> bool:
        """Profiled for Python CPU (py-spy --gil): the queue-only cycle."""
        return self.profiled and not self.full

    @property
    def label(self) -> str:
        extra = f", think {self.think:g} s" if self.think else ""
        if self.profiled:
            extra += ", under py-spy --gil" if self.gil else ", under py-spy"
        return self.name + extra


def measure_raw(
    url: str, phase: Phase, group: list[AgentUser], points: dict, connections: int, args: Any
) -> dict[str, Any]:
    reset_queue(url)
    since = last_audit_id(url)
    log(f"raw SQL, {phase.cycle}, {phase.agents} threads over {connections} connections …")
    meter = CpuMeter(None)
    meter.start()
    samples, failures, cpu = run_baseline(
        url, group, points, connections, args.raw_warmup, args.raw_seconds, phase.full, meter
    )
    return finish_phase(url, phase, samples, cpu, failures, since, connections=connections)


def measure_http(
    url: str,
    phase: Phase,
    group: list[AgentUser],
    points: dict,
    server: subprocess.Popen[bytes],
    base: str,
    tokens: dict[str, str],
    args: Any,
) -> dict[str, Any]:
    reset_queue(url)
    since = last_audit_id(url)
    log(f"{phase.label}, {phase.cycle}, {phase.agents} agents …")
    raw = args.out / f"service-profile-{phase.cycle.replace(' ', '-')}-{phase.agents}.txt"
    spy = None
    if phase.profiled:
        spy = profile_server(server, args.warmup + args.seconds + 20, raw, gil=phase.gil)
    logfile = args.out / "service-uvicorn.log"
    log_start = logfile.stat().st_size
    meter = CpuMeter(server.pid)
    meter.start()
    samples, loop, failures = asyncio.run(
        run_http(
            base,
            group,
            tokens,
            points,
            args.warmup,
            args.think_seconds if phase.think and args.think_seconds else args.seconds,
            phase.think,
            phase.full,
            SEED,
        )
    )
    cpu = meter.stop()
    with logfile.open("rb") as fh:
        fh.seek(log_start)
        restarts = fh.read().decode(errors="replace").count(" died")
    out = finish_phase(url, phase, samples, cpu, failures, since, loop=loop, restarts=restarts)
    if spy is not None:
        _, err = spy.communicate(timeout=180)
        if raw.exists() and raw.stat().st_size:
            out["profile"] = where_time_goes(raw)
        else:
            log(f"    py-spy wrote nothing: {err.decode()[-500:]}")
    return out


def finish_phase(
    url: str,
    phase: Phase,
    samples: Samples,
    cpu: dict[str, Any],
    failures: list[str],
    since: int,
    **extra: Any,
) -> dict[str, Any]:
    s = summary(samples)
    claimed = {c[0] for c in samples.claims}
    cases = max(len(samples.claims), 1)
    cpu["ms_per_case"] = {k: round(v * 1000 / cases, 2) for k, v in cpu["cpu_s"].items()}
    checks = claim_checks(samples.claims) | server_checks(url, since, claimed)
    out = {
        "name": phase.name, "label": phase.label, "cycle": phase.cycle, "agents": phase.agents,
        "think_s": phase.think,
        "profiled": phase.profiled, "summary": s, "cpu": cpu, "checks": checks,
        "resumed": samples.resumed, "dry_at": [round(t, 2) for t in sorted(samples.dry_at)],
        "failures": failures[:20], "failure_count": len(failures), **extra,
    }  # fmt: skip
    log(
        "  " + "; ".join(
            f"{e} n={s[e]['count']} p50={s[e].get('p50_ms')} p99={s[e].get('p99_ms')} "
            f"err={s[e]['errors']}" for e in ENDPOINTS if s[e]["count"]
        )
        + f"; cases/s {s['cases_per_s']}"
    )  # fmt: skip
    log(f"  cpu {cpu}; {extra.get('loop', '')}; checks {checks}; dry {len(samples.dry_at)}")
    if failures:
        log(f"  {len(failures)} failures, first: {failures[:3]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=60_000)
    parser.add_argument("--staff", type=int, default=240, help="agents in the agents table")
    parser.add_argument("--agents", default="1,50,200", help="concurrent agents, comma-separated")
    parser.add_argument("--seconds", type=float, default=12.0, help="measured s, service phases")
    parser.add_argument("--raw-seconds", type=float, default=3.0, help="measured s, raw SQL")
    parser.add_argument("--raw-warmup", type=float, default=0.1, help="uncounted s, raw SQL")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted seconds first")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="mean think time (s) after each case: an extra paced phase at the most agents",
    )  # fmt: skip
    parser.add_argument(
        "--think-seconds", type=float, default=0.0,
        help="measured s of the think phase (default --seconds): a paced phase makes few "
        "requests a second, and a p99 wants a thousand or more",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the workers (two more phases)"
    )
    parser.add_argument(
        "--healthcheck", type=int, default=None,
        help="uvicorn --timeout-worker-healthcheck (default uvicorn's, 5 s)",
    )  # fmt: skip
    parser.add_argument(
        "--server", choices=("uvicorn", "uvicorn-nodelay"), default="uvicorn",
        help="uvicorn: `python -m uvicorn … --workers N`; uvicorn-nodelay: the same supervisor "
        "with the listener bound with IPPROTO_TCP, so responses are not held by Nagle",
    )  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    concurrencies = [int(x) for x in args.agents.split(",")]
    top = max(concurrencies)
    args.out.mkdir(parents=True, exist_ok=True)
    run_date = dt.datetime.now(dt.UTC).date()
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": machine(),
        "git": git_state(),
        "workers": args.workers,
        "server": args.server,
        "run_date": run_date.isoformat(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "phases": [],
    }
    log(
        f"machine: {results['machine']['nproc']} cores, {results['machine']['cpu']}; "
        f"load {results['load_before']}"
    )
    with fresh_database(args.keep) as url:
        results["postgres"] = pg_settings(dsn_of(url))
        budget = args.workers * POOL_PER_WORKER
        max_conn = int(results["postgres"]["max_connections"])
        if budget > max_conn - 10:
            log(
                f"WARNING: {args.workers} workers × {POOL_PER_WORKER} pooled connections = "
                f"{budget} > max_connections {max_conn} − 10: expect 'too many clients'"
            )
        log(f"book: {args.accounts:,} accounts, {args.staff} agents, run date {run_date}")
        results["book"] = build_book(
            url, args.out / "service-book", args.accounts, args.staff, run_date
        )
        log(f"  {results['book']}")
        agents = pick_agents(url, top)
        users_s = create_users(url, agents)
        work = [a.dispatched for a in agents]
        results["users"] = {
            "created": len(agents), "seconds": round(users_s, 1),
            "dispatched_min_median_max": [min(work), int(np.median(work)), max(work)],
            "with_pool": sum(1 for a in agents if a.pooled),
            "teams": dict(Counter(a.team_id for a in agents)),
        }  # fmt: skip
        log(f"  users: {results['users']}")
        points = case_points(url)
        groups = {c: agents[:c] for c in concurrencies}  # those with the most work
        cycles = (True, False)
        if not args.no_baseline:
            for full in cycles:
                for c in concurrencies:
                    connections = min(c, budget, max_conn - 10)
                    results["phases"].append(
                        measure_raw(
                            url, Phase("raw SQL", full, c), groups[c], points, connections, args
                        )
                    )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log(f"uvicorn: {args.workers} workers on {base}")
        logfile = args.out / "service-uvicorn.log"
        server = start_server(url, args.workers, port, logfile, args.healthcheck, args.server)
        try:
            t = time.perf_counter()
            tokens = asyncio.run(login_all(base, agents))
            results["logins_s"] = round(time.perf_counter() - t, 1)
            plan = [Phase("service", full, c) for full in cycles for c in concurrencies]
            if args.think > 0:
                plan.append(Phase("service", True, top, think=args.think))
            if args.profile:
                plan += [Phase("service", full, top, profiled=True) for full in cycles]
            for phase in plan:
                group = groups[phase.agents]
                results["phases"].append(
                    measure_http(url, phase, group, points, server, base, tokens, args)
                )
        finally:
            stop_server(server)

    results["ratios"] = ratios(results["phases"])
    results["target"] = {
        "agents": top,
        "p99_ms": {
            f"{p['label']}, {p['cycle']}": p["summary"]["next"].get("p99_ms")
            for p in results["phases"]
            if p["agents"] == top and p["name"] == "service" and not p["profiled"]
        },
    }
    (args.out / "service.json").write_text(json.dumps(results, indent=1, default=str))
    md = markdown(results)
    (args.out / "service.md").write_text(md)
    print(md)
    for p in results["phases"]:
        if "profile" in p:
            report_profile(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
