"""deploy/: the nginx configuration run in Debian's real nginx in front of the real server,
and the systemd units checked by ``systemd-analyze verify``.

nginx runs as this user with a prefix, temporary folders and a pid file of its own, on
loopback ports, with a certificate made for the test; deploy/nginx/bangfu.conf is used as
shipped except for the addresses, the certificate's paths and the header timeout (each
replacement must match exactly once, so the test follows the file)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.db.testing import sqlite_database
from tests.live import free_port, issue_tokens, live_server

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx/bangfu.conf no longer has {old!r} once"
    return text.replace(old, new)


def nginx_config(folder: Path, backend: int, https: int, http: int, header_timeout: int) -> Path:
    cert, key = throwaway_certificate(folder)
    site = (DEPLOY / "nginx" / "bangfu.conf").read_text("utf-8")
    site = replace_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{backend};")
    site = replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    site = replace_once(site, "listen [::]:443 ssl;\n", "")
    site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http};")
    site = replace_once(site, "listen [::]:80;\n", "")
    site = replace_once(site, "/etc/ssl/bangfu/fullchain.pem", str(cert))
    site = replace_once(site, "/etc/ssl/bangfu/privkey.pem", str(key))
    site = replace_once(
        site, "client_header_timeout 10s;", f"client_header_timeout {header_timeout}s;"
    )
    (folder / "bangfu.conf").write_text(site, "utf-8")
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (folder / sub).mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers may read the test's files
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/logs/error.log warn;\nevents {{ worker_connections 512; }}\n"
        "http {\n"
        f"  access_log {folder}/logs/access.log;\n"
        f"  client_body_temp_path {folder}/client_body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n"
        f"  scgi_temp_path {folder}/scgi;\n"
        f"  include {folder}/bangfu.conf;\n"
        "}\n",
        "utf-8",
    )
    return main


@contextmanager
def nginx(main: Path, https: int):
    folder = main.parent
    check = subprocess.run(
        [NGINX, "-t", "-p", str(folder), "-c", str(main)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(main)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (
                    process.stderr.read().decode() if process.stderr else ""
                )
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.1)
        yield
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def proxied(sqlite_template, tmp_path, monkeypatch):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    monkeypatch.setenv("BANGFU_TRUSTED_PROXIES", "127.0.0.1")
    with sqlite_database(sqlite_template, tmp_path) as url:
        tokens = issue_tokens(url, [("hebei", "caseworker", "wang")])
        with live_server(url, tmp_path / "server.log") as base:
            backend = int(base.rsplit(":", 1)[1])
            https, http = free_port(), free_port()
            main = nginx_config(tmp_path, backend, https, http, header_timeout=2)
            with nginx(main, https):
                cert = tmp_path / "cert.pem"
                yield f"https://localhost:{https}", http, https, cert, tokens


def test_sign_in_and_graphql_through_nginx_with_tls(proxied):
    base, http_port, _https, cert, tokens = proxied
    context = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=base, verify=context, follow_redirects=False) as client:
        page = client.get("/staff/hebei")
        assert page.status_code == 200
        form = _FORM_TOKEN.search(page.text)
        assert form
        signed = client.post(
            "/staff/hebei/sign-in", data={"csrf": form.group(1), "token": tokens["wang"]}
        )
        assert signed.status_code == 303, signed.text
        # X-Forwarded-Proto from the trusted proxy: the session cookie is Secure
        cookie = signed.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        worklist = client.get(signed.headers["location"])
        assert worklist.status_code == 200 and "wang" in worklist.text
        answer = client.post(
            "/graphql",
            json={"query": '{ cases(tenant: "hebei") { id } }'},
            headers={"Authorization": f"Bearer {tokens['wang']}"},
        )
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        assert answer.headers["x-request-id"]  # nginx's $request_id, passed on and back
        anonymous = client.post("/graphql", json={"query": "{ tenants { code } }"})
        assert {"code": "hebei"} in anonymous.json()["data"]["tenants"]
    # plain HTTP is sent to HTTPS
    plain = httpx.get(f"http://127.0.0.1:{http_port}/graphql", follow_redirects=False)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")


def test_sign_in_is_rate_limited_per_address(proxied):
    base, _http, _https, cert, _tokens = proxied
    context = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=base, verify=context) as client:
        statuses = [
            client.post("/staff/hebei/sign-in", data={"token": "bf_wrong"}).status_code
            for _ in range(12)
        ]
    assert statuses.count(429) >= 5, statuses  # burst 5, then 10 a minute
    assert all(s != 429 for s in statuses[:5]), statuses


def test_a_slow_headers_client_is_cut_off(proxied):
    _base, _http, https, cert, _tokens = proxied
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", https), timeout=10)
    conn = context.wrap_socket(raw, server_hostname="localhost")
    start = time.monotonic()
    cut = None
    for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 40:
        try:
            conn.send(bytes([byte]))
            conn.settimeout(0.5)
            try:
                if conn.recv(1024) == b"":
                    cut = time.monotonic() - start
                    break
            except TimeoutError:
                pass
        except (OSError, ssl.SSLError):
            cut = time.monotonic() - start
            break
    conn.close()
    assert cut is not None and cut < 8, "nginx kept a slow-headers client"


def test_the_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = sorted((DEPLOY / "systemd").glob("bangfu*.*"))
    assert {u.name for u in units} >= {
        "bangfu.service",
        "bangfu-jobs.service",
        "bangfu-backup.service",
        "bangfu-backup.timer",
    }
    # the units as installed, with the executable where this checkout's venv has it
    here = tmp_path / "units"
    here.mkdir()
    bangfu = Path(sys.executable).with_name("bangfu")
    for unit in units:
        text = unit.read_text("utf-8").replace("/opt/bangfu/.venv/bin/bangfu", str(bangfu))
        (here / unit.name).write_text(text, "utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(map(str, here.iterdir()))],
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and ("Failed to connect" in output or "bus" in output.lower()):
        pytest.skip(f"systemd-analyze cannot run here: {output.strip()[:200]}")
    assert done.returncode == 0 and output.strip() == "", output


def test_every_unit_runs_a_command_bangfu_has():
    """systemd-analyze checks that the executable exists, not that ``bangfu jobs worker``
    is a command: each unit's command line is asked for its help, options and all."""
    from typer.testing import CliRunner

    from core.cli import app

    for unit in sorted((DEPLOY / "systemd").glob("bangfu*.service")):
        [line] = [x for x in unit.read_text("utf-8").splitlines() if x.startswith("ExecStart=")]
        words = line.removeprefix("ExecStart=").split()
        assert words[0] == "/opt/bangfu/.venv/bin/bangfu", unit.name
        answer = CliRunner().invoke(app, [*_command_words(words[1:]), "--help"])
        assert answer.exit_code == 0, (unit.name, answer.output)
        for option in (w for w in words[1:] if w.startswith("--")):
            assert option.split("=")[0] in answer.output, (unit.name, option)


def _command_words(words: list[str]) -> list[str]:
    """The subcommand words of a command line (up to its first option)."""
    taken = []
    for word in words:
        if word.startswith("-"):
            break
        taken.append(word)
    return taken
