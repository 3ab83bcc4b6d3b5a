"""Benefits that are not fund money, issued as documents (issue 19): ``benefit_documents``.

A tax relief (001 三(一)), a waived fee or a referral is printed for the household to take
to the office concerned, recorded once per (tenant, file, programme, normalised period).
A tenant table: row-level security as in 0002. The serving role may read and add them,
and write a document's printed text once it has its number; nothing else changes.

Revision ID: 0016b
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE, serving_role_may, tenant_walls

revision: str = "0016b"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "benefit_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("determination_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("form", sa.String(40), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_benefit_documents_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["determination_id"],
            ["case_events.id"],
            name=op.f("fk_benefit_documents_determination_id_case_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_documents")),
        sa.UniqueConstraint(
            "tenant",
            "case_id",
            "programme",
            "period_key",
            name=op.f("uq_benefit_documents_tenant_case_id_programme_period_key"),
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(["benefit_documents"])
        serving_role_may({"benefit_documents": "SELECT, INSERT, UPDATE (text)"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON benefit_documents FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
    op.drop_table("benefit_documents")
