"""``bangfu serve`` runs uvicorn workers on the app factory, database URL in the env."""

from __future__ import annotations

import os

import pytest

from core.api import server
from core.settings import DATABASE_ENV


def unset(monkeypatch, *names: str) -> None:
    """Unset these variables for the test, and unset them again after it whatever serve()
    put there for its workers (monkeypatch.delenv forgets a variable that was not set)."""
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def uvicorn_run(monkeypatch):
    """The uvicorn configurations the server would have been started with."""
    calls = []
    monkeypatch.setattr(server, "workers_run", calls.append)
    unset(monkeypatch, DATABASE_ENV)
    return calls


def test_serve_runs_the_factory_with_workers(uvicorn_run, monkeypatch):
    prepared = []
    monkeypatch.setattr(server, "prepare_database", lambda url, demo: prepared.append((url, demo)))
    server.serve(host="0.0.0.0", port=9000, workers=2, database="sqlite:///x.db", demo=False)
    (config,) = uvicorn_run
    assert config.app == "core.api.app:create_app"
    assert config.factory is True
    assert (config.host, config.port, config.workers) == ("0.0.0.0", 9000, 2)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from core.api.heads import HeadTimeoutProtocol

    assert issubclass(config.http, HttpToolsProtocol) and config.http is HeadTimeoutProtocol
    assert (config.loop, config.access_log) == ("uvloop", False)
    assert os.environ[DATABASE_ENV] == "sqlite:///x.db"
    assert prepared == [("sqlite:///x.db", False)]


def test_the_app_factory_is_importable_by_name():
    module, name = server.APP_FACTORY.split(":")
    factory = getattr(__import__(module, fromlist=[name]), name)
    assert callable(factory)


def _no_key(monkeypatch):
    from core.cases import privacy

    unset(monkeypatch, privacy.KEY_ENV, privacy.KEY_FILE_ENV)


def test_serve_refuses_to_start_without_a_hash_key(uvicorn_run, monkeypatch, tmp_path):
    _no_key(monkeypatch)
    prepared = []
    monkeypatch.setattr(server, "prepare_database", lambda url, demo: prepared.append(url))
    with pytest.raises(server.NotConfigured) as info:
        server.serve(database=f"sqlite:///{tmp_path / 'x.db'}")
    assert "BANGFU_ID_HASH_KEY" in str(info.value)
    assert uvicorn_run == [] and prepared == []  # nothing started, nothing migrated
    assert not list(tmp_path.iterdir())


def test_the_cli_says_why_it_will_not_serve(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from core.cli import app

    _no_key(monkeypatch)
    monkeypatch.setattr(server, "workers_run", lambda config: pytest.fail("served"))
    result = CliRunner().invoke(app, ["serve", "--database-url", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2 and "BANGFU_ID_HASH_KEY" in result.output


def test_the_local_demo_makes_a_private_key_file_once(uvicorn_run, monkeypatch, tmp_path):
    from core.cases import privacy

    _no_key(monkeypatch)
    monkeypatch.setattr(server, "prepare_database", lambda url, demo: None)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    server.serve(database=url, local_demo=True)
    key_file = tmp_path / privacy.DEMO_KEY_FILE
    assert os.environ[privacy.KEY_FILE_ENV] == str(key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    first = key_file.read_text()
    assert len(first.strip()) >= privacy.MIN_KEY_CHARS
    hashed = privacy.hash_id_number("11010519491231002X")
    monkeypatch.delenv(privacy.KEY_FILE_ENV)
    server.serve(database=url, local_demo=True)  # the next start reuses it
    assert key_file.read_text() == first
    assert privacy.hash_id_number("11010519491231002X") == hashed
    assert len(uvicorn_run) == 2


def test_proxy_headers_are_believed_from_configured_proxies_only(uvicorn_run, monkeypatch):
    monkeypatch.setattr(server, "prepare_database", lambda url, demo: None)
    monkeypatch.delenv("BANGFU_TRUSTED_PROXIES", raising=False)
    server.serve(database="sqlite:///x.db")
    config = uvicorn_run[-1]
    assert config.proxy_headers is False and config.forwarded_allow_ips == ""
    monkeypatch.setenv("BANGFU_TRUSTED_PROXIES", "10.0.0.5,10.0.0.6")
    server.serve(database="sqlite:///x.db")
    config = uvicorn_run[-1]
    assert config.proxy_headers is True
    assert config.forwarded_allow_ips == "10.0.0.5,10.0.0.6"
    assert config.timeout_keep_alive > 0


def test_the_cli_says_when_the_port_is_taken(monkeypatch, tmp_path):
    import socket

    from typer.testing import CliRunner

    from core.cli import app

    monkeypatch.setattr(server, "prepare_database", lambda url, demo: None)
    monkeypatch.setenv("BANGFU_ID_HASH_KEY", "k" * 64)
    unset(monkeypatch, DATABASE_ENV)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app,
            ["serve", "--port", str(port), "--workers", "2", "--database-url", "sqlite://"],
        )
    assert result.exit_code == 2, result.output
    assert "端口" in result.output and str(port) in result.output


def test_the_servers_own_start_up_lines_are_json_lines(uvicorn_run, monkeypatch, capsys):
    """A pinned clock is the warning an operator must see: it is said before the workers
    start, so it came out as plain text before serve() configured logging first."""
    import json

    monkeypatch.setattr(server, "prepare_database", lambda url, demo: None)
    monkeypatch.setenv("BANGFU_TODAY", "2026-11-20")
    server.serve(database="sqlite:///x.db")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line, not only the request lines
    pinned = [r for r in records if r["logger"] == "bangfu.clock"]
    assert pinned and pinned[0]["level"] == "WARNING" and "2026-11-20" in pinned[0]["message"]
