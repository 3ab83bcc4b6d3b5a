"""Each file names the step whose determination is in force; the tallies count by whose
turn a file is; the statistics of today plan no scan of the history (issue 24).

* ``cases.determination_seq``: the number of the file's latest step whose record is a
  determination and not one waiting for a second person (new facts on a decided file).
  Written in the statement of each such step (:func:`core.db.repositories.apply_step`),
  and filled here from the history there is. The payment run reads it with the files
  that can be due, instead of reading the record of every step the tenant ever had
  (4 million records for a million files) to find each file's latest.
* ``case_tallies`` also by ``turn`` (whose step the file waits for), so that the
  worklist's "my tasks" count for a role's steps, or every step for an administrator,
  is a sum over a few rows, not a count of every waiting file.
* ``bangfu_case_figures`` in two branches: today's figures from the tallies alone (its
  one statement had the history's scan planned as well, and PostgreSQL started parallel
  workers for it on every request, about 40 ms, before finding it had nothing to do).

Revision ID: 0020b
Revises: 0016d
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import owned_by_statistics_role

revision: str = "0020b"
down_revision: str | None = "0016d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("cases", "case_events")
_0020 = importlib.import_module("migrations.versions.0020_case_tallies")
KEY_BEFORE = ("tenant", "status", "category", "groups", "grounds")
KEY = (*KEY_BEFORE, "turn")
TRIGGERS = ("cases_tallied_insert", "cases_tallied_update", "cases_tallied_delete")


def _tallies_sql(key: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    """(the filling statement, PostgreSQL's trigger function, SQLite's triggers) of
    tallies keyed by ``key`` (as migration 0020 made them for its key)."""
    names = ", ".join(key)
    picked = ", ".join("coalesce(category, '') AS category" if k == "category" else k for k in key)
    numbers = ", ".join(str(i) for i in range(1, len(key) + 1))
    fill = (
        f"INSERT INTO case_tallies ({names}, n) SELECT {picked}, count(*) FROM cases "
        f"GROUP BY {numbers}"
    )

    def apply(rows: str) -> str:
        return (
            f"INSERT INTO case_tallies AS t ({names}, n) {rows} "
            f"ON CONFLICT ({names}) DO UPDATE SET n = t.n + excluded.n;"
        )

    function = f"""
CREATE OR REPLACE FUNCTION bangfu_tally_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {apply(f"SELECT {picked}, count(*) FROM new_rows GROUP BY {numbers} ORDER BY {numbers}")}
  ELSIF TG_OP = 'DELETE' THEN
    {apply(f"SELECT {picked}, -count(*) FROM old_rows GROUP BY {numbers} ORDER BY {numbers}")}
  ELSE
    {
        apply(
            f"SELECT {names}, sum(d) FROM (SELECT {picked}, 1 AS d FROM new_rows "
            f"UNION ALL SELECT {picked}, -1 FROM old_rows) changed "
            f"GROUP BY {numbers} HAVING sum(d) <> 0 ORDER BY {numbers}"
        )
    }
  END IF;
  RETURN NULL;
END
$$
"""
    new = ", ".join("coalesce(new.category, '')" if k == "category" else f"new.{k}" for k in key)
    add = (
        f"INSERT INTO case_tallies ({names}, n) VALUES ({new}, 1) "
        f"ON CONFLICT ({names}) DO UPDATE SET n = n + 1;"
    )
    old = " AND ".join(
        "category = coalesce(old.category, '')" if k == "category" else f"{k} = old.{k}"
        for k in key
    )
    take = f"UPDATE case_tallies SET n = n - 1 WHERE {old};"
    triggers = (
        f"CREATE TRIGGER cases_tallied_insert AFTER INSERT ON cases BEGIN {add} END",
        f"CREATE TRIGGER cases_tallied_update AFTER UPDATE OF {names} ON cases "
        f"BEGIN {take} {add} END",
        f"CREATE TRIGGER cases_tallied_delete AFTER DELETE ON cases BEGIN {take} END",
    )
    return fill, function, triggers


def _tally_by(key: tuple[str, ...]) -> None:
    """The tallies made again under ``key``, with their triggers."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON cases" if postgres else ""))
    op.execute("DELETE FROM case_tallies")
    with op.batch_alter_table("case_tallies") as batch:
        batch.drop_constraint("pk_case_tallies", type_="primary")
        if "turn" in key:
            batch.add_column(sa.Column("turn", sa.String(40), nullable=False, server_default=""))
        else:
            batch.drop_column("turn")
        batch.create_primary_key("pk_case_tallies", list(key))
    fill, function, triggers = _tallies_sql(key)
    if not postgres:
        op.execute(fill)
        for trigger in triggers:
            op.execute(trigger)
        return
    for table in ("cases", "case_tallies"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(fill)
    for table in ("cases", "case_tallies"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(function)
    for trigger in _0020.PG_TRIGGERS:
        op.execute(trigger)


#: today's figures from the tallies alone, the history's in a branch of their own
_TODAY = """WITH files AS (
    SELECT t.status::text AS status, nullif(t.category, '')::text AS category,
           string_to_array(nullif(t.groups::text, ''), ',') AS groups, t.n::bigint AS w
    FROM case_tallies t WHERE t.tenant = p_tenant AND t.n <> 0
  """ + _0020.FIGURES[_0020.FIGURES.index("), figures AS (") :].split("$$")[0]
FIGURES = f"""
CREATE OR REPLACE FUNCTION bangfu_case_figures(
  p_tenant text, p_as_of date, p_open text[], p_admitted text[], p_exited text[]
) RETURNS TABLE (figure text, key text, n bigint)
LANGUAGE plpgsql STABLE
SET app.scope = 'statistics'
AS $$
#variable_conflict use_column
BEGIN
  IF p_as_of IS NULL THEN
    RETURN QUERY {_TODAY.strip()};
  ELSE
    RETURN QUERY {
    _0020.FIGURES_BEFORE[_0020.FIGURES_BEFORE.index("WITH latest AS") :].split("$$")[0].strip()
};
  END IF;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("determination_seq", sa.Integer(), nullable=False, server_default="0")
        )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        waiting = "coalesce((e.determination ->> 'pending')::boolean, false)"
        empty = "e.determination = '{}'::jsonb"
        for table in TABLES:  # the owner lifts FORCE, or it would see no row
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    else:
        waiting = "coalesce(json_extract(e.determination, '$.pending'), 0)"
        empty = "e.determination = '{}'"
    op.execute(
        "UPDATE cases SET determination_seq = coalesce((SELECT max(e.seq) FROM case_events e "
        f"WHERE e.case_id = cases.id AND NOT ({empty}) AND NOT {waiting}), 0)"
    )
    if postgres:
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    _tally_by(KEY)
    if postgres:
        op.execute(f"DROP FUNCTION {_0020.FIGURES_SIGNATURE}")  # another language
        op.execute(FIGURES.replace("CREATE OR REPLACE", "CREATE"))
        owned_by_statistics_role([_0020.FIGURES_SIGNATURE])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(f"DROP FUNCTION {_0020.FIGURES_SIGNATURE}")
        op.execute(_0020.FIGURES.replace("CREATE OR REPLACE", "CREATE"))
        owned_by_statistics_role([_0020.FIGURES_SIGNATURE])
    _tally_by(KEY_BEFORE)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("determination_seq")
