"""The case service: opening a file, taking a step, reading files, for a principal.

Every function takes the principal who asks and enforces tenant scoping: a file of another
tenant answers exactly like a missing one (``NOT_FOUND``); anonymous callers are
``UNAUTHENTICATED``; the national level sees statistics, never a file. A refused request
changes nothing: each mutation is one transaction, committed only when every check passed
and rolled back on any refusal.

Each step stores its determination record (:mod:`core.workflow.determination`): the facts
(ID numbers masked), the outcome, the parameter values with their effective dates, the
rule set and plugin versions.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal, require_principal
from core.auth.roles import ADMIN, NATIONAL, label
from core.calendar import WorkingCalendar, default_calendar
from core.cases import summary
from core.cases.privacy import Identity, hash_id_number, mask_free_text, protect, shown_household
from core.cases.views import (
    CaseView,
    Count,
    EventView,
    Later,
    PendingFacts,
    TenantStatistics,
    WorkItem,
)
from core.db import chain
from core.db import repositories as repo
from core.db.facts_row import LAYOUT_ID, facts_from_rows, facts_row
from core.db.models import CaseFile
from core.db.session import TENANT_KEY, scope_to_tenant, tenant_scope
from core.errors import CONFLICT, FORBIDDEN, BangfuError, bad_input, not_found, rule_violation
from core.evaluation import Evaluation, evaluate, evaluate_batch, evaluate_many
from core.model import Household, parse_household
from core.once import once
from core.registry import Registry, Tenant
from core.workflow.determination import DeterminationChange, compare_determinations, snapshot
from core.workflow.engine import Decision, Workflow, procedure_of
from core.workflow.procedure import OPEN, Action
from core.workflow.state import CaseState, Step

T = TypeVar("T")
log = logging.getLogger("bangfu.cases")
MAX_PAGE = 500
#: the most files a worklist holds (a county's open files; the newest first)
WORKLIST_LIMIT = 5000
#: Lists up to this long carry explained evaluations; longer ones are evaluated as a batch.
EXPLAINED_UP_TO = 50
RESPONSIBLE = "responsible"  #: the assignment duty of the person who opened the file
#: The tenant parameter: working days after its paper date within which a step is entered
#: on time (later entries are flagged ``late`` in the history), and its default.
LATE_ENTRY_PARAMETER = "procedure.late_entry_days"
DEFAULT_LATE_ENTRY_DAYS = 5
_CASE_COLUMNS = tuple(c.key for c in CaseFile.__table__.columns)
#: The history entries of a decision on new facts (not steps of any tenant's procedure).
_FACTS_DECISIONS = {
    "approve_facts": Action("approve_facts", "审批通过家庭情况变更", "approve new facts", ()),
    "reject_facts": Action("reject_facts", "驳回家庭情况变更", "reject new facts", ()),
}


def _not_found(case_id: object) -> BangfuError:
    return not_found(
        f"no case file {case_id!s} that you may see",
        f"没有您可查看的档案 {case_id!s}",
        case=str(case_id),
    )


def _forbidden(en: str, zh: str) -> BangfuError:
    return BangfuError(FORBIDDEN, en, zh)


_CASE_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only: int() would also read "１" or "1_0"
MAX_COMMENT = 10_000  # as the API's longest string (core.api.limits.MAX_STRING_CHARS)


def _case_number(case_id: str | int) -> int | None:
    text = str(case_id)
    if not _CASE_ID.fullmatch(text):
        return None
    number = int(text)
    return number if number < 2**31 else None


def _check_comment(comment: str | None) -> str | None:
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
    )


def _shanghai(moment: datetime | None) -> datetime | None:
    """An instant as read back (naive UTC on SQLite), in the server's time zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(clock.ZONE)


def _now(value: Any) -> Callable[[], Any]:
    """A value given as it is or as :class:`Later`, as a function that gives it (once
    worked out, kept)."""
    if isinstance(value, Later):
        return once(value.work)
    return lambda: value


def _id_hashes(household: Household) -> set[str]:
    """The keyed hashes of the household's members' ID numbers (those given)."""
    return {hash_id_number(m.id_number) for m in household.members if m.id_number}


def _event_view(e: dict[str, Any]) -> EventView:
    determination = dict(e["determination"] or {})  # never a step read without its record
    return EventView(
        seq=e["seq"],
        action=e["action"],
        from_status=e["from_status"],
        to_status=e["to_status"],
        on=e["taken_on"],
        actor=e["actor"],
        role=e["role"],
        comment=e["comment"],
        late=bool(e["late"]),
        details=dict(e["details"] or {}),
        determination=determination,
        recorded_at=_shanghai(e.get("recorded_at")),
        entered_late=bool(e.get("entered_late")),
        pending=bool(determination.get("pending")),
    )


def _one_call_scope(method: Callable[..., T]) -> Callable[..., T]:
    """Whatever tenant a call binds the session to, it is unbound again afterwards, so a
    session shared with other code (the review, a later principal) is left as it was."""

    @functools.wraps(method)
    def call(self: CaseService, *args: Any, **kwargs: Any) -> T:
        with tenant_scope(self.session, self.session.info.get(TENANT_KEY)):
            return method(self, *args, **kwargs)

    return call


