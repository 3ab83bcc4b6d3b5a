"""Working days on the mainland China statutory calendar (法定工作日).

Deadlines in the policy texts are counted in working days: Hebei's review "within 3
working days", a public notice "of at least 5 working days". A working day is Monday to
Friday, except the public holidays the State Council publishes each year, plus the
make-up working weekends (调休) it adds to bridge them. "N working days after D" is the
N-th working day strictly after D (``shared/domain/RULES.md``).

Where the days come from, by year:

1. an administrator's schedule file for that year, when one is loaded (it wins, so that
   a correction can be made without waiting for a library release);
2. the ``chinesecalendar`` package, which carries the published schedules (2004-2026 in
   the version installed);
3. otherwise Monday to Friday, and every answer that depended on such a day says
   ``provisional``: a deadline is never silently guessed, and never a crash.

Loading a year the State Council has just published
---------------------------------------------------
Each November the State Council's General Office publishes next year's schedule
(国务院办公厅关于XXXX年部分节假日安排的通知). An administrator writes it as one small YAML
file per year in the calendar folder (``$BANGFU_CALENDARS``, default ``./calendars``)
and restarts the server (or calls :func:`reload_calendar`)::

    # calendars/2027.yaml
    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号)
    holidays:                       # days off: single days or ranges
      - 2027-01-01
      - {from: 2027-02-06, to: 2027-02-12, name: 春节}
    workdays:                       # make-up working days (调休上班), usually weekends
      - 2027-02-14

:func:`load_schedule_file` checks a file (every date in the named year, no day both a
holiday and a working day) and names the file and the problem when it is wrong. A broken
file in the folder is logged and skipped: that year stays provisional rather than wrong.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from core import settings
from core.errors import bad_input

CALENDAR_ENV = settings.env_name("calendars")
DEFAULT_FOLDER = "calendars"
#: A deadline further out than this is not a deadline but a typing mistake.
MAX_WORKING_DAYS = 2_000

log = logging.getLogger("bangfu.calendar")


class CalendarFileError(ValueError):
    """A schedule file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's statutory schedule: the days off and the make-up working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _published_schedules() -> dict[int, YearSchedule]:
    """The schedules ``chinesecalendar`` carries, one per year it knows."""
    years: dict[int, tuple[set[date], set[date]]] = {}
    for day in chinese_calendar.holidays:
        years.setdefault(day.year, (set(), set()))[0].add(day)
    for day in chinese_calendar.workdays:
        years.setdefault(day.year, (set(), set()))[1].add(day)
    if not years:
        return {}
    first, last = min(years), max(years)
    return {
        year: YearSchedule(
            year,
            frozenset(years.get(year, (set(), set()))[0]),
            frozenset(years.get(year, (set(), set()))[1]),
            "chinesecalendar (State Council schedules)",
        )
        for year in range(first, last + 1)
    }


def _dates(value: Any, year: int, where: str) -> set[date]:
    """Days from a list of dates and ``{from, to}`` ranges, all within ``year``."""
    if value is None:
        return set()
    if not isinstance(value, list):
        raise CalendarFileError(f"{where}: expected a list of dates or {{from, to}} ranges")
    days: set[date] = set()
    for item in value:
        if isinstance(item, date):
            start = end = item
        elif isinstance(item, dict) and isinstance(item.get("from"), date):
            start = item["from"]
            until = item.get("to", start)
            if not isinstance(until, date) or until < start:
                raise CalendarFileError(f"{where}: range {item!r} must end on or after it starts")
            end = until
        else:
            raise CalendarFileError(f"{where}: {item!r} is not a date (YYYY-MM-DD) or a range")
        day = start
        while day <= end:
            if day.year != year:
                raise CalendarFileError(f"{where}: {day} is not in {year}")
            days.add(day)
            day += timedelta(days=1)
    return days


def parse_schedule(data: Any, where: str = "schedule") -> YearSchedule:
    """A year's schedule from its YAML data; raises :class:`CalendarFileError`."""
    if not isinstance(data, dict):
        raise CalendarFileError(f"{where}: expected a mapping with year, source, holidays")
    unknown = set(data) - {"year", "source", "holidays", "workdays"}
    if unknown:
        raise CalendarFileError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9998:
        raise CalendarFileError(f"{where}: 'year' must be a year such as 2027")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CalendarFileError(
            f"{where}: 'source' must cite the State Council notice the days come from"
        )
    holidays = _dates(data.get("holidays"), year, f"{where}: holidays")
    workdays = _dates(data.get("workdays"), year, f"{where}: workdays")
    both = holidays & workdays
    if both:
        raise CalendarFileError(
            f"{where}: {', '.join(map(str, sorted(both)))} listed both as holiday and as workday"
        )
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), source.strip())


