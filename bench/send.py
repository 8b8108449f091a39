"""Send benchmark: `arrears send` to a local SMS gateway and SMTP server, and the ledger.

    python bench/send.py [--sms 100000] [--email 10000] [--ledger 100000] [--rate 1000000]
                         [--chunk 500] [--out bench/out/send]

The book: `--sms` CN debtors at dpd 5, each with a phone and an e-mail, planned with the
channel tests' strategy (tests/channel_book.py: an SMS reminder and a reminder e-mail on day
5), so the run has `--sms` SMS actions and as many e-mails. The servers are the tests' own
(tests/channel_servers.py), each in its own process on 127.0.0.1: the gateway logs every
message it accepts to a JSON-lines file (flushed per message), the SMTP server (aiosmtpd)
writes each message to a Maildir file. The provider's rate limit is set far above what is
reached (`--rate`), so the figures are the pipeline's own.

Measured, each in a fresh `arrears send` process (`--json` report; wall time by the parent):

* **sms**: every SMS action of the run (`--channels sms`);
* **email**: the first `--email` e-mails (`--channels email --limit`);
* **raw**: the provider alone, `send` in a loop in the benchmark's process (`--raw` SMS, a
  tenth as many e-mails): no guard, no state file, no ledger;
* **ledger**: `channels.ledger.append` of `--ledger` attempt rows in batches of `--chunk` to a
  CSV ledger and to a Parquet one (rewritten per batch: Parquet cannot be appended to), and
  the state file's `sending` + `sent` commits (WAL, synchronous=FULL) per batch.

Afterwards it checks that the gateway's log and the Maildir hold each sent key exactly once
and the ledger one attempt per key. Writes `<out>/send.json`.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import polars as pl  # noqa: E402

from channel_book import SEND_AT, STRATEGY  # noqa: E402
from channel_servers import free_port, read_log  # noqa: E402


def write_book(data: Path, n: int) -> None:
    """n debtors at dpd 5 on 30 Nov 2026: the builders' layout, as Parquet, vectorized."""
    data.mkdir(parents=True, exist_ok=True)
    i = pl.int_range(1, n + 1, eager=True).alias("i")
    base = pl.DataFrame(i)
    fmt = "{:08d}"
    customer = pl.format("C{}", i.map_elements(fmt.format, return_dtype=pl.String))
    account = pl.format("A{}", i.map_elements(fmt.format, return_dtype=pl.String))
    base = base.with_columns(customer.alias("customer_id"), account.alias("account_id"))
    base.select(
        "customer_id", pl.format("客户{}", "i").alias("name"), pl.lit("CN").alias("country"),
        pl.lit("Asia/Shanghai").alias("timezone"),
    ).write_parquet(data / "customers.parquet")  # fmt: skip
    base.select(
        "account_id", "customer_id", pl.lit("cash_loan").alias("product"),
        pl.lit("CNY").alias("currency"), pl.lit(100.0).alias("overdue_amount"),
        pl.lit(1000.0).alias("outstanding_balance"),
        pl.lit(datetime(2026, 11, 25).date()).alias("due_date"), pl.lit("active").alias("status"),
    ).write_parquet(data / "accounts.parquet")  # fmt: skip
    phones = base.select(
        pl.format("P{}", pl.col("customer_id").str.slice(1)).alias("contact_id"), "customer_id",
        pl.lit("debtor").alias("role"), pl.lit("self").alias("relation"),
        pl.lit("phone").alias("kind"),
        pl.format("+86138{}", pl.col("i").cast(pl.String).str.zfill(8)).alias("value"),
    )  # fmt: skip
    emails = base.select(
        pl.format("E{}", pl.col("customer_id").str.slice(1)).alias("contact_id"), "customer_id",
        pl.lit("debtor").alias("role"), pl.lit("self").alias("relation"),
        pl.lit("email").alias("kind"), pl.format("debtor{}@example.com", "i").alias("value"),
    )  # fmt: skip
    pl.concat([phones, emails]).write_parquet(data / "contacts.parquet")


def start_server(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "channel_servers.py"), *args],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def timed_send(
    run: Path, data: Path, cfg: Path, channel: str, chunk: int, limit: int | None
) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "arrears", "send", "--run", str(run), "--data", str(data),
           "--config", str(cfg), "--until", SEND_AT, "--channels", channel, "--chunk", str(chunk),
           "--json"] + (["--limit", str(limit)] if limit else [])  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"send {channel} failed ({done.returncode}): {done.stdout}{done.stderr}")
    report = json.loads(done.stdout)
    sent = sum(report["sent"].values())
    return {
        "channel": channel, "sent": sent, "wall_s": round(wall, 2),
        "send_s": round(report["seconds"], 2),
        "sends_per_s": round(sent / report["seconds"], 1),
        "sends_per_s_wall": round(sent / wall, 1),
    }  # fmt: skip


def raw_provider(cfg: Path, channel: str, n: int) -> dict[str, Any]:
    """The provider alone, in this process: `send` n messages in a loop (no guard, no state,
    no ledger): what the pipeline's figure is to be compared with."""
    from arrears.channels.config import load_config
    from arrears.channels.model import Message
    from arrears.channels.registry import open_provider

    provider = open_provider(load_config(cfg).providers[channel])
    to = "+8613800000001" if channel == "sms" else "raw@example.com"
    text = "【示例消费金融】客户1您好，您2026年11月25日到期的账单尚有¥100.00未还，已逾期5天。"
    t0 = time.perf_counter()
    for j in range(n):
        provider.send(Message(f"raw-{channel}-{j}", channel, to, text, subject="还款提醒"))
    seconds = time.perf_counter() - t0
    provider.close()
    return {
        "channel": channel,
        "sent": n,
        "s": round(seconds, 2),
        "sends_per_s": round(n / seconds, 1),
    }


