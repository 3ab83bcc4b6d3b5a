"""Money paid once, and nobody alters it on the way to the bank (issue 19).

* ``fund_payments.period_key``: the normalised period a payment pays
  (:mod:`core.funds.periods`: the year of a yearly programme, the month of a monthly one,
  ``once:<case event>`` for a one-off). Payments of before this migration get their
  period as key.
* A unique index over (tenant, case, programme, period key) among the payments not
  cancelled (rejected, recovered, stopped) replaces the one over the period as written:
  "2027-11", "2027-12" and "2027" of a yearly relief, or "2026" and "2026-06" of a one-off,
  can no longer all be paid, whatever path proposes them.
* ``fund_payments.stop_reason``: why a payment no longer entitled was stopped.
* PostgreSQL: the serving role ``bangfu_app`` may update only the columns the service's
  moves write (status, version, approver, sendings, the bank's note, the stop reason),
  never the amount, file, programme, period or fund; and a trigger refuses, for every
  role, a change of those columns or a status move the service never makes.

Revision ID: 0016
Revises: 0018d
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.walls import APP_ROLE

revision: str = "0016"
down_revision: str | None = "0018d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status NOT IN ('rejected', 'recovered', 'stopped')"
#: The columns of a payment the serving role may update: its moves, nothing else.
MOVED = ("status", "version", "approved_by", "approved_on", "sendings", "bank_note", "stop_reason")
#: The status moves the service makes (core.funds.payments.MOVES).
MOVES = (
    ("proposed", "approved"),
    ("proposed", "rejected"),
    ("proposed", "stopped"),
    ("approved", "sent"),
    ("approved", "stopped"),
    ("sent", "paid"),
    ("sent", "returned"),
    ("returned", "sent"),
    ("returned", "recovered"),
)
FIXED = (
    "tenant",
    "case_id",
    "determination_id",
    "programme",
    "period",
    "period_key",
    "year",
    "source",
    "amount_fen",
    "proposed_by",
    "proposed_on",
)


def _if_app_role(sql: str) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            {sql}
          END IF;
        END
        $$
        """
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("fund_payments") as batch:
        batch.add_column(sa.Column("period_key", sa.String(40), nullable=True))
        batch.add_column(sa.Column("stop_reason", sa.String(300), nullable=True))
        batch.drop_constraint("uq_fund_payments_tenant_case_id_programme_period", type_="unique")
    op.execute("UPDATE fund_payments SET period_key = period")
    with op.batch_alter_table("fund_payments") as batch:
        batch.alter_column("period_key", existing_type=sa.String(40), nullable=False)
    op.create_index(
        "uq_fund_payments_once_per_period",
        "fund_payments",
        ["tenant", "case_id", "programme", "period_key"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    if not postgres:
        return
    _if_app_role(
        f"REVOKE UPDATE ON fund_payments FROM {APP_ROLE}; "
        f"GRANT UPDATE ({', '.join(MOVED)}) ON fund_payments TO {APP_ROLE};"
    )
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)
    moves = ", ".join(f"('{a}', '{b}')" for a, b in MOVES)
    op.execute(
        f"""
        CREATE FUNCTION bangfu_fund_payments_moves() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF {changed} THEN
            RAISE EXCEPTION 'payment %: its amount, file, programme, period and fund are '
              'never changed / 支付的金额、档案、项目、期间和资金不得修改', OLD.id
              USING ERRCODE = 'check_violation';
          END IF;
          IF NEW.status IS DISTINCT FROM OLD.status
             AND (OLD.status, NEW.status) NOT IN ({moves}) THEN
            RAISE EXCEPTION 'payment %: % to % is not a move of a payment / 支付状态不能如此变更',
              OLD.id, OLD.status, NEW.status
              USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER fund_payments_moves BEFORE UPDATE ON fund_payments "
        "FOR EACH ROW EXECUTE FUNCTION bangfu_fund_payments_moves()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fund_payments_moves ON fund_payments")
        op.execute("DROP FUNCTION IF EXISTS bangfu_fund_payments_moves()")
        _if_app_role(
            f"REVOKE UPDATE ON fund_payments FROM {APP_ROLE}; "
            f"GRANT UPDATE ON fund_payments TO {APP_ROLE};"
        )
    op.drop_index("uq_fund_payments_once_per_period", table_name="fund_payments")
    with op.batch_alter_table("fund_payments") as batch:
        batch.drop_column("stop_reason")
        batch.drop_column("period_key")
        batch.create_unique_constraint(
            "uq_fund_payments_tenant_case_id_programme_period",
            ["tenant", "case_id", "programme", "period"],
        )