def load_schedule_file(path: Path) -> YearSchedule:
    """Read and check one schedule file (see the module documentation for the format)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarFileError(f"{path}: cannot be read as YAML ({exc})") from None
    return parse_schedule(data, str(path))


class WorkingCalendar:
    """Which days are working days, and N working days after a date.

    Answers carry ``provisional`` when they depended on a year nobody has published a
    schedule for (Monday to Friday is assumed there).
    """

    def __init__(self, schedules: Iterable[YearSchedule] = (), published: bool = True) -> None:
        self._years: dict[int, YearSchedule] = _published_schedules() if published else {}
        for schedule in schedules:
            self.load(schedule)
        self._add = lru_cache(maxsize=65_536)(self._add_uncached)

    def load(self, schedule: YearSchedule) -> None:
        """Use ``schedule`` for its year (replacing what was known of that year)."""
        if schedule.year in self._years:
            log.info("calendar %s: using %s", schedule.year, schedule.source)
        self._years[schedule.year] = schedule
        if hasattr(self, "_add"):
            self._add.cache_clear()

    def knows(self, year: int) -> bool:
        """Whether ``year``'s schedule is published (not assumed Monday to Friday)."""
        return year in self._years

    def source(self, year: int) -> str | None:
        schedule = self._years.get(year)
        return schedule.source if schedule else None

    def known_years(self) -> list[int]:
        return sorted(self._years)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (Monday to Friday in an unpublished year)."""
        schedule = self._years.get(day.year)
        if schedule is None:
            return day.weekday() < 5
        return schedule.is_working_day(day)

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The ``n``-th working day strictly after ``start``, and whether it is provisional.

        ``n == 0`` is ``start`` itself ("the same day"). A date beyond the calendar's end
        is refused as bad input, never a crash.
        """
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WORKING_DAYS:
            raise bad_input(
                f"a number of working days must be between 0 and {MAX_WORKING_DAYS}, not {n!r}",
                f"工作日天数应在 0 到 {MAX_WORKING_DAYS} 之间",
            )
        return self._add(start, n)

    def _add_uncached(self, start: date, n: int) -> tuple[date, bool]:
        day = start
        provisional = False
        counted = 0
        try:
            while counted < n:
                day += timedelta(days=1)
                if not self.knows(day.year):
                    provisional = True
                if self.is_working_day(day):
                    counted += 1
        except OverflowError:
            raise bad_input(
                f"{n} working days after {start} is beyond the last date the calendar can hold",
                f"{start} 之后 {n} 个工作日超出了日历范围",
                start=start.isoformat(),
            ) from None
        return day, provisional

    def working_days_after(self, start: date, end: date) -> tuple[int, bool]:
        """How many working days lie in ``(start, end]`` (0 when ``end <= start``)."""
        count = 0
        provisional = False
        day = start
        while day < end:
            day += timedelta(days=1)
            if not self.knows(day.year):
                provisional = True
            if self.is_working_day(day):
                count += 1
        return count, provisional


def calendar_folder() -> Path:
    """Where administrators put schedule files: ``$BANGFU_CALENDARS`` or ``./calendars``."""
    return settings.get("calendars") or Path.cwd() / DEFAULT_FOLDER


def load_calendar(folder: Path | None = None) -> WorkingCalendar:
    """The published schedules plus every readable ``*.yaml`` file of ``folder``."""
    folder = calendar_folder() if folder is None else folder
    calendar = WorkingCalendar()
    if folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            try:
                calendar.load(load_schedule_file(path))
            except CalendarFileError as exc:
                log.error("calendar file skipped, its year stays provisional: %s", exc)
    return calendar


_default: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    """The calendar of this process (loaded once; :func:`reload_calendar` to re-read)."""
    global _default
    if _default is None:
        _default = load_calendar()
    return _default


def reload_calendar(folder: Path | None = None) -> WorkingCalendar:
    """Re-read the published schedules and the administrator's files."""
    global _default
    _default = load_calendar(folder)
    return _default


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day on the default calendar."""
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> tuple[date, bool]:
    """The ``n``-th working day strictly after ``start`` on the default calendar, and
    whether the answer is provisional (it crossed a year with no published schedule)."""
    return default_calendar().add_working_days(start, n)


# --------------------------------------------------------------------------- next year
#: How long before a year without a loaded schedule starts the server warns (days).
WARN_DAYS = 30
#: The statutory holidays a State Council notice lists (全国年节及纪念日放假办法).
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_NOTICE_SOURCE = ("国务院办公厅", "国办发明电")


@dataclass(frozen=True)
class CalendarWarning:
    """Deadlines are, or will soon be, provisional: a year's schedule is not loaded."""

    year: int
    days_left: int  #: until that year starts (0: it has started)

    @property
    def zh(self) -> str:
        if self.days_left <= 0:
            return (
                f"{self.year} 年的节假日安排尚未载入:所有法定期限目前按周一至周五推算,标为暂定。"
                f"请管理员按国务院办公厅通知编写 {self.year}.yaml 并运行 bangfu calendar load。"
            )
        return (
            f"{self.year} 年的节假日安排尚未载入,{self.days_left} 天后起法定期限将标为暂定。"
            f"请管理员按国务院办公厅通知编写 {self.year}.yaml 并运行 bangfu calendar load。"
        )

    @property
    def en(self) -> str:
        if self.days_left <= 0:
            return (
                f"The holiday schedule of {self.year} is not loaded: every statutory deadline "
                "is counted Monday to Friday and marked provisional. An administrator should "
                f"write {self.year}.yaml from the State Council's notice and run "
                "bangfu calendar load."
            )
        return (
            f"The holiday schedule of {self.year} is not loaded: in {self.days_left} days "
            "statutory deadlines will be marked provisional. An administrator should write "
            f"{self.year}.yaml from the State Council's notice and run bangfu calendar load."
        )


