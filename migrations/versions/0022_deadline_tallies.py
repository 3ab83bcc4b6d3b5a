"""Deadlines kept, not counted: a tenant's files by the day of their next deadline (issue 24).

Every worklist view shows how many files are "due this week" and "overdue". Counted,
those were index-only scans of ``cases``' (tenant, due_on) index over every file due in
the range: about 70,000 and 50,000 entries (14 ms each) for a province of a million
files, on every page.

* ``deadline_tallies(tenant, due_on, n)``: how many of a tenant's files have their next
  deadline on each day (files without one are not counted). Kept by triggers on
  ``cases`` in the transaction of every change, as ``case_tallies`` is (0020): on
  PostgreSQL one statement-level trigger per kind of change, summing the changed rows
  and updating each day once, in key order; on SQLite row triggers. Filled here from the
  files there are.
* "overdue" is then a sum over the days before today, "due this week" a sum over a few
  days: work in proportion to the days with a deadline, not to the files.

A later migration that updates ``cases`` as the owner must lift FORCE on
``deadline_tallies`` too (as on ``case_tallies``), or the triggers' writes are refused.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE, tenant_walls

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "deadline_tallies"
TRIGGERS = ("cases_deadlines_insert", "cases_deadlines_update", "cases_deadlines_delete")
FILL = (
    f"INSERT INTO {TABLE} (tenant, due_on, n) "
    "SELECT tenant, due_on, count(*) FROM cases WHERE due_on IS NOT NULL GROUP BY 1, 2"
)


def _apply(rows: str) -> str:
    return (
        f"INSERT INTO {TABLE} AS t (tenant, due_on, n) {rows} "
        "ON CONFLICT (tenant, due_on) DO UPDATE SET n = t.n + excluded.n;"
    )


#: PostgreSQL: the changed rows of one statement, summed per day, applied in key order
#: (so that two transactions never wait for each other's days crosswise)
FUNCTION = f"""
CREATE FUNCTION bangfu_tally_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {
    _apply(
        "SELECT tenant, due_on, count(*) FROM new_rows WHERE due_on IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
}
  ELSIF TG_OP = 'DELETE' THEN
    {
    _apply(
        "SELECT tenant, due_on, -count(*) FROM old_rows WHERE due_on IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
}
  ELSE
    {
    _apply(
        "SELECT tenant, due_on, sum(d) FROM ("
        "SELECT tenant, due_on, 1 AS d FROM new_rows WHERE due_on IS NOT NULL "
        "UNION ALL SELECT tenant, due_on, -1 FROM old_rows WHERE due_on IS NOT NULL"
        ") changed GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2"
    )
}
  END IF;
  RETURN NULL;
END
$$
"""
PG_TRIGGERS = (
    f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_deadlines()",
    f"CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE ON cases "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_deadlines()",
    f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_tally_deadlines()",
)
_ADD = (
    f"INSERT INTO {TABLE} (tenant, due_on, n) SELECT new.tenant, new.due_on, 1 "
    "WHERE new.due_on IS NOT NULL ON CONFLICT (tenant, due_on) DO UPDATE SET n = n + 1;"
)
_TAKE = f"UPDATE {TABLE} SET n = n - 1 WHERE tenant = old.tenant AND due_on = old.due_on;"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON cases BEGIN {_ADD} END",
    f"CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE OF tenant, due_on ON cases "
    "WHEN old.tenant IS NOT new.tenant OR old.due_on IS NOT new.due_on "
    f"BEGIN {_TAKE} {_ADD} END",
    f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON cases BEGIN {_TAKE} END",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        TABLE,
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tenant", "due_on", name="pk_deadline_tallies"),
    )
    if not postgres:
        op.execute(FILL)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    tenant_walls([TABLE])
    op.execute(  # (no id sequence: serving_role_may would look for one)
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON {TABLE} TO {APP_ROLE};
          END IF;
        END
        $$
        """
    )
    # the owner lifts FORCE for the filling statement, or it would see no file
    for table in ("cases", TABLE):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(FILL)
    for table in ("cases", TABLE):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(FUNCTION)
    for trigger in PG_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON cases" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS bangfu_tally_deadlines()")
    op.drop_table(TABLE)
