"""The ledger appended in the lender's format: CSV text untouched, Parquet types kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from arrears.channels.contacts import add_opt_outs, merged, point_value
from arrears.channels.ledger import append, attempt_rows, set_outcomes

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def rows(*ids: str) -> pl.DataFrame:
    return attempt_rows(
        [
            {
                "attempt_id": i,
                "account_id": "A1",
                "contact_id": "P1",
                "channel": "sms",
                "at": AT,
                "outcome": "sent",
            }
            for i in ids
        ]
    )


def test_a_csv_ledger_is_appended_to_under_its_own_header(tmp_path: Path) -> None:
    (tmp_path / "attempts.csv").write_text(
        "attempt_id,account_id,contact_id,channel,at,outcome,agent_id,note\n"
        "X1,A1,P1,human_call,2026-11-29T10:00:00Z,no_answer,ag1,007",  # no final newline
        encoding="utf-8",
    )
    assert append(tmp_path, rows("k1", "k2")) == 2
    assert append(tmp_path, rows("k2", "k3"), dedupe=True) == 1
    text = (tmp_path / "attempts.csv").read_text(encoding="utf-8").splitlines()
    assert text[1] == "X1,A1,P1,human_call,2026-11-29T10:00:00Z,no_answer,ag1,007"
    assert text[2] == "k1,A1,P1,sms,2026-11-30T02:00:00.000000Z,sent,,"
    assert [line.split(",")[0] for line in text[1:]] == ["X1", "k1", "k2", "k3"]
    assert set_outcomes(tmp_path, {"k1": "delivered", "nope": "failed"}) == 1
    table = pl.read_csv(tmp_path / "attempts.csv", infer_schema=False)
    assert dict(table.select("attempt_id", "outcome").iter_rows())["k1"] == "delivered"
    assert table.get_column("note").to_list()[0] == "007"


def test_a_parquet_ledger_is_rewritten_with_its_types_and_no_duplicate(tmp_path: Path) -> None:
    pl.DataFrame({"account_id": ["A1"]}).write_parquet(tmp_path / "accounts.parquet")
    assert append(tmp_path, rows("k1")) == 1  # a new table takes the folder's format
    assert append(tmp_path, rows("k1", "k2")) == 1
    table = pl.read_parquet(tmp_path / "attempts.parquet")
    assert table.get_column("attempt_id").to_list() == ["k1", "k2"]
    assert table.schema["at"] == pl.Datetime("us", "UTC")


def test_an_opt_out_adds_its_channel_once_and_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(
        "contact_id,customer_id,role,kind,value,opt_out\n"
        "P1,C1,debtor,phone,+8613800000001,robot_call\n"
        "P2,C1,debtor,phone,+8613800000002,\n",
        encoding="utf-8",
    )
    assert add_opt_outs(tmp_path, [("P1", "sms"), ("P2", "sms"), ("P2", "sms")]) == ["P1", "P2"]
    assert add_opt_outs(tmp_path, [("P1", "sms")]) == []
    table = pl.read_csv(tmp_path / "contacts.csv", infer_schema=False)
    assert table.get_column("opt_out").to_list() == ["robot_call,sms", "sms"]
    assert table.get_column("value").to_list()[0] == "+8613800000001"
    assert merged(None, "email") == "email"
    assert point_value("+86 138 0000 0001") == "+8613800000001"
    assert point_value(" Debtor@Example.COM") == "debtor@example.com"
