"""Targets from kept counts (migration 0021) give the history's answer.

A target counts the files admitted (建档立卡) on the tenant's baseline day, each at its
latest step then, and of them those exited on the day asked. Since 0021 the baseline day
is kept per tenant and each file's status on it is kept by triggers, so the counts are
sums of tallies (or, for a day before the tenant's last step, a look at the baseline's
files alone). Here histories are generated through the case service for two tenants in
one database (files filed before and after the baseline, exits before and after it,
re-entries and files filed again, new facts waiting for a second person, hand-overs to
the safety net, rejections, paper dates), and histories the service would not write
(steps whose paper dates run backwards, a bulk insert in any order, a baseline kept only
after the files, a baseline moved): on every day asked the kept answer equals a count
from the history, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

import plugins.national
import tenants.gansu
import tenants.hebei
from core.cases import reports
from core.cases.service import CaseService
from core.db import baselines, repositories, tallies
from core.db.models import CaseEvent, CaseFile
from core.db.session import session_factory, tenant_scope
from core.errors import BangfuError
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import Registry, load_registry
from core.targets import target_progress, targets_of
from core.workflow.engine import procedure_of
from tests.casefile_samples import NO_HOUSING, RESTRUCTURED, D, staff

BASELINE = D("2018-01-01")
CITY = "gansu_city"
TENANTS = ("gansu", CITY)
#: below Gansu's 低保 line, not in 低保: in hardship on every reading
POOR = {
    "members": [
        {
            "name": "=李红",
            "relation": "APPLICANT",
            "age": 58,
            "monthlyIncome": "200",
            "employment": "UNEMPLOYED",
            "ableToWork": True,
        }
    ]
}
TO_FILE = [
    ("visit", "caseworker", None, 3),
    ("inspect", "caseworker", None, 3),
    ("assess", "caseworker", None, 3),
    ("discuss", "reviewer", "集体研究同意", 3),
    ("rate", "reviewer", "评议通过", 3),
    ("publish", "reviewer", None, 2),
    ("approve", "approver", None, 15),  # after the public notice
    ("sign", "chairman", None, 2),
    ("file", "approver", None, 2),
]


class Lanzhou:
    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo(CITY, "兰州市", TenantLevel.CITY, "gansu")


@pytest.fixture(scope="module")
def two_tenants() -> Registry:
    """Gansu and one of its cities (its targets and procedure), in one database."""
    registry = load_registry(
        plugins=[
            ("national", plugins.national),
            ("hebei", tenants.hebei),
            ("gansu", tenants.gansu),
            (CITY, Lanzhou()),
        ],
        use_entry_points=False,
    )
    assert not registry.problems, registry.problems
    assert targets_of(registry.get(CITY))[0] == BASELINE
    return registry


class Walk:
    """One file's history through the service, each step on a paper date a few days after
    the previous one (the server's date moved to it)."""

    def __init__(self, service: CaseService, clock: list[date], tenant: str, day: date) -> None:
        self.service, self.clock, self.tenant, self.day = service, clock, tenant, day
        self.kinds: set[str] = set()
        clock[0] = day
        self.case = service.open_case(staff(tenant, "caseworker"), tenant, POOR, on=day)

    def take(self, action: str, role: str, after: int, comment=None, household=None) -> bool:
        """The step, ``after`` days on; False (and nothing written) when refused."""
        day = self.day + timedelta(days=after)
        self.clock[0] = day
        try:
            self.case = self.service.transition(
                staff(self.tenant, role),
                self.case.id,
                action,
                self.case.version,
                day,
                comment,
                household,
            )
        except BangfuError:
            return False
        self.day = day
        self.kinds.add(action)
        return True

    def to_file(self, rng: random.Random) -> bool:
        for action, role, comment, days in TO_FILE:
            if not self.take(
                action, role, rng.randint(0, days) + (days if days > 10 else 0), comment
            ):
                return False
        return True


def generate(service: CaseService, clock: list[date], tenant: str, rng: random.Random) -> set[str]:
    """About 14 files of every shape around the baseline; the kinds of step taken."""
    kinds: set[str] = set()
    for n in range(14):
        opened = BASELINE + timedelta(days=rng.randint(-260, 40))
        walk = Walk(service, clock, tenant, opened)
        if n % 7 == 3:
            walk.take("reject", "reviewer", rng.randint(0, 30), "不符合建档条件")
        elif walk.to_file(rng):
            for _ in range(3):
                pick = rng.random()
                if walk.case.status == "filed" and pick < 0.45:
                    gap = rng.randint(0, 200)
                    walk.take("update_facts", "caseworker", gap, household=RESTRUCTURED)
                    if rng.random() < 0.15:  # new facts left waiting for a second person
                        break
                    walk.take("approve_facts", "approver", 0)
                    walk.take("exit", "approver", rng.randint(0, 3))
                elif walk.case.status == "filed" and pick < 0.6:
                    late = max(0, (D("2020-01-02") - walk.day).days)
                    walk.take("hand_over", "approver", late + rng.randint(0, 30), "证明 第1号")
                elif walk.case.status == "exited" and pick < 0.7:
                    walk.take("reenter", "caseworker", rng.randint(1, 120), "失去住房", NO_HOUSING)
                    if rng.random() < 0.7:
                        walk.to_file(rng)
                elif walk.case.status == "exited":
                    walk.take("follow_up", "caseworker", rng.randint(1, 90))
        kinds |= walk.kinds
    return kinds


def history_answer(session, tenant: str, baseline: date, on: date) -> tuple[int, int]:
    """The target's counts from every step of the tenant, counted here."""
    procedure = procedure_of_code(tenant)
    steps: dict[int, list[tuple[int, date, str]]] = {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.taken_on, CaseEvent.to_status).where(
            CaseEvent.tenant == tenant
        )
    )
    for case_id, seq, taken_on, to_status in rows:
        steps.setdefault(case_id, []).append((seq, taken_on, to_status))

    def status(history: list[tuple[int, date, str]], day: date) -> str | None:
        then = [s for s in history if s[1] <= day]
        return max(then)[2] if then else None

    files = gone = 0
    for history in steps.values():
        if status(history, baseline) in procedure.admitted:
            files += 1
            gone += status(history, on) in procedure.exited
    return files, gone


