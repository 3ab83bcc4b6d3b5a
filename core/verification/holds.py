"""Payment runs hold files with differences unresolved, when the tenant says so.

The parameter ``verification.hold_payments`` (boolean, on the run's date): true, and a
payment run (:mod:`core.funds.runs`) leaves out every admitted file with a verification
difference still waiting (open, or a keep waiting for its second person); the next run
after the difference is resolved pays it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.file_records import UNRESOLVED
from core.registry import Tenant
from core.verification.models import Difference

HOLD = "verification.hold_payments"


def held_files(session: Session, tenant: Tenant, on: date) -> set[int]:
    """The internal ids of the files a payment run of ``tenant`` on ``on`` holds back."""
    if not tenant.parameters(on).flag(HOLD):
        return set()
    d = Difference.__table__
    return set(
        session.connection().scalars(
            select(d.c.case_id)
            .where(d.c.tenant == tenant.code, d.c.state.in_(UNRESOLVED))
            .distinct()
        )
    )
