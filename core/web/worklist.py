"""The worklist: a caseworker's day in one table.

Views: my tasks (files I am responsible for, or whose next step my role takes), due this
week (a deadline within the next five working days of the tenant's calendar), overdue,
and every file, by status. Lists are filtered by status and searched by a member's name
or, when an ID number is typed, through its keyed hash (the number is never stored or
compared in clear); they sort by any column, both ways. Everything is read from the case
service's summary lines (:meth:`core.cases.service.CaseService.worklist`): no evaluation
runs for a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.calendar import WorkingCalendar
from core.cases.views import WorkItem

#: (code, Chinese, English)
VIEWS = (
    ("mine", "我的待办", "my tasks"),
    ("week", "本周到期", "due this week"),
    ("overdue", "已逾期", "overdue"),
    ("all", "全部档案", "all files"),
)
VIEW_CODES = tuple(code for code, _, _ in VIEWS)
#: (code, Chinese, English) of the sortable columns
SORTS = (
    ("id", "编号", "no."),
    ("applicant", "申请人", "applicant"),
    ("status", "状态", "status"),
    ("opened", "建档日期", "opened"),
    ("due", "下一期限", "next deadline"),
)
SORT_CODES = tuple(code for code, _, _ in SORTS)
WEEK_WORKING_DAYS = 5
PAGE = 100
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def looks_like_id_number(text: str) -> bool:
    return bool(_ID_NUMBER.match(text.strip()))


@dataclass(frozen=True)
class Query:
    """What the worklist was asked for (from the address: bookmarkable)."""

    view: str = "mine"
    status: str = ""
    q: str = ""
    sort: str = "due"
    desc: bool = False
    page: int = 0

    @classmethod
    def read(cls, params: dict[str, Any]) -> Query:
        def one(key: str) -> str:
            value = params.get(key)
            return value.strip()[:64] if isinstance(value, str) else ""

        view = one("view") if one("view") in VIEW_CODES else "mine"
        sort = one("sort") if one("sort") in SORT_CODES else "due"
        page = one("page")
        return cls(
            view=view,
            status=one("status"),
            q=one("q"),
            sort=sort,
            desc=one("order") == "desc",
            page=int(page) if page.isdigit() and len(page) < 6 else 0,
        )

    def link(self, **changed: Any) -> str:
        """The query string of this list with some parameters changed."""
        from urllib.parse import urlencode

        values = {
            "view": self.view,
            "status": self.status,
            "q": self.q,
            "sort": self.sort,
            "order": "desc" if self.desc else "asc",
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changed.items()})
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", "0")})


def week_end(calendar: WorkingCalendar, today: date) -> date:
    """The last day of "this week": five working days from today."""
    return calendar.add_working_days(today, WEEK_WORKING_DAYS)[0]


def in_view(item: WorkItem, view: str, today: date, until: date) -> bool:
    if view == "mine":
        return item.open and (item.mine or item.my_step)
    if view == "week":
        return item.due_on is not None and today <= item.due_on <= until
    if view == "overdue":
        return item.due_on is not None and item.due_on < today
    return True


_SORT_KEYS: dict[str, Callable[[WorkItem], Any]] = {
    "id": lambda i: int(i.id),
    "applicant": lambda i: (i.applicant, int(i.id)),
    "status": lambda i: (i.status_zh, int(i.id)),
    "opened": lambda i: (i.opened_on, int(i.id)),
    "due": lambda i: (i.due_on is None, i.due_on or date.max, int(i.id)),
}


def select(
    items: Sequence[WorkItem],
    query: Query,
    today: date,
    until: date,
    id_matches: set[str] | None = None,
) -> list[WorkItem]:
    """The lines of ``query``'s view, filtered, searched and sorted.

    ``id_matches``: the files found by the keyed hash of an ID number typed as ``q``.
    """
    found = [i for i in items if in_view(i, query.view, today, until)]
    if query.status:
        found = [i for i in found if i.status == query.status]
    if id_matches is not None:
        found = [i for i in found if i.id in id_matches]
    elif query.q:
        needle = query.q.casefold()
        found = [i for i in found if any(needle in m.casefold() for m in i.members)]
    found.sort(key=_SORT_KEYS[query.sort], reverse=query.desc)
    return found


def counts(items: Sequence[WorkItem], today: date, until: date) -> dict[str, int]:
    """How many files each view holds (the tabs' numbers)."""
    return {code: sum(1 for i in items if in_view(i, code, today, until)) for code in VIEW_CODES}
