"""Soak: a bounded mixed load on the real server, then every case's history checked.

``python -m tests.benchmarks soak`` (``BANGFU_SOAK_SECONDS``, default 180). The server is
``uvicorn core.api.app:create_app --factory --workers 2`` on a free port of 127.0.0.1
(:mod:`tests.live`), on a fresh PostgreSQL database as the serving role when PostgreSQL
answers at ``$BANGFU_TEST_POSTGRES_URL``, else on a SQLite file. The load generator is
asyncio + httpx with :data:`CONCURRENCY` requests in flight, closed loop, for the given
time, then stops; the server is stopped on exit, also on failure.

The mix (:data:`MIX`): anonymous ``evaluate`` and ``compare``; staff reading a case and
listing their tenant's cases; caseworkers opening cases; and staff of Hebei, Gansu and
demo_city moving cases through their tenant's procedure (Hebei's review, publish,
approve, file; Gansu's visit, inspect, assess, discuss, rate, publish, approve, sign,
file), each step by the role the procedure names, the approver never the user who opened
or reviewed (four eyes). Two kinds of conflict are made on purpose and must come back as
``CONFLICT``, counted apart from errors:

* *stale*: a step sent with ``expectedVersion`` one behind the case's version;
* *race*: the same step sent twice at once with the same version (the two requests may
  reach different workers): exactly one may win, the other must be ``CONFLICT``.

An error is anything else: a transport failure, a 5xx, or an answer other than the one
the operation must get. Afterwards every case is read back through the API and from the
database: its events form a chain (each ``fromStatus`` the previous ``toStatus``, the
sequence numbers 1, 2, 3 ... with the case's version equal to their count), and the
number of events equals the opens plus the transitions the generator saw succeed (no
transition lost, none doubled).
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks import percentile, row
from tests.casefile_samples import COMFORTABLE, ILL, NO_HOUSING
from tests.live import issue_tokens, live_server, server_log, serving_url

SECONDS = float(os.environ.get("BANGFU_SOAK_SECONDS") or 180)
CONCURRENCY = 16
WORKERS = 2
REQUEST_TIMEOUT_S = 30
MAX_ACTIVE_CASES = 300  #: cases still moving through their procedure, at most
TARGET_P99_MS = 100.0  #: issue 8: 16 in flight (was 500 ms, measured 371 ms before it)
SEED = 20261010

#: Relative weights of the operations.
MIX = {
    "evaluate": 28,
    "compare": 8,
    "read": 12,
    "page": 4,
    "open": 8,
    "advance": 32,
    "stale": 5,
    "race": 3,
}

# --------------------------------------------------------------------------- the calls
EVALUATE = (
    "query($t: String!, $h: HouseholdInput!, $d: Date) { evaluate(tenant: $t, household: $h,"
    " asOf: $d) { tenant eligible category groups entitlements { programme amount period }"
    " checklist { code met } budget { gap } } }"
)
COMPARE = (
    "query($h: HouseholdInput!, $d: Date) { compare(household: $h, asOf: $d)"
    " { tenant eligible entitlements { programme amount } } }"
)
CASE = (
    "query($id: ID!) { case(id: $id) { id tenant status version availableActions"
    " history { action fromStatus toStatus on actor } } }"
)
CASES = "query($t: String!) { cases(tenant: $t, first: 20) { id status version } }"
OPEN = (
    "mutation($t: String!, $h: HouseholdInput!, $on: Date) {"
    " openCase(tenant: $t, household: $h, on: $on) { id status version } }"
)
MOVE = (
    "mutation($id: ID!, $a: String!, $v: Int!, $on: Date, $c: String) {"
    " transition(caseId: $id, action: $a, expectedVersion: $v, on: $on, comment: $c)"
    " { id status version } }"
)

KINDS = {EVALUATE: "evaluate", COMPARE: "compare", CASE: "case", CASES: "cases", OPEN: "openCase",
         MOVE: "transition"}  # fmt: skip


@dataclass(frozen=True)
class Step:
    action: str
    user: str  #: a user name of :data:`STAFF`, before ".<tenant>"
    on: str
    comment: str | None = None


HEBEI = (
    "2026-09-24",
    ILL,
    (
        Step("review", "reviewer", "2026-09-25"),
        Step("publish", "reviewer", "2026-09-28"),
        Step("approve", "approver", "2026-10-10"),  # after five working days of notice
        Step("file", "approver", "2026-10-12"),
    ),
)
GANSU = (
    "2026-06-01",
    NO_HOUSING,
    (
        Step("visit", "caseworker", "2026-06-02"),
        Step("inspect", "caseworker", "2026-06-03"),
        Step("assess", "caseworker", "2026-06-04"),
        Step("discuss", "reviewer", "2026-06-05", "工会委员会集体研究同意"),
        Step("rate", "reviewer", "2026-06-08"),
        Step("publish", "reviewer", "2026-06-09"),
        Step("approve", "approver", "2026-06-16"),
        Step("sign", "chairman", "2026-06-17"),
        Step("file", "approver", "2026-06-18"),
    ),
)
#: Near demo_city's own 低保 line, seriously ill: eligible there (ILL is not).
NEAR_LINE_ILL = {
    "members": [
        {"name": "蒋平", "relation": "APPLICANT", "age": 50, "monthlyIncome": "1000",
         "employment": "EMPLOYED", "seriousIllness": True}
    ]
}  # fmt: skip
#: Each tenant's opening date, household and steps (demo_city inherits Hebei's procedure).
PROCEDURES = {"hebei": HEBEI, "demo_city": (HEBEI[0], NEAR_LINE_ILL, HEBEI[2]), "gansu": GANSU}
#: user name -> role, for each tenant (two caseworkers open; others review and approve)
STAFF = {
    "caseworker": "caseworker",
    "caseworker2": "caseworker",
    "reviewer": "reviewer",
    "approver": "approver",
    "chairman": "chairman",
    "admin": "admin",
}
HOUSEHOLDS = [ILL, COMFORTABLE, NO_HOUSING, NEAR_LINE_ILL]
POLICY_TENANTS = ["national", "hebei", "gansu", "demo_city"]


@dataclass
class Tracked:
    """A case as the load generator knows it."""

    id: str
    tenant: str
    version: int = 1
    status: str = ""
    step: int = 0  #: index of the next step of the procedure
    transitions: int = 0  #: successful transitions seen
    busy: bool = False  #: a task is moving it (one at a time, but for races)

    @property
    def steps(self) -> tuple[Step, ...]:
        return PROCEDURES[self.tenant][2]

    @property
    def finished(self) -> bool:
        return self.step >= len(self.steps)


@dataclass
class Results:
    database: str = ""
    seconds: float = 0.0
    requests: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    finished_at: list[float] = field(default_factory=list)  #: seconds since the start
    started: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    operations: Counter = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    stale_sent: int = 0
    stale_conflicts: int = 0
    races: int = 0
    races_one_winner: int = 0
    race_conflicts: int = 0
    transitions: int = 0
    cases: list[Tracked] = field(default_factory=list)
    checked: int = 0
    intact: int = 0
    events_written: int = 0
    events_expected: int = 0
    history_problems: list[str] = field(default_factory=list)
    #: CPU seconds spent during the load by the server's processes, by PostgreSQL's, and
    #: by this load generator (which shares the machine's cores with them)
    cpu_server: float = 0.0
    cpu_postgres: float = 0.0
    cpu_generator: float = 0.0

    def cpu_per_request_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.requests if self.requests else 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def all_intact(self) -> bool:
        return (
            self.checked == len(self.cases)
            and self.intact == self.checked
            and self.events_written == self.events_expected
            and not self.history_problems
        )

    def throughput(self, start: float, end: float) -> float:
        """Requests per second answered between ``start`` and ``end`` seconds in."""
        done = sum(1 for t in self.finished_at if start <= t < end)
        return done / (end - start) if end > start else 0.0

    @property
    def drift(self) -> float:
        """Throughput of the last fifth of the run over that of the first fifth: below 1
        when the server slows down as the data grows (or the machine gets busier)."""
        fifth = self.seconds / 5
        first = self.throughput(0, fifth)
        return self.throughput(self.seconds - fifth, self.seconds) / first if first else 0.0

    def latency_table(self) -> str:
        """p50 / p99 in ms by kind of request."""
        return ", ".join(
            f"{kind} {percentile(v, 50):.1f}/{percentile(v, 99):.1f}"
            for kind, v in sorted(self.by_kind.items())
        )

    def summary(self) -> str:
        p99 = percentile(self.latencies_ms, 99) if self.latencies_ms else float("nan")
        return (
            f"soak on {self.database}: {self.requests} requests in {self.seconds:.1f} s "
            f"({self.requests / max(self.seconds, 1e-9):.0f}/s), errors {self.errors} "
            f"({self.error_rate:.3%}), 5xx {self.server_errors}, p99 {p99:.1f} ms; "
            f"{self.transitions} transitions, stale conflicts {self.stale_conflicts}/"
            f"{self.stale_sent}, races with one winner {self.races_one_winner}/{self.races}; "
            f"{self.intact}/{len(self.cases)} cases intact, events {self.events_written}/"
            f"{self.events_expected}"
        )


class Unexpected(Exception):
    """An answer other than the one the operation must get."""


# --------------------------------------------------------------------------- CPU
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


def server_pids(base: str) -> list[int]:
    """The server process serving ``base`` (``python -m core.api.server``, found by its
    port) and its workers."""
    port = base.rsplit(":", 1)[1]
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"core.api.server" in argv and b"--port" in argv and port.encode() in argv:
            roots.append(int(entry.name))
    found = list(roots)
    for pid in roots:
        found.extend(_children(pid))
    return found


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process of this machine (other users' work shows
    here too: read it as an upper bound)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("postgres"):
                total += _cpu_of(int(entry.name))
    return total


# --------------------------------------------------------------------------- the load
class Load:
    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str], seed: int) -> None:
        self.client = client
        self.tokens = tokens
        self.random = random.Random(seed)
        self.results = Results()
        self.active: list[Tracked] = []

    def _auth(self, user: str, tenant: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[f'{user}.{tenant}']}"}

    async def call(
        self, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """One request; its latency and status recorded. Raises :class:`Unexpected` on a
        transport failure or a non-200 answer."""
        started = time.perf_counter()
        try:
            response = await self.client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        except httpx.HTTPError as exc:
            self.results.requests += 1
            self.results.statuses[0] += 1
            raise Unexpected(f"transport: {type(exc).__name__}: {exc}") from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.results.latencies_ms.append(elapsed_ms)
        self.results.by_kind.setdefault(KINDS[query], []).append(elapsed_ms)
        self.results.finished_at.append(time.monotonic() - self.results.started)
        self.results.requests += 1
        self.results.statuses[response.status_code] += 1
        if response.status_code != 200:
            raise Unexpected(f"HTTP {response.status_code}: {response.text[:300]}")
        return response.json()

    @staticmethod
    def ok(answer: dict[str, Any]) -> Any:
        if answer.get("errors") or not answer.get("data"):
            raise Unexpected(f"refused: {str(answer)[:400]}")
        return next(iter(answer["data"].values()))

    @staticmethod
    def code(answer: dict[str, Any]) -> str | None:
        errors = answer.get("errors") or []
        return errors[0].get("extensions", {}).get("code") if len(errors) == 1 else None

    # ----------------------------------------------------------------- operations
    async def evaluate(self) -> None:
        variables = {
            "t": self.random.choice(POLICY_TENANTS),
            "h": self.random.choice(HOUSEHOLDS),
            "d": "2026-06-01",
        }
        self.ok(await self.call(EVALUATE, variables))

    async def compare(self) -> None:
        self.ok(await self.call(COMPARE, {"h": self.random.choice(HOUSEHOLDS), "d": "2026-06-01"}))

    async def read(self) -> None:
        if not self.results.cases:
            return await self.open()
        case = self.random.choice(self.results.cases)
        user = self.random.choice([u for u in STAFF if f"{u}.{case.tenant}" in self.tokens])
        found = self.ok(await self.call(CASE, {"id": case.id}, self._auth(user, case.tenant)))
        if found is None or found["id"] != case.id:
            raise Unexpected(f"case {case.id} of {case.tenant} not found by its own staff")

    async def page(self) -> None:
        tenant = self.random.choice(list(PROCEDURES))
        self.ok(await self.call(CASES, {"t": tenant}, self._auth("admin", tenant)))

    async def open(self) -> None:
        tenant = self.random.choice(list(PROCEDURES))
        on, household, _ = PROCEDURES[tenant]
        user = self.random.choice(["caseworker", "caseworker2"])
        variables = {"t": tenant, "h": household, "on": on}
        opened = self.ok(await self.call(OPEN, variables, self._auth(user, tenant)))
        case = Tracked(opened["id"], tenant, opened["version"], opened["status"])
        if case.version != 1:
            raise Unexpected(f"a new case at version {case.version}")
        self.results.cases.append(case)
        self.active.append(case)

    def _pick(self, stale: bool = False) -> Tracked | None:
        """A case that may move now (and, for a stale step, has moved before)."""
        free = [c for c in self.active if not c.busy and (not stale or c.version > 1)]
        return self.random.choice(free) if free else None

    def _move(self, case: Tracked, version: int) -> tuple[dict[str, Any], dict[str, str]]:
        step = case.steps[case.step]
        variables = {"id": case.id, "a": step.action, "v": version, "on": step.on}
        if step.comment:
            variables["c"] = step.comment
        return variables, self._auth(step.user, case.tenant)

    def _moved(self, case: Tracked, moved: dict[str, Any]) -> None:
        if moved["version"] != case.version + 1:
            raise Unexpected(f"case {case.id} moved from {case.version} to {moved['version']}")
        case.version, case.status = moved["version"], moved["status"]
        case.step += 1
        case.transitions += 1
        self.results.transitions += 1
        if case.finished:
            self.active.remove(case)

    async def advance(self) -> None:
        case = self._pick()
        if case is None:
            return await self.open()
        case.busy = True
        try:
            variables, headers = self._move(case, case.version)
            self._moved(case, self.ok(await self.call(MOVE, variables, headers)))
        finally:
            case.busy = False

    async def stale(self) -> None:
        case = self._pick(stale=True)
        if case is None:
            return await self.advance()
        case.busy = True
        try:
            variables, headers = self._move(case, case.version - 1)
            self.results.stale_sent += 1
            answer = await self.call(MOVE, variables, headers)
            if self.code(answer) != "CONFLICT":
                raise Unexpected(f"a stale version of case {case.id} got {str(answer)[:300]}")
            self.results.stale_conflicts += 1
        finally:
            case.busy = False

    async def race(self) -> None:
        case = self._pick()
        if case is None:
            return await self.advance()
        case.busy = True
        try:
            variables, headers = self._move(case, case.version)
            self.results.races += 1
            answers = await asyncio.gather(
                self.call(MOVE, variables, headers), self.call(MOVE, variables, headers)
            )
            won = [a for a in answers if not a.get("errors")]
            lost = [a for a in answers if self.code(a) == "CONFLICT"]
            if len(won) != 1 or len(lost) != 1:
                raise Unexpected(f"a race on case {case.id} ended {str(answers)[:400]}")
            self.results.races_one_winner += 1
            self.results.race_conflicts += 1
            self._moved(case, self.ok(won[0]))
        finally:
            case.busy = False

    # ----------------------------------------------------------------- the loop
    async def worker(self, deadline: float) -> None:
        names = list(MIX)
        weights = [MIX[n] for n in names]
        while time.monotonic() < deadline:
            name = self.random.choices(names, weights)[0]
            if name == "open" and len(self.active) >= MAX_ACTIVE_CASES:
                name = "advance"
            self.results.operations[name] += 1
            try:
                await getattr(self, name)()
            except Unexpected as exc:
                self.results.errors += 1
                if len(self.results.error_samples) < 10:
                    self.results.error_samples.append(f"{name}: {exc}")

    async def run(self, seconds: float, concurrency: int) -> None:
        started = self.results.started = time.monotonic()
        deadline = started + seconds
        tasks = [self.worker(deadline) for _ in range(concurrency)]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 2 * REQUEST_TIMEOUT_S)
        self.results.seconds = time.monotonic() - started


# --------------------------------------------------------------------------- checking
def chain_problem(history: list[dict[str, Any]], version: int) -> str | None:
    """Why a case's history (oldest first) is not a valid chain for its version."""
    if not history or history[0]["action"] != "open":
        return "does not start with its opening"
    if len(history) != version:
        return f"{len(history)} events at version {version}"
    for before, after in pairwise(history):
        if after["fromStatus"] != before["toStatus"]:
            return f"{after['action']} from {after['fromStatus']!r} after {before['toStatus']!r}"
    return None


