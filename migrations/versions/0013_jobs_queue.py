"""Jobs any host can run: the ``jobs`` table and, on PostgreSQL, procrastinate's queue.

On every database:

* ``jobs``: one row per job (simulation, payment run): its kind and JSON parameters, on
  whose behalf (tenant, user, role), its status (``QUEUED``, ``RUNNING``, ``DONE``,
  ``FAILED``, checked), progress, attempts, the worker that has it and its last sign of
  life, and its result or failure. Every server reads it (``core.jobs.store``).

On PostgreSQL only:

* row-level security on ``jobs`` exactly as 0002 makes it; the serving role reads, inserts
  and updates it, and never deletes;
* procrastinate's schema (tables, types, functions, triggers), as the installed release
  ships it (``procrastinate.schema.SchemaManager.get_schema``), in a schema of its own,
  ``procrastinate``, whose comment names that release. ``bangfu jobs worker`` refuses a
  queue another release made: a newer procrastinate (a new lock) comes with an Alembic
  revision that applies its migration files (``procrastinate/sql/migrations``) in that
  schema. The serving role (which the workers use too) may use the queue's tables.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE, serving_role_may, tenant_walls

revision: str = "0013"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "procrastinate"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("params", sa.JSON().with_variant(_jsonb(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("result", sa.JSON().with_variant(_jsonb(), "postgresql"), nullable=True),
        sa.Column("error_en", sa.Text(), nullable=True),
        sa.Column("error_zh", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')", name=op.f("ck_jobs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_tenant_status", "jobs", ["tenant", "status"])
    if op.get_bind().dialect.name == "postgresql":
        tenant_walls(["jobs"])
        serving_role_may({"jobs": "SELECT, INSERT, UPDATE"})
        _procrastinate()


def _jsonb() -> sa.types.TypeEngine:
    from sqlalchemy.dialects.postgresql import JSONB

    return JSONB()


def _procrastinate() -> None:
    from importlib.metadata import version

    from procrastinate.schema import SchemaManager

    op.execute(f"CREATE SCHEMA {SCHEMA}")
    op.execute(f"COMMENT ON SCHEMA {SCHEMA} IS 'procrastinate {version('procrastinate')}'")
    # procrastinate's own SQL, as it ships it, run by the driver as it is (its "%" and
    # ":" are no placeholders), with the new schema first on the path for this transaction
    driver = op.get_bind().connection.dbapi_connection
    driver.execute(  # type: ignore[union-attr]
        f"SELECT set_config('search_path', '{SCHEMA}, ' || current_setting('search_path'), true)"
    )
    driver.execute(SchemaManager.get_schema())  # type: ignore[union-attr]
    driver.execute(  # type: ignore[union-attr]
        "SELECT set_config('search_path', "
        "regexp_replace(current_setting('search_path'), '^[^,]*, ', ''), true)"
    )
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {APP_ROLE};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {APP_ROLE};
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {SCHEMA} TO {APP_ROLE};
          END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    op.drop_index("ix_jobs_tenant_status", table_name="jobs")
    op.drop_table("jobs")
