"""``bangfu serve`` runs uvicorn workers on the app factory, database URL in the env."""

from __future__ import annotations

import os

import pytest

from core.api import server
from core.settings import DATABASE_ENV


@pytest.fixture
def uvicorn_run(monkeypatch):
    calls = []
    monkeypatch.setattr(server.uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    return calls


def test_serve_runs_the_factory_with_workers(uvicorn_run, monkeypatch):
    prepared = []
    monkeypatch.setattr(server, "prepare_database", lambda url, demo: prepared.append((url, demo)))
    server.serve(host="0.0.0.0", port=9000, workers=2, database="sqlite:///x.db", demo=False)
    ((args, kwargs),) = uvicorn_run
    assert args == ("core.api.app:create_app",)
    assert kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("0.0.0.0", 9000, 2)
    assert os.environ[DATABASE_ENV] == "sqlite:///x.db"
    assert prepared == [("sqlite:///x.db", False)]


def test_the_app_factory_is_importable_by_name():
    module, name = server.APP_FACTORY.split(":")
    factory = getattr(__import__(module, fromlist=[name]), name)
    assert callable(factory)
