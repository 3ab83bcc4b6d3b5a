"""The serving role can no longer mint staff (issue 20, finding 4).

* ``staff_users``: made and changed by the owner only (``bangfu user create/disable``).
  The serving role ``bangfu_app`` reads the accounts (sign-in verifies the password) and
  may update only the columns sign-in writes: ``failed_attempts``, ``locked_until``,
  ``last_failed_at``, ``last_sign_in_at``, ``totp_last_step``. No INSERT, no role, no
  password hash, no TOTP secret.
* ``staff_users.totp_secret`` is sealed (AES-256-GCM, :mod:`core.auth.totp_secrets`,
  a key derived from the resident-ID hash key) and widened to hold the sealed form. The
  secrets stored in clear are sealed here when the key is configured (else they stay in
  clear, still read, and a warning says so).
* ``staff_sessions``: the serving role inserts none itself. It starts a session through
  ``bangfu_start_session(...)``, a ``SECURITY DEFINER`` function of the owner that
  checks what it is given: a session hash of 64 hex digits, the transaction's own
  tenant, and either an active account of that user name and role that signed in within
  the last 5 minutes (``via = 'password'``) or a live token of that tenant, role and user
  (``via = 'token'``); the times are the database's, give or take 10 minutes. It may
  update only ``last_seen_at`` and ``ended_at``, and an ended session stays ended (a
  trigger).

Revision ID: 0018b
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018b"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"
SIGN_IN_COLUMNS = (
    "failed_attempts",
    "locked_until",
    "last_failed_at",
    "last_sign_in_at",
    "totp_last_step",
)
START_SESSION = (
    "bangfu_start_session(text, text, text, text, text, integer, timestamp with time zone)"
)


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(64), type_=sa.String(200), nullable=True
        )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE staff_users NO FORCE ROW LEVEL SECURITY")
    seal_stored_secrets()
    if postgres:
        op.execute("ALTER TABLE staff_users FORCE ROW LEVEL SECURITY")
        _postgres()


def seal_stored_secrets() -> int:
    """Seal every TOTP secret still in clear, when the key is configured; how many."""
    from core.auth.totp_secrets import is_sealed, seal
    from core.cases.privacy import key_problem

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, tenant, username, totp_secret FROM staff_users "
            "WHERE totp_secret IS NOT NULL"
        )
    ).all()
    clear = [r for r in rows if not is_sealed(r.totp_secret)]
    if not clear:
        return 0
    problem = key_problem()
    if problem is not None:
        logging.getLogger("alembic").warning(
            "%d TOTP secrets stay in clear: %s", len(clear), problem
        )
        return 0
    for r in clear:
        bind.execute(
            sa.text("UPDATE staff_users SET totp_secret = :s WHERE id = :id"),
            {"s": seal(r.totp_secret, r.tenant, r.username), "id": r.id},
        )
    return len(clear)


def _on_app_role(statements: str) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            {statements}
          END IF;
        END
        $$
        """
    )


def _postgres() -> None:
    columns = ", ".join(SIGN_IN_COLUMNS)
    _on_app_role(
        f"REVOKE INSERT, UPDATE, DELETE ON staff_users FROM {APP_ROLE};"
        f"GRANT UPDATE ({columns}) ON staff_users TO {APP_ROLE};"
        f"REVOKE INSERT, UPDATE, DELETE ON staff_sessions FROM {APP_ROLE};"
        f"GRANT UPDATE (last_seen_at, ended_at) ON staff_sessions TO {APP_ROLE};"
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_session_stays_ended() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.ended_at IS NOT NULL AND NEW.ended_at IS DISTINCT FROM OLD.ended_at THEN
            RAISE EXCEPTION 'an ended session stays ended (session %)', OLD.id
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER staff_sessions_stay_ended BEFORE UPDATE ON staff_sessions "
        "FOR EACH ROW EXECUTE FUNCTION bangfu_session_stays_ended()"
    )
    op.execute(
        """
        CREATE FUNCTION bangfu_start_session(
          p_tenant text, p_hash text, p_user text, p_role text, p_via text,
          p_token_id integer, p_at timestamp with time zone
        ) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        BEGIN
          IF p_tenant IS DISTINCT FROM current_setting('app.tenant', true) THEN
            RAISE EXCEPTION 'a session is started under its own tenant'
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF p_hash !~ '^[0-9a-f]{64}$' OR p_at IS NULL
             OR abs(extract(epoch FROM p_at - now())) > 600 THEN
            RAISE EXCEPTION 'not a session hash, or not a time of now'
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF p_via = 'password' THEN
            IF p_token_id IS NOT NULL OR NOT EXISTS (
              SELECT FROM staff_users u
              WHERE u.tenant = p_tenant AND u.username = p_user AND u.role = p_role
                AND u.disabled_at IS NULL
                AND (u.locked_until IS NULL OR u.locked_until <= now())
                AND u.last_sign_in_at > now() - interval '5 minutes'
            ) THEN
              RAISE EXCEPTION 'no account of that name and role signed in just now'
                USING ERRCODE = 'insufficient_privilege';
            END IF;
          ELSIF p_via = 'token' THEN
            IF NOT EXISTS (
              SELECT FROM api_tokens t
              WHERE t.id = p_token_id AND t.tenant = p_tenant AND t.role = p_role
                AND t."user" = p_user AND t.revoked_at IS NULL
                AND (t.expires_at IS NULL OR t.expires_at > now())
            ) THEN
              RAISE EXCEPTION 'no live token of that tenant, role and user'
                USING ERRCODE = 'insufficient_privilege';
            END IF;
          ELSE
            RAISE EXCEPTION 'a session is started with a password or a token'
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          INSERT INTO staff_sessions
            (tenant, session_hash, "user", role, via, token_id, created_at, last_seen_at)
          VALUES (p_tenant, p_hash, p_user, p_role, p_via, p_token_id, p_at, p_at);
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {START_SESSION} FROM PUBLIC")
    _on_app_role(f"GRANT EXECUTE ON FUNCTION {START_SESSION} TO {APP_ROLE};")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {START_SESSION}")
        op.execute("DROP TRIGGER IF EXISTS staff_sessions_stay_ended ON staff_sessions")
        op.execute("DROP FUNCTION IF EXISTS bangfu_session_stays_ended()")
        _on_app_role(
            f"GRANT SELECT, INSERT, UPDATE ON staff_users TO {APP_ROLE};"
            f"GRANT SELECT, INSERT, UPDATE ON staff_sessions TO {APP_ROLE};"
        )
    # the sealed secrets stay sealed (wider than 64 characters): the column stays wide
