"""Funds tests: a case service and a funds service on a fresh database (SQLite, and
PostgreSQL when it answers), with filed Hebei files to pay."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from core.cases.service import CaseService
from core.db.models import CaseCounter, CaseEvent, CaseFile
from core.db.session import session_factory, tenant_scope
from core.funds.service import FundsService
from tests.casefile_samples import ILL, D, staff

# GraphQL callers with tokens and the serving role's URL, as the security tests have them
from tests.security.conftest import app_url, caller, serve  # noqa: F401

# a browser with cookies and the form token, and staff tokens, as the page tests have them
from tests.web.conftest import browser, tokens, web_client  # noqa: F401

TODAY = D("2026-12-10")
CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
TREASURER = staff("hebei", "admin", "treasurer@hebei")
CHAIRMAN = staff("hebei", "chairman")


@pytest.fixture
def session(database_url):
    with session_factory(database_url)() as s:
        yield s


@pytest.fixture
def cases(session, registry):
    return CaseService(session, registry, today=lambda: TODAY)


@pytest.fixture
def funds(session, registry):
    return FundsService(session, registry, today=lambda: TODAY)


def file_case(cases: CaseService, household=ILL, tenant: str = "hebei") -> str:
    """A Hebei file taken through every step to 'filed' (the case service, as staff do)."""
    worker = staff(tenant, "caseworker")
    reviewer = staff(tenant, "reviewer")
    approver = staff(tenant, "approver")
    case = cases.open_case(worker, tenant, household, on=D("2026-09-24"))
    case = cases.transition(reviewer, case.id, "review", case.version, D("2026-09-25"))
    case = cases.transition(reviewer, case.id, "publish", case.version, D("2026-09-28"))
    case = cases.transition(approver, case.id, "approve", case.version, D("2026-10-10"))
    case = cases.transition(approver, case.id, "file", case.version, D("2026-10-12"))
    assert case.status == "filed"
    return case.id


def clone_filed(session, case_id: str, n: int, tenant: str = "hebei") -> list[int]:
    """``n`` more filed files like the tenant's file numbered ``case_id`` (its row and its
    history copied): a test fixture for volume, made in bulk rather than step by step.
    Their file numbers (what staff type and GraphQL calls a file's id), not row keys."""
    with tenant_scope(session, tenant):
        row = session.scalars(
            select(CaseFile).where(CaseFile.tenant == tenant, CaseFile.number == int(case_id))
        ).one()
        events = list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == row.id).order_by(CaseEvent.seq)
            )
        )
        skip = {"id", "created_at", "updated_at"}
        values = {
            c.key: getattr(row, c.key) for c in CaseFile.__table__.columns if c.key not in skip
        }
        counter = session.get(CaseCounter, tenant)  # file numbers are per tenant (issue 8)
        ids, numbers = [], []
        for _ in range(n):
            counter.last += 1
            new = session.execute(
                insert(CaseFile).values({**values, "number": counter.last}).returning(CaseFile.id)
            ).scalar_one()
            ids.append(new)
            numbers.append(counter.last)
        event_rows = []
        for new in ids:
            for e in events:
                event_rows.append(
                    {
                        c.key: getattr(e, c.key)
                        for c in CaseEvent.__table__.columns
                        if c.key not in {"id", "recorded_at"}
                    }
                    | {"case_id": new}
                )
        session.execute(insert(CaseEvent), event_rows)
        session.commit()
    return numbers


def give_accounts(where, tenant: str = "hebei") -> int:
    """Every file of ``tenant`` without one gets a bank account (一卡通), as a filed worker
    has: the bank file has a line only for a payee with an account. ``where``: a session
    or a database URL. How many were recorded."""
    from core.funds.accounts import PURPOSE, mask_account
    from core.funds.models import PayeeAccount
    from core.sealing import seal

    if isinstance(where, str):
        with session_factory(where)() as session:
            return give_accounts(session, tenant)
    session = where
    session.rollback()
    with tenant_scope(session, tenant):
        have = set(session.scalars(select(PayeeAccount.case_id)))
        rows = [
            (row_id, number)
            for row_id, number in session.execute(select(CaseFile.id, CaseFile.number))
            if row_id not in have
        ]
        for row_id, number in rows:
            digits = f"62220212{number:011d}"
            session.add(
                PayeeAccount(
                    tenant=tenant,
                    case_id=row_id,
                    sealed=seal(digits, PURPOSE, f"{tenant}/{row_id}"),
                    masked=mask_account(digits),
                    bank="工商银行",
                    recorded_by="tests",
                    recorded_on=TODAY,
                )
            )
        session.commit()
    return len(rows)
