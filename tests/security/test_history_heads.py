"""A file's history ends at its head (issue 20, finding 5): the owner deleting the newest
event, or a file's whole history, is named by ``bangfu audit verify`` (exit 1, in
Chinese), while every chain left still holds."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from core.cases.service import CaseService
from core.cli import app as cli
from core.db.session import session_factory
from tests.casefile_samples import ILL, D, staff

STEPS = (
    ("reviewer", "review", "2026-09-25"),
    ("reviewer", "publish", "2026-09-28"),
    ("approver", "approve", "2026-10-10"),
    ("approver", "file", "2026-10-12"),
)


def filed_files(url: str, registry, count: int = 2) -> list[int]:
    """``count`` hebei files filed (5 events each); their internal ids."""
    ids = []
    with session_factory(url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-10-20"))
        for _ in range(count):
            case = service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-09-24"))
            for role, action, day in STEPS:
                case = service.transition(
                    staff("hebei", role), case.id, action, case.version, D(day)
                )
            assert case.status == "filed" and len(case.history) == 5
        ids = list(session.scalars(text("select id from cases where tenant = 'hebei' order by id")))
    return ids


class Answer:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code, self.output = exit_code, output


def audit_verify(url: str) -> Answer:
    """The command's exit code and output (its lines as wrapped by the console, joined)."""
    result = CliRunner().invoke(
        cli, ["audit", "verify", "--tenant", "hebei", "--database-url", url]
    )
    return Answer(result.exit_code, result.output.replace("\n", ""))


def as_owner(url: str, sql: str) -> None:
    with session_factory(url)() as session:  # the test database's owner: past every wall
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("set local row_security = off"))
        session.execute(text(sql))
        session.commit()


def test_every_chain_ends_at_its_file_head(database_url, registry):
    filed_files(database_url, registry)
    answer = audit_verify(database_url)
    assert answer.exit_code == 0, answer.output
    assert "10 events" in answer.output and "全部记录完整" in answer.output


@pytest.mark.parametrize("which", ["newest", "newest_two"])
def test_a_deleted_newest_event_is_named(database_url, registry, which):
    first, second = filed_files(database_url, registry)
    # the first file's newest event, or the last file's newest two
    case, gone = (first, "seq = 5") if which == "newest" else (second, "seq >= 4")
    as_owner(database_url, f"delete from case_events where case_id = {case} and {gone}")
    answer = audit_verify(database_url)
    assert answer.exit_code == 1, answer.output
    assert f"档案(内部编号){case}" in answer.output and "历史记录被改动" in answer.output
    assert "(the file says 5 events)" in answer.output and "记录缺失" in answer.output


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_whole_deleted_history_is_named(database_url, registry, which):
    first, second = filed_files(database_url, registry)
    lost = first if which == "first" else second
    as_owner(database_url, f"delete from case_events where case_id = {lost}")
    answer = audit_verify(database_url)
    assert answer.exit_code == 1, answer.output
    assert f"档案(内部编号){lost}" in answer.output
    assert "whole history is missing" in answer.output


def test_a_tenant_whose_every_event_is_gone_is_named(database_url, registry):
    [only] = filed_files(database_url, registry, count=1)
    as_owner(database_url, "delete from case_events")
    answer = audit_verify(database_url)
    assert answer.exit_code == 1 and f"地区 hebei,档案(内部编号){only}" in answer.output