_PROCEDURES: dict[str, Any] = {}


def procedure_of_code(tenant: str):
    return _PROCEDURES[tenant]


def days_to_ask(session, tenant: str, baseline: date) -> list[date]:
    """The baseline, the day before and after each step of the tenant, and long after."""
    taken = session.scalars(
        select(CaseEvent.taken_on).where(CaseEvent.tenant == tenant).distinct()
    ).all()
    days = {baseline, D("2030-01-01")}
    for day in taken:
        days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    return sorted(d for d in days if d >= baseline)


def assert_kept_equals_history(
    session, registry: Registry, tenant: str, sample: Callable[[list[date]], list[date]]
) -> int:
    """Every day asked: target_progress (kept counts) == the history's count, and ==
    the history path of the repository (0018e's). Returns how many days were compared."""
    t = registry.get(tenant)
    procedure = procedure_of(t)
    _PROCEDURES[tenant] = procedure
    with tenant_scope(session, tenant):
        assert baselines.kept(session, tenant) == BASELINE  # the kept path answers
        assert tallies.tallies(session, tenant) == tallies.recount(session, tenant)
        days = sample(days_to_ask(session, tenant, BASELINE))
        for on in days:
            progress = target_progress(session, t, on)
            kept = (progress[0].baseline_files, progress[0].exited_files)
            expected = history_answer(session, tenant, BASELINE, on)
            pairs = repositories.status_pairs(session, tenant, BASELINE, on)
            scanned = (
                sum(n for b, _, n in pairs if b in procedure.admitted),
                sum(n for b, a, n in pairs if b in procedure.admitted and a in procedure.exited),
            )
            assert kept == expected == scanned, (tenant, on)
        session.rollback()
    return len(days)


@pytest.fixture
def generated(database_url, two_tenants):
    clock = [BASELINE]
    rng = random.Random(24)
    kinds: set[str] = set()
    with session_factory(database_url)() as session:
        service = CaseService(session, two_tenants, today=lambda: clock[0])
        for tenant in TENANTS:
            kinds |= generate(service, clock, tenant, rng)
    return database_url, kinds


def test_kept_counts_equal_the_history_on_generated_histories(generated, two_tenants):
    url, kinds = generated
    # the histories hold every shape the counts must get right
    assert {"file", "exit", "reenter", "hand_over", "reject", "follow_up"} <= kinds, kinds
    assert "update_facts" in kinds and "approve_facts" in kinds
    rng = random.Random(7)
    with session_factory(url)() as session:
        for tenant in TENANTS:
            compared = assert_kept_equals_history(
                session,
                two_tenants,
                tenant,
                lambda days: sorted(rng.sample(days, min(40, len(days)))),
            )
            assert compared >= 20
        with tenant_scope(session, "gansu"):
            statuses = {s for s in session.scalars(select(CaseFile.baseline_status).distinct())}
            session.rollback()
    # files filed, open, exited and not yet opened on the baseline day
    assert {"filed", "", "exited"} <= statuses, statuses


def test_the_national_level_reads_the_kept_counts(generated, two_tenants):
    """The national level (no tenant bound) gets the same counts, small ones hidden."""
    url, _ = generated
    national = staff("national", "national")
    with session_factory(url)() as session:
        service = CaseService(session, two_tenants, today=lambda: D("2021-06-30"))
        found = reports.targets(service, national, list(TENANTS), D("2021-06-30"))
        _PROCEDURES.update({t: procedure_of(two_tenants.get(t)) for t in TENANTS})
        for tenant in TENANTS:
            with tenant_scope(session, tenant):
                files, gone = history_answer(session, tenant, BASELINE, D("2021-06-30"))
                session.rollback()
            shown = {(p.baseline_files, p.exited_files) for p in found if p.tenant == tenant}
            assert shown == {(files if files >= 5 else None, gone if gone >= 5 else None)}


