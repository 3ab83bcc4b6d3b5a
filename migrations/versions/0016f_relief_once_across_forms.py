"""Relief given once per period across its forms, refused by the database (issue 19).

0016 keeps one live bank payment per (tenant, file, programme, period key) and 0016d one
live distribution line (goods or vouchers); nothing kept a payment *and* a line of the
same file, programme and period from both existing: only the application looked. Now the
database refuses either when the other is there, whatever path writes (the service, a
run, raw SQL as the serving role or the owner):

* PostgreSQL: a STATEMENT-level trigger with a transition table on each table (AFTER
  INSERT on ``fund_payments``; AFTER INSERT and AFTER UPDATE on ``distribution_lines``),
  joining the statement's new live rows to the other table's live rows through its
  partial unique index. A payment run inserting 10,000 payments a statement pays one
  join per statement, never one PL/pgSQL call per row. Before looking, each trigger takes
  a transaction-level advisory lock per (tenant, programme, period key) its rows touch
  (one-offs: per tenant and programme), shared for payments and exclusive for lines, so
  that a payment and a line written at the same time in two transactions cannot both
  miss the other: the second waits for the first to commit, then sees it. Payments
  among themselves, and lines among themselves, are kept apart by their own unique
  indexes as before. An UPDATE of a payment cannot make one live again or change its
  file, programme or period (0016's trigger refuses it for every role), so payments need
  no UPDATE trigger here.
* SQLite (one writer at a time): row triggers BEFORE INSERT and BEFORE UPDATE on both.

Cancelled rows do not count: a rejected, recovered or stopped payment, a stopped line.
The error is a unique violation (SQLSTATE 23505, constraint
``relief_once_across_forms``) whose message names the marker the service maps to its
clear Chinese error (:func:`core.funds.once.given_in_another_form`).

Revision ID: 0016f
Revises: 0016e
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016f"
down_revision: str | None = "0016e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKER = "relief_once_across_forms"
#: The advisory locks' namespace (a constant of our own, beside core.funds.ledger's).
LOCK_CLASS = 20_261_125
PAYMENT_LIVE = "{t}.status NOT IN ('rejected', 'recovered', 'stopped')"
LINE_LIVE = "{t}.status <> 'stopped'"
SAME = (
    "{a}.tenant = {b}.tenant AND {a}.case_id = {b}.case_id "
    "AND {a}.programme = {b}.programme AND {a}.period_key = {b}.period_key"
)
MESSAGE_ZH = "同一档案、同一帮扶项目、同一期间只发放一次:已以另一种形式(现金或实物、购物券)发放"


def _pg_function(name: str, mine: str, other: str, other_table: str, lock: str) -> str:
    key = (
        "n.tenant || '|' || n.programme || '|' || "
        "CASE WHEN n.period_key LIKE 'once:%' THEN 'once' ELSE n.period_key END"
    )
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  clash record;
BEGIN
  PERFORM {lock}({LOCK_CLASS}, hashtext(k))
    FROM (SELECT DISTINCT {key} AS k FROM new_rows n WHERE {mine.format(t="n")} ORDER BY 1) keys;
  SELECT n.case_id, n.programme, n.period_key INTO clash
    FROM new_rows n JOIN {other_table} o ON {SAME.format(a="o", b="n")} AND {other.format(t="o")}
    WHERE {mine.format(t="n")}
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '{MARKER}: file row %, programme %, period %: given in another form already '
      '/ {MESSAGE_ZH}', clash.case_id, clash.programme, clash.period_key
      USING ERRCODE = 'unique_violation', CONSTRAINT = '{MARKER}';
  END IF;
  RETURN NULL;
END
$$
"""


PG_PAYMENTS = _pg_function(
    "bangfu_payments_not_given_in_kind",
    PAYMENT_LIVE,
    LINE_LIVE,
    "distribution_lines",
    "pg_advisory_xact_lock_shared",
)
PG_LINES = _pg_function(
    "bangfu_lines_not_paid_in_cash",
    LINE_LIVE,
    PAYMENT_LIVE,
    "fund_payments",
    "pg_advisory_xact_lock",
)
PG_TRIGGERS = (
    "CREATE TRIGGER fund_payments_once_across_forms AFTER INSERT ON fund_payments "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION bangfu_payments_not_given_in_kind()",
    "CREATE TRIGGER distribution_lines_once_across_forms_insert AFTER INSERT ON "
    "distribution_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION bangfu_lines_not_paid_in_cash()",
    "CREATE TRIGGER distribution_lines_once_across_forms_update AFTER UPDATE ON "
    "distribution_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION bangfu_lines_not_paid_in_cash()",
)
PG_DROPS = (
    "DROP TRIGGER IF EXISTS fund_payments_once_across_forms ON fund_payments",
    "DROP TRIGGER IF EXISTS distribution_lines_once_across_forms_insert ON distribution_lines",
    "DROP TRIGGER IF EXISTS distribution_lines_once_across_forms_update ON distribution_lines",
    "DROP FUNCTION IF EXISTS bangfu_payments_not_given_in_kind()",
    "DROP FUNCTION IF EXISTS bangfu_lines_not_paid_in_cash()",
)


def _sqlite_trigger(name: str, table: str, when: str, mine: str, other: str, other_table: str):
    keys = ("tenant", "case_id", "programme", "period_key")
    event = "INSERT" if when == "insert" else f"UPDATE OF {', '.join((*keys, 'status'))}"
    condition = mine.format(t="NEW")
    if when == "update":  # only a row that becomes live, or moves to another key
        dead = f"NOT ({mine.format(t='OLD')})"
        moved = " OR ".join(f"NEW.{k} IS NOT OLD.{k}" for k in keys)
        condition = f"{condition} AND ({dead} OR {moved})"
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {condition} BEGIN "
        f"SELECT RAISE(ABORT, '{MARKER}: given in another form already / {MESSAGE_ZH}') "
        f"WHERE EXISTS (SELECT 1 FROM {other_table} o WHERE {SAME.format(a='o', b='NEW')} "
        f"AND {other.format(t='o')}); END"
    )


SQLITE_TRIGGERS = {
    f"{table}_once_across_forms_{when}": _sqlite_trigger(
        f"{table}_once_across_forms_{when}", table, when, mine, other, other_table
    )
    for table, mine, other, other_table in (
        ("fund_payments", PAYMENT_LIVE, LINE_LIVE, "distribution_lines"),
        ("distribution_lines", LINE_LIVE, PAYMENT_LIVE, "fund_payments"),
    )
    for when in ("insert", "update")
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_PAYMENTS)
        op.execute(PG_LINES)
        for trigger in PG_TRIGGERS:
            op.execute(trigger)
        return
    for trigger in SQLITE_TRIGGERS.values():
        op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for drop in PG_DROPS:
            op.execute(drop)
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
