"""Counts kept, not counted: a tenant's files by status and outcome (issue 24).

* ``case_tallies``: how many of a tenant's files are in each status with each category,
  national groups and grounds. Kept by triggers on ``cases`` in the transaction of every
  change (PostgreSQL: one statement-level trigger per kind of change, summing the changed
  rows and updating each tally once, in key order, so two transactions never wait for
  each other's tallies crosswise; SQLite: row triggers). Filled here from the files there
  are.
* ``bangfu_case_figures(tenant, NULL, ...)`` (the national dashboard's statistics) and
  ``bangfu_case_counts(tenant, NULL)`` read the tallies instead of every file; the quota
  guards and the worklist's "all files" count read them too.
* ``ix_cases_tenant_due_on_number`` replaces ``ix_cases_tenant_due_on``: the overdue list
  ("the most overdue first, then by number") is read in index order and stops at its
  page, instead of sorting every overdue file.

Revision ID: 0020
Revises: 0018e
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import (
    APP_ROLE,
    owned_by_statistics_role,
    statistics_readable,
    tenant_walls,
)

revision: str = "0020"
down_revision: str | None = "0018e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "tenant, status, category, groups, grounds"
FILL = (
    f"INSERT INTO case_tallies ({KEY}, n) "
    "SELECT tenant, status, coalesce(category, ''), groups, grounds, count(*) FROM cases "
    "GROUP BY 1, 2, 3, 4, 5"
)

#: PostgreSQL: the changed rows of one statement, summed per tally, applied in key order
TALLY_FUNCTION = f"""
CREATE FUNCTION bangfu_tally_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO case_tallies AS t ({KEY}, n)
      SELECT tenant, status, coalesce(category, ''), groups, grounds, count(*)
      FROM new_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO case_tallies AS t ({KEY}, n)
      SELECT tenant, status, coalesce(category, ''), groups, grounds, -count(*)
      FROM old_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + excluded.n;
  ELSE
    INSERT INTO case_tallies AS t ({KEY}, n)
      SELECT tenant, status, category, groups, grounds, sum(d) FROM (
        SELECT tenant, status, coalesce(category, '') AS category, groups, grounds, 1 AS d
        FROM new_rows
        UNION ALL
        SELECT tenant, status, coalesce(category, ''), groups, grounds, -1 FROM old_rows
      ) changed
      GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + excluded.n;
  END IF;
  RETURN NULL;
END
$$
"""
PG_TRIGGERS = (
    "CREATE TRIGGER cases_tallied_insert AFTER INSERT ON cases "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_cases()",
    "CREATE TRIGGER cases_tallied_update AFTER UPDATE ON cases "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_cases()",
    "CREATE TRIGGER cases_tallied_delete AFTER DELETE ON cases "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_cases()",
)
_ADD = (
    f"INSERT INTO case_tallies ({KEY}, n) VALUES "
    "(new.tenant, new.status, coalesce(new.category, ''), new.groups, new.grounds, 1) "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
)
_TAKE = (
    "UPDATE case_tallies SET n = n - 1 WHERE tenant = old.tenant AND status = old.status "
    "AND category = coalesce(old.category, '') AND groups = old.groups "
    "AND grounds = old.grounds;"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER cases_tallied_insert AFTER INSERT ON cases BEGIN {_ADD} END",
    "CREATE TRIGGER cases_tallied_update AFTER UPDATE OF tenant, status, category, groups, "
    f"grounds ON cases BEGIN {_TAKE} {_ADD} END",
    f"CREATE TRIGGER cases_tallied_delete AFTER DELETE ON cases BEGIN {_TAKE} END",
)

#: 0018d's form of the counts (the transaction's own tenant only), the files as they stand
#: read from the tallies
COUNTS_BEFORE = """
CREATE OR REPLACE FUNCTION bangfu_case_counts(p_tenant text, p_as_of date)
RETURNS TABLE (status text, category text, groups text, n bigint)
LANGUAGE plpgsql STABLE
SET app.scope = 'statistics'
AS $$
BEGIN
  IF p_tenant IS DISTINCT FROM current_setting('app.tenant', true) THEN
    RETURN;  -- another tenant's counts: bangfu_case_figures, suppressed
  END IF;
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
COUNTS = COUNTS_BEFORE.replace(
    """      SELECT c.status::text, c.category::text, c.groups::text, count(*)
      FROM cases c WHERE c.tenant = p_tenant
      GROUP BY 1, 2, 3;""",
    """      SELECT t.status::text, nullif(t.category, '')::text, t.groups::text, sum(t.n)::bigint
      FROM case_tallies t WHERE t.tenant = p_tenant AND t.n <> 0
      GROUP BY 1, 2, 3;""",
)
COUNTS_SIGNATURE = "bangfu_case_counts(text, date)"

