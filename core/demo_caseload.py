"""A province's caseload for scale tests and benchmarks: ``bangfu demo --files N``.

Files of the real shape, fast enough to write a million in minutes. A few *model files*
are made first through the case service, exactly as staff would make them (a filed
file's five steps, an exited one's six, a rejected one, open ones in each step, some of
them overdue), so that their rows hold everything the application derives: the
determination record of every step (about 3.5 KB each), the summary columns, whose turn
it is, the applicant, the name keys, the ID hashes, the hash chain. Every other file is a
copy of one of them with its own number, its own people (names and synthetic resident ID
numbers of people born 1960-1989, valid check digits) and its own hash chain, written in
blocks: COPY on PostgreSQL where the role may (the owner), else multi-row inserts with the
tenant's setting made (row-level security holds for ``bangfu_app``), executemany on SQLite.

The mix (:data:`MIX`): 50% filed, 15% exited, 10% rejected, 25% open of which a fifth
overdue; about four steps a file. A copy's dates are its model's (no step after the
server's today).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from stdnum.cn import ric

from core.auth.principal import Principal
from core.cases.names import name_key
from core.cases.privacy import hash_id_number, mask_id_number
from core.db.chain import canonical
from core.db.models import Assignment, CaseEvent, CaseFile, MemberIdentity, MemberName
from core.db.session import tenant_scope
from core.registry import Registry

log = logging.getLogger("bangfu.demo")

D = date.fromisoformat
BLOCK = 5_000  #: files written a transaction


def _member(name: str, relation: str = "APPLICANT", **fields: Any) -> dict[str, Any]:
    return {"name": name, "relation": relation, **fields}


def _id(region: str, born: str, serial: str) -> str:
    body = region + born + serial
    return body + ric.calc_check_digit(body + "0")


# the model households: names no other text of a record holds (each is replaced in copies)
ILL: dict[str, Any] = {
    "members": [
        _member(
            "甄建国",
            age=42,
            monthlyIncome="2000",
            employment="EMPLOYED",
            ableToWork=True,
            seriousIllness=True,
            idNumber=_id("130102", "19840512", "031"),
        ),
        _member("禹秀兰", "SPOUSE", age=50, employment="UNEMPLOYED"),
    ],
    "annualMedicalOutOfPocket": "30000",
}
RECOVERED = {
    **ILL,
    "members": [
        {**ILL["members"][0], "monthlyIncome": "5200"},
        {**ILL["members"][1], "monthlyIncome": "2600", "employment": "EMPLOYED"},
    ],
    "annualMedicalOutOfPocket": "3000",
}
LAID_OFF = {
    "members": [
        _member(
            "卜志强",
            age=44,
            employment="LAID_OFF",
            ableToWork=True,
            idNumber=_id("130104", "19820306", "017"),
        ),
        _member("聂桂敏", "SPOUSE", age=42, employment="UNEMPLOYED", ableToWork=True),
        _member("卜小雨", "CHILD", age=14, educationStage="COMPULSORY", employment="STUDENT"),
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 8,
}
WELL_OFF = {
    "members": [
        _member(
            "訾平安",
            age=38,
            monthlyIncome="6500",
            employment="EMPLOYED",
            ableToWork=True,
            idNumber=_id("130203", "19880921", "046"),
        )
    ],
}
MODEL_NAMES = ("甄建国", "禹秀兰", "卜志强", "聂桂敏", "卜小雨", "訾平安")

#: approval 20 days after opening: the public notice's 5 working days, holidays included
STEPS = [("review", 1), ("publish", 2), ("approve", 20), ("file", 21)]
ROLE_OF = {
    "review": "reviewer",
    "publish": "reviewer",
    "reject": "reviewer",
    "approve": "approver",
    "file": "approver",
    "exit": "approver",
}


COMMENTS = {
    "reject": "收入高于标准,不符合特困职工条件 / income above the line",
    "exit": "已就业,生活稳定 / employed again, living is stable",
}


@dataclass(frozen=True)
class Shape:
    """A kind of file: its household, when it was opened, its steps (action, days after
    opening) and its share of the caseload."""

    kind: str  #: "filed", "exited", "rejected", "open", "overdue"
    household: dict[str, Any]
    opened_days_ago: int
    steps: tuple[tuple[str, int], ...]
    share: float


#: 50% filed, 15% exited, 10% rejected, 25% open (a fifth of them overdue)
MIX = (
    Shape("filed", ILL, 400, tuple(STEPS), 0.25),
    Shape("filed", ILL, 200, tuple(STEPS), 0.25),
    Shape("exited", ILL, 500, (*STEPS, ("exit", 109)), 0.075),
    Shape("exited", ILL, 300, (*STEPS, ("exit", 109)), 0.075),
    Shape("rejected", WELL_OFF, 100, (("reject", 1),), 0.05),
    Shape("rejected", WELL_OFF, 30, (("reject", 1),), 0.05),
    Shape("open", LAID_OFF, 0, (), 0.07),
    Shape("open", LAID_OFF, 1, (("review", 1),), 0.07),
    Shape("open", LAID_OFF, 2, (("review", 1), ("publish", 2)), 0.06),
    Shape("overdue", LAID_OFF, 60, (), 0.05),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = "建国秀兰志强桂芳明华丽军红英伟敏静磊洋勇艳杰娟涛超霞平刚玉梅海燕波辉宁鹏飞云峰雪琳晨阳"
REGIONS = ("130102", "130104", "130203", "130304", "130402", "130503", "130602", "130702")
BORN_FROM = date(1960, 1, 1)
BORN_DAYS = 10_957  #: 1960-01-01 to 1989-12-31


def person_name(n: int) -> str:
    """The ``n``-th invented name: a common surname and one or two given characters, so
    that names repeat across a province as real names do."""
    surname = SURNAMES[n % len(SURNAMES)]
    a = GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
    b = GIVEN[(n // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)]
    return surname + a + ("" if n % 7 == 0 else b)


def person_id(number: int, member: int) -> str:
    """A synthetic resident ID number, the same for the same file number and member and
    different for every other (a region, a birth date 1960-1989, a serial)."""
    n = number * 4 + member
    region = REGIONS[n % len(REGIONS)]
    born = BORN_FROM + timedelta(days=(n // len(REGIONS)) % BORN_DAYS)
    serial = (n // (len(REGIONS) * BORN_DAYS)) % 1000
    return _id(region, born.strftime("%Y%m%d"), f"{serial:03d}")


# --------------------------------------------------------------------------- templates
CASE_SENTINEL = 987_654_321_987
PREV_SENTINEL = "PREV-HASH-SENTINEL"


class Pattern:
    """A text with placeholders (exact substrings) filled per copy."""

    def __init__(self, textual: str, keys: Sequence[str]) -> None:
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


@dataclass
class Model:
    """One model file's rows, ready to copy."""

    shape: Shape
    case: dict[str, Any]
    events: list[dict[str, Any]]
    identities: list[dict[str, Any]]
    names: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    members: list[tuple[str, str]] = field(default_factory=list)  #: (name, relation)


