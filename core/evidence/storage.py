"""Where evidence documents' bytes are kept, by the SHA-256 of their content.

A store has two operations: :meth:`DocumentStore.put` (idempotent: the same content is
kept once) and :meth:`DocumentStore.get` (None when missing). Two stores:

- :class:`DatabaseStore` (the default): the table ``evidence_contents``, in the same
  transaction as the document's record; backups and row-level security cover it.
- :class:`FolderStore` (``$BANGFU_EVIDENCE_FOLDER``): one file per tenant and hash,
  written whole then renamed into place, readable by the server's user only. For one
  machine, or a folder every server mounts.

An S3-compatible store (MinIO) would be a third class with the same two methods; it is
not shipped, because nothing here could test it.

Whatever the store, the hash is also in the file's event chain: ``bangfu audit verify``
names a document changed or missing in any of them (:mod:`core.evidence.documents`).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core import settings
from core.evidence.models import EvidenceContent

_HASH = re.compile(r"[0-9a-f]{64}")
_TENANT = re.compile(r"[a-z0-9_]{1,40}")


class DocumentStore(Protocol):
    name: str

    def put(self, session: Session, tenant: str, sha256: str, content: bytes) -> None: ...

    def get(self, session: Session, tenant: str, sha256: str) -> bytes | None: ...


class DatabaseStore:
    """The bytes in ``evidence_contents``, once per tenant and content."""

    name = "database"

    def put(self, session: Session, tenant: str, sha256: str, content: bytes) -> None:
        table = EvidenceContent.__table__
        values = {"tenant": tenant, "sha256": sha256, "content": content}
        if session.get_bind().dialect.name == "postgresql":
            session.execute(pg_insert(table).values(values).on_conflict_do_nothing())
        else:
            session.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())

    def get(self, session: Session, tenant: str, sha256: str) -> bytes | None:
        table = EvidenceContent.__table__
        return session.execute(
            select(table.c.content).where(table.c.tenant == tenant, table.c.sha256 == sha256)
        ).scalar_one_or_none()


class FolderStore:
    """The bytes as files ``<root>/<tenant>/<ab>/<hash>``, mode 0600."""

    name = "folder"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, tenant: str, sha256: str) -> Path:
        if not _HASH.fullmatch(sha256) or not _TENANT.fullmatch(tenant):
            raise ValueError("not a content hash or a tenant code")
        return self.root / tenant / sha256[:2] / sha256

    def put(self, session: Session, tenant: str, sha256: str, content: bytes) -> None:
        target = self.path(tenant, sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, session: Session, tenant: str, sha256: str) -> bytes | None:
        try:
            return self.path(tenant, sha256).read_bytes()
        except FileNotFoundError:
            return None


def configured_store() -> DocumentStore:
    """The store the settings name: a folder (``$BANGFU_EVIDENCE_FOLDER``) or the database."""
    folder = settings.get("evidence_folder")
    return FolderStore(Path(folder)) if folder else DatabaseStore()
