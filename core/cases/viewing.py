"""A file as a principal may see it (:class:`core.cases.views.CaseView`).

What costs a run of the tenant's rules or more reading is worked out only when the answer
reads it; a long list is evaluated as one batch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal
from core.cases.access import CaseAccess
from core.cases.file_records import file_records
from core.cases.four_eyes import FACTS_DECISIONS, fact_deciders
from core.cases.privacy import shown_household
from core.cases.steps import case_state
from core.cases.turns import whose_turn
from core.cases.views import CaseView, EventView, Later, PendingFacts, Turn
from core.db import repositories as repo
from core.db.models import CaseFile
from core.db.session import tenant_scope
from core.db.worklist import responsible_among
from core.evaluation import Evaluation, evaluate, evaluate_many
from core.model import parse_household
from core.once import once
from core.registry import Tenant
from core.workflow.engine import Workflow

#: Lists up to this long carry explained evaluations; longer ones are evaluated as a batch.
EXPLAINED_UP_TO = 50


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


class Views(CaseAccess):
    """Making the views of files read for a principal."""

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
            evaluations: list[Evaluation | Later | None] = [None] * len(rows)
        else:  # a long list: one batch, without the step-by-step explanations, when read
            households = [r.household for r in rows]
            recorded = [r.recorded_grounds for r in rows]
            batch = Later(
                once(
                    lambda: evaluate_many(
                        tenant, [parse_household(h) for h in households], today, recorded=recorded
                    )
                )
            )

            def nth(i: int) -> Later:  # the i-th file's evaluation in the batch
                return Later(lambda: batch.work()[i])

            evaluations = [nth(i) for i in range(len(rows))]
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
        recorded = row.recorded_grounds
        if evaluation is None:
            evaluation = Later(
                lambda: evaluate(tenant, parse_household(household), today, recorded=recorded)
            )
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
                    state(),
                    p.actor,
                    today,
                    lambda: cell[0].evaluation,
                    counter,
                    file_records(session, row.tenant, row.id),
                )
            if waiting and p.role in fact_deciders(flow) and p.user != waiting["by"]:
                available = [*available, *FACTS_DECISIONS]
            return available

        def pending_facts() -> PendingFacts:
            ids = {i[0]: i[2] for i in waiting.get("identities", ())}
            return PendingFacts(
                entered_by=waiting["by"],
                entered_on=date.fromisoformat(waiting["on"]),
                seq=waiting["seq"],
                evaluation=evaluate(
                    tenant, parse_household(waiting["household"]), today, recorded=recorded
                ),
                household=shown_household(waiting["household"], ids),
            )

        def turn() -> Turn | None:
            step = flow.turn(state())
            if step is None:
                return None
            with tenant_scope(session, row.tenant):
                responsible = responsible_among(session, row.tenant, [row.id]).get(row.id, "")
            return whose_turn(flow.procedure, step.name, responsible)

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
            turn=Later(turn),
        )
        cell.append(view)
        return view
