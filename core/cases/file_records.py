"""What a file holds besides its history, as the procedure's guards may ask
(:class:`core.workflow.state.FileRecords`): the verification differences still waiting
(:mod:`core.verification`) and the kinds of evidence on it (:mod:`core.evidence`).
Each is one small query, made only when a guard asks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence.models import EvidenceDocument
from core.verification.models import Difference
from core.workflow.state import FileRecords

#: states of a verification difference that still wait for someone
UNRESOLVED = ("open", "keep_requested")


def file_records(session: Session, tenant: str, case_id: int) -> FileRecords:
    def unresolved() -> list[str]:
        return list(
            session.scalars(
                select(Difference.fact)
                .where(
                    Difference.tenant == tenant,
                    Difference.case_id == case_id,
                    Difference.state.in_(UNRESOLVED),
                )
                .distinct()
            )
        )

    def kinds() -> list[str]:
        return list(
            session.scalars(
                select(EvidenceDocument.kind)
                .where(EvidenceDocument.tenant == tenant, EvidenceDocument.case_id == case_id)
                .distinct()
            )
        )

    return FileRecords(unresolved_differences=unresolved, evidence_kinds=kinds)