async def check_histories(load: Load, concurrency: int) -> None:
    """Every tracked case read back through the API by its tenant's admin."""
    results = load.results
    queue: asyncio.Queue[Tracked] = asyncio.Queue()
    for case in results.cases:
        queue.put_nowait(case)

    async def reader() -> None:
        while not queue.empty():
            case = queue.get_nowait()
            try:
                answer = await load.call(CASE, {"id": case.id}, load._auth("admin", case.tenant))
                found = load.ok(answer)
            except Unexpected as exc:
                results.history_problems.append(f"case {case.id}: {exc}")
                continue
            results.checked += 1
            problem = chain_problem(found["history"], found["version"])
            if problem is None and found["version"] != 1 + case.transitions:
                problem = f"version {found['version']} after {case.transitions} transitions seen"
            if problem is None and found["status"] != case.status:
                problem = f"status {found['status']}, expected {case.status}"
            if problem:
                results.history_problems.append(f"case {case.id} ({case.tenant}): {problem}")
            else:
                results.intact += 1

    await asyncio.gather(*(reader() for _ in range(concurrency)))


def check_events(owner_url: str, results: Results) -> None:
    """From the database itself: each case's events numbered 1..n with n its version, each
    a step from the previous one's status, and as many as the load generator saw made."""
    from sqlalchemy import text

    from core.db.session import engine_for

    with engine_for(owner_url).connect() as connection:
        versions = dict(connection.execute(text("select id, version from cases")).all())
        rows = connection.execute(
            text(
                "select case_id, seq, from_status, to_status from case_events order by case_id, seq"
            )
        ).all()
    results.events_written = len(rows)
    results.events_expected = sum(1 + c.transitions for c in results.cases)
    by_case: dict[int, list[Any]] = {}
    for case_id, seq, from_status, to_status in rows:
        by_case.setdefault(case_id, []).append((seq, from_status, to_status))
    for case_id, version in versions.items():
        events = by_case.get(case_id, [])
        if [seq for seq, _, _ in events] != list(range(1, version + 1)):
            results.history_problems.append(
                f"case {case_id}: event numbers do not run 1..{version}"
            )
            continue
        for (_, _, before), (_, after_from, _) in pairwise(events):
            if after_from != before:
                results.history_problems.append(f"case {case_id}: events do not chain")
                break
    from core.db.chain import verify_tenants
    from core.db.session import session_factory

    with session_factory(owner_url)() as session:  # every event chained to the one before
        _, broken = verify_tenants(session, PROCEDURES)
    if broken is not None:
        results.history_problems.append(f"hash chain: {broken.describe()}")
    if len(versions) != len(results.cases):
        results.history_problems.append(
            f"{len(versions)} cases in the database, {len(results.cases)} opened"
        )


