"""A caseload's files into one database, a block at a time (:mod:`core.demo_caseload`).

The rows of a block are made apart from the database (:meth:`CaseloadWriter.rows`, in a
thread of their own while the last block is written), then written in the session's
transaction (:meth:`CaseloadWriter.write`).

* PostgreSQL: every table by COPY. A copy's steps are not sent: only (model, step, file,
  previous hash, hash) are, and the steps are inserted from its model's rows in the
  database, their records (about 9 KB of JSON each, 4.5 KB stored) taken as they are
  stored, never parsed or compressed again. The tables' owner on a superuser's role
  (the bench, the tests) bypasses row-level security: the rows are COPied into the
  tables themselves, the files' before the rest, so that the statement trigger of
  migration 0020 counts the block's files into ``case_tallies`` once; then the block's
  other rows go in with ``session_replication_role = replica`` (``SET LOCAL``: this
  transaction only), which spares a foreign-key lookup per row for files written a
  moment before in the same transaction. Any other role (``bangfu_app``) COPies into
  temporary tables and inserts from there, the tenant's setting made: row-level
  security and every trigger hold.
* SQLite: ``executemany`` (its row triggers keep the tallies).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.db.models import CaseEvent, CaseFile

if TYPE_CHECKING:
    from core.demo_caseload import FileCopy, Template

CASE_COLUMNS = [c.name for c in CaseFile.__table__.columns]
EVENT_COLUMNS = [c.name for c in CaseEvent.__table__.columns if c.name != "id"]
STEP_COLUMNS = ("model", "seq", "case_id", "prev_hash", "hash")
IDENTITY_COLUMNS = ("tenant", "case_id", "member_index", "id_hash", "id_masked")
NAME_COLUMNS = ("tenant", "case_id", "member_index", "name_key")
ASSIGNMENT_COLUMNS = ("tenant", "case_id", "user", "duty", "since", "until")
CHILDREN = {
    "member_identities": IDENTITY_COLUMNS,
    "member_names": NAME_COLUMNS,
    "assignments": ASSIGNMENT_COLUMNS,
}
#: a model's file row, its own parts left open
ID_HOLE, NUMBER_HOLE, HEAD_HOLE = "@@id@@", "@@number@@", "@@head@@"


@dataclass
class Rows:
    """A block's rows, in the form its database takes."""

    files: int
    events: int
    tables: dict[str, Any]


class Pattern:
    """A text with placeholders (exact substrings) filled per copy."""

    def __init__(self, textual: str, keys: Sequence[str]) -> None:
        import re

        wanted = sorted({k for k in keys if k and k in textual}, key=len, reverse=True)
        if not wanted:
            self.parts: list[str] = [textual]
            self.holes: list[bool] = [False]
            return
        splitter = re.compile("(" + "|".join(re.escape(k) for k in wanted) + ")")
        self.parts = splitter.split(textual)
        self.holes = [i % 2 == 1 for i in range(len(self.parts))]

    def fill(self, values: dict[str, str]) -> str:
        return "".join(
            values[p] if hole else p for p, hole in zip(self.parts, self.holes, strict=True)
        )


class CaseloadWriter:
    """Reserves a load's numbers and ids, makes a block's rows, writes them."""

    postgres = False

    def __init__(self, session: Session, tenant: str, templates: Sequence[Template]) -> None:
        self.session = session
        self.tenant = tenant
        self.templates = templates
        self.names = sorted({old for t in templates for old, _ in t.model.members})

    def value(self, v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, bool):
            return ("t" if v else "f") if self.postgres else int(v)
        if isinstance(v, datetime):
            return v.isoformat() if self.postgres else v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, dict | list):
            return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        return v

    def new_numbers(self, n: int) -> list[int]:
        """``n`` file numbers of the tenant, one after the other."""
        if n == 0:
            return []
        last = self.session.execute(
            text(
                "INSERT INTO case_counters (tenant, last) VALUES (:t, :n) ON CONFLICT (tenant) "
                "DO UPDATE SET last = case_counters.last + :n RETURNING last"
            ),
            {"t": self.tenant, "n": n},
        ).scalar_one()
        return list(range(last - n + 1, last + 1))

    def reserve(self, n: int) -> tuple[list[int], list[int]]:
        """Internal ids and file numbers of ``n`` files (commit after)."""
        raise NotImplementedError

    def rows(self, copies: Sequence[FileCopy]) -> Rows:
        raise NotImplementedError

    #: how many connections may write blocks at once
    writers = 1

    def write(self, rows: Rows, session: Session) -> None:
        """A block's rows, in ``session``'s transaction."""
        raise NotImplementedError

    def settle(self) -> None:
        """The tables as a settled database has them."""