def bench_ledger(folder: Path, n: int, chunk: int) -> dict[str, Any]:
    from arrears.channels.ledger import append, attempt_rows
    from arrears.channels.state import Done, SendState

    at = datetime(2026, 11, 30, 2, tzinfo=UTC)
    out: dict[str, Any] = {"rows": n, "batch": chunk}
    batches = [
        attempt_rows(
            [{"attempt_id": f"k{j}", "account_id": f"A{j}", "contact_id": f"P{j}",
              "channel": "sms", "at": at, "outcome": "sent"} for j in range(s, min(n, s + chunk))]
        )
        for s in range(0, n, chunk)
    ]  # fmt: skip
    for fmt in ("csv", "parquet"):
        data = folder / f"ledger-{fmt}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        pl.DataFrame({"account_id": ["A0"]}).write_csv(data / "accounts.csv") if fmt == "csv" else (
            pl.DataFrame({"account_id": ["A0"]}).write_parquet(data / "accounts.parquet")
        )
        t0 = time.perf_counter()
        for batch in batches:
            append(data, batch)
        seconds = time.perf_counter() - t0
        out[f"{fmt}_rows_per_s"] = round(n / seconds, 1)
        out[f"{fmt}_s"] = round(seconds, 2)
    state = SendState(folder / "bench-state.sqlite")
    keys = [f"k{j}" for j in range(n)]
    state.add([(k, "A", "P", "sms") for k in keys], at)
    t0 = time.perf_counter()
    for s in range(0, n, chunk):
        part = keys[s : s + chunk]
        state.mark_sending(part, "bench", at)
        state.finish([Done(k, "sent", at, 1, "bench") for k in part], at)
    seconds = time.perf_counter() - t0
    state.close()
    out["state_keys_per_s"] = round(n / seconds, 1)
    out["state_s"] = round(seconds, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sms", type=int, default=100_000)
    parser.add_argument("--email", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, default=100_000)
    parser.add_argument(
        "--raw", type=int, default=10_000, help="raw provider sends (SMS; e-mail a tenth)"
    )
    parser.add_argument("--rate", type=float, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "send")
    args = parser.parse_args()
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    from arrears.examples import templates_path
    from arrears.planning.run import run_plan
    from builders import RUN_DATE

    t0 = time.perf_counter()
    write_book(out / "data", args.sms)
    strategy = out / "strategy.yaml"
    strategy.write_text(STRATEGY.format(templates=templates_path()), encoding="utf-8")
    run_plan(data=out / "data", strategy_path=strategy, run_date=RUN_DATE, out=out / "run")
    results: dict[str, Any] = {"book_s": round(time.perf_counter() - t0, 1)}
    gw_port, smtp_port = free_port(), free_port()
    gateway = start_server(["gateway", "--port", str(gw_port), "--log", str(out / "gateway.jsonl")])
    smtp = start_server(["smtp", "--port", str(smtp_port), "--maildir", str(out / "mail")])
    pace = {"rate": args.rate, "burst": args.rate, "tries": 3, "backoff": 0.05}
    cfg = out / "channels.yaml"
    cfg.write_text(json.dumps({"lender": "示例消费金融", "providers": {
        "sms": {"plugin": "http_sms", "url": f"http://127.0.0.1:{gw_port}/v1/messages", **pace},
        "email": {"plugin": "smtp", "host": "127.0.0.1", "port": smtp_port,
                  "sender": "collections@lender.example", "journal": "journal@lender.example",
                  "journal_maildir": str(out / "mail"), **pace},
    }}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    try:
        results["sms"] = timed_send(out / "run", out / "data", cfg, "sms", args.chunk, None)
        print(results["sms"], flush=True)
        results["email"] = timed_send(
            out / "run", out / "data", cfg, "email", args.chunk, args.email
        )
        print(results["email"], flush=True)
        results["raw"] = [
            raw_provider(cfg, "sms", args.raw),
            raw_provider(cfg, "email", max(args.raw // 10, 1)),
        ]
        print(results["raw"], flush=True)
    finally:
        gateway.terminate()
        smtp.terminate()
    accepted = Counter(
        e["key"]
        for e in read_log(out / "gateway.jsonl", "accepted")
        if not e["key"].startswith("raw-")
    )
    mails = Counter(
        str(m["X-Arrears-Key"])
        for m in mailbox.Maildir(out / "mail", create=False)
        if not str(m["X-Arrears-Key"]).startswith("raw-")
    )
    ledger = pl.read_parquet(out / "data" / "attempts.parquet")
    results["checks"] = {
        "gateway_keys": len(accepted), "gateway_max_per_key": max(accepted.values()),
        "mailbox_keys": len(mails), "mailbox_max_per_key": max(mails.values()),
        "ledger_rows": ledger.height, "ledger_unique": ledger.get_column("attempt_id").n_unique(),
    }  # fmt: skip
    assert results["checks"]["gateway_max_per_key"] == 1 == results["checks"]["mailbox_max_per_key"]
    assert ledger.height == ledger.get_column("attempt_id").n_unique() == len(accepted) + len(mails)
    results["ledger"] = bench_ledger(out, args.ledger, args.chunk)
    print(results["ledger"], flush=True)
    (out / "send.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
