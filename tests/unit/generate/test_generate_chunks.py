"""Large books are built slice by slice (to bound memory); slicing must not break keys,
foreign keys or the link between an attempt and its customer's contact points."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from arrears.contract.tables import TABLES
from arrears.generate import portfolio


def test_a_book_built_in_slices_keeps_unique_ids_and_resolving_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portfolio, "CHUNK_ACCOUNTS", 700)
    seen: list[tuple[str, float]] = []
    book = portfolio.generate_portfolio(
        accounts=3_000,
        seed=4,
        country="mixed",
        as_of=dt.date(2025, 3, 10),
        progress=lambda s, f: seen.append((s, f)),
    )
    assert [f for _, f in seen] == sorted(f for _, f in seen) and seen[-1][1] == 1.0
    assert sum(1 for s, _ in seen if s == "contacts") >= 4
    for name, table in TABLES.items():
        keys = book[name][table.key]
        assert keys.n_unique() == keys.len(), name
        for fk in table.foreign_keys:
            child = book[name][fk.column]
            assert child.is_in(book[fk.table][fk.target].implode()).all(), (name, fk.column)
    ids = book["contacts"]["contact_id"].str.slice(1).cast(pl.Int64)
    assert ids.to_list() == list(range(1, book["contacts"].height + 1))
    joined = (
        book["attempts"]
        .join(book["accounts"].select("account_id", "customer_id"), on="account_id")
        .join(
            book["contacts"].select("contact_id", pl.col("customer_id").alias("o")), on="contact_id"
        )
    )
    assert (joined["customer_id"] == joined["o"]).all()