class SqliteWriter(CaseloadWriter):
    def __init__(self, session: Session, tenant: str, templates: Sequence[Template]) -> None:
        super().__init__(session, tenant, templates)
        self.cases = []
        self.events = []
        self.duties = []
        for t in templates:
            case = [self.value(t.model.case[c]) for c in CASE_COLUMNS]
            case[HOUSEHOLD_AT] = Pattern(case[HOUSEHOLD_AT], self.names)
            self.cases.append(case)
            self.events.append([[self.value(e[c]) for c in EVENT_COLUMNS] for e in t.model.events])
            self.duties.append(
                [
                    (a["duty"], self.value(a["since"]), self.value(a["until"]))
                    for a in t.model.assignments
                ]
            )

    def reserve(self, n: int) -> tuple[list[int], list[int]]:
        with self.session.no_autoflush:
            last = self.session.scalar(text("select coalesce(max(id), 0) from cases")) or 0
        return list(range(last + 1, last + 1 + n)), self.new_numbers(n)

    def rows(self, copies: Sequence[FileCopy]) -> Rows:
        tenant = self.tenant
        cases: list[list[Any]] = []
        events: list[list[Any]] = []
        identities: list[tuple[Any, ...]] = []
        names: list[tuple[Any, ...]] = []
        duties: list[tuple[Any, ...]] = []
        for c in copies:
            case = [v.fill(c.names) if isinstance(v, Pattern) else v for v in self.cases[c.model]]
            case[ID_AT], case[NUMBER_AT] = c.case_id, c.number
            case[APPLICANT_AT], case[HEAD_AT] = c.applicant, c.head
            cases.append(case)
            model_events = self.events[c.model]
            for seq, prev, digest in c.steps:
                row = list(model_events[seq - 1])
                row[EVENT_CASE_AT], row[PREV_AT], row[HASH_AT] = c.case_id, prev, digest
                events.append(row)
            identities.extend((tenant, c.case_id, *i) for i in c.identities)
            names.extend((tenant, c.case_id, *k) for k in c.name_keys)
            duties.extend((tenant, c.case_id, c.helper, *d) for d in self.duties[c.model])
        tables = {
            "cases": cases,
            "case_events": events,
            "member_identities": identities,
            "member_names": names,
            "assignments": duties,
        }
        return Rows(len(copies), len(events), tables)

    def write(self, rows: Rows, session: Session) -> None:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        columns = {"cases": CASE_COLUMNS, "case_events": EVENT_COLUMNS, **CHILDREN}
        cursor = raw.cursor()
        try:
            for table, values in rows.tables.items():
                names = ", ".join(f'"{c}"' for c in columns[table])
                marks = ", ".join(["?"] * len(columns[table]))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
        finally:
            cursor.close()


