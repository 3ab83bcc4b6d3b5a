"""The counts-only functions no longer hand small counts to the serving role (issue 20,
finding 6).

* ``bangfu_case_figures(tenant, as_of, open, admitted, exited)``: the statistics' own
  figures (files open, admitted, exited; open files by category and by national group),
  each null below 5, and a category or group counted below 5 not named at all. The
  serving role asks for every tenant's figures through it (the national level).
* ``bangfu_case_counts`` and ``bangfu_step_counts`` answer only for the transaction's
  own tenant (``app.tenant``), whose rows the serving role may count under row-level
  security anyway: a tenant sending up its report. For any other tenant, nothing.
* ``bangfu_fund_spending``: below 5 households both the households and the amount spent
  are null (the amount divided by a standard relief gave the count back).

Revision ID: 0018d
Revises: 0019b
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.walls import owned_by_statistics_role

revision: str = "0018d"
down_revision: str | None = "0019b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SMALLEST_SHOWN = 5
FIGURES = "bangfu_case_figures(text, date, text[], text[], text[])"
OWN_TENANT = "p_tenant = current_setting('app.tenant', true)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION bangfu_case_figures(
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
            SELECT e.to_status::text, e.determination #>> '{{outcome,category}}',
                   CASE jsonb_typeof(e.determination::jsonb #> '{{outcome,groups}}')
                     WHEN 'array' THEN ARRAY(SELECT jsonb_array_elements_text(
                       e.determination::jsonb #> '{{outcome,groups}}'))
                     WHEN 'string' THEN string_to_array(
                       nullif(e.determination #>> '{{outcome,groups}}', ''), ',')
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
          SELECT figure, key, CASE WHEN n >= {SMALLEST_SHOWN} THEN n END FROM figures
          WHERE figure IN ('open', 'filed', 'exited') OR n >= {SMALLEST_SHOWN}
        $$
        """
    )
    owned_by_statistics_role([FIGURES])
    op.execute(
        """
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
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION bangfu_step_counts(p_tenant text, p_from date, p_to date)
        RETURNS TABLE (action text, n bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          SELECT e.action::text, count(*) FROM case_events e
          WHERE {OWN_TENANT}
            AND e.tenant = p_tenant AND e.taken_on >= p_from AND e.taken_on <= p_to
          GROUP BY 1
        $$
        """
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION bangfu_fund_spending(p_year integer)
        RETURNS TABLE (tenant text, programme text, spent bigint, households bigint)
        LANGUAGE sql STABLE
        SET app.scope = 'statistics'
        AS $$
          SELECT s.tenant::text, s.programme::text,
                 CASE WHEN coalesce(h.n, 0) >= {SMALLEST_SHOWN} THEN s.spent END,
                 CASE WHEN coalesce(h.n, 0) >= {SMALLEST_SHOWN} THEN h.n END
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
    # CREATE OR REPLACE resets what a function runs as: hand them to bangfu_stats again
    owned_by_statistics_role(
        [
            "bangfu_case_counts(text, date)",
            "bangfu_step_counts(text, date, date)",
            "bangfu_fund_spending(integer)",
        ]
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FIGURES}")
    # the other functions keep their narrower answers (0003, 0005 and 0006 wrote wider ones)
