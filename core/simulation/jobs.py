"""Long simulations as jobs: started by a request, run in the background, read by id.

A request that starts a simulation gets a job id at once; the simulation runs in a
background thread of the serving process (one at a time, so a burst of jobs queues
instead of taking every core), and reports its progress. Any worker process of the
server can answer for any job: each job's state is a small JSON file in
:func:`jobs_folder` (``$BANGFU_JOBS_DIR``, default ``<tmp>/bangfu-jobs``), written
atomically. The result, when done, is the simulation's JSON with its rule set and
parameter versions.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core import settings
from core.errors import RULE_VIOLATION, BangfuError

JOBS_ENV = settings.env_name("jobs_dir")
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 7 * 24 * 3600
QUEUED, RUNNING, DONE, FAILED = "QUEUED", "RUNNING", "DONE", "FAILED"

MAX_WAITING = 4  #: jobs queued or running in one server process; more are refused

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_waiting = 0


def jobs_folder() -> Path:
    folder = settings.get("jobs_dir") or Path(tempfile.gettempdir()) / "bangfu-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Job:
    id: str
    kind: str
    status: str
    owner: str  #: user who started it
    total: int = 0  #: units of work (households x tenants)
    done: int = 0
    created: float = 0.0
    finished: float | None = None
    result: dict[str, Any] | None = None
    error_en: str | None = None
    error_zh: str | None = None

    @property
    def progress(self) -> float:
        if self.status == DONE:
            return 1.0
        return 0.0 if not self.total else min(1.0, self.done / self.total)


def _path(job_id: str) -> Path:
    return jobs_folder() / f"{job_id}.json"


def _save(job: Job) -> None:
    path = _path(job.id)
    tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def get(job_id: str) -> Job | None:
    """The job, or None for an unknown (or malformed) id."""
    if not ID_PATTERN.match(job_id or ""):
        return None
    try:
        data = json.loads(_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Job(**data)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bangfu-job")
        return _executor


Work = Callable[[Callable[[int], None]], dict[str, Any]]


def start(kind: str, owner: str, total: int, work: Work) -> Job:
    """Queue ``work(progress)``; it returns the result as JSON-ready data.

    :raises BangfuError: ``RULE_VIOLATION`` when :data:`MAX_WAITING` jobs already wait
    """
    global _waiting
    with _lock:
        if _waiting >= MAX_WAITING:
            raise BangfuError(
                RULE_VIOLATION,
                f"{MAX_WAITING} simulations are already queued or running here: try again "
                "when one has finished",
                f"已有{MAX_WAITING}项模拟在排队或计算中,请稍后再试",
            )
        _waiting += 1
    _forget_old()
    job = Job(uuid.uuid4().hex, kind, QUEUED, owner, total=total, created=time.time())
    _save(job)

    def run() -> None:
        global _waiting
        try:
            _run()
        finally:
            with _lock:
                _waiting -= 1

    def _run() -> None:
        job.status = RUNNING
        _save(job)
        last = [0.0]

        def progress(n: int) -> None:
            job.done += n
            now = time.monotonic()
            if now - last[0] > 0.5:
                last[0] = now
                _save(job)

        try:
            job.result = work(progress)
            job.status = DONE
        except BangfuError as exc:
            job.status, job.error_en, job.error_zh = FAILED, exc.en, exc.zh
        except Exception as exc:  # a job's failure is reported, never raised into the server
            job.status = FAILED
            job.error_en = f"the simulation failed: {type(exc).__name__}"
            job.error_zh = "模拟计算失败"
        job.finished = time.time()
        _save(job)

    _pool().submit(run)
    return job


def wait(job_id: str, timeout: float = 60.0) -> Job | None:
    """Poll until the job is finished (tests and the command line)."""
    deadline = time.monotonic() + timeout
    while True:
        job = get(job_id)
        if job is None or job.status in (DONE, FAILED) or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _forget_old() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in jobs_folder().glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
