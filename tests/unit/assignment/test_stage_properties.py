"""Random books, every back end: capacity, eligibility, one owner per customer, nothing lost."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.assignment.solvers import SOLVERS
from staff import Book, strategy

SEGMENTS = """
  - id: S
    steps:
      - id: s.owner
        assign:
          to: team
          teams: [north, south]
          skills_from: [product]
          rotate_after_days: 10
          mode: MODE
"""
LANGS = ("zh-CN", "en-US", "zh-CN,en-US")
PRODUCTS = ("cash_loan", "credit_card")


@st.composite
def books(draw: st.DrawFn) -> Book:
    book = Book().team("north").team("south").team("elsewhere")
    agents = draw(st.integers(1, 5))
    for i in range(agents):
        book.agent(
            f"AG{i}",
            draw(st.sampled_from(("north", "south", "elsewhere"))),
            draw(st.integers(0, 6)),
            skills=",".join(draw(st.sets(st.sampled_from(PRODUCTS)))),
            languages=draw(st.sampled_from(LANGS)),
            active=draw(st.booleans()) or i == 0,
        )
    customers = draw(st.integers(1, 8))
    accounts = draw(st.integers(1, 14))
    for a in range(accounts):
        customer = draw(st.integers(0, customers - 1))
        book.account(
            f"A{a}",
            f"C{customer}",
            segment=draw(st.sampled_from(("S", "S", "S", "other"))),
            dpd=draw(st.integers(1, 90)),
            overdue=draw(st.sampled_from((0.0, 10.0, 100.0, 1000.0))),
            promise=draw(st.booleans()),
            language=("zh-CN", "en-GB")[customer % 2],
            product=draw(st.sampled_from(PRODUCTS)),
        )
        if draw(st.booleans()):
            book.held(
                f"A{a}", f"AG{draw(st.integers(0, agents - 1))}", days=draw(st.integers(0, 20))
            )
    return book


@settings(max_examples=80, deadline=None)
@given(books(), st.sampled_from(("dispatch", "hybrid")), st.sampled_from(SOLVERS))
def test_every_assignment_keeps_the_rules(book: Book, mode: str, solver: str) -> None:
    plan = strategy(SEGMENTS.replace("MODE", mode))
    result = book.assign(plan, solver)
    held, out = result.assignments, result.unassigned
    agents = pl.DataFrame(book.agents)
    accounts = pl.DataFrame(book.accounts)

    # Each account at most once; every account held before is held or said why not.
    assert held.join(out, on="account_id").is_empty()
    before = {c["account_id"] for c in book.cases}
    assert before <= set(held["account_id"]) | set(out["account_id"])
    # One owner per customer, within capacity.
    assert (held.group_by("customer_id").agg(pl.col("owner").n_unique())["owner"] <= 1).all()
    load = held.filter(pl.col("owner_kind") == "agent").group_by("owner").len()
    joined = load.join(agents, left_on="owner", right_on="agent_id")
    assert (joined["len"] <= joined["capacity_cases"]).all()
    # Agents hold only what they may: active, of a named team, the product's skill, the language.
    facts = (
        held.filter(pl.col("owner_kind") == "agent")
        .join(agents, left_on="owner", right_on="agent_id")
        .join(accounts.select("account_id", "product", "language", "segment"), on="account_id")
    )
    for row in facts.iter_rows(named=True):
        assert row["active"] and row["team_id"] in ("north", "south"), row
        assert row["product"] in row["skills"].split(","), row
        assert row["language"].split("-")[0] in {
            x.split("-")[0] for x in row["languages"].split(",")
        }
        assert row["segment"] == "S"
    # Pooled cases sit with a named team; nothing is held by the team no step names.
    assert not (held["owner"] == "elsewhere").any()
    assert held["reason"].null_count() == 0 and out["reason"].null_count() == 0
