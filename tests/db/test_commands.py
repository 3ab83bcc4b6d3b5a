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
    token = result.stdout.strip()
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
    token = made.stdout.strip()
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


def test_audit_verify_names_the_first_broken_link(tmp_path, registry):
    from sqlalchemy import text

    from core.cases.service import CaseService
    from core.db.migrate import upgrade
    from tests.casefile_samples import ILL, D, staff

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade(url)
    with session_factory(url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-11-20"))
        case = service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-11-02"))
        service.transition(staff("hebei", "reviewer"), case.id, "review", 1, D("2026-11-03"))
        service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-11-02"))
    result = runner.invoke(app, ["audit", "verify", *db(url)])
    assert result.exit_code == 0, result.output
    assert "3 events" in result.output
    with session_factory(url)() as session:  # someone with the database file rewrites history
        session.execute(text("update case_events set taken_on = '2026-11-04' where seq = 2"))
        session.commit()
    result = runner.invoke(app, ["audit", "verify", "--tenant", "hebei", *db(url)])
    assert result.exit_code == 1
    assert "tenant hebei" in result.output and "event 2" in result.output
    assert runner.invoke(app, ["audit", "verify", "--tenant", "gansu", *db(url)]).exit_code == 0


def _create(url: str, tenant: str, role: str, user: str, *extra: str) -> str:
    made = runner.invoke(
        app,
        ["token", "create", "--tenant", tenant, "--role", role, "--user", user, *extra, *db(url)],
    )
    assert made.exit_code == 0, made.output
    return made.stdout.strip()


def test_token_list_shows_tokens_without_their_secrets(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    zhao = _create(url, "hebei", "approver", "zhao")
    ma = _create(url, "gansu", "caseworker", "ma", "--days", "7")
    listed = runner.invoke(app, ["token", "list", *db(url)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    for text in ("zhao", "ma", "hebei", "gansu", "approver", "caseworker", "active"):
        assert text in listed.output
    for secret in (zhao, ma):
        assert secret not in listed.output and secret[3:15] not in listed.output
    with session_factory(url)() as session:
        from core.auth.tokens import list_tokens

        rows = {t.user: t for t in list_tokens(session)}
    assert (rows["zhao"].expires - rows["zhao"].created).days == 90  # the default
    assert (rows["ma"].expires - rows["ma"].created).days == 7
    only = runner.invoke(app, ["token", "list", "--user", "ma", *db(url)], env={"COLUMNS": "200"})
    assert "gansu" in only.output and "hebei" not in only.output


def test_tokens_are_revoked_by_number_or_by_user_without_the_secret(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = _create(url, "hebei", "approver", "zhao")
    second = _create(url, "hebei", "reviewer", "zhao")
    other = _create(url, "hebei", "caseworker", "wang")
    with session_factory(url)() as session:
        from core.auth.tokens import find_token

        first_id = find_token(session, first).id
    by_id = runner.invoke(app, ["token", "revoke", "--id", str(first_id), *db(url)])
    assert by_id.exit_code == 0, by_id.output
    with session_factory(url)() as session:
        assert verify_token(session, first) is None
        assert verify_token(session, second) is not None
    by_user = runner.invoke(app, ["token", "revoke", "--user", "zhao", *db(url)])
    assert by_user.exit_code == 0, by_user.output
    with session_factory(url)() as session:
        assert verify_token(session, second) is None
        assert verify_token(session, other) is not None  # another user's stays
    listed = runner.invoke(app, ["token", "list", *db(url)], env={"COLUMNS": "200"})
    assert listed.output.count("revoked") >= 2
    nothing = runner.invoke(app, ["token", "revoke", "--user", "zhao", *db(url)])
    assert nothing.exit_code == 1
    neither = runner.invoke(app, ["token", "revoke", *db(url)])
    assert neither.exit_code == 2


def test_a_token_lifetime_must_be_sensible(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for days in ("0", "-1", "5000"):
        grant = ["--tenant", "hebei", "--role", "approver", "--user", "z"]
        made = runner.invoke(app, ["token", "create", *grant, "--days", days, *db(url)])
        assert made.exit_code == 2, made.output


def test_a_command_answers_on_stdout_alone_while_its_process_logs(tmp_path):
    """``TOKEN=$(bangfu token create ...)`` must hold the token alone even where logging
    is on (as bangfu serve turns it on for its process): log lines go to standard error."""
    import json

    from core.observe import configure_logging

    configure_logging()  # the suite's fixture puts logging back after this test
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", *db(url)]).exit_code == 0
    made = runner.invoke(
        app,
        ["token", "create", "--tenant", "hebei", "--role", "reviewer", "--user", "li", *db(url)],
    )
    assert made.exit_code == 0, made.output
    logged = [json.loads(line) for line in made.stderr.splitlines() if line.strip()]
    assert logged, "nothing was logged: this test no longer shows where log lines go"
    with session_factory(url)() as session:
        assert verify_token(session, made.stdout.strip()).user == "li"
