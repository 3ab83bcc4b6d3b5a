"""Printouts are drawn with JavaScript off and no request leaving the browser (issue 20,
finding 9): escaping is no longer the only wall between typed text and the server's
Chromium."""

from __future__ import annotations

import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.web import printing

HOSTILE = (
    "<html><body><p>张三</p><img src='http://127.0.0.1:{port}/img'>"
    "<link rel='stylesheet' href='http://127.0.0.1:{port}/css'>"
    "<iframe src='http://127.0.0.1:{port}/frame'></iframe>"
    "<script>fetch('http://127.0.0.1:{port}/script')</script></body></html>"
)


class FakeRoute:
    def __init__(self) -> None:
        self.aborted: list[str] = []

    def abort(self, reason: str = "failed") -> None:
        self.aborted.append(reason)


def test_the_browser_is_asked_for_no_script_and_no_request(monkeypatch):
    """Structurally, with Playwright stood in for (no Chromium needed)."""
    seen: dict[str, object] = {}

    class Page:
        def set_default_timeout(self, ms):
            pass

        def set_content(self, html, wait_until):
            seen["content"] = html

        def pdf(self, **kwargs):
            return b"%PDF-1.7"

    class Context:
        def route(self, pattern, handler):
            seen["route"] = (pattern, handler)

        def new_page(self):
            return Page()

    class Browser:
        def new_context(self, **kwargs):
            seen["context"] = kwargs
            return Context()

        def new_page(self):  # the former way: a page of the default context
            raise AssertionError("a page outside the locked-down context")

        def close(self):
            pass

    class Playwright:
        chromium = types.SimpleNamespace(launch=lambda **kwargs: Browser())

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    fake = types.ModuleType("playwright.sync_api")
    fake.sync_playwright = Playwright  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "playwright.sync_api", fake)
    monkeypatch.setattr(printing, "chromium_path", lambda: "/usr/bin/chromium")
    assert printing.html_to_pdf("<p>x</p>") == b"%PDF-1.7"
    assert seen["context"]["java_script_enabled"] is False
    pattern, handler = seen["route"]
    route = FakeRoute()
    handler(route)
    assert pattern == "**/*" and route.aborted == ["blockedbyclient"]


@pytest.mark.skipif(printing.chromium_path() is None, reason="no Chromium on this machine")
def test_a_hostile_page_makes_no_request_from_the_real_browser():
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # in a thread of its own, as the server renders: the suite's browser tests keep a
        # Playwright (and its event loop) alive in this one
        with ThreadPoolExecutor(1) as pool:
            page = HOSTILE.format(port=server.server_address[1])
            pdf = pool.submit(printing.html_to_pdf, page).result()
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF") and asked == []
