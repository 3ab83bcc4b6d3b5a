"""Server-side staff sessions, and tokens that expire.

* ``staff_sessions``: one row per signed-in browser (:mod:`core.auth.sessions`). Only the
  SHA-256 of the random session id is kept; the staff cookie holds the id, never a bearer
  token. A row is ended by signing out (``ended_at``), by its idle and absolute timeouts
  (settings, checked when it is read) and by revoking the token it was opened with.
* ``api_tokens.expires_at``: a token is refused after it (``bangfu token create --days``,
  90 by default). Tokens made before this migration expire 90 days after it.
* ``member_identities.id_masked`` keeps the last four characters only
  (``**************002X``): the region code, which left only the birth date unknown, is
  dropped. (Determination records already written keep the form they were written with.)

On PostgreSQL ``staff_sessions`` gets row-level security exactly as the tables of 0002
(``ENABLE`` and ``FORCE``, policy ``tenant_isolation`` on ``app.tenant``): the session id
names its tenant, and a session is read and written only under that tenant. The serving
role ``bangfu_app`` may read, insert and update sessions (no DELETE: ended sessions stay
as a record of who was signed in, and when). It gets no write on ``api_tokens``: tokens
are made, listed and revoked by ``bangfu token`` as the database owner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import serving_role_may, tenant_walls

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
#: Tables with tenant data made here: row-level security on each, as in 0002.
TENANT_TABLES = ("staff_sessions",)
TOKEN_DAYS = 90


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("last_seen_at"),
        _timestamp("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_staff_sessions_session_hash")),
    )
    op.create_index("ix_staff_sessions_tenant_user", "staff_sessions", ["tenant", "user"])
    op.create_index("ix_staff_sessions_token_id", "staff_sessions", ["token_id"])

    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(_timestamp("expires_at", nullable=True))
    # the masked ID numbers keep the last four characters only (no region code); on
    # PostgreSQL the owner lifts FORCE for this one statement, or it would see no row
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE member_identities NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE member_identities SET id_masked = "
        "substr('**************', 1, length(id_masked) - 4) || "
        "substr(id_masked, length(id_masked) - 3, 4)"
    )
    if postgres:
        op.execute("ALTER TABLE member_identities FORCE ROW LEVEL SECURITY")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE api_tokens SET expires_at = now() + interval '{TOKEN_DAYS} days' "
            "WHERE expires_at IS NULL"
        )
        _row_level_security()
    else:
        op.execute(
            f"UPDATE api_tokens SET expires_at = datetime('now', '+{TOKEN_DAYS} days') "
            "WHERE expires_at IS NULL"
        )


def _row_level_security() -> None:
    tenant_walls(TENANT_TABLES)
    serving_role_may({"staff_sessions": "SELECT, INSERT, UPDATE"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE ALL ON staff_sessions FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON staff_sessions")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    op.drop_index("ix_staff_sessions_token_id", table_name="staff_sessions")
    op.drop_index("ix_staff_sessions_tenant_user", table_name="staff_sessions")
    op.drop_table("staff_sessions")
