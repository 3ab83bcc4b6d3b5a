"""The grounds a person recorded on a file: ``cases.recorded_grounds``.

Hebei's 003 一.1(g) "其他原因造成生活特别困难" is no figure a rule can test: a reviewer
chooses it, on purpose and with a written reason, and the file carries it (its
evaluations, its relief, the annual review) until a person removes it with a reason.
"g,h" as the criteria codes; "" for none. A file admitted on (g) before this migration
kept the ground only as its summary (``grounds`` = "g", from the reviewer's comment): it
is carried over, so that the file keeps its relief.

Revision ID: 0017
Revises: 0020b
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0020b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("recorded_grounds", sa.String(200), nullable=False, server_default="")
        )
    op.execute("UPDATE cases SET recorded_grounds = 'g' WHERE grounds = 'g'")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("recorded_grounds")