# --------------------------------------------------------------------------- raw histories
def _step(case_id: int, tenant: str, seq: int, day: str, to_status: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "tenant": tenant,
        "seq": seq,
        "action": "raw",
        "from_status": "",
        "to_status": to_status,
        "taken_on": D(day),
        "actor": "owner",
        "role": "admin",
        "comment": None,
        "late": False,
        "details": {},
        "determination": {},
        "entered_late": False,
        "prev_hash": "",
        "hash": "",
    }


def raw_steps(session, tenant: str, rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` more steps for each file of the tenant, dated around the baseline in any
    order of their numbers; each file's row takes its newest step's status."""
    rows = []
    for case_id, last in session.execute(
        select(CaseFile.id, func.max(CaseEvent.seq))
        .join(CaseEvent, CaseEvent.case_id == CaseFile.id)
        .where(CaseFile.tenant == tenant)
        .group_by(CaseFile.id)
        .order_by(CaseFile.id)
    ):
        days = [(BASELINE + timedelta(days=rng.randint(-90, 90))).isoformat() for _ in range(n)]
        statuses = [rng.choice(["filed", "exited", "registered"]) for _ in range(n)]
        for seq, (day, status) in enumerate(zip(days, statuses, strict=True), start=last + 1):
            rows.append(_step(case_id, tenant, seq, day, status))
        session.execute(
            CaseFile.__table__.update().where(CaseFile.id == case_id).values(status=statuses[-1])
        )
    return rows


def test_histories_the_service_would_not_write(database_url, two_tenants):
    """Paper dates running backwards, steps inserted in one statement in any order, a
    baseline kept only after the files were written, then moved: the kept counts follow."""
    clock = [D("2017-06-01")]
    with session_factory(database_url)() as session:
        service = CaseService(session, two_tenants, today=lambda: clock[0])
        for tenant in TENANTS:
            for _ in range(6):
                service.open_case(staff(tenant, "caseworker"), tenant, POOR, on=clock[0])
        rng = random.Random(5)
        for tenant in TENANTS:
            with tenant_scope(session, tenant):
                # the baseline is forgotten: the files are written first, kept later
                session.execute(text("DELETE FROM target_baselines"))
                rows = raw_steps(session, tenant, rng, 4)
                rng.shuffle(rows)
                session.execute(CaseEvent.__table__.insert(), rows)
                session.commit()
        _PROCEDURES.update({t: procedure_of(two_tenants.get(t)) for t in TENANTS})
        for tenant in TENANTS:
            with tenant_scope(session, tenant):
                assert baselines.kept(session, tenant) is None  # the history answers
                before = {
                    on: target_progress(session, two_tenants.get(tenant), on)[0]
                    for on in (BASELINE, D("2018-02-15"), D("2030-01-01"))
                }
                baselines.keep(session, tenant, BASELINE)  # kept: every file's status then
                session.commit()
            assert_kept_equals_history(session, two_tenants, tenant, lambda days: days)
            with tenant_scope(session, tenant):
                for on, answer in before.items():
                    assert target_progress(session, two_tenants.get(tenant), on)[0] == answer
                session.rollback()
        # steps written now, in one statement in any order, some dated before the
        # baseline (paper dates of the past): the files' status then follows
        for tenant in TENANTS:
            with tenant_scope(session, tenant):
                rows = raw_steps(session, tenant, rng, 2)
                first = rows[0]["case_id"]
                then = session.scalar(select(CaseFile.baseline_status).where(CaseFile.id == first))
                changed = "exited" if then == "filed" else "filed"
                seq = max(r["seq"] for r in rows if r["case_id"] == first) + 1
                rows.append(_step(first, tenant, seq, "2017-12-30", changed))
                rng.shuffle(rows)
                session.execute(CaseEvent.__table__.insert(), rows)
                session.commit()
                now = session.scalar(select(CaseFile.baseline_status).where(CaseFile.id == first))
                assert now == changed
                session.rollback()
            assert_kept_equals_history(session, two_tenants, tenant, lambda days: days)
        # a moved baseline: every file takes its status on the new day
        moved = D("2018-01-20")
        with tenant_scope(session, CITY):
            baselines.keep(session, CITY, moved)
            session.commit()
            procedure = procedure_of(two_tenants.get(CITY))
            for on in days_to_ask(session, CITY, moved):
                kept = repositories.target_counts(
                    session, CITY, moved, on, procedure.admitted, procedure.exited
                )
                old = repositories.target_counts(  # not kept now: from the history
                    session, CITY, BASELINE, on, procedure.admitted, procedure.exited
                )
                assert kept == history_answer(session, CITY, moved, on), on
                if on >= BASELINE:
                    assert old == history_answer(session, CITY, BASELINE, on), on
            session.rollback()
