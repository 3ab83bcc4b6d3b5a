"""Readings of unclear procedure sentences, as switchable parameters.

A sentence such as "公示期不低于5个工作日" can be read more than one way: does the day of
publication count? Each reading a procedure relies on is a ``text`` parameter of the
tenant (dated and cited like any figure) whose value names the reading chosen; this module
gives each value its meaning, once, for every tenant. An unknown value is refused with the
parameter's name and the values allowed, never guessed.

Notice counting (``procedure.notice_counting``):

* ``after_publication_day`` — the count starts the working day after publication; the
  next step is allowed from the N-th working day after the day of publication (RULES.md
  H8: published Mon 28 Sep 2026, allowed Sat 10 Oct, a make-up working day);
* ``publication_day_counts`` — the day of publication, when a working day, is the first
  day of the notice: the next step is allowed one working day earlier.

Facts changed during the notice (``procedure.notice_after_change``; no text says):

* ``restart`` — the notice starts again from the day the facts changed: what was
  published is not what is approved;
* ``keep`` — the notice runs on from its publication (approval still judges the facts
  in force).

When the county's count starts (``procedure.county_review_starts``):

* ``notice_end`` — once the minimum notice has run (the base union reports to the county
  after the notice: 确认符合特困职工标准后上报);
* ``publication`` — from the publication itself: the notice runs inside the county's days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core.errors import rule_violation

if TYPE_CHECKING:
    from core.calendar import WorkingCalendar
    from core.parameters import Parameters

AFTER_PUBLICATION_DAY = "after_publication_day"
PUBLICATION_DAY_COUNTS = "publication_day_counts"
NOTICE_COUNTINGS = {
    AFTER_PUBLICATION_DAY: ("公示次日起算", "counted from the working day after publication"),
    PUBLICATION_DAY_COUNTS: ("公示当日计入", "the day of publication counts"),
}
RESTART = "restart"
KEEP = "keep"
NOTICE_AFTER_CHANGE = {
    RESTART: ("公示期间家庭情况变更的,重新公示计算", "the notice starts again from the change"),
    KEEP: ("公示期间家庭情况变更的,公示期照常计算", "the notice runs on from its publication"),
}
NOTICE_END = "notice_end"
PUBLICATION = "publication"
COUNTY_STARTS = {
    NOTICE_END: ("公示期满起算", "from the end of the minimum notice"),
    PUBLICATION: ("公示之日起算", "from the publication (the notice runs inside)"),
}
REFUSE = "refuse"
WARN = "warn"
QUOTA_ENFORCEMENTS = {
    REFUSE: ("超出比例不予审批", "refuse a file beyond the quota"),
    WARN: ("超出比例予以提示,仍可审批", "warn, and allow, a file beyond the quota"),
}
SOLE_GROUND = "sole_ground"
ANY_GROUND = "any_ground"
QUOTA_BASES = {
    SOLE_GROUND: ("仅按该项条件认定的档案", "files admitted on that ground alone"),
    ANY_GROUND: ("符合该项条件的全部档案", "every file meeting that ground"),
}
FALLEN_BACK = "fallen_back"
AT_RISK = "risk"
HELP_AGAIN_TRIGGERS = {
    FALLEN_BACK: ("实际返困(清单有未达标项)", "an actual fall-back (a checklist item unmet)"),
    AT_RISK: ("存在返困风险(书面说明)", "a risk of falling back, stated in writing"),
}


#: The readings of each kind, by the last part of the parameter's name, for the kit's check
#: that a tenant's readings are known values (``core.workflow.conformance``).
KNOWN_READINGS = {
    "notice_counting": NOTICE_COUNTINGS,
    "county_review_starts": COUNTY_STARTS,
    "quota_enforcement": QUOTA_ENFORCEMENTS,
    "quota_base": QUOTA_BASES,
    "help_again_trigger": HELP_AGAIN_TRIGGERS,
}


def reading(parameters: Parameters, name: str, allowed: Mapping[str, tuple[str, str]]) -> str:
    """The reading ``name`` names on the parameters' date; an unknown value is refused."""
    value = parameters.text(name).strip()
    if value in allowed:
        return value
    options = ", ".join(allowed)
    raise rule_violation(
        f"parameter {name} = {value!r} is not a known reading; use one of: {options}",
        f"参数 {name} 的取值 {value!r} 不是可用的解读,可用取值:{options}",
        parameter=name,
        value=value[:200],
        allowed=list(allowed),
    )


def notice_allowed_from(
    calendar: WorkingCalendar, published: date, days: int, counting: str
) -> tuple[date, bool]:
    """The first day the step after a notice of ``days`` working days may be taken."""
    if counting == PUBLICATION_DAY_COUNTS and days > 0 and calendar.is_working_day(published):
        return calendar.add_working_days(published, days - 1)
    return calendar.add_working_days(published, days)


@dataclass(frozen=True)
class AfterNotice:
    """A deadline's count that starts when the minimum notice has run, or at publication,
    as the parameter ``starts`` reads (:data:`COUNTY_STARTS`). Used as
    ``DeadlineRule(starts=AfterNotice(...))``."""

    notice_days: str  #: integer parameter, e.g. "procedure.notice_min_working_days"
    counting: str  #: text parameter, e.g. "procedure.notice_counting"
    starts: str  #: text parameter, e.g. "procedure.county_review_starts"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return (self.notice_days, self.counting, self.starts)

    def __call__(
        self, parameters: Parameters, calendar: WorkingCalendar, published: date
    ) -> tuple[date, bool]:
        if reading(parameters, self.starts, COUNTY_STARTS) == PUBLICATION:
            return published, False
        days = parameters.integer(self.notice_days)
        counting = reading(parameters, self.counting, NOTICE_COUNTINGS)
        return notice_allowed_from(calendar, published, days, counting)
