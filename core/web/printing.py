"""Printouts of a case file: the 公示 notice, the application form, the approval form and
a case summary.

Each is an HTML page laid out for A4 by a print style sheet (``static/print.css``): the
browser's "print" gives the paper copy. The same page is also produced as a PDF by
headless Chromium (Playwright's ``page.pdf``), with the style sheet and the logo inlined,
so a PDF looks exactly as the printed page does. Chromium is Debian's ``chromium`` (or
``$BANGFU_CHROMIUM``); without it the PDF answer says so and the HTML still prints. It
draws the page with JavaScript off and every request the page would make refused, so
text a person typed cannot make the server's browser run or fetch anything.
"""

from __future__ import annotations

import base64
import shutil
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core import settings
from core.calendar import WorkingCalendar
from core.cases.views import CaseView, EventView
from core.errors import INTERNAL, BangfuError
from core.registry import Tenant
from core.web.presenters import logo_of, mask_name, notice_rule
from core.workflow import readings
from core.workflow.procedure import day_count

STATIC = Path(__file__).parent / "static"
CHROMIUM_ENV = settings.env_name("chromium")
PDF_TIMEOUT_MS = 30_000

#: a notice's working days where the procedure names none (the figure Hebei's seed sets)
DEFAULT_NOTICE_DAYS = 5
#: code -> (Chinese title, English title, template)
DOCUMENTS = {
    "notice": ("困难职工建档公示", "public notice", "print/notice.html"),
    "application": ("困难职工帮扶申请表", "application form", "print/application.html"),
    "approval": ("困难职工建档审批表", "approval form", "print/approval.html"),
    "summary": ("困难职工档案摘要", "case summary", "print/summary.html"),
}


def chromium_path() -> str | None:
    """The Chromium to drive: ``$BANGFU_CHROMIUM``, else Debian's ``chromium``."""
    configured = settings.get("chromium")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable() -> BangfuError:
    return BangfuError(
        INTERNAL,
        "PDF output needs Chromium on the server (apt-get install chromium); "
        "print the page from the browser instead",
        "服务器未安装 Chromium,无法生成 PDF;请在浏览器中直接打印本页",
    )


_one_at_a_time = threading.Lock()


def _refuse_request(route: Any) -> None:
    """Every request the page would make (an image, a style sheet, a frame, a font, a
    fetch): refused. The page itself is set as content, not fetched."""
    route.abort("blockedbyclient")


def html_to_pdf(html: str) -> bytes:
    """The page as an A4 PDF, drawn by headless Chromium (its print layout: ``@page``)."""
    executable = chromium_path()
    if executable is None:
        raise unavailable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dependency of the package
        raise unavailable() from None
    with _one_at_a_time, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            # the page is drawn, never run: no script, and no request leaves the browser
            # (the style sheet and the logo are inlined); escaping is no longer the only wall
            context = browser.new_context(java_script_enabled=False, service_workers="block")
            context.route("**/*", _refuse_request)
            page = context.new_page()
            page.set_default_timeout(PDF_TIMEOUT_MS)
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()


def inlined(tenant: Tenant) -> dict[str, str]:
    """The style sheet and logo as text and a data address, for a self-contained page."""
    css = (STATIC / "print.css").read_text(encoding="utf-8")
    logo = logo_of(tenant)
    data = f"data:{logo[1]};base64,{base64.b64encode(logo[0]).decode()}" if logo else ""
    return {"css": css, "logo": data}


@dataclass(frozen=True)
class NoticePeriod:
    start: date  #: the day of publication (today for a draft)
    working_days: int
    counting_zh: str  #: how the days are counted, e.g. 公示次日起算
    allowed: date  #: the first day the step after the notice may be taken
    from_procedure: bool  #: False: no notice length in the procedure, five working days
    published: bool  #: False: a draft, the notice is not published yet


def _published(view: CaseView) -> EventView | None:
    found = None
    for event in view.history:
        if event.to_status == "in_public_notice" or event.action == "publish":
            found = event
    return found


def notice_period(
    tenant: Tenant, view: CaseView, calendar: WorkingCalendar, today: date
) -> NoticePeriod:
    """The notice's dates as the procedure's guard ``notice_period_elapsed`` counts them:
    its working days and counting reading (parameters, read on the day of publication),
    and the first day the next step is allowed."""
    event = _published(view)
    start = event.on if event else today
    rule = notice_rule(tenant)
    days, counting = rule if rule else (DEFAULT_NOTICE_DAYS, None)
    parameters = tenant.parameters(start)
    days = day_count(days, parameters)
    how = readings.AFTER_PUBLICATION_DAY
    if counting is not None:
        how = readings.reading(parameters, counting, readings.NOTICE_COUNTINGS)
    allowed = readings.notice_allowed_from(calendar, start, days, how)[0]
    return NoticePeriod(
        start, days, readings.NOTICE_COUNTINGS[how][0], allowed, rule is not None, event is not None
    )


def document_context(
    tenant: Tenant, view: CaseView, calendar: WorkingCalendar, today: date
) -> dict[str, Any]:
    """What every printout shows of the file beyond the case page's own presenters."""
    from core.web.presenters import applicant_name

    return {
        "period": notice_period(tenant, view, calendar, today),
        "masked_applicant": mask_name(applicant_name(view.household)),
        "printed_on": today,
    }
