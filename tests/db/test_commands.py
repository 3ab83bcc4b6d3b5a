"""The ``bangfu`` commands of this issue: db upgrade, token create, review."""

from __future__ import annotations

from typer.testing import CliRunner

from core.auth.tokens import verify_token
from core.cli import app
from core.db.migrate import is_up_to_date
from core.db.session import session_factory

runner = CliRunner()


def db(url: str) -> list[str]:
    return ["--database-url", url]


def test_db_upgrade_token_create_and_review(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert is_up_to_date(url)
    result = runner.invoke(
        app,
        ["token", "create", "--tenant", "hebei", "--role", "approver", "--user", "zhao", *db(url)],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    with session_factory(url)() as session:
        assert verify_token(session, token).role == "approver"
    result = runner.invoke(
        app, ["review", "--tenant", "hebei", "--as-of", "2026-04-30", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "Review of hebei" in result.output
    again = runner.invoke(
        app, ["review", "--tenant", "hebei", "--as-of", "2026-04-30", "--database-url", url]
    )
    assert "nothing changed" in again.output


def test_a_bad_token_request_is_refused_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(
        app,
        ["token", "create", "--tenant", "atlantis", "--role", "approver", "--user", "x", *db(url)],
    )
    assert result.exit_code != 0
