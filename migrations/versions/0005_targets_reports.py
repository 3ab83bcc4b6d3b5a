"""Targets and periodic reports: the reports a tenant sent up, and two counts-only readers.

On every database:

* ``tenant_reports``: a periodic report a tenant's union sent up (Hebei's quarterly
  statistics), counts only, one per tenant, report and period.

On PostgreSQL, as in 0002:

* row-level security on ``tenant_reports`` (policy ``tenant_isolation`` on ``app.tenant``)
  and a ``statistics_read`` policy for ``bangfu_stats`` only, so the national level reads
  reports through ``bangfu_tenant_reports``;
* ``bangfu_status_pairs(tenant, baseline, on)``: how many files were in one status on the
  baseline and in another on a later date (the progress against a target), counts only;
* ``bangfu_step_counts(tenant, from, to)``: how many steps of each action were taken in a
  period (the quarterly report), counts only;
* ``bangfu_tenant_reports(tenant, report)``: the reports a tenant sent up (counts only
  by construction);
* each runs with ``app.scope = 'statistics'`` for its own duration only, as a
  ``SECURITY DEFINER`` function owned by ``bangfu_stats`` (as 0003 made the statistics);
  ``bangfu_app`` may execute them and read and add its own tenant's reports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.walls import (
    owned_by_statistics_role,
    serving_role_may,
    statistics_readable,
    tenant_walls,
)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
FUNCTIONS = (
    "bangfu_status_pairs(text, date, date)",
    "bangfu_step_counts(text, date, date)",
    "bangfu_tenant_reports(text, text)",
)


def upgrade() -> None:
    op.create_table(
        "tenant_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("report", sa.String(40), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_reports")),
        sa.UniqueConstraint(
            "tenant", "report", "period", name=op.f("uq_tenant_reports_tenant_report_period")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()


def _postgresql() -> None:
    tenant_walls(["tenant_reports"])
    op.execute(
        """
        CREATE FUNCTION bangfu_status_pairs(p_tenant text, p_baseline date, p_on date)
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
          WHERE b.tenant = p_tenant AND a.tenant = p_tenant
          GROUP BY 1, 2
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_step_counts(p_tenant text, p_from date, p_to date)
        RETURNS TABLE (action text, n bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          SELECT e.action::text, count(*) FROM case_events e
          WHERE e.tenant = p_tenant AND e.taken_on >= p_from AND e.taken_on <= p_to
          GROUP BY 1
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_tenant_reports(p_tenant text, p_report text)
        RETURNS TABLE (period text, period_start date, period_end date, due_on date,
                       submitted_on date, counts text)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          SELECT r.period::text, r.period_start, r.period_end, r.due_on, r.submitted_on,
                 r.counts::text
          FROM tenant_reports r WHERE r.tenant = p_tenant AND r.report = p_report
          ORDER BY r.period_start
        $$
        """
    )
    statistics_readable(["tenant_reports"])
    owned_by_statistics_role(FUNCTIONS)
    serving_role_may({"tenant_reports": "SELECT, INSERT"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON tenant_reports FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
    op.drop_table("tenant_reports")
