"""``bangfu backup`` and ``bangfu restore``: the whole database, in one file, back.

PostgreSQL: ``pg_dump --format=custom`` (compressed, every table, sequence, row-level
security policy, function and grant) and ``pg_restore --single-transaction
--exit-on-error`` into an empty database, so a restore either completes or leaves nothing.
Run both as the database owner (row-level security hides rows from ``bangfu_app``); the
roles ``bangfu_app`` and ``bangfu_stats`` must exist on the server restored to (roles
belong to the server, not to a database: ``bangfu db upgrade`` creates them on an empty
database, or create them as in the README). The password of the URL is handed to the
tools in ``PGPASSWORD``, never on their command line.

SQLite: SQLite's online backup (a consistent copy while the server runs).

What a backup does *not* hold: the resident-ID hash key (``$BANGFU_ID_HASH_KEY``), which
must be kept apart from the backups (with it, a dump gives the ID numbers back by trial),
and the calendar files (``$BANGFU_CALENDARS``). A restored database keeps every history's
hash chain: ``bangfu audit verify`` checks it after a restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from core import clock
from core.errors import BAD_INPUT, BangfuError

SUFFIX = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class BackupError(BangfuError):
    """A backup or restore that did not complete (nothing was changed by a restore)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(BAD_INPUT, en, zh)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for libpq's tools (no driver, no password) and their environment."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: apt-get install postgresql-client",
            f"未安装 {name}:请安装 postgresql-client",
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(
            f"{what} failed: {' / '.join(detail)}", f"{what} 失败:{' / '.join(detail)}"
        )


def backup(url: str, into: Path, keep: int | None = None) -> Path:
    """Write a backup of ``url`` into the folder ``into`` (named by the server's clock);
    with ``keep``, remove all but the newest ``keep`` backups there. The file, written
    under a temporary name and renamed when complete."""
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIX:
        raise BackupError(f"cannot back up a {backend} database", f"不支持备份 {backend} 数据库")
    into.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = into / f"bangfu-{stamp}{SUFFIX[backend]}"
    partial = target.with_name(target.name + ".partial")
    if backend == "postgresql":
        libpq, env = _libpq(url)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial)]
        _run([*command, libpq], env, "pg_dump")
    else:
        source = make_url(url).database
        if not source or not Path(source).exists():
            raise BackupError(f"no SQLite file at {source}", f"找不到 SQLite 文件 {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
            src.backup(dst)
        dst.close()
    os.chmod(partial, 0o600)  # personal data
    partial.rename(target)
    if keep is not None:
        for old in sorted(into.glob(f"bangfu-*{SUFFIX[backend]}"))[:-keep]:
            old.unlink()
    return target


def restore(path: Path, url: str) -> None:
    """Restore the backup ``path`` into the empty database ``url``: all of it, or nothing."""
    if not path.is_file():
        raise BackupError(f"no backup file at {path}", f"找不到备份文件 {path}")
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        libpq, env = _libpq(url)
        command = [_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner"]
        _run([*command, "--dbname", libpq, str(path)], env, "pg_restore")
    elif backend == "sqlite":
        target = make_url(url).database
        if not target:
            raise BackupError("the SQLite URL names no file", "SQLite 地址未指定文件")
        if Path(target).exists() and Path(target).stat().st_size > 0:
            raise BackupError(
                f"{target} exists: restore into a new file",
                f"{target} 已存在:请恢复到新的文件",
            )
        with sqlite3.connect(path) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
    else:
        raise BackupError(f"cannot restore into a {backend} database", f"不支持恢复到 {backend}")


def stamp_of(path: Path) -> datetime | None:
    """When a backup file was made, from its name (None for another name)."""
    try:
        return datetime.strptime(path.stem.removeprefix("bangfu-"), "%Y%m%d-%H%M%S")
    except ValueError:
        return None
