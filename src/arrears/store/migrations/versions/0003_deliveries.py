"""Delivery receipts: `deliveries`, append-only, one row per receipt a provider posted.

Revision ID: 0003_deliveries
Revises: 0002_service
Create Date: 2026-11-29
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_deliveries"
down_revision: str | None = "0002_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_initial = importlib.import_module("arrears.store.migrations.versions.0001_initial")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "delivered",
                "failed",
                "machine",
                "no_connect",
                "no_answer",
                name="delivery_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(op.f("ix_deliveries_attempt_id"), "deliveries", ["attempt_id"], unique=False)
    _initial.create_append_only_triggers(("deliveries",), with_function=False)


def downgrade() -> None:
    _initial.drop_append_only_triggers(("deliveries",), with_function=False)
    op.drop_index(op.f("ix_deliveries_attempt_id"), table_name="deliveries")
    op.drop_table("deliveries")
