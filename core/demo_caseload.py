"""A province's caseload for scale tests and benchmarks: ``bangfu demo --files N``.

Files of the real shape, fast enough to write a million in minutes. A few *model files*
are made first through the case service, exactly as staff would make them (a filed
file's five steps, an exited one's six, a rejected one, open ones in each step, some of
them overdue), so that their rows hold everything the application derives: the
determination record of every step (about 9 KB of JSON each, 4.5 KB stored), the summary
columns, whose turn it is, the applicant, the name keys, the ID hashes, the hash chain.
Every other file is a copy of one of them with its own number, its own people (names, one
in fifty beginning with ``=``, and synthetic resident ID numbers of people born 1960-1989,
valid check digits, none shared between tenants) and its own hash chain, written in
blocks by :mod:`core.caseload_writer` (COPY on PostgreSQL, executemany on SQLite). A
copy's step records are its model's, byte for byte (they name the model's people).

The mix (:data:`MIX`): 50% filed, 15% exited, 10% rejected, 25% open of which a fifth
overdue; about four steps a file. A copy's dates are its model's (no step after the
server's today).

Gansu (:data:`GANSU_MIX`) has the same shares, its model files walked through its own
procedure (visit, inspect, assess, discuss, rate, publish, approve, sign, file; exit once
两有五保障 are secured) with Gansu's households, steps and roles of :mod:`core.demo`. Its
targets count the files filed on its baseline day (2018-01-01): half of its filed files
and all of its exited ones were opened in 2017 (the exited ones left hardship in 2018 and
2019), so that a Gansu caseload has a baseline to count and progress against it. Gansu
sets no deadline on an open file: its "overdue" fifth are open files untouched for 60
days, as Hebei's are (and its exited files are due their follow-up checks).
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from stdnum.cn import ric

from core import demo
from core.auth.principal import Principal
from core.cases.names import name_key
from core.cases.privacy import hash_id_number, mask_id_number
from core.db.chain import canonical
from core.db.models import Assignment, CaseEvent, CaseFile, MemberIdentity, MemberName
from core.db.session import tenant_scope
from core.registry import Registry

log = logging.getLogger("bangfu.demo")

D = date.fromisoformat
BLOCK = 10_000  #: files written a transaction


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
#: who takes each step (Hebei's and Gansu's, as the demonstration's files have them)
ROLE_OF = demo.ROLE_OF
COMMENTS = demo.COMMENTS


@dataclass(frozen=True)
class Shape:
    """A kind of file: its household, when it was opened, its steps (action, days after
    opening) and its share of the caseload."""

    kind: str  #: "filed", "exited", "rejected", "open", "overdue"
    household: dict[str, Any]
    opened_days_ago: int
    steps: tuple[tuple[str, int], ...]
    share: float
    opened_on: date | None = None  #: a fixed day instead (before a target's baseline)
    recovered: dict[str, Any] | None = None  #: the facts it exits on (else :data:`RECOVERED`)


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

GANSU_STEPS = tuple(demo.GANSU_STEPS)
#: exited: out of hardship once insured again, in 2018 (the 30% due by its end) and 2019
GANSU_EXIT = (*GANSU_STEPS, ("exit", 480))
GANSU_EXIT_LATER = (*GANSU_STEPS, ("exit", 700))
#: the demonstration's worker laid off in restructuring, as he was in 2017: earning 600
#: (in hardship below 1.5 times 2017's 低保 line of 450: 900 was not); insured again, he
#: earns 900
RESTRUCTURED_2017 = {
    **demo.RESTRUCTURED,
    "members": [{**demo.RESTRUCTURED["members"][0], "monthlyIncome": "600"}],
}
#: Gansu's mix: the same shares, half the filed files and the exited ones opened in 2017,
#: before the targets' baseline (2018-01-01), the rest as Hebei's
GANSU_MIX = (
    Shape("filed", demo.DIBAO_UNEMPLOYED, 0, GANSU_STEPS, 0.25, D("2017-10-09")),
    Shape("filed", demo.DIBAO_UNEMPLOYED, 200, GANSU_STEPS, 0.25),
    Shape(
        "exited",
        RESTRUCTURED_2017,
        0,
        GANSU_EXIT,
        0.075,
        D("2017-09-04"),
        demo.RESTRUCTURED_SECURED,
    ),
    Shape(
        "exited",
        RESTRUCTURED_2017,
        0,
        GANSU_EXIT_LATER,
        0.075,
        D("2017-11-06"),
        demo.RESTRUCTURED_SECURED,
    ),
    Shape("rejected", demo.NOT_IN_HARDSHIP, 100, (("reject", 1),), 0.05),
    Shape("rejected", demo.NOT_IN_HARDSHIP, 30, (("reject", 1),), 0.05),
    Shape("open", demo.DIBAO_UNEMPLOYED, 0, (), 0.07),
    Shape("open", demo.DIBAO_UNEMPLOYED, 1, GANSU_STEPS[:1], 0.07),
    Shape("open", demo.DIBAO_UNEMPLOYED, 3, GANSU_STEPS[:3], 0.06),
    Shape("overdue", demo.DIBAO_UNEMPLOYED, 60, (), 0.05),
)
#: each tenant's mix (any other tenant's: :data:`MIX`, Hebei's procedure)
MIXES = {"gansu": GANSU_MIX}


def mix_of(tenant: str) -> tuple[Shape, ...]:
    """The model files' shapes of ``tenant``'s caseload."""
    return MIXES.get(tenant, MIX)


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = "建国秀兰志强桂芳明华丽军红英伟敏静磊洋勇艳杰娟涛超霞平刚玉梅海燕波辉宁鹏飞云峰雪琳晨阳"
#: the regions of a tenant's people (the first six digits of their ID numbers): Hebei's
#: districts, Gansu's; any other tenant's people are Hebei's regions with serial numbers of
#: their own, so that no two tenants' files share a person
REGIONS = ("130102", "130104", "130203", "130304", "130402", "130503", "130602", "130702")
TENANT_REGIONS = {
    "gansu": ("620102", "620103", "620402", "620502", "620602", "620702", "620802", "620902")
}
BORN_FROM = date(1960, 1, 1)
BORN_DAYS = 10_957  #: 1960-01-01 to 1989-12-31


def person_name(n: int) -> str:
    """The ``n``-th invented name: a common surname and one or two given characters, so
    that names repeat across a province as real names do. One in fifty begins with ``=``,
    as names typed into a spreadsheet do (a formula to any program that trusts it)."""
    surname = SURNAMES[n % len(SURNAMES)]
    a = GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
    b = GIVEN[(n // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)]
    return ("=" if n % 50 == 17 else "") + surname + a + ("" if n % 7 == 0 else b)


def person_id(number: int, member: int, tenant: str = "hebei") -> str:
    """A synthetic resident ID number, the same for the same tenant, file number and member
    and different for every other (a region, a birth date 1960-1989, a serial)."""
    n = number * 4 + member
    regions = TENANT_REGIONS.get(tenant, REGIONS)
    region = regions[n % len(regions)]
    born = BORN_FROM + timedelta(days=(n // len(regions)) % BORN_DAYS)
    # a tenant of Hebei's regions but not Hebei: serials 100-999 (four million files fit
    # under 100 serials), a block of a hundred by its name
    offset = (
        0
        if tenant in TENANT_REGIONS or tenant == "hebei"
        else 100 + zlib.crc32(tenant.encode()) % 9 * 100
    )
    serial = (n // (len(regions) * BORN_DAYS) + offset) % 1000
    return _id(region, born.strftime("%Y%m%d"), f"{serial:03d}")


# --------------------------------------------------------------------------- templates
CASE_SENTINEL = 987_654_321_987
PREV_SENTINEL = "PREV-HASH-SENTINEL"


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
    for k, shape in enumerate(mix_of(tenant)):
        start = shape.opened_on or today - timedelta(days=shape.opened_days_ago)
        # the number it will be given: its people's ID numbers are the copies' kind
        number = (last or 0) + 1 + k
        household = _with_ids(shape.household, number, tenant)
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
                    household=_with_ids(shape.recovered or RECOVERED, number, tenant),
                )
                if case.pending_facts is not None:
                    case = service.decide_facts(actor, case.id, case.version, True, on=on)
            case = service.transition(
                actor, case.id, action, case.version, on, COMMENTS.get(action)
            )
        made.append((shape, int(case.id)))
    session.commit()
    return [_read_model(session, tenant, shape, number) for shape, number in made]


def _with_ids(household: dict[str, Any], number: int, tenant: str) -> dict[str, Any]:
    """The household with its members' ID numbers those of file ``number`` (the applicant
    always has one)."""
    members = [
        {**m, "idNumber": person_id(number, i, tenant)} if "idNumber" in m or i == 0 else m
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


# --------------------------------------------------------------------------- copies
@dataclass
class Template:
    """A model file with what every copy of it reuses, computed once: each step's hashed
    form split around the file's id and the previous step's hash."""

    model: Model
    canon: list[tuple[bytes, bytes, bytes]]


def template(model: Model) -> Template:
    canon = []
    for e in model.events:
        whole = canonical({**e, "case_id": CASE_SENTINEL}, PREV_SENTINEL)
        head, rest = whole.split(str(CASE_SENTINEL).encode(), 1)
        middle, tail = rest.split(PREV_SENTINEL.encode(), 1)
        canon.append((head, middle, tail))
    return Template(model, canon)


@dataclass(slots=True)
class FileCopy:
    """What one copy of a model file has of its own: its file, its people, its chain."""

    model: int  #: which template
    case_id: int
    number: int
    helper: str  #: the caseworker responsible
    names: dict[str, str]  #: the model's names -> this file's
    applicant: str
    identities: list[tuple[int, str, str]]  #: (member, ID hash, masked ID)
    name_keys: list[tuple[int, str]]  #: (member, the search's key of the name)
    steps: list[tuple[int, str, str]]  #: (seq, previous step's hash, hash)
    head: str  #: the last step's hash


def copy_file(
    templates: Sequence[Template],
    tenant: str,
    which: int,
    case_id: int,
    number: int,
    helper: str,
) -> FileCopy:
    """Copy ``which`` as file ``number`` (internal id ``case_id``): its people are the
    ``number * 3``-th invented names on, their ID numbers file ``number``'s."""
    t = templates[which]
    person = number * 3
    names: dict[str, str] = {}
    keys = []
    applicant = ""
    for i, (old, relation) in enumerate(t.model.members):
        new = person_name(person + i)
        names[old] = new
        if relation == "APPLICANT" and not applicant:
            applicant = new
        key = name_key(new)
        if key:
            keys.append((i, key))
    identities = []
    for ident in t.model.identities:
        member = ident["member_index"]
        id_number = person_id(number, member, tenant)
        identities.append((member, hash_id_number(id_number), mask_id_number(id_number)))
    steps = []
    prev = ""
    cid = str(case_id).encode()
    for seq, (head, middle, tail) in enumerate(t.canon, start=1):
        digest = hashlib.sha256(head + cid + middle + prev.encode() + tail).hexdigest()
        steps.append((seq, prev, digest))
        prev = digest
    return FileCopy(which, case_id, number, helper, names, applicant, identities, keys, steps, prev)


