"""``evaluate`` over HTTP on loopback, loaded with wrk, against a hello-JSON route.

Each server runs as it would in production: ``uvicorn APP --factory --workers 2`` on a
free port of 127.0.0.1 (httptools, uvloop, no access log). The GraphQL app is
``core.api.app:create_app``. The baseline is ``POST /hello`` of
:mod:`tests.benchmarks.plain_app`, served the same way in the same run: it reads the body
and answers a constant JSON, so it is the most this stack can serve on these cores (a
partner route running the same evaluation would only measure the GraphQL layer; that
route, ``POST /evaluate``, is measured too, as context).

The request is an H1-like Hebei household (seriously ill, out-of-pocket 30,000 yuan,
income 24,000), selecting every field of ``Evaluation``; a lean query (eligibility and
amounts only) is measured too. After a warm-up, :data:`ROUNDS` rounds, each running every
target in turn (so that any drift of the machine falls on each alike):

* :data:`CONNECTIONS` connections for :data:`LOAD_S` seconds (requests/s, p50, p99);
* one connection, one thread, for :data:`SINGLE_S` seconds (single-client p50, p99).

Under load, a worker evaluates the requests that arrive at the same moment as one batch
(:mod:`core.api.together`). It never reuses an answer: every household of a batch is a
row of its own, evaluated and explained, so that sending the same household every time
flatters nothing. A second GraphQL server with ``BANGFU_EVALUATE_TOGETHER=1`` (each
request evaluated alone) is measured in the same rounds, to show what batching adds.

Every figure is the median of the rounds, with min and max; the share of the hello route
is taken round by round (both measured within the same minute). Each run also records the
servers' CPU per request, wrk's CPU, and how busy the whole machine was: what neither the
servers nor wrk used is other work sharing the cores, reported as such.

Servers are stopped at the end, also on failure. Loopback only; every wrk run is bounded
in time.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.benchmarks import ROOT, busy_between, machine_cpu, median, row

HOST = "127.0.0.1"
WORKERS = 2
CONNECTIONS = 32
LOAD_S = int(os.environ.get("BANGFU_BENCH_HTTP_SECONDS", 10))
SINGLE_S = LOAD_S
ROUNDS = int(os.environ.get("BANGFU_BENCH_ROUNDS", 3))  #: at least 3: the median of them
WARMUP_S = 3
START_TIMEOUT_S = 60
GRAPHQL_APP = "core.api.app:create_app"
PLAIN_APP = "tests.benchmarks.plain_app:create_app"
TARGET_RPS = 2400  #: c=32, 2 workers, on a quiet machine
TARGET_P99_LOADED_MS = 25.0
TARGET_P99_SINGLE_MS = 2.0
TARGET_SHARE_OF_HELLO = 0.25
TARGET_TOKEN_CPU = 1.2  #: an authenticated evaluate against an anonymous one, CPU a request
#: an integrator's API token, as sent with every request (its form: 43 URL-safe characters)
TOKEN = "bf_9Jq2vR7xKpL4mN8sT1wZ5yB3cD6fG0hA-_kE2uV7WqZ"
#: the GraphQL server again, with no request evaluated together with others
EACH_ALONE = {"BANGFU_EVALUATE_TOGETHER": "1"}

AS_OF = "2026-06-01"
HOUSEHOLD = {
    "members": [
        {
            "name": "张伟",
            "relation": "APPLICANT",
            "age": 52,
            "monthlyIncome": "2000",
            "seriousIllness": True,
        }
    ],
    "annualMedicalOutOfPocket": "30000",
}
EVALUATION_FIELDS = """
    tenant asOf provisional eligible category groups measures
    reasons { code label basis }
    entitlements { programme name amount period basis explanation }
    utilityDiscounts { utility quantity unit period basis }
    checklist { code label met }
    budget { annualIncome annualExpenses gap }
