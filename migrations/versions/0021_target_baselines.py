"""Targets from kept counts: each file's status on its tenant's baseline day (issue 24).

A target counts the files admitted on the tenant's baseline day (each at its latest step
then) and, of them, those exited on the day asked. That needed each file's step in force
on both days: ``max(seq) GROUP BY case_id`` over every step the tenant ever had, twice,
on every request.

* ``target_baselines(tenant, baseline)``: the day a tenant's targets count from, kept by
  the case service when it opens a file (:func:`core.targets.keep_baseline`).
* ``cases.baseline_status``: the file's status on its tenant's baseline day ("" when it
  had no step by then, or its tenant keeps no baseline). Kept by triggers: a step dated
  on or before the baseline sets it again from the file's history (a step entered late,
  on a paper date, included); a baseline kept or moved sets it for every file of the
  tenant from theirs.
* ``case_tallies`` also by ``baseline_status``: the files of the baseline, and of them
  the ones exited now, are sums over a few rows.
* ``ix_case_events_tenant_taken_on``: "has the tenant a step after the day asked" is one
  probe of an index (the step counts of a report's period read a range of it too).
* ``bangfu_target_figures``: for the baseline kept, the files from the tallies; the exited
  from the tallies on a day after the tenant's last step, else from the baseline's files
  alone (each one's step in force that day, by index); for any other baseline, or a day
  before it, from the history as before (0018e). Suppression as before.

Revision ID: 0021
Revises: 0016g
Create Date: 2026-12-08
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import (
    APP_ROLE,
    owned_by_statistics_role,
    statistics_readable,
    tenant_walls,
)

revision: str = "0021"
down_revision: str | None = "0016g"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0018e = importlib.import_module("migrations.versions.0018e_target_figures")
_0020 = importlib.import_module("migrations.versions.0020_case_tallies")
_0020b = importlib.import_module("migrations.versions.0020b_determination_in_force")
KEY_BEFORE = _0020b.KEY
KEY = (*KEY_BEFORE, "baseline_status")
EVENT_TRIGGER = "case_events_at_baseline"
BASELINE_TRIGGER = "target_baselines_kept"

#: PostgreSQL: the files with a step of this statement dated on or before their tenant's
#: baseline take their status then from their history (the newest step of that day or
#: before: a step written now has the highest number, whatever its paper date)
PG_EVENT_FUNCTION = """
CREATE FUNCTION bangfu_baseline_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c SET baseline_status = latest.to_status
  FROM (
    SELECT DISTINCT ON (e.case_id) e.case_id, e.to_status
    FROM case_events e
    JOIN target_baselines b ON b.tenant = e.tenant AND e.taken_on <= b.baseline
    WHERE e.case_id IN (
      SELECT n.case_id FROM new_rows n
      JOIN target_baselines nb ON nb.tenant = n.tenant AND n.taken_on <= nb.baseline)
    ORDER BY e.case_id, e.seq DESC
  ) latest
  WHERE c.id = latest.case_id AND c.baseline_status <> latest.to_status;
  RETURN NULL;
END
$$
"""
PG_EVENT_TRIGGER = (
    f"CREATE TRIGGER {EVENT_TRIGGER} AFTER INSERT ON case_events "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION bangfu_baseline_statuses()"
)
#: a baseline kept or moved: every file of the tenant takes its status on that day
PG_BASELINE_FUNCTION = """
CREATE FUNCTION bangfu_baseline_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c SET baseline_status = x.status
  FROM (
    SELECT f.id, coalesce((
      SELECT e.to_status FROM case_events e
      WHERE e.case_id = f.id AND e.taken_on <= NEW.baseline
      ORDER BY e.seq DESC LIMIT 1), '') AS status
    FROM cases f WHERE f.tenant = NEW.tenant
  ) x
  WHERE c.id = x.id AND c.baseline_status <> x.status;
  RETURN NULL;
