"""The types of a lender's own columns found part by part (as Spark's partitions find them)
are the types found over the whole file."""

from __future__ import annotations

from itertools import pairwise

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.contract.validate import combine_type_fits, extra_column_types, extra_type_fits

CELLS = st.sampled_from(
    ["1", "0", "12", "-3", "12.5", "1e3", "2026-11-30", "true", "no", "yes", "n/a", " ", "", None]
)


@given(
    st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=40),
    st.lists(st.integers(0, 40), max_size=4),
)
@settings(max_examples=300, deadline=None)
def test_parts_combine_to_the_whole_files_types(rows: list[tuple], cuts: list[int]):
    frame = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String}, orient="row")
    bounds = sorted({0, frame.height, *(c for c in cuts if c < frame.height)})
    parts = [frame.slice(lo, hi - lo) for lo, hi in pairwise(bounds)]
    found = combine_type_fits([extra_type_fits(part, ["a", "b"]) for part in parts])
    assert found == extra_column_types(frame, ["a", "b"])