"""
GRAPHQL_QUERY = (
    "query Evaluate($tenant: String!, $household: HouseholdInput!, $asOf: Date) "
    "{ evaluate(tenant: $tenant, household: $household, asOf: $asOf) {"
    + " ".join(EVALUATION_FIELDS.split())
    + " } }"
)
GRAPHQL_BODY = {
    "query": GRAPHQL_QUERY,
    "variables": {"tenant": "hebei", "household": HOUSEHOLD, "asOf": AS_OF},
}
#: What a screen that only shows the outcome asks: eligibility and amounts, no explanations.
LEAN_QUERY = (
    "query Evaluate($tenant: String!, $household: HouseholdInput!, $asOf: Date) "
    "{ evaluate(tenant: $tenant, household: $household, asOf: $asOf) "
    "{ eligible category entitlements { programme amount period } } }"
)
LEAN_BODY = {"query": LEAN_QUERY, "variables": GRAPHQL_BODY["variables"]}
PLAIN_BODY = {"tenant": "hebei", "household": HOUSEHOLD, "asOf": AS_OF}
#: The same query with the household written in the text, as people do in GraphiQL; the
#: applicant's name is made distinct for every request (:func:`inline_script`), so the
#: server sees a text it has never seen, far more than its cache's 256.
INLINE_NAME = "@NAME@"
INLINE_QUERY = (
    '{ evaluate(tenant: "hebei", household: {members: [{name: "张伟'
    + INLINE_NAME
    + '", relation: APPLICANT, age: 52, monthlyIncome: "2000", seriousIllness: true}], '
    'annualMedicalOutOfPocket: "30000"}, asOf: "2026-06-01") {'
    + " ".join(EVALUATION_FIELDS.split())
    + " } }"
)
HELLO_BODY = GRAPHQL_BODY  #: the hello route reads a body of the same size

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


# --------------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def _post(
    url: str, body: dict[str, Any], timeout: float = 10.0, token: str | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read())


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started: its own process group (uvicorn and its workers)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


@contextmanager
def server(app: str, log: Path, env: dict[str, str] | None = None, log_level: str = "warning"):
    """``uvicorn app --factory --workers 2`` on a free loopback port, in a process group of
    its own; yields its base URL and the group id."""
    port = free_port()
    command = [sys.executable, "-m", "core.api.server", app]
    command += ["--host", HOST, "--port", str(port), "--workers", str(WORKERS)]
    command += ["--log-level", log_level]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=None if env is None else os.environ | env,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                _get(base + "/healthz")
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{app} did not answer /healthz in {START_TIMEOUT_S} s"
                    ) from exc
                time.sleep(0.2)
        yield base, process.pid
    finally:
        _stop(process)


# --------------------------------------------------------------------------- wrk
def lua_script(body: dict[str, Any], folder: Path, token: str | None = None) -> Path:
    """A wrk script that POSTs ``body`` as JSON (with ``Authorization: Bearer token``)."""
    text = json.dumps(body, ensure_ascii=False)
    script = folder / f"post-{abs(hash((text, token)))}.lua"
    credential = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        + credential
        + f"wrk.body = [==[{text}]==]\n",
        encoding="utf-8",
    )
    return script


def inline_script(folder: Path) -> Path:
    """A wrk script that POSTs :data:`INLINE_QUERY` with a name never sent before (each
    wrk thread numbers its requests after a mark of its own)."""
    head, tail = json.dumps({"query": INLINE_QUERY}, ensure_ascii=False).split(INLINE_NAME)
    script = folder / "post-inline.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"local head = [==[{head}]==]\n"
        f"local tail = [==[{tail}]==]\n"
        'local mark = tostring({}):match("0x(%x+)") or "0"\n'
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  return wrk.format(nil, nil, nil, head .. mark .. "n" .. n .. tail)\n'
        "end\n",
        encoding="utf-8",
    )
    return script


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms), errors and non-2xx responses from wrk."""
    out: dict[str, Any] = {"errors": 0, "non_2xx": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not m:
        raise ValueError(f"wrk printed no Requests/sec:\n{output}")
    out["rps"] = float(m.group(1))
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M):
        out[f"p{pct}"] = _ms(value)
    m = re.search(r"(\d+) requests in", output)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if m:
        out["non_2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if m:
        out["errors"] = sum(int(x) for x in m.groups())
    return out


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, script: Path, threads: int, connections: int, seconds: int) -> dict[str, Any]:
    """One bounded wrk run: its figures, wrk's own CPU seconds, and how busy the whole
    machine was meanwhile (the servers, wrk and any other work)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "5s", "-s", str(script), url]
    cpu_before, machine_before = _children_cpu_s(), machine_cpu()
    wall = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    wall = time.perf_counter() - wall
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["wrk_cpu_s"] = _children_cpu_s() - cpu_before
    result["machine_busy"] = busy_between(machine_before, machine_cpu())
    result["wall_s"] = wall
    return result


def others_share(run: dict[str, Any], server_cpu_s: float) -> float | None:
    """Share of the machine's CPUs used during a run by neither the server nor wrk."""
    busy = run.get("machine_busy")
    if busy is None or not run.get("wall_s"):
        return None
    ours = (server_cpu_s + run["wrk_cpu_s"]) / (run["wall_s"] * (os.cpu_count() or 1))
    return round(max(0.0, busy - ours), 3)


