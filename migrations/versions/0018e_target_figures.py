"""Progress against targets without small counts of another tenant (issue 20, finding 6).

* ``bangfu_target_figures(tenant, baseline, on, admitted, exited)``: of the tenant's files
  admitted on ``baseline`` (each at its latest step then), how many there were and how
  many had exited by ``on``. For the transaction's own tenant (``app.tenant``) the counts
  come whole, as row-level security would let the serving role count them; for any
  other tenant (the national level) a count below 5 is null.
* ``bangfu_status_pairs`` answers only for the transaction's own tenant from now on: the
  national level reads targets through the function above.

Revision ID: 0018e
Revises: 0016b
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.walls import owned_by_statistics_role

revision: str = "0018e"
down_revision: str | None = "0016b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SMALLEST_SHOWN = 5
FIGURES = "bangfu_target_figures(text, date, date, text[], text[])"
PAIRS = "bangfu_status_pairs(text, date, date)"
OWN_TENANT = "p_tenant IS NOT DISTINCT FROM current_setting('app.tenant', true)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION bangfu_target_figures(
          p_tenant text, p_baseline date, p_on date, p_admitted text[], p_exited text[]
        ) RETURNS TABLE (files bigint, gone bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          WITH first AS (
            SELECT case_id, max(seq) AS seq FROM case_events
            WHERE tenant = p_tenant AND taken_on <= p_baseline GROUP BY case_id
          ), then_ AS (
            SELECT case_id, max(seq) AS seq FROM case_events
            WHERE tenant = p_tenant AND taken_on <= p_on GROUP BY case_id
          ), counted AS (
            SELECT count(*) AS files,
                   count(*) FILTER (WHERE a.to_status = ANY (p_exited)) AS gone
            FROM first
            JOIN case_events b ON b.case_id = first.case_id AND b.seq = first.seq
            JOIN then_ ON then_.case_id = first.case_id
            JOIN case_events a ON a.case_id = then_.case_id AND a.seq = then_.seq
            WHERE b.tenant = p_tenant AND a.tenant = p_tenant
              AND b.to_status = ANY (p_admitted)
          )
          SELECT CASE WHEN {OWN_TENANT} OR files >= {SMALLEST_SHOWN} THEN files END,
                 CASE WHEN {OWN_TENANT} OR gone >= {SMALLEST_SHOWN} THEN gone END
          FROM counted
        $$
        """
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION bangfu_status_pairs(p_tenant text, p_baseline date, p_on date)
        RETURNS TABLE (before text, after text, n bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          WITH first AS (
            SELECT case_id, max(seq) AS seq FROM case_events
            WHERE tenant = p_tenant AND taken_on <= p_baseline GROUP BY case_id
          ), then_ AS (
            SELECT case_id, max(seq) AS seq FROM case_events
            WHERE tenant = p_tenant AND taken_on <= p_on GROUP BY case_id
          )
          SELECT b.to_status::text, a.to_status::text, count(*)
          FROM first
          JOIN case_events b ON b.case_id = first.case_id AND b.seq = first.seq
          JOIN then_ ON then_.case_id = first.case_id
          JOIN case_events a ON a.case_id = then_.case_id AND a.seq = then_.seq
          WHERE {OWN_TENANT} AND b.tenant = p_tenant AND a.tenant = p_tenant
          GROUP BY 1, 2
        $$
        """
    )
    # CREATE OR REPLACE resets what a function runs as: hand both to bangfu_stats
    owned_by_statistics_role([FIGURES, PAIRS])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FIGURES}")
