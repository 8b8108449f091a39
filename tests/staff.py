"""Hand-made inputs for the assignment stage: the planner's account rows, teams, agents, cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from arrears.assignment.stage import AssignResult, assign_cases
from arrears.strategy.load import load_strategy_text
from arrears.strategy.model import Strategy

RUN_DATE = date(2026, 11, 30)

HEAD = """
name: assign-test
version: 1
jurisdiction: CN
buckets: {M1: [1, 30], M2: [31, 60], M3+: [61, null]}
segments:
"""


def strategy(segments: str) -> Strategy:
    return load_strategy_text(HEAD + segments)


class Book:
    """Accounts as the planner's frame has them, and the staff that may work them."""

    def __init__(self) -> None:
        self.accounts: list[dict[str, Any]] = []
        self.teams: list[dict[str, Any]] = []
        self.agents: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []

    def account(
        self,
        account_id: str,
        customer_id: str | None = None,
        *,
        segment: str = "S",
        dpd: int = 10,
        overdue: float = 100.0,
        status: str = "active",
        promise: bool = False,
        language: str | None = "zh-CN",
        product: str = "cash_loan",
        days_since_rpc: int | None = None,
        **extra: Any,
    ) -> Book:
        self.accounts.append(
            {
                **extra,
                "account_id": account_id,
                "customer_id": customer_id or f"C-{account_id}",
                "segment": segment,
                "dpd": dpd,
                "bucket": "M1" if dpd <= 30 else "M2" if dpd <= 60 else "M3+",
                "overdue_amount": overdue,
                "outstanding_balance": overdue * 3,
                "status": status,
                "has_open_promise": promise,
                "language": language,
                "product": product,
                "days_since_rpc": days_since_rpc,
            }
        )
        return self

    def team(
        self,
        team_id: str,
        kind: str = "human",
        *,
        skills: str = "",
        capacity: int | None = None,
        cost: float = 0.0,
        commission: float | None = None,
    ) -> Book:
        self.teams.append(
            {
                "team_id": team_id,
                "kind": kind,
                "name": team_id,
                "skills": skills,
                "capacity_cases": capacity,
                "cost_per_contact": cost,
                "commission_rate": commission,
            }
        )
        return self

    def agent(
        self,
        agent_id: str,
        team_id: str,
        capacity: int,
        *,
        skills: str = "",
        languages: str = "zh-CN,en-US",
        active: bool = True,
    ) -> Book:
        self.agents.append(
            {
                "agent_id": agent_id,
                "team_id": team_id,
                "name": agent_id,
                "skills": skills,
                "languages": languages,
                "capacity_cases": capacity,
                "capacity_minutes": 300,
                "active": active,
            }
        )
        return self

    def held(
        self,
        account_id: str,
        owner_id: str,
        kind: str = "agent",
        *,
        days: int = 5,
        stay_until: date | None = None,
    ) -> Book:
        at = datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, 9, tzinfo=UTC)
        self.cases.append(
            {
                "account_id": account_id,
                "owner_id": owner_id,
                "owner_kind": kind,
                "assigned_at": at - timedelta(days=days),
                "stay_until": stay_until,
            }
        )
        return self

    def frames(self) -> dict[str, pl.DataFrame | None]:
        accounts = pl.DataFrame(
            self.accounts,
            schema_overrides={"dpd": pl.Int32, "days_since_rpc": pl.Int32, "language": pl.String},
        )
        teams = pl.DataFrame(
            self.teams,
            schema_overrides={
                "capacity_cases": pl.Int64,
                "cost_per_contact": pl.Float64,
                "commission_rate": pl.Float64,
            },
        )
        agents = (
            pl.DataFrame(self.agents, schema_overrides={"capacity_cases": pl.Int64})
            if self.agents
            else None
        )
        cases = (
            pl.DataFrame(
                self.cases,
                schema_overrides={"assigned_at": pl.Datetime("us", "UTC"), "stay_until": pl.Date},
            )
            if self.cases
            else None
        )
        return {"accounts": accounts, "teams": teams, "agents": agents, "cases": cases}

    def assign(self, plan: Strategy, solver: str = "flow") -> AssignResult:
        frames = self.frames()
        accounts = frames.pop("accounts")
        assert accounts is not None
        result = assign_cases(accounts, plan, frames, RUN_DATE, solver)
        assert result is not None
        return result


def owner_of(result: AssignResult) -> dict[str, str]:
    return dict(result.assignments.select("account_id", "owner").iter_rows())


def reason_of(result: AssignResult, account_id: str) -> str:
    for frame in (result.assignments, result.unassigned):
        hit = frame.filter(pl.col("account_id") == account_id)
        if hit.height:
            return str(hit.item(0, "reason"))
    raise AssertionError(f"{account_id} is in neither assignments nor unassigned")
