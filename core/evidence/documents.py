"""Evidence documents on a file: uploaded, listed, read (each read audited), verified.

An upload is checked by content (:mod:`core.evidence.checks`), kept in the store by the
SHA-256 of its content (:mod:`core.evidence.storage`), and recorded twice in one
transaction: as a document of the file, and as a history entry ``add_evidence`` whose
chained record carries the hash, kind, size and media type. So the file's event chain
vouches for every document: :func:`verify_documents` (run by ``bangfu audit verify``)
names a document whose bytes no longer hash to what the chain recorded, or are gone.

A read is personal data shown: it is recorded like a file read (``case_reads``, action
``evidence``), and served with ``Cache-Control: no-store`` by the pages and the API.
The upload takes the file's version, as any change does (a stale page is refused).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal
from core.auth.roles import ADMIN, APPROVER, CASEWORKER, CHAIRMAN, REVIEWER, label
from core.cases.access import case_number, forbidden, one_call_scope
from core.cases.privacy import mask_free_text
from core.cases.service import CaseService
from core.db import chain
from core.db import repositories as repo
from core.db.models import CaseEvent, CaseFile
from core.db.session import tenant_scope
from core.errors import BangfuError, bad_input, not_found, rule_violation
from core.evidence.checks import checked_content
from core.evidence.kinds import checked_kind
from core.evidence.models import EvidenceDocument
from core.evidence.storage import DocumentStore, configured_store
from core.registry import Registry
from core.workflow.engine import Decision
from core.workflow.procedure import Action
from core.workflow.state import Step

#: the history entry of an upload (no step of any tenant's procedure)
ADD_EVIDENCE = Action("add_evidence", "上传证明材料", "add evidence", ())
UPLOADERS = frozenset({CASEWORKER, REVIEWER, APPROVER, ADMIN})
READERS = UPLOADERS | {CHAIRMAN}
MAX_TITLE = 100


def _detached(session: Session, document: EvidenceDocument) -> EvidenceDocument:
    """The document as committed, kept for the answer after the call's tenant scope."""
    session.refresh(document)
    session.expunge(document)
    session.rollback()
    return document


@dataclass(frozen=True)
class Read:
    document: EvidenceDocument
    content: bytes


class Evidence:
    """Evidence documents of every tenant, for a principal."""

    def __init__(
        self,
        session: Session,
        registry: Registry,
        today: Callable[[], date] = clock.today,
        store: DocumentStore | None = None,
    ) -> None:
        self.session = session
        self.registry = registry
        self.today = today
        self.store = store or configured_store()
        self.cases = CaseService(session, registry, today=today)

    def _staff(self, principal: Principal | None, action: str, roles: frozenset[str]) -> Principal:
        p = self.cases._staff(principal, action, "evidence")
        if p.role not in roles:
            raise forbidden(
                f"your role '{p.role}' may not do this with documents ({action})",
                f"您的角色({label(p.role)[0]})无权办理此项材料业务",
            )
        return p

    @one_call_scope
    def upload(
        self,
        principal: Principal | None,
        case_id: str | int,
        expected_version: int,
        kind: str,
        content: bytes,
        title: str = "",
    ) -> EvidenceDocument:
        """Put a document on an open file; its hash goes into the file's event chain."""
        try:
            p = self._staff(principal, "uploadEvidence", UPLOADERS)
            kind = checked_kind(kind)
            media = checked_content(content)
            title = mask_free_text((title or "").strip())[:MAX_TITLE]
            if any(ord(ch) < 32 for ch in title):
                raise bad_input("the title contains control characters", "标题含有控制字符")
            row, events, _ = self.cases._load_for_change(
                p, case_id, expected_version, "uploadEvidence"
            )
            tenant = self.registry.get(row.tenant)
            flow = self.cases.workflow(tenant)
            if not flow.procedure.is_open(row.status):
                raise rule_violation(
                    "documents are added to open files only", "已关闭的档案不能再上传材料"
                )
            sha = hashlib.sha256(content).hexdigest()
            today = self.today()
            seq = len(events) + 1
            step = Step(
                ADD_EVIDENCE.name, row.status, row.status, today, p.user, p.role, title or None
            )
            prev_hash = events[-1]["hash"] if events else ""
            event = self.cases._event(
                tenant, row.id, seq, Decision(ADD_EVIDENCE, step), {}, prev_hash
            )
            event["details"] = {
                "evidence": {"sha256": sha, "kind": kind, "size": len(content), "mediaType": media}
            }
            event["hash"] = chain.event_hash(event, prev_hash)
            self.store.put(self.session, row.tenant, sha, content)
            if not repo.apply_step(self.session, row.tenant, row.id, expected_version, {}, event):
                raise self.cases._conflict()
            document = EvidenceDocument(
                tenant=row.tenant,
                case_id=row.id,
                kind=kind,
                step=row.turn or row.status,
                media_type=media,
                size=len(content),
                sha256=sha,
                title=title,
                seq=seq,
                uploaded_by=p.user,
                uploaded_on=today,
            )
            self.session.add(document)
            self.session.flush()
            self.session.commit()
            return _detached(self.session, document)
        except BaseException:
            self.session.rollback()
            raise

    @one_call_scope
    def documents(self, principal: Principal | None, case_id: str | int) -> list[EvidenceDocument]:
        """The documents of a file, oldest first (their records, not their bytes)."""
        p = self._staff(principal, "evidence", READERS)
        row = self.cases.file_row(p, case_id, "evidence")
        found = list(
            self.session.scalars(
                select(EvidenceDocument)
                .where(EvidenceDocument.tenant == p.tenant, EvidenceDocument.case_id == row.id)
                .order_by(EvidenceDocument.id)
            )
        )
        for document in found:  # kept for the answer after the call's tenant scope
            self.session.expunge(document)
        self.session.rollback()
        return found

    @one_call_scope
    def read(self, principal: Principal | None, document_id: str | int) -> Read:
        """A document's bytes; the read is recorded (who, which file, when)."""
        try:
            p = self._staff(principal, "readEvidence", READERS)
            number = case_number(document_id)
            document = (
                self.session.scalar(
                    select(EvidenceDocument).where(
                        EvidenceDocument.tenant == p.tenant, EvidenceDocument.id == number
                    )
                )
                if number
                else None
            )
            if document is None:
                self.cases._refused(p, "readEvidence", document_id, "not_found")
                raise not_found(
                    f"no document {document_id} that you may see",
                    f"没有您可查看的材料 {document_id}",
                )
            content = self.store.get(self.session, p.tenant, document.sha256)
            if content is None or hashlib.sha256(content).hexdigest() != document.sha256:
                raise BangfuError(
                    "INTERNAL",
                    "the document's content is missing or changed since it was uploaded; "
                    "run bangfu audit verify",
                    "该材料内容缺失或在上传后被改动,请运行 bangfu audit verify 核查",
                )
            file_number = self.session.scalar(
                select(CaseFile.number).where(CaseFile.id == document.case_id)
            )
            shown = [file_number] if file_number is not None else []
            repo.record_reads(self.session, p.tenant, p.user, p.role, "evidence", shown)
            self.session.commit()
            return Read(_detached(self.session, document), content)
        except BaseException:
            self.session.rollback()
            raise


