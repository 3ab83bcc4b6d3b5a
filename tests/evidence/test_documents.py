"""Evidence on a file: PDF, JPEG and PNG told by content, size limits, stored by content
hash (database or folder), the hash in the file's event chain, reads audited, and a
changed or missing document named by ``bangfu audit verify`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from core.cases.service import CaseService
from core.db.models import CaseEvent, CaseRead
from core.db.session import session_factory
from core.errors import BAD_INPUT, CONFLICT, RULE_VIOLATION, BangfuError
from core.evidence.checks import checked_content, media_type
from core.evidence.documents import Evidence
from core.evidence.models import EvidenceContent
from core.evidence.storage import DatabaseStore, FolderStore
from tests.casefile_samples import ILL, D, staff

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")


def pdf(text_: str = "bill") -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\n% " + text_.encode() + b"\ntrailer <<>>\n%%EOF\n"


def png(width: int = 4, height: int = 4) -> bytes:
    """A real PNG (red pixels), written by hand: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A JPEG's frame as a phone writes it: SOI, a JFIF APP0 segment, ..., EOI."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x00" + b"\xff\xd9"


@pytest.fixture
def session(database_url):
    with session_factory(database_url)() as s:
        yield s


@pytest.fixture(params=["database", "folder"])
def store(request, tmp_path):
    return DatabaseStore() if request.param == "database" else FolderStore(tmp_path / "evidence")


@pytest.fixture
def cases(session, registry):
    return CaseService(session, registry, today=lambda: D("2026-12-10"))


@pytest.fixture
def evidence(session, registry, store):
    return Evidence(session, registry, today=lambda: D("2026-12-10"), store=store)


def test_documents_are_told_by_content_not_by_name():
    assert media_type(pdf()) == "application/pdf"
    assert media_type(png()) == "image/png"
    assert media_type(jpeg()) == "image/jpeg"
    for bad in (b"MZ\x90\x00 an exe", b"<html>", pdf()[:-8], png()[:-4], b"GIF89a....."):
        with pytest.raises(BangfuError) as info:
            checked_content(bad)
        assert info.value.code == BAD_INPUT and "PDF" in info.value.zh
    with pytest.raises(BangfuError, match="上限"):
        checked_content(pdf("x" * 2000), limit=1000)
    with pytest.raises(BangfuError, match="为空"):
        checked_content(b"")


def test_a_bill_uploaded_is_chained_listed_and_read_with_an_audit(evidence, cases, session):
    case = cases.open_case(CASEWORKER, "hebei", ILL, on=D("2026-12-01"))
    bill = pdf("hospital bill 30000")
    document = evidence.upload(CASEWORKER, case.id, case.version, "medical_bill", bill, "住院票据")
    assert document.sha256 == hashlib.sha256(bill).hexdigest()
    assert document.media_type == "application/pdf" and document.step == "review"
    event = session.scalar(select(CaseEvent).where(CaseEvent.action == "add_evidence"))
    assert event.details["evidence"]["sha256"] == document.sha256
    assert event.seq == 2 and event.prev_hash  # chained after the opening step
    listed = evidence.documents(REVIEWER, case.id)
    assert [(d.kind, d.title) for d in listed] == [("medical_bill", "住院票据")]
    read = evidence.read(APPROVER, document.id)
    assert read.content == bill
    audit = session.scalars(select(CaseRead).where(CaseRead.action == "evidence")).all()
    assert [(a.user, a.case_number) for a in audit] == [("approver@hebei", int(case.id))]


def test_an_upload_takes_the_version_and_a_refusal_keeps_nothing(evidence, cases, session):
    case = cases.open_case(CASEWORKER, "hebei", ILL, on=D("2026-12-01"))
    evidence.upload(CASEWORKER, case.id, case.version, "medical_bill", pdf())
    with pytest.raises(BangfuError) as info:  # the page was loaded before that upload
        evidence.upload(CASEWORKER, case.id, case.version, "medical_bill", pdf("2"))
    assert info.value.code == CONFLICT
    with pytest.raises(BangfuError) as info:
        evidence.upload(CASEWORKER, case.id, case.version + 1, "vehicle_photo", png())
    assert info.value.code == BAD_INPUT and "材料类别" in info.value.zh
    with pytest.raises(BangfuError):
        evidence.upload(CASEWORKER, case.id, case.version + 1, "other", b"%PDF-1.4 cut")
    assert len(evidence.documents(CASEWORKER, case.id)) == 1
    assert session.scalar(select(CaseEvent.seq).order_by(CaseEvent.seq.desc()).limit(1)) == 2
    with pytest.raises(BangfuError) as info:  # another tenant: a missing file
        evidence.documents(staff("gansu", "caseworker"), case.id)
    assert info.value.code == "NOT_FOUND"


def test_hebei_approval_needs_the_bills_of_medical_relief(evidence, cases):
    case = cases.open_case(CASEWORKER, "hebei", ILL, on=D("2026-12-01"))
    case = cases.transition(REVIEWER, case.id, "review", case.version, D("2026-12-02"))
    case = cases.transition(REVIEWER, case.id, "publish", case.version, D("2026-12-03"))
    with pytest.raises(BangfuError) as info:
        cases.transition(APPROVER, case.id, "approve", case.version, D("2026-12-10"))
    assert info.value.code == RULE_VIOLATION and info.value.details["missing"] == ["medical_bill"]
    evidence.upload(CASEWORKER, case.id, case.version, "medical_bill", jpeg(), "门诊票据")
    approved = cases.transition(APPROVER, case.id, "approve", case.version + 1, D("2026-12-10"))
    assert approved.status == "approved"


def audit(database_url: str, monkeypatch, folder=None):
    from core.cli import app

    if folder is not None:
        monkeypatch.setenv("BANGFU_EVIDENCE_FOLDER", str(folder))
    return CliRunner().invoke(
        app, ["audit", "verify", "--tenant", "hebei", "--database-url", database_url]
    )


def test_audit_verify_names_a_changed_or_missing_document(
    evidence, cases, session, store, database_url, monkeypatch
):
    case = cases.open_case(CASEWORKER, "hebei", ILL, on=D("2026-12-01"))
    document = evidence.upload(CASEWORKER, case.id, case.version, "medical_bill", pdf())
    folder = store.root if isinstance(store, FolderStore) else None
    session.close()
    good = audit(database_url, monkeypatch, folder)
    assert good.exit_code == 0, good.output
    assert "1 evidence documents as recorded" in good.output
    # someone with access to the store swaps the bill for another
    forged = pdf("hospital bill 3000000")
    if folder is None:
        with session_factory(database_url)() as s:  # the owner (tests): no tenant wall
            s.execute(
                update(EvidenceContent)
                .where(EvidenceContent.sha256 == document.sha256)
                .values(content=forged)
            )
            s.commit()
    else:
        store.path("hebei", document.sha256).write_bytes(forged)
    bad = audit(database_url, monkeypatch, folder)
    assert bad.exit_code == 1
    assert "证明材料被改动或缺失" in bad.output and "上传后被改动" in bad.output
    assert document.sha256[:12] in bad.output
    if folder is not None:  # and a document gone from the folder
        store.path("hebei", document.sha256).unlink()
        gone = audit(database_url, monkeypatch, folder)
        assert gone.exit_code == 1 and "已缺失" in gone.output
