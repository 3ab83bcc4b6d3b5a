"""Working days: published schedules, make-up weekends, unknown years, admin schedules."""

from __future__ import annotations

from datetime import date

import pytest

from core.calendar import (
    CalendarFileError,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    load_calendar,
    load_schedule_file,
    parse_schedule,
)
from core.errors import BAD_INPUT, BangfuError

D = date.fromisoformat


def test_h7_review_due_three_working_days_after_opening_over_national_day():
    # RULES.md H7: opened 2026-09-30; Oct 1-7 holiday; Sat 10 Oct is a make-up working day
    assert add_working_days(D("2026-09-30"), 3) == (D("2026-10-10"), False)


def test_make_up_saturday_is_a_working_day_and_holidays_are_not():
    assert is_working_day(D("2026-10-10"))  # Saturday, 调休
    assert not is_working_day(D("2026-10-05"))  # Monday, National Day
    assert not is_working_day(D("2026-10-11"))  # Sunday


def test_the_same_day_is_zero_working_days():
    assert add_working_days(D("2026-10-03"), 0) == (D("2026-10-03"), False)


def test_n_working_days_after_is_strictly_after():
    assert add_working_days(D("2026-06-01"), 1) == (D("2026-06-02"), False)
    assert add_working_days(D("2026-06-05"), 1) == (D("2026-06-08"), False)  # Fri -> Mon


def test_unknown_year_falls_back_to_weekdays_and_says_provisional():
    calendar = WorkingCalendar()
    assert not calendar.knows(2027)
    due, provisional = calendar.add_working_days(D("2026-12-30"), 3)
    # 2026-12-31 (Thu) is known; then 2027 unknown: Fri 1 Jan counts as a weekday
    assert due == D("2027-01-04") and provisional is True
    assert calendar.is_working_day(D("2027-01-01"))


def test_a_deadline_within_a_known_year_is_not_provisional():
    assert add_working_days(D("2026-12-28"), 3)[1] is False


SCHEDULE_2027 = """
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知 (test data)
holidays:
  - 2027-01-01
  - {from: 2027-02-06, to: 2027-02-12, name: 春节}
workdays:
  - 2027-02-14
"""


def test_an_administrator_loads_the_next_year_as_data(tmp_path):
    (tmp_path / "2027.yaml").write_text(SCHEDULE_2027, encoding="utf-8")
    calendar = load_calendar(tmp_path)
    assert calendar.knows(2027)
    assert not calendar.is_working_day(D("2027-01-01"))
    assert calendar.is_working_day(D("2027-02-14"))  # a Sunday made a working day
    due, provisional = calendar.add_working_days(D("2026-12-30"), 3)
    assert (due, provisional) == (D("2027-01-05"), False)
    assert "2027" in calendar.source(2027)


def test_a_broken_schedule_file_is_skipped_and_the_year_stays_provisional(tmp_path, caplog):
    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: [2028-01-01]\n", encoding="utf-8")
    calendar = load_calendar(tmp_path)
    assert not calendar.knows(2027)
    assert "2027.yaml" in caplog.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2]", "mapping"),
        ("year: 2027\nsource: x\nholidays: [2026-12-31]", "not in 2027"),
        ("year: 2027\nholidays: []", "source"),
        ("year: 2027\nsource: x\nholidays: [2027-01-01]\nworkdays: [2027-01-01]", "both"),
        ("year: 2027\nsource: x\nholidays: [nonsense]", "not a date"),
        ("year: 2027\nsource: x\nholiday: []", "unknown keys"),
        ("year: 2027\nsource: x\nholidays: [{from: 2027-02-03, to: 2027-02-01}]", "end"),
    ],
)
def test_schedule_files_are_checked_with_the_problem_named(tmp_path, text, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=problem) as info:
        load_schedule_file(path)
    assert "bad.yaml" in str(info.value)


def test_a_date_written_as_a_quoted_string_is_refused():
    with pytest.raises(CalendarFileError, match="not a date"):
        parse_schedule({"year": 2026, "source": "x", "holidays": ["2026-06-01"]})


def test_admin_schedule_from_parsed_yaml_overrides_published_year():
    schedule = parse_schedule({"year": 2026, "source": "correction", "holidays": [D("2026-06-01")]})
    calendar = WorkingCalendar([schedule])
    assert not calendar.is_working_day(D("2026-06-01"))
    assert calendar.source(2026) == "correction"


def test_never_a_crash_on_a_date():
    calendar = WorkingCalendar()
    with pytest.raises(BangfuError) as info:
        calendar.add_working_days(date.max, 1)
    assert info.value.code == BAD_INPUT
    with pytest.raises(BangfuError):
        calendar.add_working_days(D("2026-01-01"), -1)
    assert calendar.is_working_day(date.min) in (True, False)
    assert calendar.add_working_days(date(9999, 12, 1), 5)[1] is True


def test_working_days_after_counts_the_interval():
    calendar = WorkingCalendar()
    assert calendar.working_days_after(D("2026-09-28"), D("2026-10-10")) == (5, False)
    assert calendar.working_days_after(D("2026-10-10"), D("2026-09-28")) == (0, False)