#: 0018d's statistics figures (each suppressed below 5); now the files as they stand
#: come from the tallies, each row weighing its count
FIGURES_BEFORE = """
CREATE OR REPLACE FUNCTION bangfu_case_figures(
  p_tenant text, p_as_of date, p_open text[], p_admitted text[], p_exited text[]
) RETURNS TABLE (figure text, key text, n bigint)
LANGUAGE sql STABLE
SET app.scope = 'statistics'
AS $$
  WITH latest AS (
    SELECT l.case_id, max(l.seq) AS seq FROM case_events l
    WHERE p_as_of IS NOT NULL AND l.tenant = p_tenant AND l.taken_on <= p_as_of
      AND coalesce(l.determination ->> 'pending', 'false') <> 'true'
    GROUP BY l.case_id
  ), files AS (
    SELECT c.status::text AS status, c.category::text AS category,
           string_to_array(nullif(c.groups::text, ''), ',') AS groups
    FROM cases c WHERE p_as_of IS NULL AND c.tenant = p_tenant
    UNION ALL
    SELECT e.to_status::text, e.determination #>> '{outcome,category}',
           CASE jsonb_typeof(e.determination::jsonb #> '{outcome,groups}')
             WHEN 'array' THEN ARRAY(SELECT jsonb_array_elements_text(
               e.determination::jsonb #> '{outcome,groups}'))
             WHEN 'string' THEN string_to_array(
               nullif(e.determination #>> '{outcome,groups}', ''), ',')
           END
    FROM case_events e JOIN latest ON latest.case_id = e.case_id AND latest.seq = e.seq
    WHERE e.tenant = p_tenant
  ), figures AS (
    SELECT 'open' AS figure, '' AS key,
           count(*) FILTER (WHERE status = ANY (p_open)) AS n FROM files
    UNION ALL
    SELECT 'filed', '', count(*) FILTER (WHERE status = ANY (p_admitted)) FROM files
    UNION ALL
    SELECT 'exited', '', count(*) FILTER (WHERE status = ANY (p_exited)) FROM files
    UNION ALL
    SELECT 'category', category, count(*) FROM files
    WHERE status = ANY (p_open) AND coalesce(category, '') <> '' GROUP BY category
    UNION ALL
    SELECT 'group', g, count(*) FROM files, unnest(groups) AS g
    WHERE status = ANY (p_open) AND g <> '' GROUP BY g
  )
  SELECT figure, key, CASE WHEN n >= 5 THEN n END FROM figures
  WHERE figure IN ('open', 'filed', 'exited') OR n >= 5
$$
"""
FIGURES = (
    FIGURES_BEFORE.replace(
        """    SELECT c.status::text AS status, c.category::text AS category,
           string_to_array(nullif(c.groups::text, ''), ',') AS groups
    FROM cases c WHERE p_as_of IS NULL AND c.tenant = p_tenant""",
        """    SELECT t.status::text AS status, nullif(t.category, '')::text AS category,
           string_to_array(nullif(t.groups::text, ''), ',') AS groups, t.n::bigint AS w
    FROM case_tallies t WHERE p_as_of IS NULL AND t.tenant = p_tenant AND t.n <> 0""",
    )
    .replace(
        """             WHEN 'string' THEN string_to_array(
               nullif(e.determination #>> '{outcome,groups}', ''), ',')
           END
    FROM""",
        """             WHEN 'string' THEN string_to_array(
               nullif(e.determination #>> '{outcome,groups}', ''), ',')
           END, 1::bigint
    FROM""",
    )
    .replace("count(*) FILTER", "coalesce(sum(w) FILTER")
    .replace("(p_open)) AS n FROM files", "(p_open)), 0)::bigint AS n FROM files")
    .replace("(p_admitted)) FROM files", "(p_admitted)), 0)::bigint FROM files")
    .replace("(p_exited)) FROM files", "(p_exited)), 0)::bigint FROM files")
    .replace("category, count(*) FROM files", "category, sum(w)::bigint FROM files")
    .replace("g, count(*) FROM files", "g, sum(w)::bigint FROM files")
)
FIGURES_SIGNATURE = "bangfu_case_figures(text, date, text[], text[], text[])"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "case_tallies",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("category", sa.String(40), nullable=False, server_default=""),
        sa.Column("groups", sa.String(400), nullable=False, server_default=""),
        sa.Column("grounds", sa.String(200), nullable=False, server_default=""),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "tenant", "status", "category", "groups", "grounds", name="pk_case_tallies"
        ),
    )
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_tenant_due_on")
        batch.create_index("ix_cases_tenant_due_on_number", ["tenant", "due_on", "number"])
    if not postgres:
        op.execute(FILL)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    tenant_walls(["case_tallies"])
    statistics_readable(["case_tallies"])
    op.execute(  # (no id sequence: serving_role_may would look for one)
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON case_tallies TO {APP_ROLE};
          END IF;
        END
        $$
        """
    )
    # the owner lifts FORCE for the filling statement, or it would see no file
    for table in ("cases", "case_tallies"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(FILL)
    for table in ("cases", "case_tallies"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(TALLY_FUNCTION)
    for trigger in PG_TRIGGERS:
        op.execute(trigger)
    op.execute(COUNTS)
    op.execute(FIGURES)
    # CREATE OR REPLACE resets what a function runs as: hand them to bangfu_stats again
    owned_by_statistics_role([COUNTS_SIGNATURE, FIGURES_SIGNATURE])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ("cases_tallied_insert", "cases_tallied_update", "cases_tallied_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON cases" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS bangfu_tally_cases()")
        op.execute(COUNTS_BEFORE)
        op.execute(FIGURES_BEFORE)
        owned_by_statistics_role([COUNTS_SIGNATURE, FIGURES_SIGNATURE])
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_tenant_due_on_number")
        batch.create_index("ix_cases_tenant_due_on", ["tenant", "due_on"])
    op.drop_table("case_tallies")
