"""Rosters, files and people for the verification tests (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from stdnum.cn import ric

from core.cases.service import CaseService
from core.db.session import session_factory
from core.verification.service import VerificationService
from tests.casefile_samples import D, staff

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
ADMIN = staff("hebei", "admin")
LOW_DIBAO = ("身份证号", "纳入低保时间", "月人均补助")
SOCIAL = ("公民身份号码", "养老保险", "失业保险", "缴费基数")


def person(serial: int, born: date = date(1964, 3, 12), area: str = "130102") -> str:
    """A valid resident ID number of someone born in ``born`` (the 1960s by default)."""
    body = f"{area}{born:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18


def people(n: int, start: int = 0) -> Iterable[str]:
    """``n`` different valid ID numbers (birth dates spread over 1960-1969)."""
    base = date(1960, 1, 1)
    for k in range(start, start + n):
        yield person(k % 1000, base + timedelta(days=k // 1000))


def write_csv(path: Path, heading: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(heading)
        writer.writerows(rows)
    return path


@pytest.fixture
def session(database_url):
    with session_factory(database_url)() as s:
        yield s


@pytest.fixture
def cases(session, registry):
    return CaseService(session, registry, today=lambda: D("2026-11-20"))


@pytest.fixture
def verification(session, registry):
    return VerificationService(session, registry, today=lambda: D("2026-11-20"))


# GraphQL callers with tokens and the serving role's URL, as the security tests have them
from tests.security.conftest import app_url, caller, serve  # noqa: E402, F401
