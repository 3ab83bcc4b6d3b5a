"""Case files, their history, assignments, member identities, tokens and review runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(40), nullable=False)


def _timestamp(name: str, nullable: bool = False, default: bool = True) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.func.now() if default else None,
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("household", JSON, nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("facts_layout", sa.String(16), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("grounds", sa.String(200), nullable=False),
        sa.Column("groups", sa.String(400), nullable=False),
        sa.Column("entitlements", sa.Text(), nullable=False),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.Column("due_step", sa.String(40), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_tenant_status", "cases", ["tenant", "status"])
    op.create_index("ix_cases_tenant_due_on", "cases", ["tenant", "due_on"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(40), nullable=False),
        sa.Column("to_status", sa.String(40), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("determination", JSON, nullable=False),
        _timestamp("recorded_at"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_events_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_events_case_id_seq")),
    )

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("duty", sa.String(40), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_assignments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_case_id"), "assignments", ["case_id"])

    op.create_table(
        "member_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_index", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("id_masked", sa.String(18), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_member_identities_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_identities")),
    )
    op.create_index(op.f("ix_member_identities_case_id"), "member_identities", ["case_id"])
    op.create_index(op.f("ix_member_identities_id_hash"), "member_identities", ["id_hash"])

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True, default=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )

    op.create_table(
        "review_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.Column("plugin_versions", JSON, nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("proposed_exits", sa.Integer(), nullable=False),
        sa.Column("changed_entitlements", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        _timestamp("started_at", default=False),
        _timestamp("finished_at", default=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_runs")),
        sa.UniqueConstraint("tenant", "as_of", name=op.f("uq_review_runs_tenant_as_of")),
    )

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("propose_exit", sa.Boolean(), nullable=False),
        sa.Column("entitlements_changed", sa.Boolean(), nullable=False),
        sa.Column("entitlements", sa.Text(), nullable=False),
        sa.Column("overdue", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["review_runs.id"],
            name=op.f("fk_review_decisions_run_id_review_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index(op.f("ix_review_decisions_run_id"), "review_decisions", ["run_id"])


def downgrade() -> None:
    op.drop_table("review_decisions")
    op.drop_table("review_runs")
    op.drop_table("api_tokens")
    op.drop_table("member_identities")
    op.drop_table("assignments")
    op.drop_table("case_events")
    op.drop_table("cases")
