"""Payees' bank accounts (一卡通代发, issue 19): ``payee_accounts``.

One account per file, sealed at rest (AES-256-GCM, a key derived from the resident-ID hash
key and kept out of the database; :mod:`core.sealing`), with its masked form for showing.
A tenant table: row-level security as in 0002. The serving role may read, add and replace
an account (a payee changes banks); it may not delete one.

Revision ID: 0016c
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE, serving_role_may, tenant_walls

revision: str = "0016c"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payee_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.String(200), nullable=False),
        sa.Column("masked", sa.String(40), nullable=False),
        sa.Column("bank", sa.String(100), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_payee_accounts_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payee_accounts")),
        sa.UniqueConstraint("tenant", "case_id", name=op.f("uq_payee_accounts_tenant_case_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(["payee_accounts"])
        serving_role_may({"payee_accounts": "SELECT, INSERT, UPDATE"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON payee_accounts FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
    op.drop_table("payee_accounts")
