"""The server's clock: the one source of "today" and "now" for rules, steps and deadlines.

A client never chooses the date a rule or a step is checked against. Every date is the
server's date in Asia/Shanghai (China Standard Time, UTC+8, no daylight saving), read
from the system clock through :mod:`zoneinfo`, whatever the machine's own time zone.

``BANGFU_TODAY=YYYY-MM-DD`` pins the date for demonstrations and tests (test suites
outside this repository use that name: keep it). It is read on every call, so a test can
set it for its own duration; :func:`warn_if_pinned` logs a warning at start-up, so that a
pinned production server cannot go unnoticed. ``now()`` keeps the real instant (it dates
when an entry was made: ``recordedAt``), on the pinned day's date when pinned.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core import settings
from core.errors import bad_input

TODAY_ENV = settings.env_name("today")
ZONE = ZoneInfo("Asia/Shanghai")

log = logging.getLogger("bangfu.clock")


def pinned() -> date | None:
    """The date ``$BANGFU_TODAY`` pins, or None (a malformed value is refused loudly)."""
    try:
        return settings.get("today")
    except settings.SettingsError:
        text = os.environ.get(TODAY_ENV, "").strip()
        raise bad_input(
            f"${TODAY_ENV}={text!r} is not a date YYYY-MM-DD",
            f"环境变量 {TODAY_ENV}={text!r} 不是 YYYY-MM-DD 格式的日期",
        ) from None


def now() -> datetime:
    """The current instant, aware, in Asia/Shanghai (moved to the pinned day when pinned)."""
    current = datetime.now(UTC).astimezone(ZONE)
    day = pinned()
    if day is not None:
        current = current.replace(year=day.year, month=day.month, day=day.day)
    return current


def today() -> date:
    """The server's date in Asia/Shanghai, or the pinned date."""
    day = pinned()
    return day if day is not None else datetime.now(UTC).astimezone(ZONE).date()


def warn_if_pinned() -> None:
    """At start-up: a loud warning when the clock is pinned."""
    day = pinned()
    if day is not None:
        log.warning(
            "the clock is pinned to %s by $%s: every step and rule is dated by it "
            "(demonstrations and tests only) / 系统日期被 %s 固定为 %s,仅供演示和测试",
            day,
            TODAY_ENV,
            TODAY_ENV,
            day,
        )
