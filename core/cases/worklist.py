"""The worklist: the tenant's files as lines of summary columns (no evaluation runs).

Four views: my tasks (the files whose next step is the asking person's: a step their role
takes, and for a caseworker's steps only the files they are responsible for, 一帮一; an
administrator's: every file that waits for someone), due this week (a deadline within the
next five working days of the tenant's calendar), overdue, and every file. A view can be
filtered by status and searched by the beginning of a member's name or by an ID number
(through its keyed hash: the number is never stored or compared in clear), sorted by any
column both ways, and read a page at a time. All of it is done by the database
(:mod:`core.db.worklist`), so lists, searches and counts are complete at any size and cost
what the page costs. Every line says whose turn the file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.auth.principal import Principal
from core.cases import maintenance
from core.cases.access import CaseAccess, one_call_scope
from core.cases.names import prefix_range
from core.cases.privacy import hash_id_number
from core.cases.turns import my_turn, whose_turn
from core.cases.views import WorkItem, WorklistPage
from core.db import worklist as queries
from core.errors import bad_input
from core.workflow.procedure import Procedure

#: (code, Chinese, English) of the views
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
WEEK_WORKING_DAYS = 5  #: "due this week": within this many working days from today
PAGE = 100  #: lines a page
MAX_LINES = 100_000  #: the most lines one answer holds (an export)


@dataclass(frozen=True)
class WorklistQuery:
    """What a worklist is asked for."""

    view: str = "mine"
    status: str = ""  #: only files in this status ("" for any)
    name: str = ""  #: only files with a member whose name begins with this
    id_number: str = ""  #: only files with a member of this resident ID number
    sort: str = "due"
    desc: bool = False
    offset: int = 0
    limit: int = PAGE


class Worklist(CaseAccess):
    """A caseworker's worklist."""

    @one_call_scope
    def worklist(
        self, principal: Principal | None, tenant: str, query: WorklistQuery | None = None
    ) -> WorklistPage:
        """A page of the tenant's worklist as ``query`` asks (default: the first page of my
        tasks, by next deadline), with its total and the files of each view."""
        query = query or WorklistQuery()
        p = self._staff(principal, "cases", tenant)
        code = self.registry.get(tenant).code
        self._own_tenant(p, code, "cases")
        flow = self.workflow(self.registry.get(code))
        procedure = flow.procedure
        _check(query)
        if queries.unknown_turns(self.session, code):  # files of before migration 0015
            maintenance.work_out_turns(self.session, flow)
            self._finish()
        today = self.today()
        week_end = self.calendar.add_working_days(today, WEEK_WORKING_DAYS)[0]
        wanted = queries.Filter(
            tenant=code,
            view=query.view,
            today=today,
            week_end=week_end,
            my_turn=my_turn(procedure, p),
            status=query.status,
            name_range=prefix_range(query.name) if query.name.strip() else None,
            id_hash=hash_id_number(query.id_number) if query.id_number.strip() else None,
        )
        statuses = [s.code for s in procedure.statuses]
        rows = queries.lines(
            self.session, wanted, query.sort, query.desc, statuses, query.offset, query.limit
        )
        responsible = queries.responsible_among(self.session, code, [r.id for r in rows])
        lines = tuple(_line(procedure, wanted.my_turn, r, responsible.get(r.id, "")) for r in rows)
        return WorklistPage(
            lines=lines,
            total=queries.count(self.session, wanted),
            counts=queries.view_counts(self.session, wanted, VIEW_CODES),
            today=today,
            week_end=week_end,
            offset=query.offset,
        )


def _line(
    procedure: Procedure,
    turn_of_mine: queries.MyTurn,
    row: Any,
    responsible: str,
) -> WorkItem:
    """A row of :data:`core.db.worklist.LINE_COLUMNS` as a line for the person asking."""
    status = procedure.status(row.status)
    mine = bool(responsible) and responsible == turn_of_mine.user
    my_step = bool(row.turn) and (
        turn_of_mine.every_turn
        or row.turn in turn_of_mine.steps
        or (row.turn in turn_of_mine.assigned_steps and mine)
    )
    return WorkItem(
        id=str(row.number),
        status=row.status,
        status_zh=status.zh if status else row.status,
        status_en=status.en if status else row.status,
        open=procedure.is_open(row.status),
        opened_on=row.opened_on,
        opened_by=row.opened_by,
        urgent=row.urgent,
        eligible=row.eligible,
        category=row.category,
        due_step=row.due_step,
        due_on=row.due_on,
        due_provisional=row.due_provisional,
        applicant=row.applicant,
        responsible=responsible,
        turn=whose_turn(procedure, row.turn, responsible),
        mine=mine,
        my_step=my_step,
    )


def _check(query: WorklistQuery) -> None:
    if query.view not in VIEW_CODES:
        raise bad_input(
            f"the view {query.view!r} is not one of {', '.join(VIEW_CODES)}",
            f"没有这个视图:{query.view}",
        )
    if query.sort not in SORT_CODES:
        raise bad_input(
            f"the sort {query.sort!r} is not one of {', '.join(SORT_CODES)}",
            f"不能按{query.sort}排序",
        )
    if query.offset < 0 or not 0 <= query.limit <= MAX_LINES:
        raise bad_input(
            f"a page starts at 0 or later and holds 0 to {MAX_LINES} lines",
            f"每页条数应在0到{MAX_LINES}之间,起始位置不能为负",
        )