def measure(
    targets: dict[str, tuple[str, Path, int]], single: tuple[str, ...]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every round of every target: loaded (all targets) and single-client (those named in
    ``single``), interleaved round by round. Each loaded run also records the server's CPU
    time per request (all its processes) and the share of the CPUs other work took."""
    loaded: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    alone: dict[str, list[dict[str, Any]]] = {name: [] for name in single}
    for url, script, _ in targets.values():
        wrk(url, script, 2, CONNECTIONS, WARMUP_S)  # every worker warm: caches, imports
    for _ in range(ROUNDS):
        for name, (url, script, pgid) in targets.items():
            before = group_cpu_s(pgid)
            result = wrk(url, script, 2, CONNECTIONS, LOAD_S)
            cpu = group_cpu_s(pgid) - before
            result["cpu_ms"] = 1000 * cpu / max(result["requests"], 1)
            result["others"] = others_share(result, cpu)
            loaded[name].append(result)
        for name in single:
            url, script, pgid = targets[name]
            before = group_cpu_s(pgid)
            result = wrk(url, script, 1, 1, SINGLE_S)
            result["others"] = others_share(result, group_cpu_s(pgid) - before)
            alone[name].append(result)
    return {"loaded": loaded, "single": alone}


def figures(runs: list[dict[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in runs]


# --------------------------------------------------------------------------- benchmark
def _check_graphql(answer: dict[str, Any]) -> None:
    if answer.get("errors"):
        raise RuntimeError(f"the GraphQL evaluate query failed: {answer['errors']}")
    _check_evaluation(answer["data"]["evaluate"])


def _check_evaluation(e: dict[str, Any]) -> None:
    relief = {x["programme"]: x["amount"] for x in e["entitlements"]}
    if not e["eligible"] or relief.get("medical_relief") != "2400.00":
        raise RuntimeError(f"unexpected evaluation of the H1-like household: {e}")


def run() -> list[dict[str, Any]]:
    if shutil.which("wrk") is None:
        return [
            row(
                "evaluate",
                None,
                "",
                met=False,
                note="wrk is not installed (make bench installs it with apt-get)",
            )
        ]
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-http-") as tmp:
        folder = Path(tmp)
        # The servers run at once (an idle one costs nothing) so the rounds can alternate.
        with (
            server(GRAPHQL_APP, folder / "graphql.log") as (graphql, graphql_group),
            server(PLAIN_APP, folder / "plain.log") as (plain, plain_group),
            server(GRAPHQL_APP, folder / "alone.log", env=EACH_ALONE) as (alone, alone_group),
        ):
            _check_graphql(_post(graphql + "/graphql", GRAPHQL_BODY))
            _check_graphql(_post(graphql + "/graphql", LEAN_BODY))
            inline = {"query": INLINE_QUERY.replace(INLINE_NAME, "")}
            if _post(graphql + "/graphql", inline) != _post(graphql + "/graphql", GRAPHQL_BODY):
                raise RuntimeError("the query written inline answered other than with variables")
            if _post(graphql + "/graphql", GRAPHQL_BODY, token=TOKEN) != _post(
                graphql + "/graphql", GRAPHQL_BODY
            ):
                raise RuntimeError("an integrator's token changed the published answer")
            _check_evaluation(_post(plain + "/evaluate", PLAIN_BODY)["evaluate"])
            if _post(plain + "/hello", HELLO_BODY) != {"hello": "world"}:
                raise RuntimeError("the hello route did not say hello")
            runs = measure(
                {
                    "hello": (plain + "/hello", lua_script(HELLO_BODY, folder), plain_group),
                    "graphql": (
                        graphql + "/graphql",
                        lua_script(GRAPHQL_BODY, folder),
                        graphql_group,
                    ),
                    "lean": (graphql + "/graphql", lua_script(LEAN_BODY, folder), graphql_group),
                    "inline": (graphql + "/graphql", inline_script(folder), graphql_group),
                    "token": (
                        graphql + "/graphql",
                        lua_script(GRAPHQL_BODY, folder, token=TOKEN),
                        graphql_group,
                    ),
                    "plain": (plain + "/evaluate", lua_script(PLAIN_BODY, folder), plain_group),
                    "alone": (alone + "/graphql", lua_script(GRAPHQL_BODY, folder), alone_group),
                },
                single=("hello", "graphql", "lean"),
            )
    return report(runs)


def report(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    loaded, single = runs["loaded"], runs["single"]
    hello, g, lean, plain = loaded["hello"], loaded["graphql"], loaded["lean"], loaded["plain"]
    inline = loaded["inline"]
    inline_cpu = [a["cpu_ms"] / b["cpu_ms"] for a, b in zip(inline, g, strict=True)]
    token = loaded["token"]
    token_cpu = [a["cpu_ms"] / b["cpu_ms"] for a, b in zip(token, g, strict=True)]
    each_alone = loaded["alone"]
    everything = [r for runs_ in (*loaded.values(), *single.values()) for r in runs_]
    bad = sum(r["errors"] + r["non_2xx"] for r in everything)
    others = [r["others"] for r in everything if r.get("others") is not None]
    busy = [r["machine_busy"] for r in everything if r.get("machine_busy") is not None]
    shares = [a["rps"] / b["rps"] for a, b in zip(g, hello, strict=True)]
    setup = (
        f"uvicorn --workers {WORKERS} (httptools, uvloop) on {HOST}; wrk -t2 -c{CONNECTIONS} "
        f"for {LOAD_S} s after a {WARMUP_S} s warm-up; median of {ROUNDS} interleaved rounds "
        f"(min - max); wrk on the same {os.cpu_count()} cores as the servers; baseline = "
        "POST /hello (reads the body, answers constant JSON), served the same way in the "
        f"same run; {bad} socket errors or non-2xx responses in all runs. The query selects "
        "every field of Evaluation, explanations included"
    )
    g_single, h_single, lean_single = single["graphql"], single["hello"], single["lean"]
    return [
        row(
            "GraphQL evaluate rps as a share of the hello route, same round",
            None,
            "share",
            rounds=shares,
            target=f">= {TARGET_SHARE_OF_HELLO:g}",
            met=median(shares) >= TARGET_SHARE_OF_HELLO and bad == 0,
            note=setup,
        ),
        row(
            f"GraphQL evaluate, {CONNECTIONS} connections, {WORKERS} workers",
            None,
            "requests/s",
            rounds=figures(g, "rps"),
            baseline=median(figures(hello, "rps")),
            target=f">= {TARGET_RPS:,} req/s (quiet machine)",
            met=median(figures(g, "rps")) >= TARGET_RPS and bad == 0,
            note="baseline: the hello route's median",
        ),
        row(
            f"p99 latency, {CONNECTIONS} connections",
            None,
            "ms",
            rounds=figures(g, "p99"),
            baseline=median(figures(hello, "p99")),
            target=f"<= {TARGET_P99_LOADED_MS:g} ms",
            met=median(figures(g, "p99")) <= TARGET_P99_LOADED_MS,
        ),
        row(
            "single-client evaluate p99",
            None,
            "ms",
            rounds=figures(g_single, "p99"),
            baseline=median(figures(h_single, "p99")),
            target=f"<= {TARGET_P99_SINGLE_MS:g} ms",
            met=median(figures(g_single, "p99")) <= TARGET_P99_SINGLE_MS,
            note=f"wrk -t1 -c1 for {SINGLE_S} s a round; baseline: the hello route's",
        ),
        row(
            "single-client evaluate p50",
            None,
            "ms",
            rounds=figures(g_single, "p50"),
            baseline=median(figures(h_single, "p50")),
        ),
        row(
            "hello route, 32 connections (the physical limit)",
            None,
            "requests/s",
            rounds=figures(hello, "rps"),
        ),
        row(
            "server CPU per evaluate request",
            None,
            "ms",
            rounds=figures(g, "cpu_ms"),
            baseline=median(figures(hello, "cpu_ms")),
            note="CPU seconds of the server's processes / requests served, loaded runs "
            "(other work on the machine changes it least); baseline: the hello route's",
        ),
        row(
            "GraphQL evaluate, lean selection, 32 connections",
            None,
            "requests/s",
            rounds=figures(lean, "rps"),
            baseline=median(figures(hello, "rps")),
            note="eligible, category, entitlements { programme amount period } only: no "
            "explanations built",
        ),
        row(
            "lean selection: single-client p99",
            None,
            "ms",
            rounds=figures(lean_single, "p99"),
            baseline=median(figures(h_single, "p99")),
        ),
        row(
            "lean selection: server CPU per request",
            None,
            "ms",
            rounds=figures(lean, "cpu_ms"),
            baseline=median(figures(hello, "cpu_ms")),
        ),
        row(
            "inline literals ÷ variables: server CPU per request",
            None,
            "x",
            rounds=inline_cpu,
            target="<= 1.5x",
            met=median(inline_cpu) <= 1.5,
            better="lower",
            note="the evaluate query with the household written in the text, a text never "
            "seen before on every request (core.api.literals), against the same query with "
            "variables, same round",
        ),
        row(
            "inline literals: requests/s as a share of the variable form",
            None,
            "share",
            rounds=[a["rps"] / b["rps"] for a, b in zip(inline, g, strict=True)],
        ),
        row(
            "evaluate with a bearer token ÷ anonymous: server CPU per request",
            None,
            "x",
            rounds=token_cpu,
            target=f"<= {TARGET_TOKEN_CPU:g}x",
            met=median(token_cpu) <= TARGET_TOKEN_CPU,
            better="lower",
            note="the same evaluate query and variables sent with an Authorization header, "
            "as an integrator's client sends its token with every request (published policy "
            "answers the same whoever asks: the answers are checked equal), same round",
        ),
        row(
            "evaluate with a bearer token: requests/s as a share of anonymous",
            None,
            "share",
            rounds=[a["rps"] / b["rps"] for a, b in zip(token, g, strict=True)],
        ),
        row(
            "GraphQL evaluate, each request evaluated alone, as a share of the hello route",
            None,
            "share",
            rounds=[a["rps"] / b["rps"] for a, b in zip(each_alone, hello, strict=True)],
            note="the same server with BANGFU_EVALUATE_TOGETHER=1: no request evaluated "
            "together with others (core.api.together); what batching adds is the difference "
            "from the share above",
        ),
        row(
            "each evaluated alone: server CPU per request",
            None,
            "ms",
            rounds=figures(each_alone, "cpu_ms"),
            baseline=median(figures(hello, "cpu_ms")),
        ),
        row(
            "plain route, same evaluation without GraphQL, 32 connections",
            None,
            "requests/s",
            rounds=figures(plain, "rps"),
            baseline=median(figures(hello, "rps")),
            note="POST /evaluate of plain_app: parse, evaluate (each request alone), JSON; "
            "compare it with the GraphQL server evaluating each alone",
        ),
        row(
            "plain route: server CPU per request",
            None,
            "ms",
            rounds=figures(plain, "cpu_ms"),
            baseline=median(figures(hello, "cpu_ms")),
            note="the same evaluation without GraphQL, each request alone: what the GraphQL "
            "layer costs in CPU is the difference from the 'evaluated alone' figure",
        ),
        row(
            "CPUs busy during the runs (whole machine)",
            None,
            "share of CPU",
            rounds=busy,
            better=None,
            note="from /proc/stat during each wrk run: the servers, wrk and other work",
        ),
        row(
            "CPUs taken by other work during the runs",
            None,
            "share of CPU",
            rounds=others,
            better=None,
            note="busy share minus what the servers and wrk used: other sessions on the "
            "same cores; figures above suffer in proportion",
        ),
    ]
