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


def test_a_revoked_token_no_longer_authenticates(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    made = runner.invoke(
        app,
        ["token", "create", "--tenant", "gansu", "--role", "caseworker", "--user", "ma", *db(url)],
    )
    token = made.output.strip()
    revoked = runner.invoke(app, ["token", "revoke", token, *db(url)])
    assert revoked.exit_code == 0, revoked.output
    with session_factory(url)() as session:
        assert verify_token(session, token) is None
    again = runner.invoke(app, ["token", "revoke", token, *db(url)])
    assert again.exit_code == 1 and "no active token" in again.output


def test_tenants_lists_every_bundled_tenant_with_its_chain():
    result = runner.invoke(app, ["tenants"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("national", "hebei", "gansu", "demo_city", "national > hebei > demo_city"):
        assert text in result.output


def test_check_runs_the_kit_and_fails_on_an_unknown_tenant():
    ok = runner.invoke(app, ["check", "gansu"], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "gansu" in ok.output and "FAIL" not in ok.output
    unknown = runner.invoke(app, ["check", "atlantis"])
    assert unknown.exit_code == 1 and "unknown tenant(s): atlantis" in unknown.output


def test_a_wrong_tenant_or_role_for_a_token_is_one_line_not_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for tenant, role in (("atlantis", "approver"), ("hebei", "emperor"), ("hebei", "national")):
        result = runner.invoke(
            app,
            ["token", "create", "--tenant", tenant, "--role", role, "--user", "x", *db(url)],
        )
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        assert "token create" in lines[0]
