"""``bangfu demo --files N``: a caseload of the real shape, read back through the public
API as staff read any file (the worklist, the file, its history, the audit of its chain)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from core.cases.service import CaseService
from core.cases.worklist import WorklistQuery
from core.db.chain import verify_tenants
from core.db.models import CaseEvent, CaseFile
from core.demo_caseload import MIX, load_caseload, person_id, person_name
from tests.casefile_samples import staff

ADMIN = staff("hebei", "admin")
FILES = 300


@pytest.fixture
def loaded(session, registry):
    return load_caseload(session, registry, "hebei", FILES)


def test_the_mix_is_the_provinces(loaded, session, registry):
    assert loaded.files == FILES
    statuses = Counter(
        dict(
            session.execute(
                select(CaseFile.status, func.count())
                .where(CaseFile.tenant == "hebei")
                .group_by(CaseFile.status)
            ).all()
        )
    )
    filed, exited = statuses["filed"], statuses["exited"]
    rejected = statuses["rejected"]
    still_open = FILES - filed - exited - rejected
    assert (filed, exited, rejected, still_open) == pytest.approx((150, 45, 30, 75), abs=2)
    steps = session.scalar(select(func.count()).select_from(CaseEvent))
    assert steps == loaded.events and 3.8 <= steps / FILES <= 4.6
    service = CaseService(session, registry)
    page = service.worklist(ADMIN, "hebei", WorklistQuery(view="all"))
    assert page.total == page.counts["all"] == FILES
    # a fifth of the open files are overdue (their first step late by weeks)
    assert page.counts["overdue"] == pytest.approx(FILES * 0.05, abs=2)
    assert sum(s.share for s in MIX) == pytest.approx(1)


def test_a_copy_reads_as_any_file(loaded, session, registry):
    service = CaseService(session, registry)
    number = FILES - 7
    row = session.execute(
        select(CaseFile.id, CaseFile.applicant).where(
            CaseFile.tenant == "hebei", CaseFile.number == number
        )
    ).one()
    assert row.applicant == person_name(number * 3)
    found = service.worklist(ADMIN, "hebei", WorklistQuery(view="all", name=row.applicant))
    assert str(number) in [line.id for line in found.lines]
    by_id = service.worklist(
        ADMIN, "hebei", WorklistQuery(view="all", id_number=person_id(number, 0))
    )
    assert [line.id for line in by_id.lines] == [str(number)]
    case = service.get_case(ADMIN, str(number))
    assert case.household["members"][0]["name"] == row.applicant
    assert case.household["members"][0]["idNumber"].endswith(person_id(number, 0)[-4:])
    assert [e.seq for e in case.history] == list(range(1, len(case.history) + 1))
    assert case.history[0].determination["outcome"]  # each step with its record
    checked, broken = verify_tenants(session, ["hebei"])
    assert broken is None and checked == loaded.events
