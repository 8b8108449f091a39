"""Action ids are readable, deterministic and never shared by two different actions."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from arrears.planning.plan import action_id

ID = st.text(alphabet="A1-%.x", min_size=1, max_size=6)


def ids(rows: list[tuple[str, str, str | None]]) -> list[str]:
    frame = pl.DataFrame(rows, schema=["a", "s", "c"], orient="row")
    expr = action_id(date(2026, 11, 30), pl.col("a"), pl.col("s"), pl.col("c"))
    return frame.select(expr).to_series().to_list()


def test_an_ordinary_id_reads_as_its_parts():
    assert ids([("A00000042", "A.1", "P7")]) == ["20261130-A00000042-A.1-P7"]
    assert ids([("A1", "A.1", None)]) == ["20261130-A1-A.1-"]


@given(st.lists(st.tuples(ID, ID, st.one_of(st.none(), ID)), min_size=2, max_size=30, unique=True))
def test_different_actions_never_share_an_id(rows):
    got = ids(rows)
    assert len(set(got)) == len(rows)