class CaseService:
    """Case files of every tenant, read and changed on behalf of a principal.

    :param session: the request's database session (the service commits its mutations)
    :param registry: the loaded tenants
    :param calendar: working days (default: :func:`core.calendar.default_calendar`)
    :param today: the date "today" means: the server's clock (:func:`core.clock.today`,
        pinned by ``$BANGFU_TODAY``); tests may pass their own
    """

    def __init__(
        self,
        session: Session,
        registry: Registry,
        calendar: WorkingCalendar | None = None,
        today: Callable[[], date] = clock.today,
    ) -> None:
        self.session = session
        self.registry = registry
        self.calendar = calendar or default_calendar()
        self.today = today
        self._workflows: dict[str, Workflow] = {}
        self._vocabularies: dict[tuple[str, date], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    # ------------------------------------------------------------------ helpers
    def workflow(self, tenant: Tenant) -> Workflow:
        flow = self._workflows.get(tenant.code)
        if flow is None:
            flow = self._workflows[tenant.code] = Workflow.for_tenant(tenant, self.calendar)
        return flow

    def _staff(self, principal: Principal | None, action: str, target: object) -> Principal:
        """The regional staff principal asking for ``action`` on ``target`` (a case id or
        a tenant code); the national level and other roles are refused, and recorded."""
        p = require_principal(principal)
        if p.is_national or p.tenant == NATIONAL:
            self._refused(p, action, target, "forbidden")
            raise _forbidden(
                "the national level sees statistics, not case files",
                "全国层级只查看统计数据,不查看档案",
            )
        if not p.is_staff:
            self._refused(p, action, target, "forbidden")
            raise _forbidden(
                f"the role {p.role!r} does not work on case files", f"角色 {p.role} 不办理档案"
            )
        # the second wall: even an ORM query that forgot its filter sees only this tenant
        scope_to_tenant(self.session, p.tenant)
        return p

    def _counter(
        self, tenant: Tenant, flow: Workflow, deciding: bool = False
    ) -> Callable[[str], int]:
        """How many admitted files rest on a ground alone (for quota guards).

        ``deciding``: the count decides a step that will be committed, so the tenant's
        quota checks are serialized first (:func:`core.db.repositories.lock_tenant_quota`):
        two approvals at the same moment cannot both take the last place. Listing the
        available actions only reads, and takes no lock.
        """
        locked: list[bool] = []

        def count(ground: str, sole: bool = True) -> int:
            if deciding and not locked:
                repo.lock_tenant_quota(self.session, tenant.code)
                locked.append(True)
            counted = repo.count_on_sole_ground if sole else repo.count_including_ground
            return counted(self.session, tenant.code, ground, flow.procedure.admitted)

        return count

    def _refused(self, p: Principal, action: str, target: object, outcome: str) -> None:
        """Record a refused access to case data (:class:`core.db.models.AccessAudit`)."""
        repo.record_refusal(self.session, p.tenant, p.user, p.role, action, str(target), outcome)

    def _finish(self) -> None:
        if getattr(self, "_all_or_nothing", False):  # open_cases commits once, at the end
            self.session.flush()
            return
        try:
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            raise self._conflict() from None

    def _conflict(self) -> BangfuError:
        return BangfuError(
            CONFLICT,
            "the file was changed by someone else meanwhile; reload it and try again",
            "档案已被他人修改,请刷新后重试",
        )

    def _summary(
        self,
        evaluation: Evaluation,
        notes: dict[str, str],
        workflow: Workflow,
        state: CaseState,
    ) -> dict[str, Any]:
        """The case columns that summarise the latest determination and deadline."""
        pending = workflow.deadlines(state)
        first = pending[0] if pending else None
        return {
            "status": state.status,
            "evaluated_on": evaluation.as_of,
            "eligible": evaluation.eligible,
            "category": evaluation.category,
            "grounds": summary.grounds(evaluation, notes),
            "groups": ",".join(evaluation.groups),
            "entitlements": summary.evaluation_entitlements(evaluation),
            "ruleset": evaluation.ruleset,
            "due_step": first.step if first else None,
            "due_on": first.due if first else None,
            "due_provisional": first.provisional if first else False,
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

    # ------------------------------------------------------------------ changing
    @_one_call_scope
    def open_case(
        self,
        principal: Principal | None,
        tenant: str,
        household: Household | dict[str, Any],
        urgent: bool = False,
        on: date | None = None,
    ) -> CaseView:
        """Open a file for ``household`` in ``tenant`` (``openCase``). ``on``: the date on
        the paper record (default today; never after today)."""
        try:
            return self._open_case(principal, tenant, household, urgent, on)
        except BaseException:
            self.session.rollback()
            raise

    @_one_call_scope
    def open_cases(
        self,
        principal: Principal | None,
        tenant: str,
        households: Sequence[tuple[Household | dict[str, Any], bool]],
    ) -> list[str]:
        """Open a file for each (household, urgent) in one transaction: every file is
        opened, or none is (a sheet import). Returns the new files' ids in order."""
        self._all_or_nothing = True
        try:
            ids = [self._open_case(principal, tenant, h, u, None).id for h, u in households]
            self._all_or_nothing = False
            self._finish()
            return ids
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self._all_or_nothing = False

    def _open_case(
        self,
        principal: Principal | None,
        tenant_code: str,
        household: Household | dict[str, Any],
        urgent: bool,
        on: date | None,
    ) -> CaseView:
        p = self._staff(principal, "openCase", tenant_code)
        tenant = self.registry.get(tenant_code)
        if p.tenant != tenant.code:
            self._refused(p, "openCase", tenant.code, "forbidden")
            raise _forbidden(
                f"you may open files only in your own tenant ({p.tenant})",
                f"您只能在本地区({p.tenant})建档",
            )
        household = parse_household(household)
        flow = self.workflow(tenant)
        on = self._paper_date(on, None, (flow.procedure.opening.zh, flow.procedure.opening.en))
        self._refuse_duplicate(tenant, flow, _id_hashes(household))
        evaluation_cache: list[Evaluation] = []

        def evaluated() -> Evaluation:
            if not evaluation_cache:
                evaluation_cache.append(evaluate(tenant, household, on))
            return evaluation_cache[0]

        decision = flow.open(
            p.actor, on, bool(urgent), evaluated, self._counter(tenant, flow, deciding=True)
        )
        evaluation = evaluated()
        protected = protect(household)
        state = CaseState(tenant.code, decision.to_status, bool(urgent), on, (decision.step,))
        record = snapshot(evaluation, protected.shown, decision.guard_parameters, decision.notes)
        values = {
            "tenant": tenant.code,
            "version": 1,
            "opened_on": on,
            "urgent": bool(urgent),
            "opened_by": p.user,
            "household": protected.stored,
            "facts": facts_row(household),
            "facts_layout": LAYOUT_ID,
            "due_provisional": False,
            **self._summary(evaluation, decision.notes, flow, state),
        }
        case_id, number = repo.add_case(self.session, values)
        event = self._event(tenant, case_id, 1, decision, record, "")
        identities = [(i.member_index, i.id_hash, i.id_masked) for i in protected.identities]
        repo.open_rest(
            self.session, tenant.code, case_id, event, identities, p.user, RESPONSIBLE, on
        )
        self._finish()
        row = SimpleNamespace(id=case_id, number=number, pending=None, **values)
        masked = {index: shown for index, _, shown in identities}
        today = self.today()
        same = evaluation if on == today else None  # evaluated once when dated today
        return self._view(p, tenant, flow, row, [event], masked, today, same)

    @_one_call_scope
    def transition(
        self,
        principal: Principal | None,
        case_id: str | int,
        action: str,
        expected_version: int,
        on: date | None = None,
        comment: str | None = None,
        household: Household | dict[str, Any] | None = None,
    ) -> CaseView:
        """Take ``action`` on a file at ``expected_version`` (``transition``).

        ``on``: the date on the paper record (default today; never after today, never
        before the file's previous step). ``household`` carries updated facts for a step
        that records them (a survey, a re-entry); the file is re-evaluated on them. On an
        approved or filed file they wait for a second person (:meth:`decide_facts`).
        """
        try:
            if action in _FACTS_DECISIONS and household is None:  # as decideFacts
                approve = action == "approve_facts"
                return self._decide_facts(
                    principal, case_id, expected_version, approve, comment, on
                )
            return self._transition(
                principal, case_id, action, expected_version, on, comment, household
            )
        except BaseException:
            self.session.rollback()
            raise

    def _load_for_change(
        self, p: Principal, case_id: str | int, expected_version: int, action: str
    ) -> tuple[Any, list[dict[str, Any]], dict[int, str]]:
        number = _case_number(case_id)
        # the steps without their records: the answer reads the history again if it
        # shows it (see _history_after)
        loaded = repo.load_case(self.session, p.tenant, number, records=False) if number else None
        if loaded is None:
            self._refused(p, action, case_id, "not_found")
            raise _not_found(case_id)
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

    def _transition(
        self,
        principal: Principal | None,
        case_id: str | int,
        action: str,
        expected_version: int,
        on: date | None,
        comment: str | None,
        household: Household | dict[str, Any] | None,
    ) -> CaseView:
        p = self._staff(principal, "transition", case_id)
        comment = _check_comment(comment)
        row, events, masked = self._load_for_change(p, case_id, expected_version, "transition")
        tenant = self.registry.get(row.tenant)
        flow = self.workflow(tenant)
        step = flow.procedure.action(action)
        if household is not None and step is not None and not step.records_facts:
            raise bad_input(
                f"the step '{action}' does not record household facts; send them with a step "
                "that does (a survey or a re-entry)",
                f"{step.zh}不录入家庭信息,请在调查或重新纳入时录入",
            )
        new_household = parse_household(household) if household is not None else None
        current = new_household or parse_household(row.household)
        state = case_state(row, events)
        if step is not None and step.name != OPEN:  # unknown steps are refused by the engine
            on = self._paper_date(on, state.last_date, (step.zh, step.en))
        else:
            on = on or self.today()
        evaluation_cache: list[Evaluation] = []

        def evaluated() -> Evaluation:
            if not evaluation_cache:
                evaluation_cache.append(evaluate(tenant, current, on))
            return evaluation_cache[0]

        decision = flow.take(
            state, p.actor, action, on, comment, evaluated, self._counter(tenant, flow, True)
        )
        self._refuse_duplicate_step(tenant, flow, row, new_household, decision.to_status)
        evaluation = evaluated()
        reapproval = new_household is not None and row.status in self._decided(flow)
        if new_household is not None:
            protected = protect(new_household)
            shown = protected.shown
        else:
            shown = shown_household(row.household, masked)
        record = snapshot(evaluation, shown, decision.guard_parameters, decision.notes)
        seq = len(events) + 1
        after = CaseState(
            row.tenant,
            decision.to_status,
            row.urgent,
            row.opened_on,
            (*state.history, decision.step),
        )
        identities = (
            carried_identities(
                row.household,
                repo.identities_of(self.session, row.tenant, row.id),
                new_household,
                protected.identities,
            )
            if new_household is not None
            else None
        )
        if reapproval:
            # new facts on a decided file: recorded, not in effect until a second person
            # approves them; the file keeps its approved determination meanwhile
            record["pending"] = True
            values = self._deadline_columns(flow, after) | {
                "status": decision.to_status,
                "pending": {
                    "household": protected.stored,
                    "facts": facts_row(new_household),
                    "identities": [list(i) for i in identities or ()],
                    "by": p.user,
                    "on": on.isoformat(),
                    "seq": seq,
                },
            }
            identities = None
        else:
            values = self._summary(evaluation, decision.notes, flow, after)
            if new_household is not None:
                values |= {
                    "household": protected.stored,
                    "facts": facts_row(new_household),
                    "facts_layout": LAYOUT_ID,
                    "pending": None,
                }
        prev_hash = events[-1]["hash"] if events else ""
        event = self._event(tenant, row.id, seq, decision, record, prev_hash)
        if not repo.apply_step(self.session, row.tenant, row.id, expected_version, values, event):
            raise self._conflict()
        if identities is not None:
            repo.replace_identities(self.session, row.tenant, row.id, identities)
            masked = {index: shown for index, _, shown in identities}
        self._finish()
        changed = SimpleNamespace(
            **{c: getattr(row, c) for c in _CASE_COLUMNS},
        )
        for key, value in values.items():
            setattr(changed, key, value)
        changed.version = expected_version + 1
        today = self.today()
        same = evaluation if on == today and not reapproval else None
        history = self._history_after(row, seq)
        return self._view(p, tenant, flow, changed, history, masked, today, same)

    @staticmethod
    def _fact_deciders(flow: Workflow) -> set[str]:
        """Who may decide on new facts: the roles of the procedure's four-eyes steps."""
        return {r for a in flow.procedure.actions if a.four_eyes for r in a.roles} | {ADMIN}

    def _decided(self, flow: Workflow) -> set[str]:
        """Statuses of a decided file: admitted, or reached by a four-eyes step (approval).
        New facts on such a file need a second person before they take effect."""
        procedure = flow.procedure
        return set(procedure.admitted) | {
            a.to_status for a in procedure.actions if a.four_eyes and a.to_status
        }

    def _deadline_columns(self, flow: Workflow, state: CaseState) -> dict[str, Any]:
        pending = flow.deadlines(state)
        first = pending[0] if pending else None
        return {
            "due_step": first.step if first else None,
            "due_on": first.due if first else None,
            "due_provisional": first.provisional if first else False,
        }

    @_one_call_scope
    def decide_facts(
        self,
        principal: Principal | None,
        case_id: str | int,
        expected_version: int,
        approve: bool,
        comment: str | None = None,
        on: date | None = None,
    ) -> CaseView:
        """Approve (or reject) the new facts waiting on a decided file (``decideFacts``).

        Taken by a role that may approve files in the tenant's procedure (or ``admin``),
        never by the person who entered the facts. Approval puts the new facts and their
        determination in effect; rejection drops them (a comment is required). Either is
        a history entry of its own: ``approve_facts`` or ``reject_facts``.
        """
        try:
            return self._decide_facts(principal, case_id, expected_version, approve, comment, on)
        except BaseException:
            self.session.rollback()
            raise

    def _decide_facts(
        self,
        principal: Principal | None,
        case_id: str | int,
        expected_version: int,
        approve: bool,
        comment: str | None,
        on: date | None,
    ) -> CaseView:
        p = self._staff(principal, "decideFacts", case_id)
        comment = _check_comment(comment)
        row, events, masked = self._load_for_change(p, case_id, expected_version, "decideFacts")
        tenant = self.registry.get(row.tenant)
        flow = self.workflow(tenant)
        pending = row.pending
        if not pending:
            raise rule_violation(
                "no new facts wait for a decision on this file",
                "本档案没有待审批的家庭情况变更",
            )
        roles = self._fact_deciders(flow)
        if p.role not in roles:
            raise _forbidden(
                f"your role '{p.role}' may not decide on new facts; it is done by: "
                f"{', '.join(sorted(roles))}",
                f"您的角色({label(p.role)[0]})不能审批家庭情况变更",
            )
        if p.user == pending["by"]:
            raise rule_violation(
                "new facts are approved by a second person, not by the one who entered them",
                "家庭情况变更须由录入人以外的另一人审批",
                enteredBy=pending["by"],
            )
        if not approve and not comment:
            raise rule_violation(
                "say why the new facts are rejected (a comment is required)",
                "驳回家庭情况变更须填写理由",
            )
        state = case_state(row, events)
        name = "approve_facts" if approve else "reject_facts"
        on = self._paper_date(on, state.last_date, ("审批家庭情况变更", "deciding on new facts"))
        stored = pending["household"] if approve else row.household
        evaluation = evaluate(tenant, parse_household(stored), on)
        identities = [tuple(i) for i in pending.get("identities", ())]
        shown_masked = {i[0]: i[2] for i in identities} if approve else masked
        record = snapshot(evaluation, shown_household(stored, shown_masked))
        if not approve:
            record["rejected"] = {"seq": pending["seq"], "by": pending["by"]}
        step = Step(name, row.status, row.status, on, p.user, p.role, comment)
        decision = Decision(action=_FACTS_DECISIONS[name], step=step)
        after = CaseState(row.tenant, row.status, row.urgent, row.opened_on, (*state.history, step))
        if approve:
            values = self._summary(evaluation, {}, flow, after) | {
                "household": pending["household"],
                "facts": pending["facts"],
                "facts_layout": LAYOUT_ID,
                "pending": None,
            }
        else:
            values = {"pending": None}
        prev_hash = events[-1]["hash"] if events else ""
        event = self._event(tenant, row.id, len(events) + 1, decision, record, prev_hash)
        if not repo.apply_step(self.session, row.tenant, row.id, expected_version, values, event):
            raise self._conflict()
        if approve:
            repo.replace_identities(self.session, row.tenant, row.id, identities)
            masked = shown_masked
        self._finish()
        changed = SimpleNamespace(**{c: getattr(row, c) for c in _CASE_COLUMNS})
        for key, value in values.items():
            setattr(changed, key, value)
        changed.version = expected_version + 1
        history = self._history_after(row, len(events) + 1)
        return self._view(p, tenant, flow, changed, history, masked, self.today())

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

    # ------------------------------------------------------------------ reading
    @_one_call_scope
    def find_case(self, principal: Principal | None, case_id: str | int) -> CaseView | None:
        """The file, or None when it does not exist or belongs to another tenant (the two
        are one answer; each such lookup is recorded in ``access_audit``). Each file shown
        is recorded in ``case_reads``."""
        p = self._staff(principal, "case", case_id)
        number = _case_number(case_id)
        loaded = repo.load_case(self.session, p.tenant, number) if number else None
        if loaded is None:
            self._refused(p, "case", case_id, "not_found")
            return None
        row, events, masked = loaded
        tenant = self.registry.get(row.tenant)
        view = self._view(p, tenant, self.workflow(tenant), row, events, masked, self.today())
        self._read(p, "case", [row.number])
        return view

    def _read(self, p: Principal, action: str, numbers: Sequence[int]) -> None:
        """Record who read which files, and commit it (a read's only write)."""
        if numbers:
            repo.record_reads(self.session, p.tenant, p.user, p.role, action, numbers)
            self._finish()

    @_one_call_scope
    def get_case(self, principal: Principal | None, case_id: str | int) -> CaseView:
        """The file, or ``NOT_FOUND`` (also for another tenant's file)."""
        view = self.find_case(principal, case_id)
        if view is None:
            raise _not_found(case_id)
        return view

    @_one_call_scope
    def list_cases(
        self,
        principal: Principal | None,
        tenant: str,
        status: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> list[CaseView]:
        """A page of the tenant's files, oldest first, after the cursor ``after``."""
        p = self._staff(principal, "cases", tenant)
        code = self.registry.get(tenant).code
        self._own_tenant(p, code, "cases")
        if not 0 <= first <= MAX_PAGE:
            raise bad_input(
                f"'first' must be between 0 and {MAX_PAGE}", f"每页条数应在0到{MAX_PAGE}之间"
            )
        cursor = None
        if after:
            cursor = _case_number(after)
            if cursor is None:
                raise bad_input(f"'after' {after!r} is not a case id", "翻页游标不是档案编号")
        rows = repo.page_of_cases(self.session, code, status, first, cursor)
        views = self._views(p, rows)
        self._read(p, "cases", [r.number for r in rows])
        return views

    @_one_call_scope
    def overdue(
        self,
        principal: Principal | None,
        tenant: str | None = None,
        on: date | None = None,
        first: int = 100,
    ) -> list[CaseView]:
        """The tenant's files with a deadline passed by ``on`` (today), most overdue first."""
        p = self._staff(principal, "overdueCases", tenant or "")
        code = self.registry.get(tenant or p.tenant).code
        self._own_tenant(p, code, "overdueCases")
        on = on or self.today()
        rows = repo.overdue_cases(self.session, code, on, min(max(first, 0), MAX_PAGE))
        views = [v for v in self._views(p, rows) if v.overdue_on(on)]
        self._read(p, "overdueCases", [int(v.id) for v in views])
        return views

    @_one_call_scope
    def find_by_id_number(self, principal: Principal | None, id_number: str) -> list[CaseView]:
        """The files of the caller's tenant with a member of this resident ID number."""
        p = self._staff(principal, "findByIdNumber", "")
        numbers = repo.find_by_id_hash(self.session, p.tenant, hash_id_number(id_number))
        rows = [r for r in (repo.find_case(self.session, p.tenant, n) for n in numbers) if r]
        views = self._views(p, rows)
        self._read(p, "findByIdNumber", [r.number for r in rows])
        return views

    @_one_call_scope
    def worklist(
        self, principal: Principal | None, tenant: str, limit: int = WORKLIST_LIMIT
    ) -> list[WorkItem]:
        """The tenant's files as worklist lines (summary columns, newest first): who is
        responsible, whether the asker's role takes the next step, the next deadline."""
        p = self._staff(principal, "cases", tenant)
        code = self.registry.get(tenant).code
        self._own_tenant(p, code, "cases")
        procedure = self.workflow(self.registry.get(code)).procedure
        mine = repo.responsible_for(self.session, code, p.user)
        items = []
        for row in repo.all_cases(self.session, code, limit):
            status = procedure.status(row.status)
            members = tuple(str(m.get("name") or "") for m in row.household.get("members") or ())
            applicant = next(
                (
                    str(m.get("name") or "")
                    for m in row.household.get("members") or ()
                    if m.get("relation") == "APPLICANT"
                ),
                "",
            )
            # a filed file waits for its deadlines (review, follow-up), not for me
            my_step = row.status not in procedure.admitted and any(
                row.status in a.from_statuses and (p.role == ADMIN or p.role in a.roles)
                for a in procedure.actions
                if a.to_status or not a.records_facts  # not a mere update of the facts
            )
            items.append(
                WorkItem(
                    id=str(row.id),
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
                    applicant=applicant,
                    members=members,
                    mine=row.id in mine,
                    my_step=my_step,
                )
            )
        return items

    @_one_call_scope
    def open_elsewhere(self, principal: Principal | None, id_number: str) -> bool:
        """Whether another tenant holds an open file with a member of this ID number.

        Only yes or no: the other tenant's files stay unseen (the duplicate check when a
        file is opened; on PostgreSQL through ``bangfu_id_elsewhere``)."""
        p = self._staff(principal, "openCase", "")
        return self._open_elsewhere(p.tenant, hash_id_number(id_number))

    def _open_elsewhere(self, tenant_code: str, id_hash: str) -> bool:
        found = repo.id_statuses_elsewhere(self.session, tenant_code, id_hash)
        for code, status in found:
            tenant = self.registry.tenants.get(code)
            if tenant is None or self.workflow(tenant).procedure.is_open(status):
                return True
        return False

    def _refuse_duplicate_step(
        self,
        tenant: Tenant,
        flow: Workflow,
        row: CaseFile,
        new_household: Household | None,
        to_status: str,
    ) -> None:
        """不重复建档 for a step: new facts may not bring in an ID number that is on another
        open file, and a closed file may not open again (a re-entry) while one of its
        members has another open file. ID numbers the file already holds are not checked
        again while it stays open."""
        procedure = flow.procedure
        reopening = not procedure.is_open(row.status) and procedure.is_open(to_status)
        if new_household is None and not reopening:
            return
        held = repo.id_hashes_of(self.session, row.tenant, row.id)
        if new_household is None:
            checked = held
        else:
            checked = _id_hashes(new_household) - (set() if reopening else held)
        self._refuse_duplicate(tenant, flow, checked, this_file=row.number)

    def _refuse_duplicate(
        self, tenant: Tenant, flow: Workflow, hashes: set[str], this_file: int | None = None
    ) -> None:
        """不重复建档: no file is opened for a household one of whose members' ID numbers
        (``hashes``, keyed) is on an open file already (other than ``this_file``), this
        tenant's (its number is named) or another's (nothing of it is said but that it
        exists). Checks for one ID number take turns
        (:func:`core.db.repositories.lock_id_hashes`): two at once cannot both pass."""
        if not hashes:
            return
        repo.lock_id_hashes(self.session, hashes)
        for id_hash in sorted(hashes):  # the same hash named first whatever the order given
            for number, status in repo.id_statuses_here(self.session, tenant.code, id_hash):
                if number != this_file and flow.procedure.is_open(status):
                    raise rule_violation(
                        f"file {number} of this region is open for a member of this household "
                        "(the same ID number): work on that file instead of opening another",
                        f"该户成员的身份证号在本地区已有在办档案(档案编号 {number}),"
                        "请在原档案中办理,不要重复建档",
                        case=str(number),
                    )
            if self._open_elsewhere(tenant.code, id_hash):
                raise rule_violation(
                    "another region has an open file for a member of this household (the same "
                    "ID number), so no file can be opened here: please contact the union at "
                    "the level above",
                    "该户成员的身份证号在其他地区已有在办档案,不能在本地区建档。"
                    "请联系上级工会核实处理",
                )

    @_one_call_scope
    def changes(
        self, principal: Principal | None, case_id: str | int
    ) -> list[tuple[EventView, DeterminationChange | None]]:
        """Each step of a file with what changed since the step before it, and whether the
        change came from the facts or from the rules."""
        view = self.get_case(principal, case_id)
        out: list[tuple[EventView, DeterminationChange | None]] = []
        previous = None
        for event in view.history:
            change = (
                compare_determinations(previous.determination, event.determination)
                if previous
                else None
            )
            out.append((event, change))
            previous = event
        return out

    def _own_tenant(self, p: Principal, code: str, action: str) -> None:
        if p.tenant != code:
            self._refused(p, action, code, "forbidden")
            raise _forbidden(
                f"you may see only your own tenant's files ({p.tenant})",
                f"您只能查看本地区({p.tenant})的档案",
            )

    def _views(self, p: Principal, rows: Sequence[CaseFile]) -> list[CaseView]:
        if not rows:
            return []
        tenant = self.registry.get(rows[0].tenant)
        flow = self.workflow(tenant)
        today = self.today()
        ids = [r.id for r in rows]
        session = self.session

        @functools.cache
        def read(what: Callable[[Session, str, list[int]], dict[int, Any]]) -> dict[int, Any]:
            # the page's histories (masked IDs), read once for all its files when an answer
            # first needs one: a page of { id status version } reads neither
            with tenant_scope(session, tenant.code):
                return what(session, tenant.code, ids)

        def history_of(row: CaseFile) -> Later:
            return Later(lambda: [repo.event_dict(e) for e in read(repo.events_of)[row.id]])

        def masked_of(row: CaseFile) -> Later:
            return Later(lambda: read(repo.masked_ids_of)[row.id])

        counter = self._counter(tenant, flow)
        if len(rows) <= EXPLAINED_UP_TO:  # each evaluated (explained) when it is read
            evaluations: list[Evaluation | None] = [None] * len(rows)
        else:  # a long list: one batch, without the step-by-step explanations, when read
            households = [r.household for r in rows]
            batch = Later(
                once(lambda: evaluate_many(tenant, [parse_household(h) for h in households], today))
            )
            evaluations = [Later(lambda i=i: batch.work()[i]) for i in range(len(rows))]
        return [
            self._view(
                p,
                tenant,
                flow,
                row,
                history_of(row),
                masked_of(row),
                today,
                evaluation,
                counter,
            )
            for row, evaluation in zip(rows, evaluations, strict=True)
        ]

    def _view(
        self,
        p: Principal,
        tenant: Tenant,
        flow: Workflow,
        row: Any,
        events: Sequence[dict[str, Any]] | Later,
        masked: dict[int, str] | Later,
        today: date,
        evaluation: Evaluation | Later | None = None,
        counter: Callable[[str], int] | None = None,
    ) -> CaseView:
        """A file as ``p`` may see it, evaluated under the rules in force today.

        What costs a run of the tenant's rules (the evaluation, the actions ``p`` may
        take, pending facts) or more reading (deadlines, the household shown) is worked
        out only when the answer reads it (:class:`core.cases.views.Later`). The actions'
        quota counts then read the database bound to the file's tenant again, as they
        did inside the call."""
        household = row.household
        if evaluation is None:
            evaluation = Later(lambda: evaluate(tenant, parse_household(household), today))
        history = _now(events)
        masked_ids = _now(masked)
        state = once(lambda: case_state(row, history()))
        status = flow.procedure.status(row.status)
        session = self.session
        counter = counter or self._counter(tenant, flow)
        waiting = row.pending
        cell: list[CaseView] = []

        def actions() -> list[str]:
            with tenant_scope(session, row.tenant):
                available = flow.available_actions(
                    state(), p.actor, today, lambda: cell[0].evaluation, counter
                )
            if waiting and p.role in self._fact_deciders(flow) and p.user != waiting["by"]:
                available = [*available, *_FACTS_DECISIONS]
            return available

        def pending_facts() -> PendingFacts:
            ids = {i[0]: i[2] for i in waiting.get("identities", ())}
            return PendingFacts(
                entered_by=waiting["by"],
                entered_on=date.fromisoformat(waiting["on"]),
                seq=waiting["seq"],
                evaluation=evaluate(tenant, parse_household(waiting["household"]), today),
                household=shown_household(waiting["household"], ids),
            )

        view = CaseView(
            id=str(row.number),
            tenant=row.tenant,
            status=row.status,
            status_zh=status.zh if status else row.status,
            status_en=status.en if status else row.status,
            version=row.version,
            opened_on=row.opened_on,
            urgent=row.urgent,
            opened_by=row.opened_by,
            evaluation=evaluation,
            available_actions=Later(actions),
            history=Later(lambda: tuple(_event_view(e) for e in history())),
            deadlines=Later(lambda: flow.deadlines(state())),
            household=Later(lambda: shown_household(household, masked_ids())),
            number=f"{row.tenant.upper()}-{row.opened_on.year}-{row.number:06d}",
            pending_facts=Later(pending_facts) if waiting else None,
        )
        cell.append(view)
        return view

    # ------------------------------------------------------------------ statistics
    @_one_call_scope
    def statistics(
        self,
        principal: Principal | None,
        tenants: Sequence[str] | None = None,
        as_of: date | None = None,
    ) -> list[TenantStatistics]:
        """Counts per tenant, no personal data; any count below 5 is suppressed (None),
        zero included.

        The national level sees every regional tenant, or those asked; regional staff
        see their own tenant only, and asking for any other (parent and child tenants
        included) is ``FORBIDDEN``. ``as_of`` before today counts each file as it stood
        then (its latest step on or before that date); otherwise as it stands.

        Only aggregates leave the database (:func:`core.db.repositories.case_counts`):
        no file is loaded. The national level's transaction is bound to no tenant, so on
        PostgreSQL it could not read a file's row even by mistake.
        """
        p = require_principal(principal)
        asked = list(dict.fromkeys(tenants)) if tenants else []
        if p.is_national:
            scope_to_tenant(self.session, None)  # counts of every tenant, no rows
            codes = asked or [t.code for t in self.registry.regional()]
            for code in codes:
                self.registry.get(code)
        else:
            self._staff(p, "statistics", ",".join(asked))
            codes = asked or [p.tenant]
            for code in codes:
                self.registry.get(code)
                self._own_tenant(p, code, "statistics")
        today = self.today()
        history = as_of if as_of is not None and as_of < today else None
        return [
            self._tenant_statistics(self.registry.get(code), history, as_of or today)
            for code in codes
        ]

    def _tenant_statistics(
        self, tenant: Tenant, history: date | None, on: date
    ) -> TenantStatistics:
        procedure = procedure_of(tenant)
        if procedure is None:  # the national level keeps no files
            return TenantStatistics(tenant.code, None, None, None, (), ())
        open_statuses = set(procedure.open_statuses)
        statuses: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        groups: Counter[str] = Counter()
        for row in repo.case_counts(self.session, tenant.code, history):
            statuses[row.status] += row.n
            if row.status in open_statuses:
                if row.category:
                    categories[row.category] += row.n
                for group in row.groups:
                    groups[group] += row.n
        category_keys, group_keys = self._vocabulary(tenant, on)
        return TenantStatistics(
            tenant=tenant.code,
            open_cases=suppress(sum(statuses[s] for s in open_statuses)),
            filed_cases=suppress(sum(statuses[s] for s in procedure.admitted)),
            exited_cases=suppress(sum(statuses[s] for s in procedure.exited)),
            by_category=_suppressed_counts(categories, category_keys),
            by_group=_suppressed_counts(groups, group_keys),
        )

    def _vocabulary(self, tenant: Tenant, on: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The categories and national groups the tenant's rules can give on ``on``:
        every one is listed in the statistics, null when below 5, so that a key's presence
        never tells that a file of that kind exists. (Read from an evaluation of no
        household; a faulty plugin gives no vocabulary, and only keys of 5 or more.)"""
        key = (tenant.code, on)
        found = self._vocabularies.get(key)
        if found is None:
            try:
                batch = evaluate_batch(tenant, facts_from_rows([]), on)
            except BangfuError as exc:
                log.warning("no statistics vocabulary for %s: %s", tenant.code, exc.en)
                found = ((), ())
            else:
                found = (tuple(filter(None, [batch.category])), tuple(batch.groups))
            self._vocabularies[key] = found
        return found


def _suppressed_counts(counts: Counter[str], vocabulary: Sequence[str]) -> tuple[Count, ...]:
    """Every key of the vocabulary, and any other key counted 5 or more times, by key."""
    keys = set(vocabulary) | {k for k, n in counts.items() if n >= SMALLEST_SHOWN}
    return tuple(Count(k, suppress(counts.get(k, 0))) for k in sorted(keys))


#: Counts below this are not shown, so that no household can be singled out.
SMALLEST_SHOWN = 5


def suppress(count: int) -> int | None:
    return count if count >= SMALLEST_SHOWN else None


def carried_identities(
    old_household: dict[str, Any],
    kept: Sequence[tuple[int, str, str]],
    new_household: Household,
    given: Sequence[Identity],
) -> list[tuple[int, str, str]]:
    """The identities of updated facts: those typed anew, and for a member typed without
    an ID number, the one on file for the member of the same name (the pages show ID
    numbers masked, so they cannot send them back)."""
    by_name = {}
    old_members = old_household.get("members") or ()
    for index, id_hash, masked in kept:
        if index < len(old_members):
            by_name[str(old_members[index].get("name") or "")] = (id_hash, masked)
    out = [(i.member_index, i.id_hash, i.id_masked) for i in given]
    typed = {i.member_index for i in given}
    for index, member in enumerate(new_household.members):
        if index not in typed and member.id_number is None and member.name in by_name:
            out.append((index, *by_name.pop(member.name)))
    return out