def _staff(tenant: str, role: str) -> Principal:
    return Principal(user=f"demo.{role}@{tenant}", tenant=tenant, role=role)


def make_models(session: Session, registry: Registry, tenant: str) -> list[Model]:
    """The model files, made through the case service (they are files of the caseload)."""
    from core.cases.service import CaseService

    service = CaseService(session, registry)
    today = service.today()
    made: list[tuple[Shape, int]] = []
    with tenant_scope(session, tenant):  # row-level security: the tenant's own counter
        last = session.scalar(
            text("select last from case_counters where tenant = :t"), {"t": tenant}
        )
        session.rollback()
    for k, shape in enumerate(MIX):
        start = today - timedelta(days=shape.opened_days_ago)
        # the number it will be given: its people's ID numbers are the copies' kind
        number = (last or 0) + 1 + k
        household = _with_ids(shape.household, number)
        case = service.open_case(_staff(tenant, "caseworker"), tenant, household, False, start)
        for action, days in shape.steps:
            on = min(today, start + timedelta(days=days))
            actor = _staff(tenant, ROLE_OF.get(action, "caseworker"))
            if action == "exit":
                case = service.transition(
                    _staff(tenant, "caseworker"),
                    case.id,
                    "update_facts",
                    case.version,
                    on,
                    household=_with_ids(RECOVERED, number),
                )
                if case.pending_facts is not None:
                    case = service.decide_facts(actor, case.id, case.version, True, on=on)
            case = service.transition(
                actor, case.id, action, case.version, on, COMMENTS.get(action)
            )
        made.append((shape, int(case.id)))
    session.commit()
    return [_read_model(session, tenant, shape, number) for shape, number in made]


