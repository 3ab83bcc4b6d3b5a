"""bangfu backup / bangfu restore: a populated PostgreSQL database backed up and restored
into a fresh one keeps every history's hash chain, the ledger reconciled to the fen and
every table's count."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from core.cli import app
from core.db.models import Base
from core.db.testing import postgres_database
from tests.funds.conftest import cases, file_case, session  # noqa: F401

runner = CliRunner()


def bangfu(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                t.name: connection.scalar(text(f'select count(*) from "{t.name}"'))
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def populated(url: str, cases, session) -> None:
    file_case(cases)  # through every step of the procedure: each history entry chained
    session.close()
    bangfu(
        *("funds", "receipt", "--tenant", "hebei", "--year", "2026", "--source", "government"),
        *("--amount", "5000.00", "--document", "冀财社〔2026〕12号", "--received-on", "2026-01-15"),
        *("--database-url", url),
    )
    bangfu("payments", "run", "--tenant", "hebei", "--period", "2026", "--database-url", url)
    bangfu(
        *("payments", "approve", "--tenant", "hebei", "--run", "1", "--user", "li.approver"),
        *("--database-url", url),
    )


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of the same kind, never migrated: what a restore starts from."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with postgres_database(database_url, migrate=False) as url:
        yield url


def test_a_backup_restores_whole(database_url, cases, session, fresh_database, tmp_path):
    populated(database_url, cases, session)
    before = counts(database_url)
    assert before["case_events"] >= 5 and before["fund_payments"] == 1
    assert "every chain holds" in bangfu("audit", "verify", "--database-url", database_url)
    folder = tmp_path / "backups"
    out = bangfu("backup", "--into", str(folder), "--keep", "2", "--database-url", database_url)
    (made,) = list(folder.iterdir())
    assert made.name in "".join(out.split()) and made.stat().st_mode & 0o077 == 0  # owner only

    bangfu("restore", str(made), "--database-url", fresh_database)

    assert counts(fresh_database) == before
    verified = bangfu("audit", "verify", "--database-url", fresh_database)
    assert f"{before['case_events']} events" in verified and "every chain holds" in verified
    reconciled = bangfu(
        "payments",
        "reconcile",
        "--tenant",
        "hebei",
        "--year",
        "2026",
        "--database-url",
        fresh_database,
    )
    assert "balanced to the fen" in reconciled
    assert bangfu("db", "upgrade", "--database-url", fresh_database)  # at the newest already


def test_a_restore_refuses_a_missing_file_and_a_used_database(database_url, tmp_path):
    out = bangfu("restore", str(tmp_path / "nothing.dump"), "--database-url", database_url, code=1)
    assert "找不到备份文件" in out
    folder = tmp_path / "b"
    bangfu("backup", "--into", str(folder), "--database-url", database_url)
    (made,) = list(folder.iterdir())
    before = counts(database_url)
    out = bangfu("restore", str(made), "--database-url", database_url, code=1)
    assert "失败" in out or "已存在" in out
    assert counts(database_url) == before  # all or nothing


def test_old_backups_beyond_keep_are_removed(database_url, tmp_path, monkeypatch):
    folder = tmp_path / "kept"
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        monkeypatch.setenv("BANGFU_TODAY", day)
        bangfu("backup", "--into", str(folder), "--keep", "2", "--database-url", database_url)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 and names[0].startswith("bangfu-20261202")
