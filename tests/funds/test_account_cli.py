"""``bangfu funds account set|show|remove``: a file's payee account (一卡通) from the
command line, through the same service as GraphQL (the same validation, roles, tenant
walls), dated by the server's clock; shown only masked. On PostgreSQL as the serving
role ``bangfu_app``."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from core.cli import app
from core.db.session import dispose_engine, session_factory, tenant_scope
from core.funds.models import PayeeAccount
from tests.funds.conftest import file_case

runner = CliRunner()
DIGITS = "6222021234567890123"


@pytest.fixture
def served(database_url):
    """The URL the command is given: PostgreSQL's serving role, or SQLite."""
    if not database_url.startswith("postgresql"):
        yield database_url
        return
    from core.db.testing import postgres_app_url

    url = postgres_app_url(database_url)
    yield url
    dispose_engine(url)


def account(url: str, *args: str, code: int = 0, given: str | None = None) -> str:
    result = runner.invoke(app, ["funds", "account", *args, "--database-url", url], input=given)
    assert result.exit_code == code, result.output
    return result.output


def _stored(url: str) -> list[tuple[str, date, str]]:
    with session_factory(url)() as session, tenant_scope(session, "hebei"):
        return [
            (a.masked, a.recorded_on, a.sealed)
            for a in session.scalars(select(PayeeAccount).order_by(PayeeAccount.id))
        ]


def test_set_show_and_remove_a_payee_account(cases, database_url, served, monkeypatch):
    monkeypatch.setenv("BANGFU_TODAY", "2026-12-03")  # the server's clock dates it
    first = file_case(cases)
    on = ["--tenant", "hebei", "--case", first]
    out = account(served, "set", *on, "--account", "6222 0212-3456 7890 123", "--bank", "工商银行")
    assert "6222***********0123" in out and DIGITS not in out
    [(masked, recorded_on, sealed)] = _stored(database_url)
    assert (masked, recorded_on) == ("6222***********0123", date(2026, 12, 3))
    assert DIGITS not in sealed
    out = account(served, "show", *on)
    assert out.strip() == "6222***********0123"
    # the same validation as GraphQL: refused, in Chinese first, and nothing changes
    out = account(served, "set", *on, "--account", "12ab", code=1)
    assert "BAD_INPUT" in out and "银行账号(一卡通)应为10至30位数字" in out
    assert [s[0] for s in _stored(database_url)] == ["6222***********0123"]
    out = account(served, "set", *on, "--account", DIGITS, "--role", "chairman", code=1)
    assert "FORBIDDEN" in out
    out = account(served, "show", "--tenant", "gansu", "--case", first, code=1)
    assert "NOT_FOUND" in out
    # asked for when not given (kept out of the shell's history); replaced
    account(served, "set", *on, given="6217000011112222333\n")
    assert account(served, "show", *on).strip() == "6217***********2333"
    out = account(served, "remove", *on)
    assert "已删除" in out and "6217***********2333" in out
    assert _stored(database_url) == []
    out = account(served, "show", *on, code=1)
    assert "未登记一卡通账号" in out
    out = account(served, "remove", *on, code=1)
    assert "NOT_FOUND" in out and "未登记一卡通账号" in out