#: the mix's shares are multiples of 1/200: its spread repeats every 200 files
CYCLE = 200


def _plan(models: Sequence[Model], files: int) -> list[int]:
    """Which model each copy follows: the shares of :data:`MIX` over all ``files``, spread
    evenly (a cycle of 200 files, each kind in its share), the model files themselves
    counted."""
    cycle: list[int] = []
    owed = [0.0] * len(models)
    for _ in range(CYCLE):
        for i, m in enumerate(models):
            owed[i] += m.shape.share
        best = max(range(len(models)), key=owed.__getitem__)
        owed[best] -= 1
        cycle.append(best)
    order = (cycle * (files // CYCLE + 1))[:files]
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
    """Add ``files`` files of the real shape to ``tenant`` (at least one per model file).

    The model files are made first; the copies' numbers and ids are then taken at once,
    and the copies written in blocks of :data:`BLOCK`, one transaction each: each block's
    rows made in a thread of their own while the writer's connections (two on
    PostgreSQL) write the blocks before it. Should the load stop half way, the files
    written stay and the numbers taken for the rest are not given again (a gap, as a
    refused file leaves)."""
    from core.caseload_writer import writer_for

    start = time.perf_counter()
    models = make_models(session, registry, tenant)
    templates = [template(m) for m in models]
    plan = _plan(models, files)
    writer = writer_for(session, tenant, templates)
    ids, numbers = writer.reserve(len(plan))
    session.commit()
    kinds = Counter(m.shape.kind for m in models)
    kinds.update(models[which].shape.kind for which in plan)
    events = sum(len(m.events) for m in models)
    helpers = max(1, files // 300)  #: a caseworker is responsible for about 300 files

    def block(at: int) -> Any:
        copies = [
            copy_file(
                templates,
                tenant,
                which,
                ids[k],
                numbers[k],
                f"caseworker{numbers[k] % helpers:04d}@{tenant}",
            )
            for k, which in enumerate(plan[at : at + BLOCK], start=at)
        ]
        return writer.rows(copies)

    loaded = _Progress(len(models), events, start, progress)
    _write_blocks(
        session, writer, [partial(block, at) for at in range(0, len(plan), BLOCK)], loaded
    )
    writer.settle()
    return Loaded(loaded.files, loaded.events, time.perf_counter() - start, dict(kinds))


@dataclass
class _Progress:
    files: int
    events: int
    start: float
    report: Callable[[int, float], None] | None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def written(self, rows: Any) -> None:
        with self.lock:
            self.files += rows.files
            self.events += rows.events
            if self.report is not None:
                self.report(self.files, time.perf_counter() - self.start)


def _write_blocks(
    session: Session, writer: Any, blocks: list[Callable[[], Any]], loaded: _Progress
) -> None:
    """Each block made in a thread of its own and written by one of the writer's
    connections (``session``'s, and another on PostgreSQL), each block a transaction; at
    most one block made ahead of each writer."""
    made: queue.Queue[Any] = queue.Queue(maxsize=writer.writers)
    failed: list[BaseException] = []

    def make() -> None:
        try:
            for build in blocks:
                if failed:
                    break
                made.put(build())
        except BaseException as exc:  # handed to the caller
            failed.append(exc)
        finally:
            for _ in range(writer.writers):
                made.put(None)

    def write(into: Session) -> None:
        try:
            while (rows := made.get()) is not None:
                if failed:
                    continue  # drain: the maker must not wait on a full queue
                writer.write(rows, into)
                into.commit()
                loaded.written(rows)
        except BaseException as exc:  # handed to the caller
            into.rollback()
            failed.append(exc)
            while made.get() is not None:
                pass

    threads = [threading.Thread(target=make, name="caseload-make", daemon=True)]
    others = [Session(bind=session.get_bind()) for _ in range(writer.writers - 1)]
    threads += [threading.Thread(target=write, args=(o,), daemon=True) for o in others]
    for t in threads:
        t.start()
    try:
        write(session)
    finally:
        for t in threads:
            t.join()
        for o in others:
            o.close()
    if failed:
        raise failed[0]
