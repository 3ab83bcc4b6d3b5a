"""The second wall: row-level security on PostgreSQL, the audit of refused accesses, and
the tenant on review decisions.

On every database:

* ``review_decisions`` gets its ``tenant`` (copied from its run), so that every table with
  tenant data is scoped by a column of its own rows;
* ``access_audit`` records refused accesses to case data (no personal data).

On PostgreSQL only (SQLite has no row-level security; there the application's filter is
the only wall):

* every table with tenant data gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE: the
  table owner is subject too) and a policy ``tenant_isolation``: a row is visible and
  writable only when its ``tenant`` equals the transaction-local setting ``app.tenant``
  (``set_config('app.tenant', :t, true)``, made by the application at the start of every
  transaction it opens for a principal, see :mod:`core.db.session`). No setting, no rows;
  an INSERT or UPDATE of a row of another tenant is refused (``WITH CHECK``).
* the statistics and the "is the database empty" check read through two functions that
  return counts only: ``bangfu_case_counts(tenant, as_of)`` and ``bangfu_has_cases()``.
  Each sets ``app.scope = 'statistics'`` for its own duration only (a function ``SET``
  clause, restored on return), and a policy ``statistics_read`` lets reads of ``cases`` and
  ``case_events`` through under that scope. The national level's transactions have no
  ``app.tenant``: they read no row of any tenant, only these counts.
* a role ``bangfu_app`` (NOLOGIN, no BYPASSRLS) is created when the migrating role may
  create roles, and granted what serving needs: data in the tables, no DDL, no
  ownership, append-only on ``access_audit``. Operators run migrations as the owner and
  serve as ``bangfu_app`` (``ALTER ROLE bangfu_app LOGIN PASSWORD '...'``). Roles are
  cluster-wide: the downgrade leaves the role in place (other databases may use it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
#: Every table with tenant data (a ``tenant`` column): row-level security on each.
TENANT_TABLES = (
    "cases",
    "case_events",
    "assignments",
    "member_identities",
    "review_runs",
    "review_decisions",
    "access_audit",
)
#: Tables the statistics functions read under ``app.scope = 'statistics'``.
STATISTICS_TABLES = ("cases", "case_events")
TENANT_SETTING = "current_setting('app.tenant', true)"
STATISTICS_SCOPE = "current_setting('app.scope', true) = 'statistics'"


def upgrade() -> None:
    with op.batch_alter_table("review_decisions") as batch:
        batch.add_column(sa.Column("tenant", sa.String(40), nullable=True))
    op.execute(
        "UPDATE review_decisions SET tenant = "
        "(SELECT review_runs.tenant FROM review_runs WHERE review_runs.id = review_decisions.run_id)"
    )
    with op.batch_alter_table("review_decisions") as batch:
        batch.alter_column("tenant", existing_type=sa.String(40), nullable=False)

    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit")),
    )
    op.create_index("ix_access_audit_tenant_at", "access_audit", ["tenant", "at"])

    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()


def _row_level_security() -> None:
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (tenant = {TENANT_SETTING}) WITH CHECK (tenant = {TENANT_SETTING})"
        )
    for table in STATISTICS_TABLES:
        op.execute(
            f"CREATE POLICY statistics_read ON {table} FOR SELECT USING ({STATISTICS_SCOPE})"
        )

    # Counts only. p_as_of NULL: the files as they stand (the summary columns of ``cases``);
    # a date: each file's status and outcome at its latest step on or before that date.
    op.execute(
        """
        CREATE FUNCTION bangfu_case_counts(p_tenant text, p_as_of date)
        RETURNS TABLE (status text, category text, groups text, n bigint)
        LANGUAGE plpgsql STABLE
        SET app.scope = 'statistics'
        AS $$
        BEGIN
          IF p_as_of IS NULL THEN
            RETURN QUERY
              SELECT c.status::text, c.category::text, c.groups::text, count(*)
              FROM cases c WHERE c.tenant = p_tenant
              GROUP BY 1, 2, 3;
          ELSE
            RETURN QUERY
              SELECT e.to_status::text,
                     e.determination #>> '{outcome,category}',
                     e.determination #>> '{outcome,groups}',
                     count(*)
              FROM case_events e
              JOIN (SELECT l.case_id, max(l.seq) AS seq FROM case_events l
                    WHERE l.tenant = p_tenant AND l.taken_on <= p_as_of
                    GROUP BY l.case_id) latest
                ON latest.case_id = e.case_id AND latest.seq = e.seq
              WHERE e.tenant = p_tenant
              GROUP BY 1, 2, 3;
          END IF;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_has_cases() RETURNS boolean
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$ SELECT EXISTS (SELECT 1 FROM cases) $$
        """
    )
    for function in ("bangfu_case_counts(text, date)", "bangfu_has_cases()"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")

    # The serving role: created when we may, granted when it exists.
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            BEGIN
              CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            EXCEPTION
              WHEN duplicate_object OR unique_violation THEN NULL;  -- made meanwhile
              WHEN insufficient_privilege THEN
                RAISE NOTICE 'cannot create role {APP_ROLE}: create it, then re-grant';
            END;
          END IF;
        END
        $$
        """
    )
    data = ", ".join(t for t in TENANT_TABLES if t != "access_audit")
    op.execute(
        f"""
        DO $$
        DECLARE
          seq text;
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE, DELETE ON {data} TO {APP_ROLE};
            GRANT SELECT, INSERT ON access_audit TO {APP_ROLE};
            GRANT SELECT, INSERT, UPDATE ON api_tokens TO {APP_ROLE};
            GRANT SELECT ON alembic_version TO {APP_ROLE};
            GRANT EXECUTE ON FUNCTION bangfu_case_counts(text, date) TO {APP_ROLE};
            GRANT EXECUTE ON FUNCTION bangfu_has_cases() TO {APP_ROLE};
            FOR seq IN
              SELECT pg_get_serial_sequence(t, 'id')
              FROM unnest(ARRAY['{"', '".join((*TENANT_TABLES, "api_tokens"))}']) AS t
            LOOP
              IF seq IS NOT NULL THEN
                EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO {APP_ROLE}', seq);
              END IF;
            END LOOP;
          END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON {", ".join((*TENANT_TABLES, "api_tokens", "alembic_version"))}
                  FROM {APP_ROLE};
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
        op.execute("DROP FUNCTION IF EXISTS bangfu_case_counts(text, date)")
        op.execute("DROP FUNCTION IF EXISTS bangfu_has_cases()")
        for table in STATISTICS_TABLES:
            op.execute(f"DROP POLICY IF EXISTS statistics_read ON {table}")
        for table in TENANT_TABLES:
            op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_access_audit_tenant_at", table_name="access_audit")
    op.drop_table("access_audit")
    with op.batch_alter_table("review_decisions") as batch:
        batch.drop_column("tenant")
