"""Staff user accounts (password, optional TOTP, lock-out) and the cross-tenant duplicate
check by ID number.

* ``staff_users``: one row per member of staff of a tenant: user name, role, an argon2
  hash of the password, an optional TOTP secret, failed attempts and a lock-out time,
  disabled-at. A tenant table: row-level security as in 0002.
* ``bangfu_id_elsewhere(tenant, id_hash)`` (PostgreSQL): the (tenant, status) of files of
  *other* tenants with a member of that keyed ID hash, and nothing else. It reads under
  ``app.scope = 'identity_check'`` (set for the function's own duration only), which a
  policy ``identity_check_read`` on ``cases`` and ``member_identities`` lets through for
  ``bangfu_stats`` only, the function's owner (``SECURITY DEFINER``, as 0003 made the
  statistics), so the duplicate check at opening can refuse without the caller seeing the
  other file, and the serving role cannot read other tenants by setting the scope itself.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import (
    owned_by_statistics_role,
    serving_role_may,
    statistics_readable,
    tenant_walls,
)

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
IDENTITY_SCOPE = "current_setting('app.scope', true) = 'identity_check'"
IDENTITY_TABLES = ("cases", "member_identities")


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("tenant", "username", name="uq_staff_users_tenant_username"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres()


def _postgres() -> None:
    tenant_walls(["staff_users"])
    op.execute(
        """
        CREATE FUNCTION bangfu_id_elsewhere(p_tenant text, p_hash text)
        RETURNS TABLE (tenant text, status text)
        LANGUAGE sql STABLE
        SET app.scope = 'identity_check'
        AS $$
          SELECT DISTINCT c.tenant::text, c.status::text
          FROM member_identities m JOIN cases c ON c.id = m.case_id
          WHERE m.id_hash = p_hash AND m.tenant <> p_tenant
        $$
        """
    )
    # as the statistics since 0003: only bangfu_stats reads under the scope, through its own
    # function; the serving role setting app.scope itself widens nothing
    statistics_readable(IDENTITY_TABLES, policy="identity_check_read", scope=IDENTITY_SCOPE)
    owned_by_statistics_role(["bangfu_id_elsewhere(text, text)"])
    serving_role_may({"staff_users": "SELECT, INSERT, UPDATE"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bangfu_id_elsewhere(text, text)")
        for table in IDENTITY_TABLES:
            op.execute(f"DROP POLICY IF EXISTS identity_check_read ON {table}")
    op.drop_table("staff_users")
