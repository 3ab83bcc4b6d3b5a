"""Browser tests: Playwright drives Debian's Chromium against the real server.

One server (uvicorn, on a fresh SQLite database with password accounts) and one Chromium
for the whole session; each test gets a fresh browser context (its own cookies) at
1366×768, the size of a county office's screen. Screenshots are kept as artefacts in
``test-artefacts/browser/`` (gitignored). axe-core, from npm (``assets/node_modules``,
installed by ``make venv``), checks accessibility (WCAG 2.1 AA) on the pages visited.

Where no Chromium can be found (``make test`` installs Debian's ``chromium``) every test
here skips and says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.web.printing import chromium_path
from tests.live import ROOT, live_server

ARTEFACTS = ROOT / "test-artefacts" / "browser"
AXE = ROOT / "assets" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "browser-test-password"
#: (tenant, user, role): two people per region, so that four eyes can be kept
ACCOUNTS = (
    ("hebei", "zhang.wei", "admin"),
    ("hebei", "li.na", "approver"),
    ("gansu", "wang.fang", "admin"),
    ("gansu", "liu.yang", "approver"),
)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = chromium_path()
    if found is None:
        pytest.skip(
            "no Chromium here: `make test` installs Debian's chromium "
            "(apt-get install chromium); the browser tests need it"
        )
    return found


@pytest.fixture(scope="session")
def server(chromium, sqlite_template, tmp_path_factory) -> Iterator[str]:
    """The real server on a fresh database with the accounts of ``ACCOUNTS``."""
    from core.auth.accounts import create_user
    from core.db.session import session_factory
    from core.db.testing import sqlite_database
    from core.registry import load_registry

    folder = tmp_path_factory.mktemp("browser-db")
    with sqlite_database(sqlite_template, folder) as url:
        known = set(load_registry().tenants)
        with session_factory(url)() as session:
            for tenant, user, role in ACCOUNTS:
                create_user(session, tenant, user, role, PASSWORD, known)
        with live_server(url, folder / "server.log") as base:
            yield base


@pytest.fixture(scope="session")
def chromium_browser(chromium, playwright_session):
    browser = playwright_session.chromium.launch(
        executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
    )
    yield browser
    browser.close()


@pytest.fixture
def page(chromium_browser, server):
    """A fresh browser window (no cookies) at 1366×768. The pages allow no scripts (CSP);
    the context may inject axe-core all the same (``bypass_csp``), the page itself never
    runs one."""
    context = chromium_browser.new_context(
        viewport=VIEWPORT, base_url=server, locale="zh-CN", bypass_csp=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page, name: str, full_page: bool = False) -> Path:
    """Keep a screenshot as a test artefact."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}): run `make venv` (npm)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


def assert_accessible(page, name: str) -> None:
    found = axe_violations(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{name}.axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
