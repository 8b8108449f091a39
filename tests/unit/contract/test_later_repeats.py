"""The fast duplicate-key finder agrees with the plain definition on any keys."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from arrears.contract.validate import later_repeats


@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "", "A1", "账户"])), max_size=60)
)
def test_later_repeats_marks_every_repeat_after_the_first_and_never_a_null(keys):
    series = pl.Series("k", keys, dtype=pl.String)
    expected = (series.is_not_null() & ~series.is_first_distinct()).to_list()
    assert later_repeats(series).to_list() == expected


def test_later_repeats_on_unique_keys_marks_nothing():
    series = pl.Series("k", [f"A{i}" for i in range(10_000)])
    assert not later_repeats(series).any()
