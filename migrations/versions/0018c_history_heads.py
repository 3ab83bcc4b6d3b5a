"""Each file keeps the head of its history (issue 20, finding 5).

* ``cases.history_head``: the hash of the file's newest event; ``cases.history_events``:
  how many events it has. Both are written in the same statement as each event
  (:mod:`core.db.repositories`), and filled here from the events there are.

``bangfu audit verify`` checks that every file's chain ends at its head, so a deleted
newest event, or a whole deleted history, is named (the hash chain alone holds then).

Revision ID: 0018c
Revises: 0018b
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018c"
down_revision: str | None = "0018b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("cases", "case_events")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("history_head", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("history_events", sa.Integer(), nullable=False, server_default="0")
        )
    # the owner lifts FORCE for these statements on PostgreSQL, or it would see no row
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE cases SET "
        "history_events = (SELECT count(*) FROM case_events e WHERE e.case_id = cases.id), "
        "history_head = coalesce((SELECT e.hash FROM case_events e "
        "WHERE e.case_id = cases.id ORDER BY e.seq DESC LIMIT 1), '')"
    )
    if postgres:
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("history_events")
        batch.drop_column("history_head")
