"""Run one command in a fresh process and measure it: wall time and that process's peak RSS.

Peak RSS comes from ``os.wait4``, the kernel's ``ru_maxrss`` of exactly this child (unlike
``getrusage(RUSAGE_CHILDREN)``, which is the maximum over every child waited for so far); a
psutil poll of the child's RSS every 20 ms is kept as a cross-check.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

POLL_S = 0.02


@dataclass
class Measured:
    cmd: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float  # ru_maxrss of the child (kernel high-water mark)
    polled_peak_rss_mb: float  # highest RSS seen by polling (may miss short peaks)
    user_s: float
    sys_s: float
    timed_out: bool
    stdout: str
    stderr: str

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("stdout")
        out.pop("stderr")
        return out


def run_measured(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    timeout_s: float | None = None,
) -> Measured:
    """Run `cmd` to completion; stdout and stderr go to `log`.out / `log`.err when given.

    A run longer than `timeout_s` is killed (SIGKILL); its return code is then -9 and
    `timed_out` is set.
    """
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    else:
        out_path = err_path = Path(os.devnull)
    with out_path.open("w") as out_fh, err_path.open("w") as err_fh:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdout=out_fh, stderr=err_fh, env=dict(env or os.environ)
        )
        watched = psutil.Process(proc.pid)
        polled = 0
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout_s is not None and time.perf_counter() - started > timeout_s:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            with contextlib.suppress(psutil.Error):
                polled = max(polled, watched.memory_info().rss)
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
    read = (lambda p: p.read_text()) if log is not None else (lambda p: "")
    return Measured(
        cmd=list(cmd),
        returncode=proc.returncode,
        wall_s=round(wall, 3),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        polled_peak_rss_mb=round(polled / 2**20, 1),
        user_s=round(usage.ru_utime, 3),
        sys_s=round(usage.ru_stime, 3),
        timed_out=timed_out,
        stdout=read(out_path),
        stderr=read(err_path),
    )


def earlier_sizes(previous: Path, sizes: Sequence[int]) -> dict[str, Any]:
    """The sizes an earlier invocation measured into `previous` (each keeps its own time and
    commit), except those about to be measured again."""
    if not previous.exists():
        return {}
    try:
        kept = json.loads(previous.read_text()).get("sizes", {})
    except ValueError:
        return {}
    return {k: v for k, v in kept.items() if int(k) not in sizes}