def _with_ids(household: dict[str, Any], number: int) -> dict[str, Any]:
    """The household with its members' ID numbers those of file ``number``."""
    members = [
        {**m, "idNumber": person_id(number, i)} if "idNumber" in m else m
        for i, m in enumerate(household["members"])
    ]
    return {**household, "members": members}


def _rows(session: Session, table: Any, *where: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(select(table).where(*where))]


def _read_model(session: Session, tenant: str, shape: Shape, number: int) -> Model:
    with tenant_scope(session, tenant):
        cases = CaseFile.__table__
        case = _rows(session, cases, cases.c.tenant == tenant, cases.c.number == number)[0]
        cid = case["id"]
        events = sorted(
            _rows(session, CaseEvent.__table__, CaseEvent.__table__.c.case_id == cid),
            key=lambda e: e["seq"],
        )
        identities = _rows(
            session, MemberIdentity.__table__, MemberIdentity.__table__.c.case_id == cid
        )
        names = _rows(session, MemberName.__table__, MemberName.__table__.c.case_id == cid)
        assignments = _rows(session, Assignment.__table__, Assignment.__table__.c.case_id == cid)
        session.rollback()
    members = [(m["name"], m["relation"]) for m in case["household"]["members"]]
    return Model(shape, case, events, identities, names, assignments, members)


