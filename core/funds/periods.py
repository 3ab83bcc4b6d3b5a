"""Which periods a programme is paid for: its periodicity fixes them.

A programme declares how often it is paid (:class:`core.model.PayPeriod`):

* ``YEARLY`` (living relief, 003 五.9: "每年不少于…"): once a year, the period a year
  (``2027``); a month (``2027-11``) is refused, so that one year is never paid as twelve;
* ``MONTHLY``: once a month, the period a month (``2027-11``);
* ``ONCE`` (medical relief, 003 五.10 "一次性救助"): once for the determination that grants
  it, whatever period is written on it (``2026`` and ``2026-06`` are the same one-off).

Every payment carries its *period key*, the normalised period it pays: the year or the
month, or ``once:<event>`` for a one-off (the case event whose determination granted it).
The database keeps one payment per (tenant, file, programme, period key) among the
payments not cancelled (migration 0016), so that no path pays twice.

A period is payable from the one in which the file's determination in force took effect,
up to today's period plus the tenant's parameter ``funds.periods_ahead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import RULE_VIOLATION, BangfuError, bad_input
from core.model import PayPeriod

MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")
YEAR = re.compile(r"20[0-9]{2}")

AHEAD = "funds.periods_ahead"
#: (中文, English) of each periodicity, for messages.
CADENCES = {
    PayPeriod.ONCE: ("一次性", "once"),
    PayPeriod.YEARLY: ("按年", "yearly"),
    PayPeriod.MONTHLY: ("按月", "monthly"),
}


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    cadence: PayPeriod


def parse_period(value: str) -> Period:
    """``2026-12`` (monthly) or ``2026`` (yearly); anything else is ``BAD_INPUT``."""
    value = (value or "").strip()
    if MONTH.fullmatch(value):
        return Period(value, int(value[:4]), PayPeriod.MONTHLY)
    if YEAR.fullmatch(value):
        return Period(value, int(value), PayPeriod.YEARLY)
    raise bad_input(
        f"the period {value[:20]!r} is neither a month (2026-12) nor a year (2026)",
        "期间应为月份(如2026-12)或年度(如2026)",
        period=value[:20],
    )


@dataclass(frozen=True)
class Payable:
    """A period a programme may be paid for, and the key it is paid once under."""

    period: Period
    key: str


def once_key(granted_by: int) -> str:
    return f"once:{granted_by}"


def _index(period: Period) -> tuple[int, int]:
    """(year, month) of a period's start (a year starts in January)."""
    return (period.year, int(period.text[5:7]) if period.cadence == PayPeriod.MONTHLY else 1)


def _end(period: Period) -> date:
    """The period's last day."""
    if period.cadence == PayPeriod.MONTHLY:
        year, month = _index(period)
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return date(period.year, 12, 31)


def _latest(cadence: PayPeriod, today: date, ahead: int) -> str:
    if cadence == PayPeriod.MONTHLY:
        months = today.year * 12 + today.month - 1 + ahead
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    return f"{today.year + ahead:04d}"


def payable(
    text: str,
    cadence: PayPeriod,
    programme_name: str,
    took_effect: date,
    today: date,
    ahead: int,
    granted_by: int | None = None,
) -> Payable:
    """The period ``text`` of a programme paid at ``cadence``, checked: its form (a year
    for a yearly programme, a month for a monthly one, either for a one-off), not ending
    before ``took_effect`` (the determination in force), not after today's period plus
    ``ahead``. ``BAD_INPUT`` for the wrong form, ``RULE_VIOLATION`` outside the span."""
    period = parse_period(text)
    zh, en = CADENCES[cadence]
    if cadence != PayPeriod.ONCE and period.cadence != cadence:
        form_zh, form_en = ("年度(如2027)", "a year (2027)")
        if cadence == PayPeriod.MONTHLY:
            form_zh, form_en = ("月份(如2027-11)", "a month (2027-11)")
        raise bad_input(
            f"{programme_name} is paid {en}: the period must be {form_en}, not {period.text}",
            f"{programme_name}{zh}发放,期间应为{form_zh},不能是{period.text}",
            period=period.text,
            cadence=str(cadence),
        )
    if _end(period) < took_effect:
        raise BangfuError(
            RULE_VIOLATION,
            f"{period.text} ends before the file's determination took effect ({took_effect})",
            f"期间{period.text}早于该档案认定生效日期({took_effect}),不予发放",
            {"guard": "period_after_determination", "period": period.text},
        )
    latest = _latest(period.cadence, today, ahead)
    if period.text > latest:
        raise BangfuError(
            RULE_VIOLATION,
            f"{period.text} is later than the last payable period {latest} "
            f"(today's period plus {AHEAD} = {ahead})",
            f"期间{period.text}晚于可发放的最后期间{latest}(本期加参数{AHEAD}={ahead})",
            {"guard": "period_not_ahead", "period": period.text, "latest": latest},
        )
    if cadence == PayPeriod.ONCE:
        assert granted_by is not None
        return Payable(period, once_key(granted_by))
    return Payable(period, period.text)


def run_span(cadence: PayPeriod, period: Period, today: date, ahead: int) -> None:
    """A run's period is not later than today's period plus ``ahead``."""
    latest = _latest(cadence, today, ahead)
    if period.text > latest:
        raise BangfuError(
            RULE_VIOLATION,
            f"the run's period {period.text} is later than the last payable period {latest}",
            f"清册期间{period.text}晚于可发放的最后期间{latest}",
            {"guard": "period_not_ahead", "period": period.text, "latest": latest},
        )


def period_end(period: Period) -> date:
    return _end(period)
