"""Each file names the step whose determination is in force (``cases.determination_seq``,
migration 0020b): the payment run reads it instead of every step's record. It is the
latest step whose record is a determination not waiting for a second person."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import CaseEvent, CaseFile
from core.db.session import tenant_scope
from tests.casefile_samples import ILL, D, staff

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
RICHER = {**ILL, "members": [{**ILL["members"][0], "monthlyIncome": "2500"}]}


def in_force(session, number: int) -> tuple[int, int]:
    """(the column, the latest step with a determination not waiting) of file ``number``."""
    with tenant_scope(session, "hebei"):
        case_id, kept = session.execute(
            select(CaseFile.id, CaseFile.determination_seq).where(CaseFile.number == number)
        ).one()
        records = session.execute(
            select(CaseEvent.seq, CaseEvent.determination)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.seq)
        ).all()
        session.rollback()
    latest = max(seq for seq, record in records if record and not record.get("pending"))
    return kept, latest


def test_the_determination_in_force_follows_the_steps(service, session):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01"))
    number = int(case.id)
    assert in_force(session, number) == (1, 1)
    for who, action, day in (
        (REVIEWER, "review", "2026-09-25"),
        (REVIEWER, "publish", "2026-09-28"),
        (APPROVER, "approve", "2026-10-12"),
        (APPROVER, "file", "2026-10-13"),
    ):
        case = service.transition(who, case.id, action, case.version, D(day))
    assert in_force(session, number) == (5, 5)
    # new facts on a filed file wait for a second person: the filed determination holds
    case = service.transition(
        CASEWORKER, case.id, "update_facts", case.version, D("2026-11-02"), household=RICHER
    )
    assert case.pending_facts is not None
    assert in_force(session, number) == (5, 5)
    case = service.decide_facts(APPROVER, case.id, case.version, True, on=D("2026-11-03"))
    assert in_force(session, number) == (7, 7)
