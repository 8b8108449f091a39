"""The same seed and arguments must give identical tables: demos, benchmarks and bug reports
rely on regenerating exactly the book someone else used."""

from __future__ import annotations

import datetime as dt

from arrears.generate.portfolio import generate_portfolio

AS_OF = dt.date(2025, 3, 10)


def test_the_same_seed_and_arguments_give_identical_tables() -> None:
    first = generate_portfolio(accounts=3_000, seed=5, country="mixed", as_of=AS_OF)
    second = generate_portfolio(accounts=3_000, seed=5, country="mixed", as_of=AS_OF)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].equals(second[name]), name


def test_a_different_seed_gives_a_different_book() -> None:
    first = generate_portfolio(accounts=2_000, seed=1, country="CN", as_of=AS_OF)
    other = generate_portfolio(accounts=2_000, seed=2, country="CN", as_of=AS_OF)
    assert not first["accounts"].equals(other["accounts"])


def test_progress_is_reported_after_each_stage_up_to_completion() -> None:
    seen: list[tuple[str, float]] = []
    generate_portfolio(accounts=500, seed=3, as_of=AS_OF, progress=lambda s, f: seen.append((s, f)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert len(seen) >= 5


def test_a_single_account_book_is_still_complete() -> None:
    tables = generate_portfolio(accounts=1, seed=0, country="GB", as_of=AS_OF)
    assert tables["accounts"].height == 1
    assert tables["customers"].height == 1
    assert tables["agents"].height >= 5
