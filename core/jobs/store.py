"""The state of every job, in the application's database (table ``jobs``, migration 0013).

One row a job: what it is (its kind and its parameters, JSON), on whose behalf (tenant,
user and role when it was asked for), where it is (``QUEUED``, ``RUNNING``, ``DONE``,
``FAILED``), how far (``done`` of ``total``), how many times a worker has taken it
(``attempts``), which worker has it and when that worker last showed life
(``heartbeat_at``), and, at the end, its result (JSON) or why it failed (中文 and English).
Every server reads it here, so any server answers for any job whichever host runs it.

The row is tenant data (row-level security on PostgreSQL, as every ``tenant`` table):
each function here binds its session to the job's tenant. Instants are UTC; they date
what happened to a job and are no calendar dates (:mod:`core.clock` keeps those).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import session as db  # (core.db.models imports this module while db loads)
from core.db.models import CODE, USER, Base, Json, TenantScoped

QUEUED, RUNNING, DONE, FAILED = "QUEUED", "RUNNING", "DONE", "FAILED"
WAITING = (QUEUED, RUNNING)
#: A job whose worker died this many times is not given to another: it fails, saying so
#: (a job that kills its worker, by memory say, would otherwise kill every worker in turn).
MAX_ATTEMPTS = 2


class JobRow(TenantScoped, Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(CODE))
    owner: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error_en: Mapped[str | None] = mapped_column(Text)
    error_zh: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')", name="status"),
        Index("ix_jobs_tenant_status", "tenant", "status"),
    )


@dataclass(frozen=True)
class Job:
    """A job as a reader sees it."""

    id: str
    kind: str
    tenant: str
    owner: str
    role: str
    params: dict[str, Any]
    status: str
    total: int
    done: int
    attempts: int
    result: dict[str, Any] | None
    error_en: str | None
    error_zh: str | None
    worker: str | None

    @property
    def progress(self) -> float:
        if self.status == DONE:
            return 1.0
        return 0.0 if not self.total else min(1.0, self.done / self.total)

    @property
    def error(self) -> str | None:
        """Why it failed, for a reader: 中文 / English."""
        return f"{self.error_zh} / {self.error_en}" if self.error_en else None

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @classmethod
    def of(cls, row: JobRow) -> Job:
        return cls(
            row.id,
            row.kind,
            row.tenant,
            row.owner,
            row.role,
            dict(row.params or {}),
            row.status,
            row.total,
            row.done,
            row.attempts,
            row.result,
            row.error_en,
            row.error_zh,
            row.worker,
        )


def utcnow() -> datetime:
    """The instant, in UTC (a job's times are instants, not the server's calendar date)."""
    return datetime.now(UTC)


def this_worker() -> str:
    """Who takes a job: host and process, as an operator would look for it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _session(url: str) -> Session:
    return db.session_factory(url)()


def add(url: str, row: JobRow) -> Job:
    with _session(url) as session, db.tenant_scope(session, row.tenant):
        session.add(row)
        session.commit()
        return Job.of(row)


def get(url: str, tenant: str | None, job_id: str) -> Job | None:
    """The job, read as ``tenant`` (None: any tenant, where no row-level security reads)."""
    with _session(url) as session, db.tenant_scope(session, tenant):
        row = session.get(JobRow, job_id)
        return None if row is None else Job.of(row)


def waiting(url: str, tenant: str) -> int:
    """Jobs of ``tenant`` queued or running."""
    with _session(url) as session, db.tenant_scope(session, tenant):
        count = select(func.count()).select_from(JobRow).where(JobRow.status.in_(WAITING))
        return int(session.scalar(count) or 0)


def _change(url: str, tenant: str | None, where: Any, **values: Any) -> bool:
    """One guarded update; True when it changed the row (another process may have first)."""
    with _session(url) as session, db.tenant_scope(session, tenant):
        changed = session.execute(update(JobRow).where(*where).values(**values))
        session.commit()
        return bool(db.rows_changed(changed))


def claim(url: str, tenant: str | None, job_id: str) -> Job | None:
    """Take a queued job for this worker (RUNNING, one more attempt); None when it is not
    queued (finished, or another worker has it)."""
    now = utcnow()
    taken = _change(
        url,
        tenant,
        (JobRow.id == job_id, JobRow.status == QUEUED),
        status=RUNNING,
        attempts=JobRow.attempts + 1,
        worker=this_worker(),
        started_at=now,
        heartbeat_at=now,
        done=0,
    )
    return get(url, tenant, job_id) if taken else None


def progressed(url: str, job: Job, done: int, total: int) -> bool:
    """How far the job has come, of how much: a sign of life of its worker as well. False
    when the job is no longer this worker's (found stalled and given to another)."""
    values: dict[str, Any] = {"done": done, "total": total, "heartbeat_at": utcnow()}
    return _change(
        url,
        job.tenant,
        (JobRow.id == job.id, JobRow.status == RUNNING, JobRow.attempts == job.attempts),
        **values,
    )


def finish(url: str, job: Job, result: dict[str, Any], total: int) -> bool:
    """Done, all ``total`` units of it, with its result."""
    return _change(
        url,
        job.tenant,
        (JobRow.id == job.id, JobRow.status == RUNNING, JobRow.attempts == job.attempts),
        status=DONE,
        done=total,
        total=total,
        result=result,
        finished_at=utcnow(),
    )


def fail(url: str, job: Job, en: str, zh: str, attempt: int | None = None) -> bool:
    """Mark the job failed (of its ``attempt``: default the one it is on)."""
    attempt = job.attempts if attempt is None else attempt
    return _change(
        url,
        job.tenant,
        (JobRow.id == job.id, JobRow.status.in_(WAITING), JobRow.attempts == attempt),
        status=FAILED,
        error_en=en,
        error_zh=zh,
        finished_at=utcnow(),
    )


def requeue(url: str, job: Job) -> bool:
    """Its worker died: queued again, for another attempt."""
    return _change(
        url,
        job.tenant,
        (JobRow.id == job.id, JobRow.status.in_(WAITING), JobRow.attempts == job.attempts),
        status=QUEUED,
        worker=None,
        done=0,
    )


def stalled(url: str, seconds: float) -> list[Job]:
    """Running jobs whose worker has shown no life for ``seconds`` (every tenant: the local
    queue, where no row-level security reads)."""
    cutoff = utcnow() - timedelta(seconds=seconds)
    with _session(url) as session:
        rows = session.scalars(
            select(JobRow).where(JobRow.status == RUNNING, JobRow.heartbeat_at < cutoff)
        )
        return [Job.of(row) for row in rows]


def queued(url: str, limit: int = 10) -> list[Job]:
    """The oldest queued jobs (every tenant: the local queue)."""
    with _session(url) as session:
        rows = session.scalars(
            select(JobRow).where(JobRow.status == QUEUED).order_by(JobRow.created_at).limit(limit)
        )
        return [Job.of(row) for row in rows]


def recent(url: str, tenant: str, limit: int = 20) -> list[Job]:
    """The newest jobs of ``tenant``."""
    with _session(url) as session, db.tenant_scope(session, tenant):
        rows = session.scalars(
            select(JobRow)
            .where(JobRow.tenant == tenant)
            .order_by(JobRow.created_at.desc())
            .limit(limit)
        )
        return [Job.of(row) for row in rows]
