"""`write_portfolio` produces a contract input folder that reads back to the same values, in
Parquet and in CSV (timestamps ISO 8601 with Z, dates YYYY-MM-DD, nulls as empty cells)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from arrears.generate._common import contract_schema
from arrears.generate.portfolio import generate_portfolio, write_portfolio


@pytest.fixture(scope="module")
def small_book() -> dict[str, pl.DataFrame]:
    return generate_portfolio(accounts=1_500, seed=9, country="mixed", as_of=dt.date(2025, 3, 10))


def test_parquet_round_trips_exactly(small_book: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    write_portfolio(small_book, tmp_path / "pq")
    for name, frame in small_book.items():
        back = pl.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert back.equals(frame), name


def test_csv_round_trips_with_iso_utc_timestamps(
    small_book: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    write_portfolio(small_book, tmp_path / "csv", fmt="csv")
    text = (tmp_path / "csv" / "attempts.csv").read_text(encoding="utf-8").splitlines()
    assert text[0].split(",") == small_book["attempts"].columns
    assert text[1].split(",")[4].endswith("Z")
    for name, frame in small_book.items():
        back = pl.read_csv(tmp_path / "csv" / f"{name}.csv", schema=contract_schema(name))
        assert back.equals(frame), name


def test_an_unknown_format_is_refused(small_book: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        write_portfolio(small_book, tmp_path, fmt="xlsx")  # type: ignore[arg-type]
