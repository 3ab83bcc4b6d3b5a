"""The worklist in SQL: whose turn a file is, the applicant's name, and members' names for
the search, with the indexes its views, searches and sorts need.

* ``cases.turn``: the step the file waits for (whose turn it is), "" when it waits for
  nobody; "?" for the files of before this migration, until the case service works it out
  from their history (it needs the tenant's procedure, which a migration does not load).
* ``cases.applicant``: the applicant's name, for the worklist's lines and their order.
* ``member_names``: every member's name as compared by the search (NFKC, case-folded),
  indexed by (tenant, name) so that a name's beginning is found at any size. On
  PostgreSQL the column sorts by code point (collation "C"), as SQLite's does, so that
  the range of names beginning with a text is the same on both. A tenant table: row-level
  security as in 0002.
* Indexes: ``cases`` (tenant, turn), (tenant, applicant), (tenant, opened_on);
  ``assignments`` (tenant, user), for "my files".

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-24
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import serving_role_may, tenant_walls

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_KEY = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")
BATCH = 2000


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("turn", sa.String(40), nullable=False, server_default="?"))
        batch.add_column(sa.Column("applicant", sa.String(100), nullable=False, server_default=""))
        batch.create_index("ix_cases_tenant_turn", ["tenant", "turn"])
        batch.create_index("ix_cases_tenant_applicant", ["tenant", "applicant"])
        batch.create_index("ix_cases_tenant_opened_on", ["tenant", "opened_on"])
    op.create_index("ix_assignments_tenant_user", "assignments", ["tenant", "user"])
    op.create_table(
        "member_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_index", sa.Integer(), nullable=False),
        sa.Column("name_key", NAME_KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_member_names_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_names")),
    )
    op.create_index("ix_member_names_tenant_name_key", "member_names", ["tenant", "name_key"])
    op.create_index("ix_member_names_case_id", "member_names", ["case_id"])
    if postgres:  # the owner is subject to FORCE ROW LEVEL SECURITY: lift it while we fill
        op.execute("ALTER TABLE cases NO FORCE ROW LEVEL SECURITY")
    _fill_names(bind)
    if postgres:
        op.execute("ALTER TABLE cases FORCE ROW LEVEL SECURITY")
        tenant_walls(["member_names"])
        serving_role_may({"member_names": "SELECT, INSERT, DELETE"})


def name_key(name: str) -> str:
    """A name as the search compares it (as :func:`core.cases.names.name_key` then)."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()[:100]


def _fill_names(bind: sa.Connection) -> None:
    """The applicant and the members' names of the files there are, from their households."""
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("tenant", sa.String),
        sa.column("household", sa.JSON),
        sa.column("applicant", sa.String),
    )
    names = sa.table(
        "member_names",
        sa.column("tenant", sa.String),
        sa.column("case_id", sa.Integer),
        sa.column("member_index", sa.Integer),
        sa.column("name_key", sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.tenant, cases.c.household)
            .where(cases.c.id > last)
            .order_by(cases.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        found = []
        for case_id, tenant, household in rows:
            if isinstance(household, str):
                household = json.loads(household)
            members = (household or {}).get("members") or []
            applicant = next(
                (str(m.get("name") or "") for m in members if m.get("relation") == "APPLICANT"),
                "",
            )
            bind.execute(
                sa.update(cases).where(cases.c.id == case_id).values(applicant=applicant[:100])
            )
            found += [
                {"tenant": tenant, "case_id": case_id, "member_index": i, "name_key": name_key(n)}
                for i, n in enumerate(str(m.get("name") or "") for m in members)
                if n
            ]
        if found:
            bind.execute(sa.insert(names), found)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("member_names")
    op.drop_index("ix_assignments_tenant_user", table_name="assignments")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_tenant_opened_on")
        batch.drop_index("ix_cases_tenant_applicant")
        batch.drop_index("ix_cases_tenant_turn")
        batch.drop_column("applicant")
        batch.drop_column("turn")
