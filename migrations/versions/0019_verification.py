"""Verification (核对): rosters received from the sources a tenant compares with, their
rows (ID numbers as keyed hashes only), and the differences found on files.

* ``verification_rosters``: source, the date described, the document reference, who
  imported it, and until when its rows are kept.
* ``verification_rows``: one person a roster lists: the hash of the ID number and the
  facts the source gives (低保 since and subsidy, pension and unemployment insurance,
  contribution base), indexed by (roster, hash) for the comparison's join.
* ``verification_differences``: declared against found, per file, member and fact, with
  what accepting would do to the money and how the difference was resolved.

Tenant tables: row-level security as in 0002; the serving role may read and write them
(rows of a roster are deleted when its retention ends; differences change state).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import serving_role_may, tenant_walls

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("verification_rosters", "verification_rows", "verification_differences")


def upgrade() -> None:
    op.create_table(
        "verification_rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_on", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("purged_on", sa.Date(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_rosters")),
    )
    op.create_index(
        "ix_verification_rosters_tenant_source", "verification_rosters", ["tenant", "source"]
    )
    op.create_table(
        "verification_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("dibao_since", sa.Date(), nullable=True),
        sa.Column("dibao_subsidy", sa.BigInteger(), nullable=True),
        sa.Column("pension_insured", sa.Boolean(), nullable=True),
        sa.Column("unemployment_insured", sa.Boolean(), nullable=True),
        sa.Column("contribution_base", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["verification_rosters.id"],
            name=op.f("fk_verification_rows_roster_id_verification_rosters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_rows")),
    )
    op.create_index(
        "ix_verification_rows_roster_id_hash", "verification_rows", ["roster_id", "id_hash"]
    )
    op.create_index(
        "ix_verification_rows_tenant_id_hash", "verification_rows", ["tenant", "id_hash"]
    )
    op.create_table(
        "verification_differences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("member_index", sa.Integer(), nullable=True),
        sa.Column("fact", sa.String(40), nullable=False),
        sa.Column("declared", sa.String(100), nullable=False),
        sa.Column("found", sa.String(100), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("effect", sa.String(16), nullable=False),
        sa.Column("at_stake", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("confirmed_by", sa.String(100), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_verification_differences_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_differences")),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'keep_requested', 'kept', 'superseded')",
            name=op.f("ck_verification_differences_state"),
        ),
        sa.CheckConstraint("at_stake >= 0", name=op.f("ck_verification_differences_at_stake")),
    )
    op.create_index(
        "ix_verification_differences_tenant_state",
        "verification_differences",
        ["tenant", "state"],
    )
    op.create_index("ix_verification_differences_case_id", "verification_differences", ["case_id"])
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(TABLES)
        serving_role_may(
            {
                "verification_rosters": "SELECT, INSERT, UPDATE",
                "verification_rows": "SELECT, INSERT, DELETE",
                "verification_differences": "SELECT, INSERT, UPDATE, DELETE",
            }
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
