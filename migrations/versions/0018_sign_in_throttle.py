"""Sign-in that holds under parallel guessing (issue 20).

* ``staff_users.last_failed_at``: when the account's last failure was; failures older
  than a day no longer count (:mod:`core.auth.throttle`). ``locked_until`` is now the
  moment before which the account is not tried again (a delay that grows with each
  failure), no longer a 15-minute lock.
* ``staff_users.totp_last_step``: the last accepted TOTP time-step, so that a code
  works once.
* ``sign_in_sources``: failures per source address (across accounts and tenants),
  with the moment before which that address is not tried again. Not tenant data (an
  address and counters): no row-level security. The serving role may read, insert and
  update it.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "bangfu_app"


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "sign_in_sources",
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_sign_in_sources")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # no id sequence here, so not through migrations.walls.serving_role_may
        op.execute(
            f"""
            DO $$
            BEGIN
              IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                GRANT SELECT, INSERT, UPDATE ON sign_in_sources TO {APP_ROLE};
              END IF;
            END
            $$
            """
        )


def downgrade() -> None:
    op.drop_table("sign_in_sources")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("last_failed_at")