# --------------------------------------------------------------------------- the soak
GRANTS = [
    (tenant, role, f"{user}.{tenant}")
    for tenant in PROCEDURES
    for user, role in STAFF.items()
    if role != "chairman" or tenant == "gansu"
]


def soak(
    owner_url: str,
    seconds: float,
    folder: Path,
    concurrency: int = CONCURRENCY,
    workers: int = WORKERS,
    seed: int = SEED,
) -> Results:
    """The load on a server over ``owner_url`` (migrated, empty) for ``seconds``, then the
    checks. The server connects as the serving role on PostgreSQL."""
    tokens = issue_tokens(owner_url, GRANTS)
    log = folder / "soak-server.log"
    with live_server(serving_url(owner_url), log, workers=workers) as base:

        async def drive() -> Load:
            limits = httpx.Limits(max_connections=concurrency + 2)
            async with httpx.AsyncClient(
                base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits
            ) as client:
                load = Load(client, tokens, seed)
                pids = server_pids(base)
                before = (sum(map(_cpu_of, pids)), postgres_cpu(), time.process_time())
                await load.run(seconds, concurrency)
                results = load.results
                results.cpu_server = sum(map(_cpu_of, pids)) - before[0]
                results.cpu_postgres = postgres_cpu() - before[1]
                results.cpu_generator = time.process_time() - before[2]
                measured = (
                    results.requests,
                    list(results.latencies_ms),
                    {k: list(v) for k, v in results.by_kind.items()},
                    list(results.finished_at),
                )
                await check_histories(load, concurrency)
                # the reads of the check are not part of the load's figures
                (
                    results.requests,
                    results.latencies_ms,
                    results.by_kind,
                    results.finished_at,
                ) = measured
                return load

        load = asyncio.run(drive())
        if load.results.server_errors or load.results.errors:
            load.results.error_samples.append(f"server log: {server_log(log, 1500)}")
    check_events(owner_url, load.results)
    load.results.database = "PostgreSQL" if owner_url.startswith("postgresql") else "SQLite"
    return load.results


