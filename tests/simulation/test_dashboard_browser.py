"""The national dashboard in a real headless Chromium (Debian's ``chromium``, driven by
Playwright) against the real server: sign in with a national account's password, read the charts, run a reform, download a
table. Nothing may load from anywhere but the server. Screenshots are kept under
``test-artefacts/dashboard/`` (git ignores it), beside the staff pages' ``test-artefacts/browser/``.

``make test`` installs ``chromium`` (apt) and ``playwright`` (pip) when missing; where no
Chromium can be installed the test is skipped and says so.
"""

from __future__ import annotations

import os
import shutil
from contextlib import nullcontext
from pathlib import Path

import pytest

from core.auth.accounts import create_user
from core.cases.service import CaseService
from core.db.session import session_factory
from tests.casefile_samples import ILL, staff
from tests.live import ROOT, live_server, serving_url

PASSWORD = "national-browser-password"

SCREENSHOTS = ROOT / "test-artefacts" / "dashboard"


def chromium() -> str:
    found = (
        os.environ.get("BANGFU_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        pytest.skip(
            "no Chromium here and none could be installed (apt-get install chromium): browser test skipped"
        )
    return found


@pytest.fixture
def database_url(sqlite_template, tmp_path):
    """One database is enough here (SQLite): the page tests run on PostgreSQL too."""
    from core.db.testing import sqlite_database

    with sqlite_database(sqlite_template, tmp_path) as url:
        yield url


@pytest.fixture
def server(database_url, registry, tmp_path):
    with session_factory(database_url)() as session:
        service = CaseService(session, registry)
        for _ in range(5):
            service.open_case(staff("hebei", "caseworker"), "hebei", ILL)
        session.commit()
    with session_factory(database_url)() as session:  # the national union's account
        create_user(session, "national", "acftu.chen", "national", PASSWORD, set())
    with live_server(serving_url(database_url), tmp_path / "server.log") as base:
        yield base


def test_the_dashboard_in_headless_chromium(server, tmp_path, playwright_session):
    executable = chromium()
    base = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "sqlite"
    elsewhere = []
    with nullcontext(playwright_session) as p:
        browser = p.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(accept_downloads=True, locale="zh-CN").new_page()
            page.on(
                "request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url)
            )
            page.goto(f"{base}/national/")
            page.get_by_label("用户名").fill("acftu.chen")
            page.get_by_label("密码").fill(PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{base}/national/dashboard")
            assert page.locator("h1").first.inner_text().startswith("全国对比")
            for chart in ("cost", "coverage", "trend", "targets"):
                assert page.locator(f"svg[data-chart={chart}]").is_visible()
            assert page.locator("svg[data-chart=cost] rect").count() >= 2
            assert page.locator("table[data-table=coverage] tbody tr").count() == 4
            page.screenshot(
                path=str(SCREENSHOTS / f"national-dashboard-{name}.png"), full_page=True
            )

            page.select_option("select[name=tenant]", "hebei")
            page.select_option("select[name=off]", "medical_relief")
            page.click("form.reform-form button[type=submit]")
            page.wait_for_selector("svg[data-chart=deciles]")
            assert page.locator("[data-figure=cost-change]").inner_text().startswith("-")
            assert page.locator("table[data-table=reform_deciles] tbody tr").count() == 10
            page.locator("#reform").screenshot(
                path=str(SCREENSHOTS / f"national-reform-{name}.png")
            )

            with page.expect_download() as info:
                page.click("a[data-download=reform_deciles-csv]")
            saved = tmp_path / "deciles.csv"
            info.value.save_as(saved)
            text = saved.read_text(encoding="utf-8-sig")
            assert text.startswith("十等分组 decile") and len(text.splitlines()) == 11
            with page.expect_download() as info:
                page.click("a[data-download=coverage-xlsx]")
            assert Path(info.value.path()).read_bytes()[:2] == b"PK"

            page.click("form[action='/national/sign-out'] button")
            page.wait_for_url(f"{base}/national/")
            page.goto(f"{base}/national/dashboard")
            assert page.url == f"{base}/national/"  # the session ended on the server
        finally:
            browser.close()
    assert elsewhere == [], f"the page loaded from elsewhere: {elsewhere}"
