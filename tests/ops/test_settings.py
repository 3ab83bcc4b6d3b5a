"""One settings class: every BANGFU_* variable declared, checked at start-up, documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core import settings
from core.cli import app

ROOT = Path(__file__).resolve().parents[2]
#: Where the application (not the test harness or benchmarks) reads its variables.
SOURCES = ("core", "plugins", "tenants", "migrations", "deploy")


SETTINGS_SOURCE = (ROOT / "core" / "settings.py").read_text("utf-8")


def source_texts() -> list[str]:
    texts = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            kinds = {".py", ".service", ".conf", ".env", ".timer"}
            if path.is_file() and path.suffix in kinds and path != ROOT / "core" / "settings.py":
                texts.append(path.read_text("utf-8"))
    return texts


def test_every_variable_the_code_reads_is_a_setting():
    texts = source_texts()
    named = {n for t in texts for n in re.findall(r"\bBANGFU_[A-Z0-9_]*[A-Z0-9]\b", t)}
    declared = {settings.env_name(f) for f in settings.FIELDS}
    assert named - declared == set(), "declare these in core/settings.py"
    # and every declared one is read somewhere (no dead settings): by name or by field
    unread = {
        field
        for field in settings.FIELDS
        if settings.env_name(field) not in named
        and not any(f'get("{field}")' in t for t in [*texts, SETTINGS_SOURCE])
        and not any(f'env_name("{field}")' in t for t in texts)
    }
    assert unread == set()


def test_the_readme_table_is_made_from_the_class():
    readme = (ROOT / "README.md").read_text("utf-8")
    start, end = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"
    shown = readme[readme.index(start) + len(start) : readme.index(end)]
    assert shown == settings.table(), (
        "README's table of settings has drifted: run "
        "`.venv/bin/python -m core.settings --readme README.md`"
    )
    for field in settings.FIELDS:
        assert f"`{settings.env_name(field)}`" in shown


def test_a_bad_value_stops_serve_before_it_starts_in_both_languages(monkeypatch, tmp_path):
    monkeypatch.setenv("BANGFU_WORKER_THREADS", "two")
    monkeypatch.setenv("BANGFU_TODAY", "2026-13-01")
    result = CliRunner().invoke(
        app, ["serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--port", "1"]
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "BANGFU_WORKER_THREADS='two'" in text and "大于 0 的整数" in text
    assert "a whole number above 0" in text
    assert "BANGFU_TODAY='2026-13-01'" in text and "YYYY-MM-DD" in text
    assert not (tmp_path / "x.db").exists()  # nothing was started or made


def test_a_setting_is_read_when_asked_and_checked(monkeypatch):
    monkeypatch.setenv("BANGFU_SESSION_IDLE_MINUTES", "45")
    assert settings.session_idle_timeout().total_seconds() == 45 * 60
    monkeypatch.setenv("BANGFU_SESSION_IDLE_MINUTES", "")
    assert settings.session_idle_timeout().total_seconds() == 30 * 60
    monkeypatch.setenv("BANGFU_SESSION_IDLE_MINUTES", "-3")
    with pytest.raises(settings.SettingsError, match="应为大于 0 的整数"):
        settings.session_idle_timeout()
    monkeypatch.setenv("BANGFU_LOG_FORMAT", "xml")
    with pytest.raises(settings.SettingsError, match="json or text"):
        settings.check()


def test_the_table_command_prints_it():
    out = subprocess.run(
        [sys.executable, "-m", "core.settings"], capture_output=True, text=True, check=True
    ).stdout
    assert out == settings.table()