def _database(folder: Path):
    """A fresh, migrated database: PostgreSQL when it answers, else SQLite."""
    from contextlib import contextmanager

    from core.db.migrate import upgrade
    from core.db.testing import postgres_available, postgres_database

    @contextmanager
    def sqlite():
        url = f"sqlite:///{folder / 'soak.db'}"
        upgrade(url)
        yield url

    unavailable = postgres_available()
    return sqlite() if unavailable else postgres_database()


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bangfu-soak-") as tmp:
        folder = Path(tmp)
        with _database(folder) as url:
            r = soak(url, SECONDS, folder)
    print(r.summary())
    print(f"  p50/p99 ms by request: {r.latency_table()}")
    print(f"  throughput, last fifth over first fifth: {r.drift:.2f}")
    cpu = {
        "server": r.cpu_per_request_ms(r.cpu_server),
        "postgres": r.cpu_per_request_ms(r.cpu_postgres),
        "generator": r.cpu_per_request_ms(r.cpu_generator),
    }
    print("  CPU ms a request: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
    for sample in r.error_samples:
        print(f"  {sample[:600]}")
    for problem in r.history_problems[:10]:
        print(f"  history: {problem}")
    note = f"{r.database}, {WORKERS} workers, {CONCURRENCY} in flight, {r.seconds:.0f} s"
    p50 = percentile(r.latencies_ms, 50)
    p99 = percentile(r.latencies_ms, 99)
    mix = ", ".join(f"{k} {v}" for k, v in r.operations.most_common())
    return [
        row("requests", r.requests, "requests", note=f"{note}; {mix}"),
        row("throughput", round(r.requests / max(r.seconds, 1e-9), 1), "req/s", note=note),
        row(
            "throughput drift",
            round(r.drift, 3),
            "last/first fifth",
            note="below 1: slower at the end than at the start (more data, or a busier machine)",
        ),
        row(
            "error rate",
            round(100 * r.error_rate, 4),
            "%",
            target="0",
            met=r.errors == 0,
            note="; ".join(r.error_samples[:3])[:500],
        ),
        row("5xx answers", r.server_errors, "answers", target="0", met=r.server_errors == 0),
        row("p50 latency", round(p50, 2), "ms", note=r.latency_table()),
        row(
            "p99 latency",
            round(p99, 2),
            "ms",
            target=f"< {TARGET_P99_MS:.0f} ms",
            met=p99 < TARGET_P99_MS,
            note=note,
        ),
        row(
            "server CPU a request",
            round(cpu["server"], 2),
            "ms",
            note=(
                f"the server's {WORKERS} workers, user + system, over the load; PostgreSQL "
                f"{cpu['postgres']:.2f} ms (every postgres process of the machine), the load "
                f"generator itself {cpu['generator']:.2f} ms, on the same cores"
            ),
        ),
        row("transitions", r.transitions, "transitions", note="successful workflow steps"),
        row(
            "stale-version conflicts",
            r.stale_conflicts,
            "CONFLICT",
            baseline=r.stale_sent,
            target="every stale step is CONFLICT",
            met=r.stale_conflicts == r.stale_sent,
        ),
        row(
            "races with one winner",
            r.races_one_winner,
            "races",
            baseline=r.races,
            target="exactly one of two wins",
            met=r.races_one_winner == r.races,
        ),
        row(
            "cases with intact history",
            r.intact,
            "cases",
            baseline=len(r.cases),
            target="all",
            met=r.all_intact,
            note="; ".join(r.history_problems[:3])[:500],
        ),
        row(
            "events written",
            r.events_written,
            "events",
            baseline=r.events_expected,
            target="= opens + transitions seen",
            met=r.events_written == r.events_expected,
        ),
    ]