# --------------------------------------------------------------------------- writing
class Writer:
    """Rows into one database. PostgreSQL: each block is COPied into temporary tables and
    inserted from there by the serving role as by the owner (row-level security holds:
    the tenant's setting is made), a copy's steps taken from its model's rows in the
    database (their records are not parsed again); SQLite: executemany."""

    def __init__(self, session: Session, tenant: str) -> None:
        self.session = session
        self.tenant = tenant
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"

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

    def begin_block(self, models: Sequence[Model]) -> None:
        if not self.postgres:
            return
        run = self.session.execute
        run(text("select set_config('app.tenant', :t, true)"), {"t": self.tenant})
        run(
            text(
                "CREATE TEMP TABLE load_models ON COMMIT DROP AS SELECT m.model, e.* "
                "FROM case_events e JOIN unnest(CAST(:ids AS int[]), CAST(:models AS int[])) "
                "AS m(case_id, model) ON e.case_id = m.case_id"
            ),
            {"ids": [m.case["id"] for m in models], "models": list(range(len(models)))},
        )
        run(
            text(
                "CREATE TEMP TABLE load_steps (model int, seq int, case_id int, "
                "prev_hash text, hash text) ON COMMIT DROP"
            )
        )
        for table in ("cases", "member_identities", "member_names", "assignments"):
            run(
                text(
                    f"CREATE TEMP TABLE load_{table} ON COMMIT DROP AS SELECT * FROM {table} WITH NO DATA"
                )
            )

    def new_ids(self, n: int) -> list[int]:
        if self.postgres:
            return list(
                self.session.scalars(
                    text(
                        "select nextval(pg_get_serial_sequence('cases', 'id')) "
                        "from generate_series(1, :n)"
                    ),
                    {"n": n},
                )
            )
        last = self.session.scalar(text("select coalesce(max(id), 0) from cases")) or 0
        return list(range(last + 1, last + 1 + n))

    def new_numbers(self, n: int) -> list[int]:
        last = self.session.execute(
            text(
                "INSERT INTO case_counters (tenant, last) VALUES (:t, :n) ON CONFLICT (tenant) "
                "DO UPDATE SET last = case_counters.last + :n RETURNING last"
            ),
            {"t": self.tenant, "n": n},
        ).scalar_one()
        return list(range(last - n + 1, last + 1))

    def _copy(self, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        raw = self.session.connection().connection.dbapi_connection
        names = ", ".join(f'"{c}"' for c in columns)
        lines = "".join("\t".join(map(_copy_text, r)) + "\n" for r in rows)
        copying = f"COPY {table} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(copying) as copy:  # type: ignore[union-attr]
            copy.write(lines)

    def write(self, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            self._copy(f"load_{table}", columns, rows)
            self.session.execute(
                text(f"INSERT INTO {table} ({names}) SELECT {names} FROM load_{table}")
            )
            return
        raw = self.session.connection().connection.dbapi_connection
        assert raw is not None
        statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"
        cursor = raw.cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()

    def write_steps(self, prepared: Sequence[Prepared], steps: list[Step]) -> None:
        """The copies' steps: their model's rows with the copy's file and hash chain."""
        if not steps:
            return
        if self.postgres:
            self._copy("load_steps", ("model", "seq", "case_id", "prev_hash", "hash"), steps)
            names = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
            taken = ", ".join(
                f"s.{c}" if c in ("case_id", "prev_hash", "hash") else f'm."{c}"'
                for c in EVENT_COLUMNS
            )
            self.session.execute(
                text(
                    f"INSERT INTO case_events ({names}) SELECT {taken} FROM load_steps s "
                    "JOIN load_models m ON m.model = s.model AND m.seq = s.seq"
                )
            )
            return
        rows = []
        case_at, prev_at, hash_at = (
            EVENT_COLUMNS.index(c) for c in ("case_id", "prev_hash", "hash")
        )
        for which, seq, case_id, prev, digest in steps:
            row = list(prepared[which].events[seq - 1])
            row[case_at], row[prev_at], row[hash_at] = case_id, prev, digest
            rows.append(row)
        self.write("case_events", EVENT_COLUMNS, rows)


#: a copy's step: (model, seq, case id, previous hash, hash)
Step = list[Any]


def _copy_text(v: Any) -> str:
    if v is None:
        return "\\N"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


# --------------------------------------------------------------------------- copies
CASE_COLUMNS = [c.name for c in CaseFile.__table__.columns]
EVENT_COLUMNS = [c.name for c in CaseEvent.__table__.columns if c.name != "id"]
IDENTITY_COLUMNS = ["tenant", "case_id", "member_index", "id_hash", "id_masked"]
NAME_COLUMNS = ["tenant", "case_id", "member_index", "name_key"]
ASSIGNMENT_COLUMNS = ["tenant", "case_id", "user", "duty", "since", "until"]


@dataclass
class Prepared:
    """A model file's rows in the writer's form; the household a :class:`Pattern` of its
    people's names."""

    model: Model
    case: list[Any]
    events: list[list[Any]]
    canon: list[tuple[bytes, bytes, bytes]]  #: each step's hashed form around case and prev


def _prepare(model: Model, writer: Writer) -> Prepared:
    case = [writer.value(model.case[c]) for c in CASE_COLUMNS]
    at = CASE_COLUMNS.index("household")
    case[at] = Pattern(case[at], MODEL_NAMES)
    events = [[writer.value(e[c]) for c in EVENT_COLUMNS] for e in model.events]
    canon = []
    for e in model.events:
        whole = canonical({**e, "case_id": CASE_SENTINEL}, PREV_SENTINEL)
        head, rest = whole.split(str(CASE_SENTINEL).encode(), 1)
        middle, tail = rest.split(PREV_SENTINEL.encode(), 1)
        canon.append((head, middle, tail))
    return Prepared(model, case, events, canon)


def _copy_rows(
    p: Prepared, writer: Writer, which: int, case_id: int, number: int, person: int, helper: str
) -> tuple[list[Any], list[Step], list[list[Any]], list[list[Any]], list[list[Any]]]:
    """One copy of a model file: its row, steps, identities, names and assignment."""
    model = p.model
    values: dict[str, str] = {}
    new_names = []
    for i, (old, _relation) in enumerate(model.members):
        new = person_name(person + i)
        values[old] = new
        new_names.append(new)
    identities = []
    for ident in model.identities:
        number_text = person_id(number, ident["member_index"])
        identities.append(
            [
                writer.tenant,
                case_id,
                ident["member_index"],
                hash_id_number(number_text),
                mask_id_number(number_text),
            ]
        )
    steps: list[Step] = []
    prev = ""
    cid = str(case_id).encode()
    for seq, (head, middle, tail) in enumerate(p.canon, start=1):
        digest = hashlib.sha256(head + cid + middle + prev.encode() + tail).hexdigest()
        steps.append([which, seq, case_id, prev, digest])
        prev = digest
    case = [v.fill(values) if isinstance(v, Pattern) else v for v in p.case]
    case[HEAD_AT], case[EVENTS_AT] = prev, len(steps)  # the head of its own history
    case[CASE_ID_AT] = case_id
    case[NUMBER_AT] = number
    case[APPLICANT_AT] = next(
        (n for n, (_, rel) in zip(new_names, model.members, strict=True) if rel == "APPLICANT"),
        "",
    )
    names = [
        [writer.tenant, case_id, i, name_key(n)] for i, n in enumerate(new_names) if name_key(n)
    ]
    assignments = [
        [
            writer.tenant,
            case_id,
            helper,
            a["duty"],
            writer.value(a["since"]),
            writer.value(a["until"]),
        ]
        for a in model.assignments
    ]
    return case, steps, identities, names, assignments


CASE_ID_AT = CASE_COLUMNS.index("id")
NUMBER_AT = CASE_COLUMNS.index("number")
APPLICANT_AT = CASE_COLUMNS.index("applicant")
HEAD_AT = CASE_COLUMNS.index("history_head")
EVENTS_AT = CASE_COLUMNS.index("history_events")


def _plan(models: Sequence[Model], files: int) -> list[int]:
    """Which model each copy follows: the shares of :data:`MIX` over all ``files``, spread
    evenly, the model files themselves counted."""
    order: list[int] = []
    owed = [0.0] * len(models)
    for _ in range(files):
        for i, m in enumerate(models):
            owed[i] += m.shape.share
        best = max(range(len(models)), key=owed.__getitem__)
        owed[best] -= 1
        order.append(best)
    for i in range(len(models)):  # the model file is one of its kind
        if i in order:
            order.remove(i)
    return order[: max(0, files - len(models))]


@dataclass(frozen=True)
class Loaded:
    files: int
    events: int
    seconds: float
    kinds: dict[str, int]


def load_caseload(
    session: Session,
    registry: Registry,
    tenant: str,
    files: int,
    progress: Callable[[int, float], None] | None = None,
) -> Loaded:
    """Add ``files`` files of the real shape to ``tenant`` (at least one per model file)."""
    start = time.perf_counter()
    models = make_models(session, registry, tenant)
    writer = Writer(session, tenant)
    prepared = [_prepare(m, writer) for m in models]
    kinds: dict[str, int] = {}
    for m in models:
        kinds[m.shape.kind] = kinds.get(m.shape.kind, 0) + 1
    events = sum(len(m.events) for m in models)
    plan = _plan(models, files)
    helpers = max(1, files // 300)  #: a caseworker is responsible for about 300 files
    done = len(models)
    for block in _blocks(plan, BLOCK):
        writer.begin_block(models)
        ids = writer.new_ids(len(block))
        numbers = writer.new_numbers(len(block))
        rows: tuple[list[Any], ...] = ([], [], [], [], [])
        for which, case_id, number in zip(block, ids, numbers, strict=True):
            helper = f"caseworker{number % helpers:04d}@{tenant}"
            case, evs, idents, names, duties = _copy_rows(
                prepared[which], writer, which, case_id, number, number * 3, helper
            )
            rows[0].append(case)
            rows[1].extend(evs)
            rows[2].extend(idents)
            rows[3].extend(names)
            rows[4].extend(duties)
            kind = models[which].shape.kind
            kinds[kind] = kinds.get(kind, 0) + 1
        writer.write("cases", CASE_COLUMNS, rows[0])
        writer.write_steps(prepared, rows[1])
        writer.write("member_identities", IDENTITY_COLUMNS, rows[2])
        writer.write("member_names", NAME_COLUMNS, rows[3])
        writer.write("assignments", ASSIGNMENT_COLUMNS, rows[4])
        session.commit()
        done += len(block)
        events += len(rows[1])
        if progress is not None:
            progress(done, time.perf_counter() - start)
    _after_load(session)
    return Loaded(done, events, time.perf_counter() - start, kinds)


def _blocks(plan: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(plan), size):
        yield plan[i : i + size]


def _after_load(session: Session) -> None:
    """The tables as a settled database has them (PostgreSQL; the tables' owner only):
    vacuumed, so that index-only scans read no table page (autovacuum would see to it
    within minutes), and analysed, so that the planner knows their sizes."""
    if session.connection().dialect.name != "postgresql":
        return
    session.commit()
    tables = "cases, case_events, member_identities, member_names, assignments, case_tallies"
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        with suppress(DBAPIError):
            connection.execute(text(f"VACUUM (ANALYZE) {tables}"))
