"""Evidence documents in GraphQL (``caseEvidence``, ``evidenceContent``,
``uploadEvidence``), merged into the contract's ``Query`` and ``Mutation``. Documented in
``docs/contract-additions.md``. The bytes travel base64-encoded; a request carries at most
256 KiB (the API's limit), so larger scans go through the staff page's upload form.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

import strawberry

from core.api.cases_gateway import _database, _staff
from core.api.context import BangfuContext
from core.errors import bad_input
from core.evidence.documents import Evidence
from core.evidence.kinds import label
from core.evidence.models import EvidenceDocument


def _service(info: strawberry.Info) -> tuple[Evidence, Any]:
    context: BangfuContext = info.context
    who = _staff(context)
    return Evidence(_database(context).session, context.registry), who


@strawberry.type(description="An evidence document on a file (its record, not its bytes).")
class Document:
    id: strawberry.ID
    kind: str
    kind_zh: str
    title: str
    media_type: str
    size: int
    sha256: str = strawberry.field(description="SHA-256 of the content, also in the history")
    step: str = strawberry.field(description="the step the file waited for when uploaded")
    uploaded_by: str
    uploaded_on: date

    @classmethod
    def of(cls, d: EvidenceDocument) -> Document:
        return cls(
            id=strawberry.ID(str(d.id)),
            kind=d.kind,
            kind_zh=label(d.kind)[0],
            title=d.title,
            media_type=d.media_type,
            size=d.size,
            sha256=d.sha256,
            step=d.step,
            uploaded_by=d.uploaded_by,
            uploaded_on=d.uploaded_on,
        )


@strawberry.type(description="A document's bytes, base64; the read is recorded.")
class DocumentContent:
    document: Document
    base64: str


@strawberry.type
class EvidenceQuery:
    @strawberry.field(description="The evidence documents of a file, oldest first.")
    def case_evidence(self, info: strawberry.Info, case_id: strawberry.ID) -> list[Document]:
        service, who = _service(info)
        return [Document.of(d) for d in service.documents(who, str(case_id))]

    @strawberry.field(description="One document's bytes (base64); recorded as a read.")
    def evidence_content(self, info: strawberry.Info, id: strawberry.ID) -> DocumentContent:
        service, who = _service(info)
        read = service.read(who, str(id))
        return DocumentContent(
            document=Document.of(read.document),
            base64=base64.b64encode(read.content).decode("ascii"),
        )


@strawberry.type
class EvidenceMutation:
    @strawberry.mutation(
        description="Put a document on an open file at expectedVersion: PDF, JPEG or PNG "
        "(told by content), base64; its hash goes into the file's history."
    )
    def upload_evidence(
        self,
        info: strawberry.Info,
        case_id: strawberry.ID,
        expected_version: int,
        kind: str,
        content_base64: str,
        title: str | None = strawberry.UNSET,
    ) -> Document:
        service, who = _service(info)
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise bad_input("contentBase64 is not base64", "文件内容不是base64编码") from None
        name = "" if title is strawberry.UNSET or title is None else title
        document = service.upload(who, str(case_id), expected_version, kind, content, name)
        return Document.of(document)