END
$$
"""
PG_BASELINE_TRIGGER = (
    f"CREATE TRIGGER {BASELINE_TRIGGER} AFTER INSERT OR UPDATE OF baseline "
    "ON target_baselines FOR EACH ROW EXECUTE FUNCTION bangfu_baseline_kept()"
)


def _sqlite_status_then(case: str, day: str) -> str:
    return (
        f"coalesce((SELECT e.to_status FROM case_events e WHERE e.case_id = {case} "
        f"AND e.taken_on <= {day} ORDER BY e.seq DESC LIMIT 1), '')"
    )


_SQLITE_BASELINE_OF = "(SELECT b.baseline FROM target_baselines b WHERE b.tenant = new.tenant)"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER {EVENT_TRIGGER} AFTER INSERT ON case_events "
    f"WHEN new.taken_on <= {_SQLITE_BASELINE_OF} BEGIN "
    f"UPDATE cases SET baseline_status = "
    f"{_sqlite_status_then('new.case_id', _SQLITE_BASELINE_OF)} WHERE id = new.case_id; END",
    *(
        f"CREATE TRIGGER {BASELINE_TRIGGER}_{when.split()[0].lower()} AFTER {when} "
        "ON target_baselines BEGIN "
        f"UPDATE cases SET baseline_status = {_sqlite_status_then('cases.id', 'new.baseline')} "
        f"WHERE tenant = new.tenant; END"
        for when in ("INSERT", "UPDATE OF baseline")
    ),
)

#: the files of the baseline kept from the tallies; the exited from the tallies when no
#: step of the tenant is dated after ``p_on``, else each baseline file's step then
_OWN = _0018e.OWN_TENANT
_HISTORY = """
    WITH first AS (
      SELECT case_id, max(seq) AS seq FROM case_events
      WHERE tenant = p_tenant AND taken_on <= p_baseline GROUP BY case_id
    ), then_ AS (
      SELECT case_id, max(seq) AS seq FROM case_events
      WHERE tenant = p_tenant AND taken_on <= p_on GROUP BY case_id
    )
    SELECT count(*),
           count(*) FILTER (WHERE a.to_status = ANY (p_exited))
    FROM first
    JOIN case_events b ON b.case_id = first.case_id AND b.seq = first.seq
    JOIN then_ ON then_.case_id = first.case_id
    JOIN case_events a ON a.case_id = then_.case_id AND a.seq = then_.seq
    WHERE b.tenant = p_tenant AND a.tenant = p_tenant
      AND b.to_status = ANY (p_admitted)"""
FIGURES = f"""
CREATE FUNCTION bangfu_target_figures(
  p_tenant text, p_baseline date, p_on date, p_admitted text[], p_exited text[]
) RETURNS TABLE (files bigint, gone bigint)
LANGUAGE plpgsql STABLE
SET app.scope = 'statistics'
AS $$
DECLARE
  v_files bigint;
  v_gone bigint;
BEGIN
  IF p_on >= p_baseline AND EXISTS (
    SELECT FROM target_baselines k WHERE k.tenant = p_tenant AND k.baseline = p_baseline
  ) THEN
    SELECT coalesce(sum(t.n), 0) INTO v_files FROM case_tallies t
    WHERE t.tenant = p_tenant AND t.baseline_status = ANY (p_admitted);
    IF NOT EXISTS (
      SELECT FROM case_events l WHERE l.tenant = p_tenant AND l.taken_on > p_on
    ) THEN
      SELECT coalesce(sum(t.n), 0) INTO v_gone FROM case_tallies t
      WHERE t.tenant = p_tenant AND t.baseline_status = ANY (p_admitted)
        AND t.status = ANY (p_exited);
    ELSE
      SELECT count(*) INTO v_gone FROM cases c
      CROSS JOIN LATERAL (
        SELECT e.to_status FROM case_events e
        WHERE e.case_id = c.id AND e.taken_on <= p_on ORDER BY e.seq DESC LIMIT 1
      ) s
      WHERE c.tenant = p_tenant AND c.baseline_status <> ''
        AND c.baseline_status = ANY (p_admitted) AND s.to_status = ANY (p_exited);
    END IF;
  ELSE
    {_HISTORY.strip()}
    INTO v_files, v_gone;
  END IF;
  RETURN QUERY SELECT
    CASE WHEN {_OWN} OR v_files >= {_0018e.SMALLEST_SHOWN} THEN v_files END,
    CASE WHEN {_OWN} OR v_gone >= {_0018e.SMALLEST_SHOWN} THEN v_gone END;
