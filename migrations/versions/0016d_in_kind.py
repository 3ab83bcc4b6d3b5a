"""Relief in kind and vouchers (003 五.9, issue 19): stock, vouchers, distribution lists.

* ``stock_items``: goods or vouchers bought from a fund (quantity, unit cost, supplier,
  the supplier's document, the purchase's journal);
* ``vouchers``: one row per voucher serial number, unique in the tenant, issued to one
  distribution line (``line_id`` set once);
* ``distribution_lists`` and ``distribution_lines``: what each household receives, closed
  by 签收 or a witness; one live line per (tenant, file, programme, period key).

Tenant tables: row-level security as in 0002. The serving role reads and adds them, and
updates only what a hand-over writes (a line's status, signature, witness, date; a
voucher's line).

Revision ID: 0016d
Revises: 0016c
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE, serving_role_may, tenant_walls

revision: str = "0016d"
down_revision: str | None = "0016c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("vouchers", "distribution_lines", "distribution_lists", "stock_items")


def upgrade() -> None:
    op.create_table(
        "stock_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("document", sa.String(100), nullable=False),
        sa.Column("journal", sa.String(32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_items")),
    )
    op.create_table(
        "distribution_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_lists")),
    )
    op.create_table(
        "distribution_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("determination_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("signed_by", sa.String(100), nullable=True),
        sa.Column("witness", sa.String(100), nullable=True),
        sa.Column("handed_on", sa.Date(), nullable=True),
        sa.Column("handed_by", sa.String(100), nullable=True),
        sa.Column("stop_reason", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["distribution_lists.id"],
            name=op.f("fk_distribution_lines_list_id_distribution_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_distribution_lines_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["determination_id"],
            ["case_events.id"],
            name=op.f("fk_distribution_lines_determination_id_case_events"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["stock_items.id"],
            name=op.f("fk_distribution_lines_item_id_stock_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_lines")),
    )
    op.create_index(
        "uq_distribution_lines_once_per_period",
        "distribution_lines",
        ["tenant", "case_id", "programme", "period_key"],
        unique=True,
        sqlite_where=sa.text("status <> 'stopped'"),
        postgresql_where=sa.text("status <> 'stopped'"),
    )
    op.create_index("ix_distribution_lines_list_id", "distribution_lines", ["list_id"])
    op.create_table(
        "vouchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["stock_items.id"], name=op.f("fk_vouchers_item_id_stock_items")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["distribution_lines.id"],
            name=op.f("fk_vouchers_line_id_distribution_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("tenant", "serial", name=op.f("uq_vouchers_tenant_serial")),
    )
    op.create_index("ix_vouchers_item_id", "vouchers", ["item_id"])
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(TABLES)
        serving_role_may(
            {
                "stock_items": "SELECT, INSERT",
                "distribution_lists": "SELECT, INSERT",
                "distribution_lines": "SELECT, INSERT, "
                "UPDATE (status, signed_by, witness, handed_on, handed_by, stop_reason)",
                "vouchers": "SELECT, INSERT, UPDATE (line_id)",
            }
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON {", ".join(TABLES)} FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
    op.drop_index("ix_vouchers_item_id", table_name="vouchers")
    op.drop_table("vouchers")
    op.drop_index("ix_distribution_lines_list_id", table_name="distribution_lines")
    op.drop_index("uq_distribution_lines_once_per_period", table_name="distribution_lines")
    op.drop_table("distribution_lines")
    op.drop_table("distribution_lists")
    op.drop_table("stock_items")
