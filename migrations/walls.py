"""The walls every migration after 0002 builds the same way on PostgreSQL.

A tenant table: row-level security (``ENABLE`` and ``FORCE``) and the policy
``tenant_isolation`` on the transaction's ``app.tenant``, exactly as 0002 made them.

A counts-only reader for the national level:

Since 0003 the statistics functions are ``SECURITY DEFINER`` functions owned by the role
``bangfu_stats``, and only that role reads tenant rows under the ``statistics`` scope. The
serving role may execute the functions; setting ``app.scope`` itself widens nothing. Every
later migration that adds such a reader uses these two steps, so the rule holds for all.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

STATS_ROLE = "bangfu_stats"
APP_ROLE = "bangfu_app"
STATISTICS_SCOPE = "current_setting('app.scope', true) = 'statistics'"
TENANT_SETTING = "current_setting('app.tenant', true)"


def tenant_walls(tables: Iterable[str]) -> None:
    """Row-level security on ``tables``: a row is seen and written only by a transaction
    whose ``app.tenant`` is its tenant (the owner too: FORCE)."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (tenant = {TENANT_SETTING}) WITH CHECK (tenant = {TENANT_SETTING})"
        )


def statistics_readable(
    tables: Iterable[str], policy: str = "statistics_read", scope: str = STATISTICS_SCOPE
) -> None:
    """Let ``bangfu_stats``, and no other role, read ``tables`` under ``scope`` (a setting
    its functions make for their own duration)."""
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"CREATE POLICY {policy} ON {table} FOR SELECT TO {STATS_ROLE} USING ({scope})")
        op.execute(f"GRANT SELECT ON {table} TO {STATS_ROLE}")


def owned_by_statistics_role(functions: Iterable[str]) -> None:
    """Hand counting functions to ``bangfu_stats`` as ``SECURITY DEFINER``, executable by
    the serving role only (the owner must be a member of ``bangfu_stats``: 0003 sees to it)."""
    functions = list(functions)
    op.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {STATS_ROLE}")
    for function in functions:
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER")
        op.execute(f"ALTER FUNCTION {function} SET search_path = public, pg_temp")
        op.execute(f"ALTER FUNCTION {function} OWNER TO {STATS_ROLE}")
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM {STATS_ROLE}")
    grants = "\n".join(f"GRANT EXECUTE ON FUNCTION {f} TO {APP_ROLE};" for f in functions)
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            {grants}
          END IF;
        END
        $$
        """
    )


def serving_role_may(grants: dict[str, str]) -> None:
    """Grant the serving role ``bangfu_app`` (when the owner could create it) what serving
    needs on new tables, ``{table: "SELECT, INSERT"}``, and the use of their id sequences."""
    lines = "\n".join(f"GRANT {what} ON {table} TO {APP_ROLE};" for table, what in grants.items())
    tables = ", ".join(f"'{table}'" for table in grants)
    op.execute(
        f"""
        DO $$
        DECLARE
          seq text;
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            {lines}
            FOR seq IN
              SELECT pg_get_serial_sequence(t, 'id') FROM unnest(ARRAY[{tables}]) AS t
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
