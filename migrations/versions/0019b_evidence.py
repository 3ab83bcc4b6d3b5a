"""Evidence documents on files: their record (kind, step, media type, size, SHA-256, the
history entry that carries the hash) and, when the database is the store, their bytes
once per tenant and content.

Tenant tables: row-level security as in 0002. The serving role may add documents and
read them; it may not change or delete them (a document is replaced by uploading another).

Revision ID: 0019b
Revises: 0018c
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import serving_role_may, tenant_walls

revision: str = "0019b"
down_revision: str | None = "0018c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("evidence_documents", "evidence_contents")


def upgrade() -> None:
    op.create_table(
        "evidence_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_evidence_documents_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_documents")),
    )
    op.create_index("ix_evidence_documents_case_id", "evidence_documents", ["case_id"])
    op.create_table(
        "evidence_contents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_contents")),
        sa.UniqueConstraint("tenant", "sha256", name=op.f("uq_evidence_contents_tenant_sha256")),
    )
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(TABLES)
        serving_role_may(
            {"evidence_documents": "SELECT, INSERT", "evidence_contents": "SELECT, INSERT"}
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
