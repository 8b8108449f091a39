"""The service's roles and what each may do. One table, read by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass

ROLES: dict[str, str] = {
    "agent": "works the cases it owns or claims",
    "supervisor": "watches and reassigns the cases of its teams",
    "strategy_manager": "uploads, compares, activates and rolls back strategies",
    "compliance_officer": "reads every case, the audit log and unmasked contact points",
    "admin": "manages users; may do everything",
    "dialer": "a machine client: asks the pre-dial check and records attempts",
}

PII_ROLES = frozenset({"compliance_officer", "admin"})
"""Roles that see phone numbers and e-mail addresses unmasked."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, their roles, the agent they work as, the teams they look
    after (a supervisor's) and, for an agent, its own team."""

    user_id: str
    name: str
    roles: frozenset[str]
    agent_id: str | None
    agent_team: str | None
    teams: frozenset[str]
    language: str | None = None
    csrf_token: str = ""

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    @property
    def sees_pii(self) -> bool:
        return bool(self.roles & PII_ROLES)

    @property
    def reads_all_cases(self) -> bool:
        return bool(self.roles & {"compliance_officer", "admin"})
