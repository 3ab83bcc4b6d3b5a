"""Case integrity: per-tenant file numbers, re-approval, the hash chain of histories, read
audit, and least privilege for the serving role.

On every database:

* ``cases.number``: the file's number within its tenant (existing files numbered in the
  order they were opened), unique per tenant; ``case_counters`` keeps each tenant's last
  number and is bumped in the transaction that opens a file. The API's ``Case.id`` is this
  number: no answer tells another tenant's volume.
* ``cases.pending``: new facts on an approved or filed file, waiting for a second person.
* ``case_events.entered_late``, ``prev_hash``, ``hash``: the late-entry flag and the hash
  chain (:mod:`core.db.chain`); existing histories are chained here.
* ``case_reads``: who read which file, and when (no personal data).

On PostgreSQL only:

* row-level security on the two new tenant tables, exactly as 0002;
* ``bangfu_app`` may only INSERT and SELECT ``case_events`` and ``case_reads``, may not
  DELETE files (a cascade would take their history), and may not write ``api_tokens``
  (tokens are made and revoked by the owner through ``bangfu token``);
* the statistics functions become ``SECURITY DEFINER`` functions owned by a dedicated
  role ``bangfu_stats`` (NOLOGIN, no BYPASSRLS), and the ``statistics_read`` policy
  applies to that role only: the serving role cannot widen its own view by setting
  ``app.scope`` itself.

Works with a non-superuser owner that has CREATEROLE (to create ``bangfu_stats``; without
it, an administrator creates the role first, see README "Security") and owns the database
(to let ``bangfu_stats`` own functions in schema ``public`` while they are handed over).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.walls import tenant_walls

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
APP_ROLE = "bangfu_app"
STATS_ROLE = "bangfu_stats"
NEW_TENANT_TABLES = ("case_counters", "case_reads")
STATISTICS_SCOPE = "current_setting('app.scope', true) = 'statistics'"
FUNCTIONS = ("bangfu_case_counts(text, date)", "bangfu_has_cases()")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the owner is subject to FORCE ROW LEVEL SECURITY: lift it while we renumber
        for table in ("cases", "case_events"):
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")

    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pending", JSON, nullable=True))
    op.execute(
        "UPDATE cases SET number = (SELECT count(*) FROM cases c2 "
        "WHERE c2.tenant = cases.tenant AND c2.id <= cases.id)"
    )
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_cases_tenant_number", ["tenant", "number"])

    op.create_table(
        "case_counters",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_case_counters")),
    )
    op.execute(
        "INSERT INTO case_counters (tenant, last) SELECT tenant, max(number) FROM cases "
        "GROUP BY tenant"
    )

    with op.batch_alter_table("case_events") as batch:
        batch.add_column(
            sa.Column("entered_late", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    _chain_existing_events()

    op.create_table(
        "case_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_number", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reads")),
    )
    op.create_index("ix_case_reads_tenant_case", "case_reads", ["tenant", "case_number"])

    if postgres:
        for table in ("cases", "case_events"):
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        _postgres_walls()


def _chain_existing_events() -> None:
    """Hash the histories recorded before this revision, oldest step first."""
    from core.db.chain import event_hash

    bind = op.get_bind()
    events = sa.table(
        "case_events",
        *(
            sa.column(c)
            for c in [
                "id",
                "tenant",
                "case_id",
                "seq",
                "action",
                "from_status",
                "to_status",
                "taken_on",
                "actor",
                "role",
                "comment",
                "late",
                "recorded_at",
            ]
        ),
        sa.column("details", JSON),
        sa.column("determination", JSON),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    rows = bind.execute(
        sa.select(events).order_by(events.c.tenant, events.c.case_id, events.c.seq)
    ).mappings()
    previous: dict[tuple[str, int], str] = {}
    updates = []
    for row in rows:
        key = (row["tenant"], row["case_id"])
        prev = previous.get(key, "")
        values = {**row, "entered_late": False, "late": bool(row["late"])}
        digest = event_hash(values, prev)
        previous[key] = digest
        updates.append({"row_id": row["id"], "p": prev, "h": digest})
    if updates:
        bind.execute(
            sa.text("UPDATE case_events SET prev_hash = :p, hash = :h WHERE id = :row_id"),
            updates,
        )


def _postgres_walls() -> None:
    tenant_walls(NEW_TENANT_TABLES)

    # the statistics role: owns the two counting functions, reads under its own policy
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STATS_ROLE}') THEN
            BEGIN
              CREATE ROLE {STATS_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            EXCEPTION
              WHEN duplicate_object OR unique_violation THEN NULL;  -- made meanwhile
            END;
          END IF;
        END
        $$
        """
    )
    for table in ("cases", "case_events"):
        op.execute(f"DROP POLICY IF EXISTS statistics_read ON {table}")
        op.execute(
            f"CREATE POLICY statistics_read ON {table} FOR SELECT TO {STATS_ROLE} "
            f"USING ({STATISTICS_SCOPE})"
        )
        op.execute(f"GRANT SELECT ON {table} TO {STATS_ROLE}")
    # A historical count reads each file at its latest step on or before the date, but
    # not at a step whose determination was still pending (new facts not yet approved).
    op.execute(
        """
        CREATE OR REPLACE FUNCTION bangfu_case_counts(p_tenant text, p_as_of date)
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
                      AND coalesce(l.determination ->> 'pending', 'false') <> 'true'
                    GROUP BY l.case_id) latest
                ON latest.case_id = e.case_id AND latest.seq = e.seq
              WHERE e.tenant = p_tenant
              GROUP BY 1, 2, 3;
          END IF;
        END
        $$
        """
    )
    # Handing a function to another role: the owner must be a member of it (PostgreSQL 15:
    # a CREATEROLE owner may grant itself that), and the role must be able to create in the
    # schema for the moment of the hand-over.
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT pg_has_role(current_user, '{STATS_ROLE}', 'MEMBER') THEN
            EXECUTE format('GRANT {STATS_ROLE} TO %I', current_user);
          END IF;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {STATS_ROLE}")
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER")
        op.execute(f"ALTER FUNCTION {function} SET search_path = public, pg_temp")
        op.execute(f"ALTER FUNCTION {function} OWNER TO {STATS_ROLE}")
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM {STATS_ROLE}")

    # the serving role: least privilege
    op.execute(
        f"""
        DO $$
        DECLARE
          seq text;
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            REVOKE UPDATE, DELETE, TRUNCATE ON case_events FROM {APP_ROLE};
            REVOKE DELETE, TRUNCATE ON cases FROM {APP_ROLE};
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON api_tokens FROM {APP_ROLE};
            GRANT SELECT ON api_tokens TO {APP_ROLE};
            GRANT SELECT, INSERT, UPDATE ON case_counters TO {APP_ROLE};
            GRANT SELECT, INSERT ON case_reads TO {APP_ROLE};
            GRANT EXECUTE ON FUNCTION bangfu_case_counts(text, date) TO {APP_ROLE};
            GRANT EXECUTE ON FUNCTION bangfu_has_cases() TO {APP_ROLE};
            seq := pg_get_serial_sequence('case_reads', 'id');
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO {APP_ROLE}', seq);
            seq := pg_get_serial_sequence('api_tokens', 'id');
            EXECUTE format('REVOKE USAGE ON SEQUENCE %s FROM {APP_ROLE}', seq);
          END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                GRANT UPDATE, DELETE ON case_events, cases TO {APP_ROLE};
                GRANT INSERT, UPDATE ON api_tokens TO {APP_ROLE};
                EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO {APP_ROLE}',
                               pg_get_serial_sequence('api_tokens', 'id'));
              END IF;
            END
            $$
            """
        )
        for function in FUNCTIONS:
            op.execute(f"ALTER FUNCTION {function} OWNER TO current_user")
            op.execute(f"ALTER FUNCTION {function} SECURITY INVOKER")
            op.execute(f"ALTER FUNCTION {function} RESET search_path")
        for table in ("cases", "case_events"):
            op.execute(f"DROP POLICY IF EXISTS statistics_read ON {table}")
            op.execute(
                f"CREATE POLICY statistics_read ON {table} FOR SELECT USING ({STATISTICS_SCOPE})"
            )
            op.execute(f"REVOKE SELECT ON {table} FROM {STATS_ROLE}")
        for table in NEW_TENANT_TABLES:
            op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.drop_index("ix_case_reads_tenant_case", table_name="case_reads")
    op.drop_table("case_reads")
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("entered_late")
    op.drop_table("case_counters")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_tenant_number", type_="unique")
        batch.drop_column("pending")
        batch.drop_column("number")