def calendar_warning(
    today: date | None = None, calendar: WorkingCalendar | None = None
) -> CalendarWarning | None:
    """The warning to show on ``today`` (the server's clock): this year's schedule is
    missing, or next year's is and it starts within :data:`WARN_DAYS` days."""
    from core import clock

    today = clock.today() if today is None else today
    calendar = default_calendar() if calendar is None else calendar
    if not calendar.knows(today.year):
        return CalendarWarning(today.year, 0)
    coming = today.year + 1
    days_left = (date(coming, 1, 1) - today).days
    if days_left <= WARN_DAYS and not calendar.knows(coming):
        return CalendarWarning(coming, days_left)
    return None


def check_notice(data: Any, where: str) -> YearSchedule:
    """A year's schedule checked against the form of the State Council's notice, as
    ``bangfu calendar load`` requires: besides :func:`parse_schedule`'s checks, every
    holiday is a named festival (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or
    two of them together, as 中秋节、国庆节), 春节 and 国庆节 are there, every make-up
    working day (调休上班) is a Saturday or Sunday next to a festival, and the source
    cites the notice. Raises :class:`CalendarFileError` naming each problem in Chinese and
    English."""
    schedule = parse_schedule(data, where)
    problems: list[str] = []
    if not any(mark in schedule.source for mark in _NOTICE_SOURCE):
        problems.append(
            "'source' 应引用国务院办公厅通知(如 国办发明电〔2026〕N号) / 'source' must cite "
            "the State Council General Office's notice"
        )
    named: set[str] = set()
    spans: list[tuple[date, date]] = []
    for item in data.get("holidays") or []:
        if not isinstance(item, dict):
            problems.append(
                f"{item}: 每个假期应写成 {{from, to, name}} / each holiday must be a range "
                "{from, to, name}, as the notice lists it"
            )
            continue
        name = str(item.get("name") or "")
        parts = [p for p in re.split(r"[、,,和及 ]+", name) if p]
        unknown = [p for p in parts if p not in FESTIVALS]
        if not parts or unknown:
            problems.append(
                f"{item.get('from')}: 假期名称 {name!r} 不是法定节日({'、'.join(FESTIVALS)})"
                f" / holiday name {name!r} is not a statutory festival"
            )
        named.update(parts)
        start: date = item["from"]  # dates, as parse_schedule checked
        end: date = item.get("to", start)
        spans.append((start, end))
    for festival in ("春节", "国庆节"):
        if festival not in named:
            problems.append(f"缺少{festival} / {festival} is missing")
    for day in sorted(schedule.workdays):
        if day.weekday() < 5:
            problems.append(
                f"{day}: 调休上班日应为周六或周日 / a make-up working day must be a Saturday "
                "or Sunday"
            )
        elif not any(
            start - timedelta(days=14) <= day <= end + timedelta(days=14) for start, end in spans
        ):
            problems.append(
                f"{day}: 调休上班日应紧邻某个假期 / a make-up working day must be next to a holiday"
            )
    if problems:
        raise CalendarFileError(f"{where}: " + "; ".join(problems))
    return schedule


def load_notice_file(path: Path, folder: Path | None = None) -> tuple[YearSchedule, Path]:
    """Check ``path`` as :func:`check_notice` does and put it into the calendar folder as
    ``YEAR.yaml`` (replacing that year's file); the schedule and where it was written.
    Servers read it when they start (``systemctl restart bangfu``)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarFileError(f"{path}: 无法读取 / cannot be read as YAML ({exc})") from None
    schedule = check_notice(data, str(path))
    folder = calendar_folder() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{schedule.year}.yaml"
    partial = target.with_suffix(".yaml.partial")
    partial.write_text(Path(path).read_text(encoding="utf-8"), encoding="utf-8")
    partial.replace(target)
    return schedule, target
