"""The assistance funds ledger (帮扶资金台账): entries, payments, payment runs.

On every database:

* ``fund_entries`` is append-only: triggers refuse UPDATE and DELETE (a correction is a
  reversing journal, seed 003 part 7 独立核算);
* ``fund_payments`` has one row per (tenant, case, programme, period): running a period
  twice pays nobody twice;
* ``fund_runs`` has one row per (tenant, period, fund source).

On PostgreSQL only:

* row-level security on the three tables exactly as migration 0002 does it (``ENABLE``,
  ``FORCE``, policy ``tenant_isolation`` on ``app.tenant``);
* a statement-level trigger refuses any INSERT whose journals do not sum to zero (the
  application writes each journal in one statement);
* the serving role ``bangfu_app`` may only INSERT and SELECT ``fund_entries``; it reads,
  inserts and updates payments and runs (their state), and never deletes;
* the national level reads spending through ``bangfu_fund_spending(year)`` only: totals
  per tenant and programme and the number of households paid, under
  ``app.scope = 'statistics'`` for the function's duration, a ``SECURITY DEFINER``
  function owned by ``bangfu_stats`` as 0003 made ``bangfu_case_counts``, with a
  ``statistics_read`` policy on entries and payments for that role only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import (
    owned_by_statistics_role,
    serving_role_may,
    statistics_readable,
    tenant_walls,
)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
TABLES = ("fund_runs", "fund_payments", "fund_entries")


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(40), nullable=False)


def upgrade() -> None:
    op.create_table(
        "fund_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("cadence", sa.String(40), nullable=False),
        sa.Column("started_by", sa.String(100), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_runs")),
        sa.UniqueConstraint(
            "tenant", "period", "source", name=op.f("uq_fund_runs_tenant_period_source")
        ),
    )
    op.create_table(
        "fund_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("determination_id", sa.Integer(), nullable=False),
        sa.Column("determined_on", sa.Date(), nullable=False),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.Column("programme", sa.String(40), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("sendings", sa.Integer(), nullable=False),
        sa.Column("bank_note", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_fund_payments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["determination_id"],
            ["case_events.id"],
            name=op.f("fk_fund_payments_determination_id_case_events"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["fund_runs.id"], name=op.f("fk_fund_payments_run_id_fund_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_payments")),
        sa.UniqueConstraint(
            "tenant",
            "case_id",
            "programme",
            "period",
            name=op.f("uq_fund_payments_tenant_case_id_programme_period"),
        ),
    )
    op.create_index("ix_fund_payments_tenant_status", "fund_payments", ["tenant", "status"])
    op.create_index("ix_fund_payments_run_id", "fund_payments", ["run_id"])
    op.create_table(
        "fund_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        _tenant(),
        sa.Column("journal", sa.String(32), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("programme", sa.String(40), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("document", sa.String(100), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("reverses", sa.String(32), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["fund_payments.id"],
            name=op.f("fk_fund_entries_payment_id_fund_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_entries")),
        sa.UniqueConstraint("journal", "line", name=op.f("uq_fund_entries_journal_line")),
    )
    op.create_index(
        "ix_fund_entries_tenant_year_source", "fund_entries", ["tenant", "year", "source"]
    )
    op.create_index("ix_fund_entries_payment_id", "fund_entries", ["payment_id"])

    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER fund_entries_append_only_{verb.lower()} "
                f"BEFORE {verb} ON fund_entries "
                "BEGIN SELECT RAISE(ABORT, 'fund_entries is append-only: post a reversing "
                "journal'); END"
            )


def _postgresql() -> None:
    tenant_walls(TABLES)
    op.execute(
        """
        CREATE FUNCTION bangfu_fund_entries_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'fund_entries is append-only: post a reversing journal'
            USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER fund_entries_append_only BEFORE UPDATE OR DELETE ON fund_entries "
        "FOR EACH ROW EXECUTE FUNCTION bangfu_fund_entries_append_only()"
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_fund_journals_balance() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
          bad text;
        BEGIN
          SELECT journal INTO bad FROM new_entries
            GROUP BY journal HAVING sum(amount_fen) <> 0 LIMIT 1;
          IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'journal % does not balance', bad USING ERRCODE = 'check_violation';
          END IF;
          RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER fund_journals_balance AFTER INSERT ON fund_entries "
        "REFERENCING NEW TABLE AS new_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_fund_journals_balance()"
    )
    statistics_readable(["fund_entries", "fund_payments"])
    op.execute(
        """
        CREATE FUNCTION bangfu_fund_spending(p_year integer)
        RETURNS TABLE (tenant text, programme text, spent bigint, households bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          SELECT s.tenant::text, s.programme::text, s.spent, coalesce(h.n, 0)
          FROM (SELECT e.tenant, e.programme, sum(e.amount_fen)::bigint AS spent
                FROM fund_entries e WHERE e.year = p_year AND e.account = 'expense'
                GROUP BY 1, 2) s
          LEFT JOIN (SELECT p.tenant, p.programme, count(DISTINCT p.case_id) AS n
                     FROM fund_payments p
                     WHERE p.year = p_year
                       AND p.status IN ('approved', 'sent', 'paid', 'returned')
                     GROUP BY 1, 2) h
            ON h.tenant = s.tenant AND h.programme = s.programme
        $$
        """
    )
    owned_by_statistics_role(["bangfu_fund_spending(integer)"])
    serving_role_may(
        {
            "fund_entries": "SELECT, INSERT",
            "fund_payments": "SELECT, INSERT, UPDATE",
            "fund_runs": "SELECT, INSERT, UPDATE",
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
        op.execute("DROP FUNCTION IF EXISTS bangfu_fund_spending(integer)")
        op.execute("DROP TRIGGER IF EXISTS fund_journals_balance ON fund_entries")
        op.execute("DROP TRIGGER IF EXISTS fund_entries_append_only ON fund_entries")
        op.execute("DROP FUNCTION IF EXISTS bangfu_fund_journals_balance()")
        op.execute("DROP FUNCTION IF EXISTS bangfu_fund_entries_append_only()")
    op.drop_index("ix_fund_entries_payment_id", table_name="fund_entries")
    op.drop_index("ix_fund_entries_tenant_year_source", table_name="fund_entries")
    op.drop_table("fund_entries")
    op.drop_index("ix_fund_payments_run_id", table_name="fund_payments")
    op.drop_index("ix_fund_payments_tenant_status", table_name="fund_payments")
    op.drop_table("fund_payments")
    op.drop_table("fund_runs")
