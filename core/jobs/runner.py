"""Running one job a worker has claimed: its kind's function, its progress and signs of
life written to its row, its end (result or failure, in both languages) written once.

Whatever the queue (:mod:`core.jobs.postgres`, :mod:`core.jobs.local`), a job runs here.
A thread writes its progress (twice a second while it moves) and a sign of life
(``heartbeat_at``, at least every ``$BANGFU_JOBS_HEARTBEAT_SECONDS``) while the work runs,
so a reader can tell a slow job from one whose worker has died. Every write
is guarded by the attempt: a worker that lost its job (found stalled, given to another)
can no longer touch it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from core import metrics, settings
from core.auth.principal import Principal
from core.errors import BangfuError
from core.jobs import kinds, store
from core.registry import Registry

log = logging.getLogger("bangfu.jobs")
PROGRESS_EVERY_S = 0.5


def heartbeat_seconds() -> float:
    return float(settings.get("jobs_heartbeat_seconds"))


def stalled_after_seconds() -> float:
    """A worker silent this long is taken for dead."""
    return 3 * heartbeat_seconds()


def json_ready(data: Any) -> Any:
    """What a JSON column stores (dates and decimals as text)."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


class _Beating:
    """The worker's signs of life and the job's progress, written from a thread of their
    own: the work only notes how far it is, so it never waits on the database for that
    (a payment run on SQLite holds the file's write lock for its whole transaction)."""

    def __init__(self, url: str, job: store.Job) -> None:
        self.url, self.job = url, job
        self.done, self.total = 0, job.total
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job.id[:8]}", daemon=True)

    def of(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    def add(self, n: int) -> None:
        self.done += n

    def _beat(self) -> None:
        written = (0, self.job.total)
        last = time.monotonic()
        while not self.stop.wait(PROGRESS_EVERY_S):
            now = (self.done, self.total)
            if now == written and time.monotonic() - last < heartbeat_seconds():
                continue
            try:
                if not store.progressed(self.url, self.job, *now):
                    return  # no longer ours
                written, last = now, time.monotonic()
            except Exception:  # the database busy or away for a moment: at the next beat
                log.info("job %s: progress not recorded this time", self.job.id)

    def __enter__(self) -> _Beating:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop.set()


def run(url: str, registry: Registry, job: store.Job) -> str:
    """Run a claimed job to its end; its final status (what this worker could write)."""
    beating = _Beating(url, job)
    context = kinds.JobContext(
        registry=registry,
        principal=Principal(user=job.owner, tenant=job.tenant, role=job.role),
        database_url=url,
        progress=beating.add,
        of=beating.of,
    )
    log.info("job %s (%s) started, attempt %d", job.id, job.kind, job.attempts)
    with beating, metrics.JOBS_RUNNING.labels(job.kind).track_inprogress():
        try:
            result = kinds.find(job.kind)(job.params, context)
        except BangfuError as exc:
            store.fail(url, job, exc.en, exc.zh)
            status = store.FAILED
        except Exception as exc:  # a job's failure is reported, never raised into the worker
            log.exception("job %s (%s) failed", job.id, job.kind)
            store.fail(url, job, f"the job failed: {type(exc).__name__}", "任务执行失败")
            status = store.FAILED
        else:
            total = beating.total or beating.done
            finished = store.finish(url, job, json_ready(result), total)
            status = store.DONE if finished else store.FAILED
    metrics.JOBS.labels(job.kind, status.lower()).inc()
    log.info("job %s (%s) ended %s", job.id, job.kind, status)
    return status


def given_up(url: str, job: store.Job) -> bool:
    """A job whose worker died: queued again while it has attempts left, else failed,
    saying so. True when it was given another attempt."""
    if job.attempts >= store.MAX_ATTEMPTS:
        store.fail(
            url,
            job,
            f"the worker running this job stopped {job.attempts} times (killed, or out of "
            "memory): it is not tried again",
            f"执行该任务的进程已中断 {job.attempts} 次(被终止或内存不足),不再重试",
        )
        metrics.JOBS.labels(job.kind, "failed").inc()
        log.warning("job %s (%s): its worker died %d times, failed", job.id, job.kind, job.attempts)
        return False
    requeued = store.requeue(url, job)
    if requeued:
        log.warning("job %s (%s): its worker died, queued again", job.id, job.kind)
    return requeued
