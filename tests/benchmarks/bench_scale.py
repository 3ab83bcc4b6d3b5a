"""A province of many files: does each request grow with its page, or with the caseload?

For each size (``BANGFU_BENCH_SCALE_SIZES``, default ``10000``; ``make bench-million``:
``10000,1000000``) a fresh PostgreSQL database gets that many files of the real shape
(``bangfu demo``, :mod:`core.demo_caseload`: 50% filed, 15% exited, 10% rejected, 25%
open, a fifth of them overdue, about four steps a file with their records), loaded by the
owner, and beside them a tenth as many of Gansu's (at least 1,000, walked through Gansu's
own procedure, half its filed files and its exited ones filed before its targets'
baseline of 2018-01-01), so that ``targets`` counts a real caseload against Gansu's
targets with its baseline kept (migration 0021); its answer is checked against a fresh
count from the steps. The application then serves as ``bangfu_app`` (row-level security on), GraphQL in
process through Litestar's test client with staff and national tokens, and every request
is timed in interleaved rounds against a **control** that does the same work at every
size: GraphQL ``cases(first: 50)`` (and, for the worklist read through the case service,
the service's own page of 50). A request's figure is its median divided by the control's
median of the same rounds; its growth is that ratio at the largest size over the ratio at
the smallest. Work proportional to the answer keeps the growth near 1 (target: within
1.5; ``statistics`` and ``targets`` within 3 times the control at the largest size).

Each round: ``statistics`` and ``targets`` (national), ``overdueCases``, one file with its
available actions (a ground-f file in public notice: its quota counted), a ``review``
step and an ``approve`` of a ground-f file (under the quota lock), the worklist's first
page of every file, of my tasks, a search by name and by ID number. Once per size: the
annual review of every open file (files a second) and the year's payment run as the
serving role (payments a second: linear in the files due, not in their history).

The worklist's answers are checked against the database at each size: every count is the
files' own, a search by ID number finds its file.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.benchmarks import median, row

SIZES = [
    int(s) for s in (os.environ.get("BANGFU_BENCH_SCALE_SIZES") or "10000").split(",") if s.strip()
]
ROUNDS = int(os.environ.get("BANGFU_BENCH_SCALE_ROUNDS") or 9)
WARM_UP = 2
GROWTH_TARGET = 1.5
COUNTS_TARGET = 3.0  #: statistics and targets, times the control at the largest size
TODAY = "2026-11-20"

CONTROL = '{ cases(tenant: "hebei", first: 50) { id status } }'
STATISTICS = (
    '{ statistics(tenants: ["hebei"]) { tenant openCases filedCases exitedCases '
    "byCategory { key count } byGroup { key count } } }"
)
TARGETS = '{ targets(tenants: ["hebei", "gansu"]) { tenant due baselineFiles exitedFiles } }'
#: Gansu's files beside Hebei's: a tenth as many, at least this many
GANSU_SHARE, GANSU_AT_LEAST = 10, 1000
#: Gansu's files filed on its targets' baseline and, of them, those exited now, counted
#: afresh from the steps (each file's newest step on the day and now)
FRESH_TARGET_COUNT = """
SELECT count(*), count(*) FILTER (WHERE now_.to_status = 'exited') FROM
  (SELECT DISTINCT ON (case_id) case_id, to_status FROM case_events
   WHERE tenant = 'gansu' AND taken_on <= DATE '2018-01-01' ORDER BY case_id, seq DESC) then_
  JOIN (SELECT DISTINCT ON (case_id) case_id, to_status FROM case_events
   WHERE tenant = 'gansu' ORDER BY case_id, seq DESC) now_ USING (case_id)