END
$$
"""

#: 0018e's form: from the history alone
FIGURES_BEFORE = f"""
CREATE FUNCTION bangfu_target_figures(
  p_tenant text, p_baseline date, p_on date, p_admitted text[], p_exited text[]
) RETURNS TABLE (files bigint, gone bigint)
LANGUAGE sql STABLE
SET app.scope = 'statistics'
AS $$
  WITH counted AS ({
    _HISTORY.strip()
    .replace("SELECT count(*),", "SELECT count(*) AS files,", 1)
    .replace("(WHERE a.to_status = ANY (p_exited))", "(WHERE a.to_status = ANY (p_exited)) AS gone")
}
  )
  SELECT CASE WHEN {_OWN} OR files >= {_0018e.SMALLEST_SHOWN} THEN files END,
         CASE WHEN {_OWN} OR gone >= {_0018e.SMALLEST_SHOWN} THEN gone END
  FROM counted
$$
"""


def _tally_by(key: tuple[str, ...]) -> None:
    """The tallies made again under ``key`` (0020b's way), with their triggers."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in _0020b.TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON cases" if postgres else ""))
    op.execute("DELETE FROM case_tallies")
    with op.batch_alter_table("case_tallies") as batch:
        batch.drop_constraint("pk_case_tallies", type_="primary")
        if "baseline_status" in key:
            batch.add_column(
                sa.Column("baseline_status", sa.String(40), nullable=False, server_default="")
            )
        else:
            batch.drop_column("baseline_status")
        batch.create_primary_key("pk_case_tallies", list(key))
    fill, function, triggers = _0020b._tallies_sql(key)
    if not postgres:
        op.execute(fill)
        for trigger in triggers:
            op.execute(trigger)
        return
    for table in ("cases", "case_tallies"):  # the owner lifts FORCE, or it would see no file
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(fill)
    for table in ("cases", "case_tallies"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(function)
    for trigger in _0020.PG_TRIGGERS:
        op.execute(trigger)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "target_baselines",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("baseline", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_target_baselines"),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("baseline_status", sa.String(40), nullable=False, server_default="")
        )
        batch.create_index(
            "ix_cases_tenant_baseline_status",
            ["tenant", "baseline_status"],
            postgresql_where=sa.text("baseline_status <> ''"),
            sqlite_where=sa.text("baseline_status <> ''"),
        )
    op.create_index("ix_case_events_tenant_taken_on", "case_events", ["tenant", "taken_on"])
    _tally_by(KEY)  # (no baseline is kept yet: every file's status then is "")
    if not postgres:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    tenant_walls(["target_baselines"])
    statistics_readable(["target_baselines"])
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            GRANT SELECT, INSERT, UPDATE ON target_baselines TO {APP_ROLE};
          END IF;
        END
        $$
        """
    )
    op.execute(PG_EVENT_FUNCTION)
    op.execute(PG_EVENT_TRIGGER)
    op.execute(PG_BASELINE_FUNCTION)
    op.execute(PG_BASELINE_TRIGGER)
    op.execute(f"DROP FUNCTION {_0018e.FIGURES}")  # another language
    op.execute(FIGURES)
    owned_by_statistics_role([_0018e.FIGURES])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(f"DROP FUNCTION {_0018e.FIGURES}")
        op.execute(f"DROP TRIGGER IF EXISTS {EVENT_TRIGGER} ON case_events")
        op.execute(f"DROP TRIGGER IF EXISTS {BASELINE_TRIGGER} ON target_baselines")
        op.execute("DROP FUNCTION IF EXISTS bangfu_baseline_statuses()")
        op.execute("DROP FUNCTION IF EXISTS bangfu_baseline_kept()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {EVENT_TRIGGER}")
        for when in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {BASELINE_TRIGGER}_{when}")
    _tally_by(KEY_BEFORE)
    op.drop_index("ix_case_events_tenant_taken_on", table_name="case_events")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_tenant_baseline_status")
        batch.drop_column("baseline_status")
    op.drop_table("target_baselines")
    if postgres:
        op.execute(FIGURES_BEFORE)
        owned_by_statistics_role([_0018e.FIGURES])