class PostgresWriter(CaseloadWriter):
    postgres = True

    def __init__(self, session: Session, tenant: str, templates: Sequence[Template]) -> None:
        super().__init__(session, tenant, templates)
        if any(c in tenant for c in "\t\n\r\\"):
            raise ValueError(f"not a tenant code: {tenant!r}")
        #: the role bypasses row-level security and may set the replication role
        self.superuser = bool(
            session.scalar(text("select rolsuper from pg_roles where rolname = current_user"))
        )
        #: two connections: one writes a block's records while the other its files
        self.writers = 2
        self.cases = []
        self.duties = []
        for t in templates:
            row = dict(t.model.case)
            row.update(id=ID_HOLE, number=NUMBER_HOLE, history_head=HEAD_HOLE)
            line = "\t".join(copy_text(self.value(row[c])) for c in CASE_COLUMNS) + "\n"
            self.cases.append(Pattern(line, (*self.names, ID_HOLE, NUMBER_HOLE, HEAD_HOLE)))
            self.duties.append(
                [
                    "\t".join(copy_text(self.value(a[c])) for c in ("duty", "since", "until"))
                    + "\n"
                    for a in t.model.assignments
                ]
            )

    def reserve(self, n: int) -> tuple[list[int], list[int]]:
        # the tenant's counter, under row-level security for any role but a superuser
        self.session.execute(text("select set_config('app.tenant', :t, true)"), {"t": self.tenant})
        ids = list(
            self.session.scalars(
                text(
                    "select nextval(pg_get_serial_sequence('cases', 'id')) "
                    "from generate_series(1, :n)"
                ),
                {"n": n},
            )
        )
        return ids, self.new_numbers(n)

    def rows(self, copies: Sequence[FileCopy]) -> Rows:
        tenant = self.tenant
        cases: list[str] = []
        steps: list[str] = []
        identities: list[str] = []
        names: list[str] = []
        duties: list[str] = []
        for c in copies:
            cid = str(c.case_id)
            holes = {**c.names, ID_HOLE: cid, NUMBER_HOLE: str(c.number), HEAD_HOLE: c.head}
            cases.append(self.cases[c.model].fill(holes))
            steps.extend(
                f"{c.model}\t{s}\t{cid}\t{prev}\t{digest}\n" for s, prev, digest in c.steps
            )
            identities.extend(f"{tenant}\t{cid}\t{i}\t{h}\t{m}\n" for i, h, m in c.identities)
            names.extend(f"{tenant}\t{cid}\t{i}\t{copy_text(k)}\n" for i, k in c.name_keys)
            helper = copy_text(c.helper)
            duties.extend(f"{tenant}\t{cid}\t{helper}\t{d}" for d in self.duties[c.model])
        tables = {
            "cases": "".join(cases),
            "steps": "".join(steps),
            "member_identities": "".join(identities),
            "member_names": "".join(names),
            "assignments": "".join(duties),
        }
        return Rows(len(copies), len(steps), tables)

    def _copy(self, session: Session, table: str, columns: Sequence[str], data: str) -> None:
        if not data:
            return
        raw = session.connection().connection.dbapi_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            copy.write(data)

    def _insert(self, session: Session, table: str, columns: Sequence[str], data: str) -> None:
        """Rows into ``table``: COPY straight in (a superuser), or through a temporary
        table, so that row-level security judges each row."""
        if self.superuser:
            self._copy(session, table, columns, data)
            return
        run = session.execute
        names = ", ".join(f'"{c}"' for c in columns)
        run(
            text(
                f"CREATE TEMP TABLE load_{table} ON COMMIT DROP AS SELECT * FROM {table} WITH NO DATA"
            )
        )
        self._copy(session, f"load_{table}", columns, data)
        run(text(f"INSERT INTO {table} ({names}) SELECT {names} FROM load_{table}"))

    def write(self, rows: Rows, session: Session) -> None:
        run = session.execute
        run(text("select set_config('app.tenant', :t, true)"), {"t": self.tenant})
        # a loader's block: a crash loses the last blocks, never a block's half
        run(text("SET LOCAL synchronous_commit = off"))
        run(
            text(
                "CREATE TEMP TABLE load_models ON COMMIT DROP AS SELECT m.model, e.* "
                "FROM case_events e JOIN unnest(CAST(:ids AS int[]), CAST(:models AS int[])) "
                "AS m(case_id, model) ON e.case_id = m.case_id"
            ),
            {
                "ids": [t.model.case["id"] for t in self.templates],
                "models": list(range(len(self.templates))),
            },
        )
        run(
            text(
                "CREATE TEMP TABLE load_steps (model int, seq int, case_id int, "
                "prev_hash text, hash text) ON COMMIT DROP"
            )
        )
        if self.superuser:
            # the rows before the files' own belong to files of this transaction: no
            # lookup of each; the files' rows last, so that the tallies they update stay
            # locked for a moment, not for the block (another connection writes too)
            run(text("SET LOCAL session_replication_role = replica"))
        else:
            self._insert(session, "cases", CASE_COLUMNS, rows.tables["cases"])
        self._copy(session, "load_steps", STEP_COLUMNS, rows.tables["steps"])
        names = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
        taken = ", ".join(
            f"s.{c}" if c in ("case_id", "prev_hash", "hash") else f'm."{c}"' for c in EVENT_COLUMNS
        )
        run(
            text(
                f"INSERT INTO case_events ({names}) SELECT {taken} FROM load_steps s "
                "JOIN load_models m ON m.model = s.model AND m.seq = s.seq"
            )
        )
        for table, columns in CHILDREN.items():
            self._insert(session, table, columns, rows.tables[table])
        if self.superuser:
            run(text("SET LOCAL session_replication_role = origin"))  # tallied, once
            self._copy(session, "cases", CASE_COLUMNS, rows.tables["cases"])

    def settle(self) -> None:
        """Vacuumed, so that index-only scans read no table page (autovacuum would see to
        it within minutes), and analysed, so that the planner knows the tables' sizes (the
        tables' owner only). The records' TOAST table is left to autovacuum: no index
        reads it, and it holds nine tenths of the bytes."""
        self.session.commit()
        tables = "cases, case_events, member_identities, member_names, assignments, case_tallies"
        engine = self.session.get_bind()
        assert isinstance(engine, Engine)
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            with suppress(DBAPIError):
                connection.execute(text(f"VACUUM (ANALYZE, PROCESS_TOAST FALSE) {tables}"))


def copy_text(v: Any) -> str:
    """A value as COPY's text format writes it."""
    if v is None:
        return "\\N"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def writer_for(session: Session, tenant: str, templates: Sequence[Template]) -> CaseloadWriter:
    if session.connection().dialect.name == "postgresql":
        return PostgresWriter(session, tenant, templates)
    return SqliteWriter(session, tenant, templates)


ID_AT = CASE_COLUMNS.index("id")
NUMBER_AT = CASE_COLUMNS.index("number")
APPLICANT_AT = CASE_COLUMNS.index("applicant")
HEAD_AT = CASE_COLUMNS.index("history_head")
HOUSEHOLD_AT = CASE_COLUMNS.index("household")
EVENT_CASE_AT = EVENT_COLUMNS.index("case_id")
PREV_AT = EVENT_COLUMNS.index("prev_hash")
HASH_AT = EVENT_COLUMNS.index("hash")
