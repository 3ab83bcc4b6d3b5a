"""The payments' guard trigger (0016) fires only for a row it refuses (issue 19).

0016's trigger called its PL/pgSQL function for every row an UPDATE touched: 100,000
calls when a run of 100,000 payments is approved. The same test is now the trigger's
``WHEN`` condition, evaluated by PostgreSQL itself; the function runs, and refuses, only
for a row whose amount, file, programme, period or fund changes, or whose status moves
where the service never moves it. What is refused is unchanged.

Revision ID: 0016e
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

from alembic import op

revision: str = "0016e"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0016 = import_module("migrations.versions.0016_payments_once")


def _condition() -> str:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _0016.FIXED)
    moves = ", ".join(f"('{a}', '{b}')" for a, b in _0016.MOVES)
    return (
        f"({changed} OR (NEW.status IS DISTINCT FROM OLD.status "
        f"AND (OLD.status, NEW.status) NOT IN ({moves})))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS fund_payments_moves ON fund_payments")
    op.execute(
        "CREATE TRIGGER fund_payments_moves BEFORE UPDATE ON fund_payments FOR EACH ROW "
        f"WHEN {_condition()} EXECUTE FUNCTION bangfu_fund_payments_moves()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS fund_payments_moves ON fund_payments")
    op.execute(
        "CREATE TRIGGER fund_payments_moves BEFORE UPDATE ON fund_payments "
        "FOR EACH ROW EXECUTE FUNCTION bangfu_fund_payments_moves()"
    )
