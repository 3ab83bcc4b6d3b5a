"""A payee's bank account may be removed (issue 19): ``bangfu funds account remove``.

0016c let the serving role read, add and replace a file's account, never delete one. A
payee who closes the account, or an account recorded on the wrong file, must be removable
by staff (the next bank file then refuses to carry the file until another is recorded,
:func:`core.funds.sending.without_account`). PostgreSQL: the serving role may DELETE from
``payee_accounts`` (row-level security keeps it to its tenant's rows).

Revision ID: 0016g
Revises: 0016f
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.walls import APP_ROLE, serving_role_may

revision: str = "0016g"
down_revision: str | None = "0016f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        serving_role_may({"payee_accounts": "DELETE"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                REVOKE DELETE ON payee_accounts FROM {APP_ROLE};
              END IF;
            END
            $$
            """
        )
