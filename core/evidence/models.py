"""The tables of evidence documents (材料), migration 0019b.

* ``evidence_documents``: one document on a file: its kind (a 低保 certificate, a
  hospital bill ...), the step it was uploaded at, its media type and size, and the
  SHA-256 of its content, which is also written into the file's event chain
  (:mod:`core.evidence.documents`), so that ``bangfu audit verify`` notices a changed or
  missing document.
* ``evidence_contents``: the bytes, by (tenant, SHA-256), when the database is the store
  (:class:`core.evidence.storage.DatabaseStore`); a folder store keeps them on disk.

Both are :class:`core.db.models.TenantScoped` (row-level security on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.models import CODE, USER, Base, TenantScoped

SHA256 = 64


class EvidenceDocument(TenantScoped, Base):
    """A document on a file; its content is found by ``sha256`` in the store."""

    __tablename__ = "evidence_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(CODE))  #: "medical_bill" ...
    step: Mapped[str] = mapped_column(String(CODE))  #: the step it was uploaded at ("survey")
    media_type: Mapped[str] = mapped_column(String(CODE))  #: by content, never by name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(SHA256))
    title: Mapped[str] = mapped_column(String(USER), default="")  #: ID numbers masked
    seq: Mapped[int] = mapped_column(Integer)  #: the history entry that records it
    uploaded_by: Mapped[str] = mapped_column(String(USER))
    uploaded_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (Index("ix_evidence_documents_case_id", "case_id"),)


class EvidenceContent(TenantScoped, Base):
    """A document's bytes, once per tenant and content (the database store)."""

    __tablename__ = "evidence_contents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(SHA256))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("tenant", "sha256"),)
