"""`arrears train`: a collection model from a history folder, saved with its card."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from arrears.contract.history import SNAPSHOTS
from arrears.contract.history import read_snapshots as snapshots_of
from arrears.contract.load import ContractError, load_portfolio


def read_snapshots(history: Path) -> pl.DataFrame:
    """The history's account snapshots; a folder without them stops with a clear message."""
    frame = snapshots_of(history)
    if frame is None:
        raise ContractError(
            history,
            None,
            f"no {SNAPSHOTS}.parquet or .csv (write one with arrears generate --history)",
        )
    return frame


def run_train(
    console: Console,
    *,
    history: Path,
    target: str,
    out: Path,
    backend: str,
    calibration: str,
    within_days: int,
    share: float,
    fail: Callable[[str], Exception],
) -> Path:
    from arrears.scoring.store import save_model
    from arrears.scoring.train import train_model

    try:
        snapshots = read_snapshots(history)
        tables = load_portfolio(history).tables
    except ContractError as exc:
        raise fail(str(exc)) from None
    if target == "contactability":
        attempts = tables.get("attempts")
        what = f"the voice calls of {attempts.height if attempts is not None else 0:,} attempts"
    else:
        what = f"{snapshots.height:,} snapshot rows"
    with console.status(f"training {target} ({backend}) on {what}"):
        try:
            if target == "contactability":  # one row per call; the label has no window
                from arrears.scoring.contactability import train_contactability

                trained = train_contactability(
                    tables, snapshots, backend=backend, calibration=calibration
                )
            else:
                trained = train_model(
                    tables, snapshots, target, backend=backend, calibration=calibration,
                    within_days=within_days, share=share,
                )  # fmt: skip
        except ValueError as exc:
            raise fail(str(exc)) from None
    folder = save_model(trained.model, trained.card, out)
    card = trained.card
    test = card["metrics"]["test"]
    table = Table(title=f"{card['model_id']} → {folder}")
    table.add_column("")
    table.add_column("", justify="right")
    rows = [
        ("training window", f"{card['training_window']['start']} … "
                            f"{card['training_window']['end']}"),
        ("test (out of time) from", card["label"]["test_from"]),
        ("rows train / test", f"{card['rows']['train']:,} / {card['rows']['test']:,}"),
        ("event rate train / test", f"{card['event_rate']['train']:.1%} / "
                                    f"{card['event_rate']['test']:.1%}"),
        ("test AUC", f"{test['auc']:.3f}"),
        ("test KS", f"{test['ks']:.3f}"),
        ("test Gini", f"{test['gini']:.3f}"),
    ]  # fmt: skip
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    drifted = [f["name"] for f in card["features"] if f.get("psi_flagged")]
    if drifted:
        console.print(f"[yellow]PSI above the threshold between train and test:[/] {drifted}")
    console.print(f"card: {folder / 'card.html'}")
    return folder
