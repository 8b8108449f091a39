"""Keys are unique, ids have a stable format and every foreign key resolves: the loader rejects
dangling rows, so a generated book must load without a single reject."""

from __future__ import annotations

import polars as pl
import pytest

from arrears.contract.tables import TABLES
from arrears.generate._common import contract_schema

ID_FORMATS = {
    ("accounts", "account_id"): r"^A\d{8}$",
    ("customers", "customer_id"): r"^C\d{8}$",
    ("contacts", "contact_id"): r"^P\d{9}$",
    ("attempts", "attempt_id"): r"^AT\d{10}$",
    ("payments", "payment_id"): r"^PAY\d{9}$",
    ("promises", "promise_id"): r"^PR\d{9}$",
    ("teams", "team_id"): r"^[a-z][a-z0-9_]+$",
    ("agents", "agent_id"): r"^AG\d{5}$",
}


def test_every_table_has_the_contract_columns_in_order_with_the_contract_dtypes(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    assert set(mixed_book) == set(TABLES)
    for name, frame in mixed_book.items():
        assert frame.schema == pl.Schema(contract_schema(name)), name


def test_keys_are_unique_and_ids_have_a_stable_format(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    for name, table in TABLES.items():
        keys = mixed_book[name][table.key]
        assert keys.null_count() == 0, name
        assert keys.n_unique() == keys.len(), name
    for (name, column), pattern in ID_FORMATS.items():
        assert mixed_book[name][column].str.contains(pattern).all(), (name, column)


def test_every_foreign_key_resolves(mixed_book: dict[str, pl.DataFrame]) -> None:
    for name, table in TABLES.items():
        for fk in table.foreign_keys:
            child = mixed_book[name][fk.column].drop_nulls()
            parent = mixed_book[fk.table][fk.target]
            assert child.is_in(parent.implode()).all(), (name, fk.column)
    agents = mixed_book["agents"]["agent_id"]
    assert mixed_book["attempts"]["agent_id"].drop_nulls().is_in(agents.implode()).all()
    owners = pl.concat([agents, mixed_book["teams"]["team_id"]])
    assert mixed_book["cases"]["owner_id"].is_in(owners.implode()).all()


def test_an_attempt_uses_a_contact_point_of_the_accounts_own_customer(
    mixed_book: dict[str, pl.DataFrame],
) -> None:
    joined = (
        mixed_book["attempts"]
        .join(mixed_book["accounts"].select("account_id", "customer_id"), on="account_id")
        .join(
            mixed_book["contacts"].select("contact_id", pl.col("customer_id").alias("owner")),
            on="contact_id",
        )
    )
    assert joined.height == mixed_book["attempts"].height
    assert (joined["customer_id"] == joined["owner"]).all()


@pytest.mark.parametrize("table", ["accounts", "payments", "promises"])
def test_amounts_are_non_negative_and_rounded_to_cents(
    mixed_book: dict[str, pl.DataFrame], table: str
) -> None:
    frame = mixed_book[table]
    for column in frame.select(pl.col(pl.Float64)).columns:
        values = frame[column].drop_nulls()
        assert (values >= 0).all(), column
        assert ((values * 100).round(6) == (values * 100).round(0)).all(), column