@dataclass(frozen=True)
class DocumentProblem:
    tenant: str
    case_id: int
    seq: int
    sha256: str
    reason: str
    reason_zh: str

    def describe(self) -> str:
        return (
            f"tenant {self.tenant}, case #{self.case_id}, event {self.seq}: the document "
            f"{self.sha256[:12]}… {self.reason}"
        )

    def describe_zh(self) -> str:
        return (
            f"地区 {self.tenant},档案(内部编号){self.case_id},第{self.seq}条:材料 "
            f"{self.sha256[:12]}…{self.reason_zh}"
        )


def verify_documents(
    session: Session, tenants: Iterable[str], store: DocumentStore | None = None
) -> tuple[int, DocumentProblem | None]:
    """Every document the event chains record: its bytes are in the store and hash to the
    recorded SHA-256, and its record says the same hash. Returns how many were checked
    and the first problem (None when all hold)."""
    store = store or configured_store()
    checked = 0
    for tenant in tenants:
        with tenant_scope(session, tenant):
            recorded = session.execute(
                select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.details)
                .where(CaseEvent.tenant == tenant, CaseEvent.action == ADD_EVIDENCE.name)
                .order_by(CaseEvent.case_id, CaseEvent.seq)
            ).all()
            records = {
                (d.case_id, d.seq): d.sha256
                for d in session.scalars(
                    select(EvidenceDocument).where(EvidenceDocument.tenant == tenant)
                )
            }
            for case_id, seq, details in recorded:
                sha = ((details or {}).get("evidence") or {}).get("sha256", "")
                checked += 1

                content = store.get(session, tenant, sha)
                if content is None:
                    session.rollback()
                    return checked, DocumentProblem(
                        tenant, case_id, seq, sha, "is missing from the store", "已缺失"
                    )
                if hashlib.sha256(content).hexdigest() != sha:
                    session.rollback()
                    return checked, DocumentProblem(
                        tenant,
                        case_id,
                        seq,
                        sha,
                        "was changed after upload (its content no longer matches the hash "
                        "in the history)",
                        "上传后被改动(内容与历史记录中的哈希不符)",
                    )
                if records.get((case_id, seq)) != sha:
                    session.rollback()
                    return checked, DocumentProblem(
                        tenant,
                        case_id,
                        seq,
                        sha,
                        "has a record that does not match the history",
                        "的登记信息与历史记录不符",
                    )
            session.rollback()
    return checked, None
