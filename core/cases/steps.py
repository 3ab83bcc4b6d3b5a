"""A step's record: the history entry, the file's summary columns, its paper date.

Shared by opening a file and by every later step: the date a step is recorded on (today,
or an earlier paper date), whether it was entered late, the comment a person wrote, the
chained history entry with its determination record, and the case columns that summarise
the latest determination and the next deadline.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from core import clock
from core.auth.principal import Principal
from core.cases import summary
from core.cases.access import CaseAccess, case_number, no_such_file
from core.cases.names import applicant_name
from core.cases.privacy import mask_free_text
from core.cases.views import Later
from core.db import chain
from core.db import repositories as repo
from core.db.facts_row import LAYOUT_ID
from core.db.models import CaseFile
from core.db.session import tenant_scope
from core.errors import CONFLICT, BangfuError, bad_input, rule_violation
from core.evaluation import Evaluation
from core.registry import Tenant
from core.workflow.engine import Decision, Workflow
from core.workflow.state import CaseState, Step

RESPONSIBLE = "responsible"  #: the assignment duty of the person who opened the file
#: The tenant parameter: working days after its paper date within which a step is entered
#: on time (later entries are flagged ``late`` in the history), and its default.
LATE_ENTRY_PARAMETER = "procedure.late_entry_days"
DEFAULT_LATE_ENTRY_DAYS = 5
_CASE_COLUMNS = tuple(c.key for c in CaseFile.__table__.columns)
MAX_COMMENT = 10_000  # as the API's longest string (core.api.limits.MAX_STRING_CHARS)


def checked_comment(comment: str | None) -> str | None:
    """A comment is free text a person wrote: no control characters, a sane length."""
    if comment is None:
        return None
    if len(comment) > MAX_COMMENT:
        raise bad_input(
            f"the comment is longer than {MAX_COMMENT} characters", f"意见超过{MAX_COMMENT}字"
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in comment) or any(
        ch in _INVISIBLE for ch in comment
    ):
        raise bad_input(
            "the comment contains control or invisible characters", "意见含有控制字符或不可见字符"
        )
    return mask_free_text(comment.strip()) or None  # an ID number typed in: masked


_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _field(event: Any, name: str) -> Any:
    return event[name] if isinstance(event, dict) else getattr(event, name)


def case_state(row: Any, events: Sequence[Any]) -> CaseState:
    """A file as the engine sees it (events as rows or as dicts)."""
    return CaseState(
        tenant=row.tenant,
        status=row.status,
        urgent=row.urgent,
        opened_on=row.opened_on,
        history=tuple(
            Step(
                _field(e, "action"),
                _field(e, "from_status"),
                _field(e, "to_status"),
                _field(e, "taken_on"),
                _field(e, "actor"),
                _field(e, "role"),
                _field(e, "comment"),
            )
            for e in events
        ),
        recorded_grounds=getattr(row, "recorded_grounds", ""),
    )


def changed_row(row: CaseFile, values: dict[str, Any], version: int) -> SimpleNamespace:
    """The file as a step left it (its row with the step's values, at its new version), to
    answer with without reading it again."""
    changed = SimpleNamespace(**{c: getattr(row, c) for c in _CASE_COLUMNS})
    for key, value in values.items():
        setattr(changed, key, value)
    changed.version = version
    return changed


def waiting_columns(flow: Workflow, state: CaseState) -> dict[str, Any]:
    """The case columns of what the file waits for: the step whose turn it is ("" when it
    waits for nobody) and its earliest running deadline."""
    pending = flow.deadlines(state)
    first = pending[0] if pending else None
    turn = flow.turn(state)
    return {
        "turn": turn.name if turn else "",
        "due_step": first.step if first else None,
        "due_on": first.due if first else None,
        "due_provisional": first.provisional if first else False,
    }


def household_columns(stored: dict[str, Any], facts: list[Any]) -> dict[str, Any]:
    """The case columns of the household facts in effect: as kept (``stored``, without ID
    numbers), as a row of numbers (``facts``), and the applicant's name."""
    return {
        "household": stored,
        "facts": facts,
        "facts_layout": LAYOUT_ID,
        "applicant": applicant_name(stored),
    }


class Steps(CaseAccess):
    """The record of a step: its date, its history entry, the file's summary columns, and
    the file loaded for a change at the version its caller saw."""

    def _summary(
        self,
        evaluation: Evaluation,
        notes: dict[str, str],
        workflow: Workflow,
        state: CaseState,
    ) -> dict[str, Any]:
        """The case columns that summarise the latest determination and deadline."""
        return {
            "status": state.status,
            "evaluated_on": evaluation.as_of,
            "eligible": evaluation.eligible,
            "category": evaluation.category,
            "grounds": summary.grounds(evaluation, notes),
            "groups": ",".join(evaluation.groups),
            "entitlements": summary.evaluation_entitlements(evaluation),
            "ruleset": evaluation.ruleset,
            **waiting_columns(workflow, state),
        }

    def _event(
        self,
        tenant: Tenant,
        case_id: int,
        seq: int,
        decision: Decision,
        record: dict[str, Any],
        prev_hash: str,
    ) -> dict[str, Any]:
        """The history entry of a decided step, stamped with when it was entered and
        chained to the entry before it (:mod:`core.db.chain`)."""
        details: dict[str, Any] = {}
        if decision.late is not None:
            details["late"] = decision.late.as_record()
        if decision.notes:
            details["notes"] = dict(decision.notes)
        step = decision.step
        event = {
            "tenant": tenant.code,
            "case_id": case_id,
            "seq": seq,
            "action": step.action,
            "from_status": step.from_status,
            "to_status": step.to_status,
            "taken_on": step.on,
            "actor": step.actor,
            "role": step.role,
            "comment": step.comment,
            "late": decision.late is not None,
            "details": details,
            "determination": record,
            "recorded_at": chain.stored_instant(clock.now()),
            "entered_late": self._entered_late(tenant, step.on),
            "prev_hash": prev_hash,
        }
        event["hash"] = chain.event_hash(event, prev_hash)
        return event

    def _entered_late(self, tenant: Tenant, on: date) -> bool:
        """Entered more working days after its paper date than the tenant allows."""
        today = self.today()
        if on >= today:
            return False
        try:
            allowed = tenant.parameters(today).integer(LATE_ENTRY_PARAMETER)
        except BangfuError:
            allowed = DEFAULT_LATE_ENTRY_DAYS
        days, _ = self.calendar.working_days_after(on, today)
        return days > allowed

    def _paper_date(self, on: date | None, after: date | None, what: tuple[str, str]) -> date:
        """The date a step is recorded on: today by default; a back-dated paper date may
        be given, never after today nor before the file's previous step (``after``)."""
        today = self.today()
        if on is None:
            on = today
        if on > today:
            raise rule_violation(
                f"{what[1]} cannot be dated {on}: that is after today ({today}, the server's "
                "date in China). A step is recorded on the day it happens or, for a paper "
                "record, on the earlier date written on it",
                f"{what[0]}的日期{on}晚于今天({today},服务器的北京时间日期),不能预先登记;"
                "补录纸质记录时请填写纸面上的日期",
                on=on.isoformat(),
                today=today.isoformat(),
            )
        if after is not None and on < after:
            raise rule_violation(
                f"{what[1]} cannot be dated {on}: the file's previous step is dated {after}. "
                "Steps are recorded in the order they happen",
                f"{what[0]}的日期{on}早于本档案上一步骤的日期{after},请核对日期",
                on=on.isoformat(),
                previous=after.isoformat(),
            )
        return on

    def _history_after(self, row: CaseFile, seq: int) -> Later:
        """The file's history up to step ``seq``, records included: read when the answer
        shows it (a change loads the steps without their records). Steps others took
        after ``seq`` are not this answer's."""
        session, tenant, case = self.session, row.tenant, row.id

        def read() -> list[dict[str, Any]]:
            with tenant_scope(session, tenant):
                events = repo.events_of(session, tenant, [case])[case]
            return [repo.event_dict(e) for e in events if e.seq <= seq]

        return Later(read)

    def _load_for_change(
        self, p: Principal, case_id: str | int, expected_version: int, action: str
    ) -> tuple[Any, list[dict[str, Any]], dict[int, str]]:
        number = case_number(case_id)
        # the steps without their records: the answer reads the history again if it
        # shows it (see _history_after)
        loaded = repo.load_case(self.session, p.tenant, number, records=False) if number else None
        if loaded is None:
            self._refused(p, action, case_id, "not_found")
            raise no_such_file(case_id)
        row = loaded[0]
        if expected_version != row.version:
            raise BangfuError(
                CONFLICT,
                f"the file is at version {row.version}, not {expected_version}: someone "
                "changed it since you loaded it. Reload it and try again",
                f"档案当前版本为{row.version},不是{expected_version}:已被他人修改,请刷新后重试",
                {"version": row.version, "expectedVersion": expected_version},
            )
        return loaded
