"""The worklist through the case service, as a county office has it: two tenants' files in
one database, more files than any fixed limit, whose turn each file is.

Large caseloads are made with bulk SQL inserts (copies of a file opened through the
service, numbered on), so that a test of 6,000 files takes seconds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from core.cases.names import name_key
from core.cases.privacy import hash_id_number, mask_id_number
from core.cases.worklist import PAGE, WorklistQuery
from core.db.models import Assignment, CaseCounter, CaseFile, MemberIdentity, MemberName
from core.errors import BangfuError
from tests.casefile_samples import COMFORTABLE, ILL, RESTRUCTURED, D, staff

ADMIN = staff("hebei", "admin")
CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
ID_NUMBER = "11010519491231002X"  # check digit valid


def household(name: str, base: dict[str, Any] = ILL, id_number: str | None = None):
    members = [dict(m) for m in base["members"]]
    members[0]["name"] = name
    if id_number:
        members[0]["idNumber"] = id_number
    return {**base, "members": members}


def lines(service, principal, tenant="hebei", **asked) -> list:
    return list(service.worklist(principal, tenant, WorklistQuery(**asked)).lines)


def walk(service, case, *steps):
    """Take ``steps`` (action, principal, date) on the file; the file after them."""
    for action, who, on in steps:
        case = service.transition(who, case.id, action, case.version, D(on))
    return case


# --------------------------------------------------------------------------- the row key
def test_lines_carry_the_files_number_when_two_tenants_share_the_database(service):
    """A file numbered 2 in Hebei is 2 on its worklist line, whatever rows Gansu's files
    took in between (the line carried the row key: "#4", whose link found nothing)."""
    opened = {}
    for n in range(3):
        service.open_case(staff("gansu", "caseworker"), "gansu", household(f"甘{n}", RESTRUCTURED))
        case = service.open_case(CASEWORKER, "hebei", household(f"冀{n}"), on=D("2026-11-02"))
        opened[case.id] = f"冀{n}"
    found = lines(service, ADMIN, view="all", sort="id")
    assert [(i.id, i.applicant) for i in found] == sorted(opened.items())
    for item in found:  # each line opens its own file
        assert service.get_case(ADMIN, item.id).household["members"][0]["name"] == item.applicant


def test_an_id_number_finds_its_file_by_number_with_another_tenant_in_between(service):
    service.open_case(staff("gansu", "caseworker"), "gansu", household("甘", RESTRUCTURED))
    wanted = service.open_case(CASEWORKER, "hebei", household("冀甲", id_number=ID_NUMBER))
    service.open_case(CASEWORKER, "hebei", household("冀乙"))
    found = lines(service, ADMIN, view="all", id_number=ID_NUMBER)
    assert [(i.id, i.applicant) for i in found] == [(wanted.id, "冀甲")]
    assert lines(service, ADMIN, view="all", id_number="110105198001010016") == []


# --------------------------------------------------------------------------- whose turn
@pytest.fixture
def hebei_files(service):
    """Three Hebei files: one applied (the reviewer's turn), one in public notice (the
    approver's), one filed (nobody's)."""
    applied = service.open_case(CASEWORKER, "hebei", household("申请甲"), on=D("2026-11-16"))
    notice = service.open_case(CASEWORKER, "hebei", household("公示乙"), on=D("2026-11-02"))
    notice = walk(
        service, notice, ("review", REVIEWER, "2026-11-03"), ("publish", REVIEWER, "2026-11-04")
    )
    filed = service.open_case(CASEWORKER, "hebei", household("备案丙"), on=D("2026-09-01"))
    filed = walk(
        service,
        filed,
        ("review", REVIEWER, "2026-09-02"),
        ("publish", REVIEWER, "2026-09-03"),
        ("approve", APPROVER, "2026-09-21"),
        ("file", APPROVER, "2026-09-22"),
    )
    return {"applied": applied.id, "notice": notice.id, "filed": filed.id}


def test_my_tasks_are_the_files_whose_next_step_is_mine(service, hebei_files):
    """The reviewer's tasks are the files waiting for a review; the approver's those
    waiting for approval; the caseworker who opened them has none (the review is not
    hers); the administrator sees every file that waits for someone, and nobody the filed
    file (it waits for its periodic review only)."""
    files = hebei_files

    def mine(principal):
        return {i.id for i in lines(service, principal)}

    assert mine(REVIEWER) == {files["applied"]}
    assert mine(APPROVER) == {files["notice"]}
    assert mine(CASEWORKER) == set()
    assert mine(ADMIN) == {files["applied"], files["notice"]}
    page = service.worklist(REVIEWER, "hebei", WorklistQuery())
    assert page.counts["mine"] == 1 and page.counts["all"] == 3


def test_every_line_says_whose_turn_it_is(service, hebei_files):
    turns = {i.id: i.turn for i in lines(service, CASEWORKER, view="all")}
    applied, notice = turns[hebei_files["applied"]], turns[hebei_files["notice"]]
    assert (applied.step, applied.zh, applied.who_zh) == ("review", "基层工会审核", "审核人")
    assert (notice.step, notice.who_zh, notice.who_en) == ("approve", "审批人", "approver")
    assert turns[hebei_files["filed"]] is None
    assert all(not i.my_step for i in lines(service, CASEWORKER, view="all"))


def test_a_caseworkers_steps_are_on_her_own_files(service):
    """Gansu's home visit is the caseworker's step: each caseworker's tasks are the files
    she is responsible for (一帮一), and the line names her."""
    first, second = staff("gansu", "caseworker", "cw.one"), staff("gansu", "caseworker", "cw.two")
    mine = service.open_case(first, "gansu", household("甲", RESTRUCTURED))
    theirs = service.open_case(second, "gansu", household("乙", RESTRUCTURED))
    found = lines(service, first, "gansu")
    assert [i.id for i in found] == [mine.id]
    assert found[0].mine and found[0].my_step and found[0].turn.who_zh == "经办人(cw.one)"
    assert [i.id for i in lines(service, second, "gansu")] == [theirs.id]
    reviewer = staff("gansu", "reviewer")
    assert lines(service, reviewer, "gansu") == []  # the visits are not the reviewer's
    assert len(lines(service, staff("gansu", "admin"), "gansu")) == 2


def test_files_of_before_the_turn_column_get_their_turn_worked_out(service, session):
    """Files opened before migration 0015 have their turn unknown ("?") until the worklist
    works it out from their history."""
    case = service.open_case(CASEWORKER, "hebei", household("旧档"))
    session.execute(update(CaseFile).values(turn="?"))
    session.commit()
    assert [i.id for i in lines(service, REVIEWER)] == [case.id]
    assert session.scalar(select(CaseFile.turn)) == "review"


# --------------------------------------------------------------------------- at any size
def bulk_files(session, template_number: int, tenant: str, count: int, start: int) -> None:
    """``count`` copies of the tenant's file ``template_number``, numbered from ``start``,
    named 批量<n>, each with its name keys, an ID number and its responsible person."""
    template = session.execute(
        select(CaseFile.__table__).where(
            CaseFile.tenant == tenant, CaseFile.number == template_number
        )
    ).one()
    base = {k: v for k, v in template._mapping.items() if k != "id"}
    rows = []
    for n in range(start, start + count):
        members = [dict(m, name=f"批量{n}") for m in base["household"]["members"]]
        rows.append(
            base
            | {
                "number": n,
                "applicant": f"批量{n}",
                "household": {**base["household"], "members": members},
            }
        )
    table = CaseFile.__table__
    ids = session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    ).all()
    keyed = [
        {"tenant": tenant, "case_id": i, "member_index": 0, "name_key": name_key(f"批量{n}")}
        for i, n in zip(ids, range(start, start + count), strict=True)
    ]
    session.execute(insert(MemberName), keyed)
    session.execute(
        insert(MemberIdentity),
        [
            {
                "tenant": tenant,
                "case_id": i,
                "member_index": 0,
                "id_hash": hash_id_number(f"{n:018d}"),
                "id_masked": mask_id_number(f"{n:018d}"),
            }
            for i, n in zip(ids, range(start, start + count), strict=True)
        ],
    )
    session.execute(
        insert(Assignment),
        [
            {
                "tenant": tenant,
                "case_id": i,
                "user": base["opened_by"],
                "duty": "responsible",
                "since": base["opened_on"],
            }
            for i in ids
        ],
    )
    session.execute(
        update(CaseCounter).where(CaseCounter.tenant == tenant).values(last=start + count - 1)
    )
    session.commit()


def test_the_worklist_is_complete_past_5000_files(service, session):
    """With 6,000 files more than the oldest ones, a name shared by two of the oldest
    files still finds both, an ID number on the oldest file finds it, every count is the
    database's own, and the last page holds the last lines: the worklist read only the
    5,000 newest files before, so all of these came out wrong."""
    old = [
        service.open_case(CASEWORKER, "hebei", household("欧阳娜", id_number=ID_NUMBER)),
        service.open_case(CASEWORKER, "hebei", household("欧阳娜")),
        service.open_case(CASEWORKER, "hebei", household("周平", COMFORTABLE)),
    ]
    service.open_case(staff("gansu", "caseworker"), "gansu", household("欧阳娜", RESTRUCTURED))

    def answers():
        page = service.worklist(ADMIN, "hebei", WorklistQuery(view="all", name="欧阳"))
        by_id = lines(service, ADMIN, view="all", id_number=ID_NUMBER)
        return (
            sorted(i.id for i in page.lines),
            [i.id for i in by_id],
            [i.id for i in lines(service, ADMIN, view="all", name="周")],
            [i.id for i in lines(service, REVIEWER, name="欧阳")],
        )

    small = answers()
    assert small[0] == sorted([old[0].id, old[1].id]) and small[1] == [old[0].id]
    bulk_files(session, 1, "hebei", 6_000, start=4)
    bulk_files(session, 1, "gansu", 300, start=2)
    assert answers() == small  # the answer does not depend on how many other files there are

    total = session.scalar(select(func.count()).where(CaseFile.tenant == "hebei"))
    assert total == 6_003
    page = service.worklist(ADMIN, "hebei", WorklistQuery(view="all", sort="id"))
    assert page.total == page.counts["all"] == total and len(page.lines) == PAGE
    assert page.counts["mine"] == total  # every file waits for its review
    last = service.worklist(ADMIN, "hebei", WorklistQuery(view="all", sort="id", offset=6_000))
    assert [i.id for i in last.lines] == ["6001", "6002", "6003"] and not last.more
    newest = lines(service, ADMIN, view="all", sort="id", desc=True, limit=2)
    assert [i.id for i in newest] == ["6003", "6002"]
    by_name = lines(service, ADMIN, view="all", sort="applicant", limit=1)
    assert by_name[0].applicant == min(["欧阳娜", "周平", "批量4"])
    assert [i.id for i in lines(service, ADMIN, view="all", id_number=f"{5_999:018d}")] == ["5999"]


def test_a_bad_query_is_refused_in_both_languages(service):
    for asked in ({"view": "everything"}, {"sort": "salary"}, {"offset": -1}):
        with pytest.raises(BangfuError) as refused:
            lines(service, ADMIN, **asked)
        assert refused.value.code == "BAD_INPUT" and refused.value.zh
