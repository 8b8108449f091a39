"""Generate (or reuse) a seeded benchmark portfolio as Parquet, with a marker file.

Run in its own process by ``bench/plan.py`` so the generator's memory is never counted in a
measured run and is returned to the system before the next one.

    python bench/_generate.py --accounts 1000000 --country CN --out bench/out/data-1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import shutil
import sys
import time
from pathlib import Path

SEED = 7
RUN_DATE = dt.date(2026, 11, 30)  # a Monday, no CN holiday (the tests' run date)
MARKER = "_bench_complete.json"
GENERATOR_SOURCES = Path(__file__).resolve().parent.parent / "src" / "arrears" / "generate"


def generator_fingerprint() -> str:
    """sha256 over the generator's source files: a changed generator means new data."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR_SOURCES.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def wanted(accounts: int, country: str) -> dict[str, object]:
    return {
        "accounts": accounts,
        "seed": SEED,
        "country": country,
        "as_of": RUN_DATE.isoformat(),
        "format": "parquet",
        "generator": generator_fingerprint(),
    }


def is_ready(out: Path, accounts: int, country: str) -> bool:
    """True when `out` holds a complete portfolio generated with these parameters."""
    marker = out / MARKER
    if not marker.exists():
        return False
    try:
        params = json.loads(marker.read_text())["params"]
    except (ValueError, KeyError):
        return False
    return params == wanted(accounts, country)


def generate(accounts: int, country: str, out: Path) -> dict[str, object]:
    from arrears.generate.portfolio import generate_portfolio, write_portfolio

    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    tables = generate_portfolio(accounts=accounts, seed=SEED, country=country, as_of=RUN_DATE)
    generated = time.perf_counter()
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    write_portfolio(tables, tmp, fmt="parquet")
    written = time.perf_counter()
    rows = {name: frame.height for name, frame in tables.items()}
    info = {
        "params": wanted(accounts, country),
        "rows": rows,
        "generate_s": round(generated - started, 3),
        "write_s": round(written - generated, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (tmp / MARKER).write_text(json.dumps(info, indent=2) + "\n")
    tmp.rename(out)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--country", default="CN")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    info = generate(args.accounts, args.country, args.out)
    json.dump(info, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