WHERE then_.to_status = 'filed'"""
OVERDUE = "{ overdueCases { id status } }"
VIEW = "query($id: ID!) { case(id: $id) { id status availableActions } }"
MOVE = """mutation($id: ID!, $a: String!, $v: Int!) {
  transition(caseId: $id, action: $a, expectedVersion: $v) { id version status } }"""
TOPUP = {
    "members": [
        {"name": "陈立", "relation": "APPLICANT", "age": 58, "employment": "UNABLE_TO_WORK"}
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 30,
    "dibaoMonthlySubsidyPerCapita": "650",
}


def _ground_f_files(session: Any, registry: Any, n: int) -> list[tuple[str, int]]:
    """``n`` files resting on ground f alone, in public notice long enough to approve."""
    from core.cases.service import CaseService
    from tests.casefile_samples import staff

    service = CaseService(session, registry)
    today = service.today()
    out = []
    for _ in range(n):
        case = service.open_case(
            staff("hebei", "caseworker"), "hebei", TOPUP, on=today - timedelta(days=30)
        )
        for action, days in (("review", 29), ("publish", 28)):
            case = service.transition(
                staff("hebei", "reviewer"),
                case.id,
                action,
                case.version,
                today - timedelta(days=days),
            )
        out.append((case.id, case.version))
    return out


def _waiting_for_review(session: Any, n: int) -> list[tuple[str, int]]:
    from sqlalchemy import text

    from core.db.session import tenant_scope

    with tenant_scope(session, "hebei"):
        rows = session.execute(
            text(
                "select number, version from cases where tenant = 'hebei' and turn = 'review' "
                "and due_on >= :today order by number desc limit :n"
            ),
            {"today": TODAY, "n": n},
        ).all()
        session.rollback()
    return [(str(number), version) for number, version in rows]


def _one_size(size: int) -> dict[str, Any]:
    """Medians (ms) of every request at ``size`` files, the controls', and checks."""
    from litestar.testing import TestClient
    from sqlalchemy import func, select, text

    from core.api.app import create_app
    from core.auth.tokens import issue_token
    from core.cases.service import CaseService
    from core.cases.worklist import WorklistQuery
    from core.db.models import CaseFile
    from core.db.request import STATE_KEY
    from core.db.session import dispose_engine, session_factory, tenant_scope
    from core.db.testing import postgres_app_url, postgres_database
    from core.demo_caseload import load_caseload, person_id, person_name
    from core.registry import load_registry
    from core.review import run_review
    from tests.casefile_samples import staff

    registry = load_registry()
    out: dict[str, Any] = {"size": size}
    with postgres_database() as owner_url:
        app_url = postgres_app_url(owner_url)
        with session_factory(owner_url)() as session:
            started = time.perf_counter()
            loaded = load_caseload(session, registry, "hebei", size)
            out["load_s"] = time.perf_counter() - started
            out["events"] = loaded.events
            gansu = load_caseload(
                session, registry, "gansu", max(GANSU_AT_LEAST, size // GANSU_SHARE)
            )
            out["gansu_files"], out["gansu_events"] = gansu.files, gansu.events
            to_approve = _ground_f_files(session, registry, ROUNDS + WARM_UP)
            to_review = _waiting_for_review(session, ROUNDS + WARM_UP)
            tokens = {
                role: issue_token(session, "hebei", role, f"bench.{role}", set(registry.tenants))
                for role in ("reviewer", "approver", "admin")
            }
            tokens["national"] = issue_token(
                session, "national", "national", "bench.national", set(registry.tenants)
            )
        app = create_app(registry)
        app.state[STATE_KEY] = app_url
        logging.getLogger("httpx").setLevel(logging.WARNING)
        times: dict[str, list[float]] = {}
        with TestClient(app) as client, session_factory(app_url)() as served:
            service = CaseService(served, registry)
            admin, reviewer = staff("hebei", "admin"), staff("hebei", "reviewer")
            search_name = person_name(size // 2 * 3)[:2]  # a surname and a given character
            wanted = size // 3

            def graphql(query: str, role: str, **variables: Any) -> dict[str, Any]:
                answer = client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {tokens[role]}"},
                ).json()
                assert not answer.get("errors"), answer
                return answer["data"]

            def step(pending: list[tuple[str, int]], action: str, role: str) -> Callable[[], Any]:
                def take() -> Any:
                    number, version = pending.pop()
                    return graphql(MOVE, role, id=number, a=action, v=version)

                return take

            view_id = to_approve[0][0]
            requests: dict[str, Callable[[], Any]] = {
                "control: GraphQL cases first 50": lambda: graphql(CONTROL, "reviewer"),
                "statistics (national)": lambda: graphql(STATISTICS, "national"),
                "targets (national)": lambda: graphql(TARGETS, "national"),
                "overdueCases": lambda: graphql(OVERDUE, "reviewer"),
                "case with availableActions (ground f)": lambda: graphql(
                    VIEW, "approver", id=view_id
                ),
                "transition review": step(to_review, "review", "reviewer"),
                "transition approve (ground f, quota)": step(to_approve, "approve", "approver"),
                "control: service page of 50": lambda: service.list_cases(admin, "hebei"),
                "worklist all, first page": lambda: service.worklist(
                    admin, "hebei", WorklistQuery(view="all")
                ),
                "worklist my tasks": lambda: service.worklist(reviewer, "hebei", WorklistQuery()),
                "worklist search by name": lambda: service.worklist(
                    admin, "hebei", WorklistQuery(view="all", name=search_name)
                ),
                "worklist search by ID number": lambda: service.worklist(
                    admin, "hebei", WorklistQuery(view="all", id_number=person_id(wanted, 0))
                ),
            }
            for n in range(WARM_UP + ROUNDS):
                for name, request in requests.items():  # interleaved: every request a round
                    started = time.perf_counter()
                    request()
                    ms = (time.perf_counter() - started) * 1000
                    if n >= WARM_UP:
                        times.setdefault(name, []).append(ms)
            # the worklist's answers are the database's own at this size
            page = service.worklist(admin, "hebei", WorklistQuery(view="all"))
            found = service.worklist(
                admin, "hebei", WorklistQuery(view="all", id_number=person_id(wanted, 0))
            )
            named = service.worklist(admin, "hebei", WorklistQuery(view="all", name=search_name))
            answered = {
                (t["baselineFiles"], t["exitedFiles"])
                for t in graphql(TARGETS, "national")["targets"]
                if t["tenant"] == "gansu"
            }
        with session_factory(owner_url)() as session, tenant_scope(session, "hebei"):
            total = session.scalar(select(func.count()).select_from(CaseFile))
            named_files = session.scalar(
                select(func.count())
                .select_from(CaseFile)
                .where(CaseFile.applicant.like(f"{search_name}%"))
            )
            session.rollback()
            counted = tuple(session.execute(text(FRESH_TARGET_COUNT)).one())
            session.rollback()
            out["gansu_targets"] = counted
            started = time.perf_counter()
            summary = run_review(session, registry, "hebei", service.today())
            out["review_s"] = time.perf_counter() - started
            out["review_files"] = summary.files
        with session_factory(app_url)() as served:  # the payment run, as the serving role
            from core.funds.service import FundsService

            started = time.perf_counter()
            ran = FundsService(served, registry).run(
                staff("hebei", "caseworker"), "2026", "government"
            )
            out["run_s"] = time.perf_counter() - started
            out["run_payments"] = ran.created
        out["checks"] = {
            "all files counted": page.total == page.counts["all"] == total,
            "ID number found": [line.id for line in found.lines] == [str(wanted)],
            "name search complete": named.total >= (named_files or 0) > 0,
        }
        out["targets_checks"] = {"Gansu's targets answer a fresh count": answered == {counted}}
        out["total"] = total
        dispose_engine(app_url)
        dispose_engine(owner_url)
    out["medians"] = {name: median(ms) for name, ms in times.items()}
    return out


def _control_of(name: str) -> str:
    if name.startswith("worklist") or name.startswith("control: service"):
        return "control: service page of 50"
    return "control: GraphQL cases first 50"


def run() -> list[dict[str, Any]]:
    from core.db.testing import postgres_available

    why = postgres_available()
    if why:
        return [row("scale", None, "", note=f"no PostgreSQL here: {why}")]
    os.environ.setdefault("BANGFU_TODAY", TODAY)
    os.environ.setdefault("BANGFU_ID_HASH_KEY", "bench-only-id-hash-key-never-served-0123456789")
    results = []
    for size in SIZES:
        found = _one_size(size)
        print(
            f"  {size:,} files ({found['events']:,} steps) loaded in {found['load_s']:.0f} s; "
            f"Gansu: {found['gansu_files']:,} files ({found['gansu_events']:,} steps), "
            f"targets' baseline files and exited {found['gansu_targets']}; "
            f"review of {found['review_files']:,} open files {found['review_s']:.1f} s; "
            + "; ".join(
                f"{k}: {'ok' if v else 'WRONG'}"
                for k, v in {**found["checks"], **found["targets_checks"]}.items()
            )
        )
        for name, ms in found["medians"].items():
            print(
                f"    {name}: {ms:.2f} ms ({ms / found['medians'][_control_of(name)]:.2f} control)"
            )
        results.append(found)
    small, large = results[0], results[-1]
    rows = []
    for name, ms in large["medians"].items():
        if name.startswith("control"):
            rows.append(row(f"{name} at {large['size']:,} files", round(ms, 2), "ms"))
            continue
        control = _control_of(name)
        at_large = ms / large["medians"][control]
        at_small = small["medians"][name] / small["medians"][control]
        growth = at_large / at_small
        counts = name.startswith(("statistics", "targets"))
        rows.append(
            row(
                f"{name} at {large['size']:,} files, per control",
                round(at_large, 3),
                "× control",
                target=f"<= {COUNTS_TARGET}" if counts else None,
                met=at_large <= COUNTS_TARGET if counts else None,
                note=f"{ms:.2f} ms; control {large['medians'][control]:.2f} ms ({control})",
            )
        )
        if large is not small:
            rows.append(
                row(
                    f"{name}: growth {small['size']:,} -> {large['size']:,} files, per control",
                    round(growth, 3),
                    "growth",
                    target=f"<= {GROWTH_TARGET}",
                    met=growth <= GROWTH_TARGET,
                )
            )
    for found in results:
        rows.append(
            row(
                f"annual review of the open files at {found['size']:,} files",
                round(found["review_files"] / found["review_s"]),
                "files/s",
                note=f"{found['review_files']:,} files in {found['review_s']:.1f} s",
            )
        )
        rows.append(
            row(
                f"payment run at {found['size']:,} files",
                round(found["run_payments"] / found["run_s"]),
                "payments/s",
                note=f"{found['run_payments']:,} payments proposed in {found['run_s']:.1f} s "
                "(the files due: filed, with a yearly entitlement)",
            )
        )
        rows.append(
            row(
                f"worklist answers complete at {found['size']:,} files",
                sum(not ok for ok in found["checks"].values()),
                "wrong answers",
                target="0",
                met=all(found["checks"].values()),
                note=", ".join(found["checks"]),
            )
        )
        rows.append(
            row(
                f"targets answer a fresh count at {found['size']:,} files",
                sum(not ok for ok in found["targets_checks"].values()),
                "wrong answers",
                target="0",
                met=all(found["targets_checks"].values()),
                note=f"Gansu: {found['gansu_files']:,} files; (baseline files, exited) "
                f"{found['gansu_targets']}",
            )
        )
        rows.append(
            row(
                f"bangfu demo --files {found['size']:,}",
                round(found["size"] / found["load_s"]),
                "files/s",
                note=f"{found['events']:,} steps in {found['load_s']:.0f} s (COPY, as the owner)",
            )
        )
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
