"""Logs and metrics of the real server: every request counted (the short way's too), one
JSON line a request with its id, operation, tenant, outcome and latency and no personal
data, and the metrics served on an address the public port does not answer."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Any

import pytest

from core.db.testing import sqlite_database
from tests.api.conftest import AS_OF, EVALUATE, ill_household
from tests.live import free_port, live_server, server_log

ID_NUMBER = "130102196603121234"


@contextmanager
def observed_server(sqlite_template, tmp_path, workers: int = 2, **env: str):
    metrics_port = free_port()
    saved = {k: os.environ.get(k) for k in ("BANGFU_METRICS_ADDRESS", "BANGFU_LOG_FORMAT", *env)}
    os.environ["BANGFU_METRICS_ADDRESS"] = f"127.0.0.1:{metrics_port}"
    os.environ["BANGFU_LOG_FORMAT"] = "json"
    os.environ.update(env)
    log = tmp_path / "server.log"
    try:
        with (
            sqlite_database(sqlite_template, tmp_path) as url,
            live_server(url, log, workers=workers, log_level="info") as base,
        ):
            yield base, f"http://127.0.0.1:{metrics_port}/metrics", log
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def post(base: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        base + "/graphql",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return urllib.request.urlopen(request, timeout=10)


def scrape(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def json_lines(log) -> list[dict[str, Any]]:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_every_request_is_counted_and_logged_and_metrics_are_private(sqlite_template, tmp_path):
    evaluate = {
        "query": EVALUATE,
        "variables": {"tenant": "hebei", "household": ill_household(), "asOf": AS_OF},
    }
    with observed_server(sqlite_template, tmp_path) as (base, metrics_url, log):
        sent = 40
        for i in range(sent):  # anonymous evaluations: answered by the short way
            with post(base, evaluate, {"X-Request-ID": f"req-{i}"}) as answer:
                assert answer.status == 200
                assert answer.headers["X-Request-ID"] == f"req-{i}"
        bad = {**evaluate, "variables": {**evaluate["variables"], "tenant": "nowhere"}}
        with post(base, bad) as answer:
            assert json.loads(answer.read())["errors"][0]["extensions"]["code"]
        # a page whose query string carries an ID number: neither is logged
        with urllib.request.urlopen(base + f"/staff/hebei?q={ID_NUMBER}") as page:
            assert page.status == 200
        with urllib.request.urlopen(base + "/ready") as ready:  # reads the database
            assert ready.status == 200
        # the public port has no metrics
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/metrics")
        assert refused.value.code == 404
        time.sleep(0.3)
        values = scrape(metrics_url)
        counted = values.get('bangfu_requests_total{operation="evaluate",outcome="ok"}')
        assert counted == sent, server_log(log)
        assert values.get('bangfu_requests_total{operation="evaluate",outcome="NOT_FOUND"}') or [
            v for k, v in values.items() if 'operation="evaluate"' in k and "ok" not in k
        ]
        assert values['bangfu_request_seconds_count{operation="evaluate"}'] == sent + 1
        assert any("bangfu_db_connections" in k for k in values)
    lines = json_lines(log)
    requests = [line for line in lines if line.get("logger") == "bangfu.request"]
    evaluations = [line for line in requests if line.get("operation") == "evaluate"]
    assert len(evaluations) == sent + 1
    first = next(line for line in evaluations if line["request_id"] == "req-0")
    assert first["outcome"] == "ok" and first["status"] == 200 and first["method"] == "POST"
    assert isinstance(first["latency_ms"], float) and first["latency_ms"] > 0
    page = next(line for line in requests if line["operation"].startswith("/staff/"))
    assert page["tenant"] == "hebei" and page["operation"].startswith("/staff/")
    assert len({line["request_id"] for line in requests}) == len(requests)
    whole = log.read_text(errors="replace")
    assert ID_NUMBER not in whole and "q=" not in whole


def test_connections_that_send_no_request_are_closed(sqlite_template, tmp_path):
    """200 idle connections, and one sending its headers a byte a second: all closed."""
    with observed_server(
        sqlite_template, tmp_path, workers=1, BANGFU_HEADER_TIMEOUT_SECONDS="2"
    ) as (base, _metrics, _log):
        host, port = base.removeprefix("http://").split(":")
        idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(200)]
        slow = socket.create_connection((host, int(port)), timeout=10)
        start = time.monotonic()
        slow_cut = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20:
            try:
                slow.send(bytes([byte]))
            except OSError:
                slow_cut = time.monotonic() - start
                break
            time.sleep(0.25)
        assert slow_cut is not None and slow_cut < 6, "a slow-headers client was not cut off"
        closed = 0
        for conn in idle:
            conn.settimeout(max(0.1, 10 - (time.monotonic() - start)))
            try:
                closed += conn.recv(1) == b""
            except OSError:
                closed += 1
            conn.close()
        assert closed == 200
        # and the server still answers
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200


def test_a_log_line_masks_what_looks_like_an_id_number():
    import logging

    from core.observe import JsonFormatter

    record = logging.makeLogRecord(
        {"msg": "failed for %s", "args": (ID_NUMBER,), "tenant": f"x {ID_NUMBER}", "levelno": 40}
    )
    line = JsonFormatter().format(record)
    assert ID_NUMBER not in line and re.search(r"\*{14}1234", line)
    assert json.loads(line)["level"]


def test_case_steps_count_when_their_transaction_commits_only():
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from core import metrics

    def counted() -> float:
        return metrics.CASE_STEPS.labels("hebei", "approve")._value.get()

    before = counted()
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("select 1"))
        metrics.step_written(session, "hebei", "approve")
        session.rollback()
        assert counted() == before
        session.execute(text("select 1"))
        metrics.step_written(session, "hebei", "approve")
        metrics.step_written(session, "hebei", "approve")
        session.commit()
    assert counted() == before + 2
