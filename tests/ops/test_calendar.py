"""Next year's calendar: `bangfu calendar load` checks a year's schedule against the State
Council notice's form; /ready and every staff page warn 30 days before deadlines would
turn provisional, by the server's clock."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core import calendar
from core.cli import app

runner = CliRunner()

GOOD_2027 = """\
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知(国办发明电〔2026〕N号)
holidays:
  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-13, name: 春节}
  - {from: 2027-04-03, to: 2027-04-05, name: 清明节}
  - {from: 2027-05-01, to: 2027-05-05, name: 劳动节}
  - {from: 2027-06-09, to: 2027-06-11, name: 端午节}
  - {from: 2027-09-15, to: 2027-09-17, name: 中秋节}
  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}
workdays:
  - 2027-02-20
  - 2027-04-25
  - 2027-09-26
  - 2027-10-09
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("BANGFU_CALENDARS", str(tmp_path / "calendars"))
    yield tmp_path / "calendars"
    calendar.reload_calendar()  # the suite's calendar again


def test_a_year_is_checked_and_loaded(folder, tmp_path):
    source = tmp_path / "2027.yaml"
    source.write_text(GOOD_2027, "utf-8")
    out = runner.invoke(app, ["calendar", "load", str(source)])
    assert out.exit_code == 0, out.output
    assert (folder / "2027.yaml").read_text("utf-8") == GOOD_2027
    loaded = calendar.load_calendar()
    assert loaded.knows(2027) and not loaded.is_working_day(calendar.date(2027, 2, 8))
    assert loaded.is_working_day(calendar.date(2027, 2, 20))  # a Saturday, made up
    assert calendar.calendar_warning(calendar.date(2026, 12, 6), loaded) is None


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("name: 春节", "name: 植树节"), "不是法定节日"),
        (("  - 2027-02-20\n", "  - 2027-02-17\n"), "调休上班日应为周六或周日"),
        (
            ("国务院办公厅关于2027年部分节假日安排的通知(国办发明电〔2026〕N号)", "网上看到的"),
            "国务院办公厅",
        ),
        (("  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}\n", ""), "缺少国庆节"),
        (("  - 2027-02-20\n", "  - 2027-07-17\n"), "紧邻某个假期"),
        (("{from: 2027-01-01, to: 2027-01-03", "{from: 2026-12-31, to: 2027-01-03"), "not in 2027"),
    ],
)
def test_a_wrong_schedule_is_refused_and_nothing_is_written(folder, tmp_path, change, said):
    source = tmp_path / "2027.yaml"
    source.write_text(GOOD_2027.replace(*change), "utf-8")
    out = runner.invoke(app, ["calendar", "load", str(source)])
    assert out.exit_code == 1
    assert said in " ".join(out.output.split()).replace(" ", "") or said in out.output
    assert not (folder / "2027.yaml").exists()


@pytest.fixture
def http(registry, sqlite_template, tmp_path, monkeypatch):
    """The app on a migrated database (so that /ready is ready)."""
    from litestar.testing import TestClient

    from core.api.app import create_app
    from core.db.testing import sqlite_database

    with sqlite_database(sqlite_template, tmp_path) as url:
        monkeypatch.setenv("BANGFU_DATABASE_URL", url)
        with TestClient(create_app(registry)) as client:
            yield client


def test_ready_and_the_pages_warn_thirty_days_before(http, monkeypatch, folder, tmp_path):
    monkeypatch.setenv("BANGFU_TODAY", "2026-11-20")  # 42 days before 2027
    assert "calendar" not in http.get("/ready").json()
    assert "节假日安排尚未载入" not in http.get("/staff/hebei").text

    monkeypatch.setenv("BANGFU_TODAY", "2026-12-06")  # 26 days before
    ready = http.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["calendar"]["year"] == 2027 and ready.json()["calendar"]["daysLeft"] == 26
    page = http.get("/staff/hebei").text
    assert "2027 年的节假日安排尚未载入,26 天后起法定期限将标为暂定" in page

    monkeypatch.setenv("BANGFU_TODAY", "2027-01-04")  # the year has come, still unloaded
    assert http.get("/ready").json()["calendar"]["daysLeft"] == 0

    (tmp_path / "2027.yaml").write_text(GOOD_2027, "utf-8")
    assert runner.invoke(app, ["calendar", "load", str(tmp_path / "2027.yaml")]).exit_code == 0
    calendar.reload_calendar()  # as a restarted server does
    assert "calendar" not in http.get("/ready").json()
    assert "节假日安排尚未载入" not in http.get("/staff/hebei").text


def test_status_says_what_to_do(folder, monkeypatch):
    monkeypatch.setenv("BANGFU_TODAY", "2026-12-06")
    out = runner.invoke(app, ["calendar", "status"])
    assert out.exit_code == 3 and "bangfu calendar load" in out.output
