"""Verification for a principal: importing rosters, comparing files, resolving differences.

Every call checks who asks, as the case service does (the national level sees counts
only, :meth:`VerificationService.counts`; another tenant's file answers as a missing one)
and is one transaction, committed only when every check passed.

Resolving a difference, two ways:

- **accept** the source's value: the file gets new facts through the tenant's procedure
  (its step that records facts, e.g. ``update_facts``), so they go through re-approval
  as any change does (on a decided file they wait for a second person,
  :mod:`core.cases.new_facts`);
- **keep** the declared value, with a written reason; a second person (a role that
  decides on new facts, never the one who asked) confirms it, or sends it back open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal, require_principal
from core.auth.roles import ADMIN, APPROVER, CASEWORKER, REVIEWER, label
from core.cases.access import case_number, forbidden, one_call_scope
from core.cases.file_records import UNRESOLVED
from core.cases.four_eyes import fact_deciders
from core.cases.service import CaseService, suppress
from core.cases.steps import checked_comment
from core.cases.views import CaseView
from core.db.models import CaseFile
from core.db.session import scope_to_tenant, tenant_scope
from core.errors import bad_input, not_found, rule_violation
from core.registry import Registry
from core.verification.comparison import (
    ACCEPTED,
    EFFECTS,
    KEEP_REQUESTED,
    KEPT,
    OPEN,
    Compared,
    accepted_household,
    compare_files,
)
from core.verification.facts import FACTS
from core.verification.models import Difference, Roster
from core.verification.roster import Imported, import_roster, purge_expired
from core.verification.sources import source_of

#: who may import a roster
IMPORTERS = frozenset({APPROVER, ADMIN})
#: who may resolve a difference (accept, or ask to keep the declared value)
RESOLVERS = frozenset({CASEWORKER, REVIEWER, APPROVER, ADMIN})


@dataclass(frozen=True)
class RosterArrived:
    imported: Imported
    compared: Compared


@dataclass(frozen=True)
class WorkItem:
    """A file of the differences worklist."""

    case_number: int
    applicant: str
    effect: str  #: "ends", "falls", "rises", "same"
    at_stake: int  #: fen a year
    differences: int
    blocking: int


def found_value(fact: str, found: str) -> Any:
    """A stored found value (as shown) as the household field takes it."""
    if fact in ("dibao_status", "pension_insurance"):
        return found == "是"
    if fact == "employment":
        return found == "缴费中"
    if fact == "dibao_months":
        return int(found)
    from core.money import to_fen

    return to_fen(found)


class VerificationService:
    """Rosters, comparisons and differences of every tenant, for a principal."""

    def __init__(
        self, session: Session, registry: Registry, today: Callable[[], date] = clock.today
    ) -> None:
        self.session = session
        self.registry = registry
        self.today = today
        self.cases = CaseService(session, registry, today=today)

    # ------------------------------------------------------------------ answers
    def _detach(self, rows: list[Any]) -> None:
        """Rows as read, kept for the answer after the call's transaction ends (read
        again later, they would be outside the tenant's scope)."""
        for row in rows:
            self.session.expunge(row)
        self.session.rollback()

    def _commit_and_detach(self, row: Any) -> None:
        self.session.commit()
        self.session.refresh(row)  # within the call's tenant scope
        self.session.expunge(row)
        self.session.rollback()

    # ------------------------------------------------------------------ who asks
    def _staff(self, principal: Principal | None, action: str, roles: frozenset[str]) -> Principal:
        p = self.cases._staff(principal, action, "verification")
        if p.role not in roles:
            raise forbidden(
                f"your role '{p.role}' may not do this ({action}); it is done by: "
                f"{', '.join(sorted(roles))}",
                f"您的角色({label(p.role)[0]})不能办理此项核对业务",
            )
        return p

    # ------------------------------------------------------------------ rosters
    @one_call_scope
    def import_roster(
        self,
        principal: Principal | None,
        source: str,
        where: str,
        as_of: date,
        reference: str,
    ) -> RosterArrived:
        """Import a roster of ``source`` (a file path for the bundled adapter) and compare
        every open file of the tenant with the rosters then in force (回头看)."""
        p = self._staff(principal, "importRoster", IMPORTERS)
        tenant = self.registry.get(p.tenant)
        with tenant_scope(self.session, p.tenant):
            imported = import_roster(
                self.session,
                tenant,
                source_of(tenant, source),
                where,
                as_of,
                reference,
                p.user,
                self.today(),
            )
            compared = self.compare_all(p)
        return RosterArrived(imported, compared)

    @one_call_scope
    def compare_all(self, principal: Principal | None) -> Compared:
        """Compare every open file of the principal's tenant with the rosters in force."""
        p = self._staff(principal, "compare", RESOLVERS)
        tenant = self.registry.get(p.tenant)
        try:
            compared = compare_files(self.session, tenant, self.today())
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        return compared

    @one_call_scope
    def compare_case(self, principal: Principal | None, case_id: str | int) -> Compared:
        """Compare one file again (after new facts, say)."""
        p = self._staff(principal, "compare", RESOLVERS)
        row = self.cases.file_row(p, case_id, "compare")
        tenant = self.registry.get(p.tenant)
        try:
            compared = compare_files(self.session, tenant, self.today(), [row.id])
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        return compared

    @one_call_scope
    def purge(self, principal: Principal | None) -> int:
        """Delete the rows of the tenant's rosters kept past their retention (each import
        does it too); how many rosters were purged."""
        p = self._staff(principal, "purgeRosters", IMPORTERS)
        try:
            purged = purge_expired(self.session, p.tenant, self.today())
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        return purged

    @one_call_scope
    def rosters(self, principal: Principal | None) -> list[Roster]:
        p = self._staff(principal, "rosters", RESOLVERS)
        return list(
            self.session.scalars(
                select(Roster).where(Roster.tenant == p.tenant).order_by(Roster.id.desc())
            )
        )

    # ------------------------------------------------------------------ differences
    @one_call_scope
    def differences(
        self, principal: Principal | None, case_id: str | int, everything: bool = False
    ) -> list[Difference]:
        """The differences of a file: those waiting (or, ``everything``, every one)."""
        p = self._staff(principal, "differences", RESOLVERS | {"chairman"})
        row = self.cases.file_row(p, case_id, "differences")
        query = select(Difference).where(
            Difference.tenant == p.tenant, Difference.case_id == row.id
        )
        if not everything:
            query = query.where(Difference.state.in_(UNRESOLVED))
        found = list(self.session.scalars(query.order_by(Difference.member_index, Difference.id)))
        self._detach(found)
        return found

    @one_call_scope
    def worklist(self, principal: Principal | None, limit: int = 100) -> list[WorkItem]:
        """Files with differences still waiting, in order of what they do to money: an
        entitlement that would end first, then one that would fall, by the amount."""
        p = self._staff(principal, "differencesWorklist", RESOLVERS | {"chairman"})
        d = Difference.__table__
        rank = case({e: i for i, e in enumerate(EFFECTS)}, value=d.c.effect, else_=len(EFFECTS))
        per_file = (
            select(
                d.c.case_id,
                func.min(rank).label("rank"),
                func.max(d.c.at_stake).label("at_stake"),
                func.count().label("n"),
                func.sum(case((d.c.blocking, 1), else_=0)).label("blocking"),
            )
            .where(d.c.tenant == p.tenant, d.c.state.in_(UNRESOLVED))
            .group_by(d.c.case_id)
            .subquery()
        )
        cases = CaseFile.__table__
        rows = self.session.execute(
            select(
                cases.c.number,
                cases.c.applicant,
                per_file.c.rank,
                per_file.c.at_stake,
                per_file.c.n,
                per_file.c.blocking,
            )
            .join(per_file, and_(per_file.c.case_id == cases.c.id, cases.c.tenant == p.tenant))
            .order_by(per_file.c.rank, per_file.c.at_stake.desc(), cases.c.number)
            .limit(max(1, min(limit, 500)))
        ).all()
        self.session.rollback()
        return [
            WorkItem(n, a, EFFECTS[r] if r < len(EFFECTS) else "same", s, c, int(b or 0))
            for n, a, r, s, c, b in rows
        ]

    def _difference(self, p: Principal, difference_id: str | int, action: str) -> Difference:
        number = case_number(difference_id)
        found = (
            self.session.scalar(
                select(Difference).where(Difference.tenant == p.tenant, Difference.id == number)
            )
            if number
            else None
        )
        if found is None:
            self.cases._refused(p, action, difference_id, "not_found")
            raise not_found(
                f"no difference {difference_id} that you may see",
                f"没有您可查看的核对差异 {difference_id}",
            )
        return found

    @one_call_scope
    def accept(
        self,
        principal: Principal | None,
        difference_id: str | int,
        expected_version: int,
        comment: str | None = None,
    ) -> CaseView:
        """Accept the source's value: new facts on the file through the procedure's step
        that records facts (re-approval as any change: on a decided file they wait for a
        second person). Returns the file as the step left it."""
        try:
            p = self._staff(principal, "acceptDifference", RESOLVERS)
            found = self._difference(p, difference_id, "acceptDifference")
            if found.state != OPEN:
                raise rule_violation(
                    f"this difference is {found.state}, not open",
                    "该差异已处理,不能再次处理",
                    state=found.state,
                )
            row = self.session.get(CaseFile, found.case_id)
            assert row is not None
            tenant = self.registry.get(p.tenant)
            flow = self.cases.workflow(tenant)
            steps = [
                a
                for a in flow.procedure.actions
                if a.records_facts
                and row.status in a.from_statuses
                and a.to_status is None
                and p.role in a.roles
            ]
            if not steps:
                raise rule_violation(
                    "no step of the procedure lets you record new facts on this file now; "
                    "ask who may (a caseworker), or keep the declared value with a reason",
                    "当前状态下您不能录入家庭情况变更,请由经办人办理,或说明理由保留申报值",
                )
            value = found_value(found.fact, found.found)
            household = accepted_household(
                row.household,
                [{"fact": found.fact, "value": value, "member_index": found.member_index}],
            )
            number = row.number
            found.state = ACCEPTED
            found.resolved_by = p.user
            found.resolved_on = self.today()
            self.session.flush()
            fact = FACTS[found.fact]
            note = f"核对{fact.zh}:采用{found.source}于{found.source_date}的数据"
            text = checked_comment(f"{note}。{comment}" if comment else note)
            return self.cases.transition(
                p, number, steps[0].name, expected_version, comment=text, household=household
            )
        except BaseException:
            self.session.rollback()
            raise

    @one_call_scope
    def keep(
        self, principal: Principal | None, difference_id: str | int, reason: str
    ) -> Difference:
        """Keep the declared value, with a written reason; it waits for a second person."""
        try:
            p = self._staff(principal, "keepDeclared", RESOLVERS)
            found = self._difference(p, difference_id, "keepDeclared")
            reason_text = checked_comment(reason)
            if not reason_text:
                raise bad_input(
                    "say why the declared value is kept (a written reason is required)",
                    "保留申报值须写明理由",
                )
            if found.state != OPEN:
                raise rule_violation(
                    f"this difference is {found.state}, not open", "该差异已处理,不能再次处理"
                )
            found.state = KEEP_REQUESTED
            found.reason = reason_text
            found.resolved_by = p.user
            found.resolved_on = self.today()
            self._commit_and_detach(found)
            return found
        except BaseException:
            self.session.rollback()
            raise

    @one_call_scope
    def confirm(
        self,
        principal: Principal | None,
        difference_id: str | int,
        agree: bool,
        comment: str | None = None,
    ) -> Difference:
        """The second person's word on keeping a declared value: agreed (kept), or sent
        back open (a comment is required)."""
        try:
            p = self._staff(principal, "confirmKeep", RESOLVERS)
            found = self._difference(p, difference_id, "confirmKeep")
            tenant = self.registry.get(p.tenant)
            deciders = fact_deciders(self.cases.workflow(tenant))
            if p.role not in deciders:
                raise forbidden(
                    f"your role '{p.role}' may not confirm; it is done by: "
                    f"{', '.join(sorted(deciders))}",
                    f"您的角色({label(p.role)[0]})不能确认保留申报值",
                )
            if found.state != KEEP_REQUESTED:
                raise rule_violation(
                    "nobody asked to keep the declared value of this difference",
                    "该差异没有待确认的保留申请",
                )
            if p.user == found.resolved_by:
                raise rule_violation(
                    "a declared value is kept only when a second person agrees, not the one "
                    "who asked",
                    "保留申报值须由申请人以外的另一人确认",
                    askedBy=found.resolved_by,
                )
            text = checked_comment(comment)
            if not agree and not text:
                raise bad_input(
                    "say why the declared value may not be kept", "不同意保留须写明理由"
                )
            if agree:
                found.state = KEPT
                found.confirmed_by = p.user
                found.confirmed_on = self.today()
            else:
                found.state = OPEN
                found.reason = f"{found.reason}\n退回:{text}"
                found.resolved_by = None
                found.resolved_on = None
            self._commit_and_detach(found)
            return found
        except BaseException:
            self.session.rollback()
            raise

    # ------------------------------------------------------------------ national
    def counts(self, principal: Principal | None) -> dict[str, dict[str, int | None]]:
        """For the national level: per tenant, files compared and differences waiting by
        fact, small counts suppressed as in the statistics (never a file)."""
        p = require_principal(principal)
        if not (p.is_national or p.tenant == "national"):
            raise forbidden("counts of every tenant are for the national level", "仅供全国层级查看")
        out: dict[str, dict[str, int | None]] = {}
        d = Difference.__table__
        for tenant in self.registry.regional():
            with tenant_scope(self.session, tenant.code):
                scope_to_tenant(self.session, tenant.code)
                rows = self.session.execute(
                    select(d.c.fact, func.count())
                    .where(d.c.tenant == tenant.code, d.c.state.in_(UNRESOLVED))
                    .group_by(d.c.fact)
                ).all()
                files = self.session.scalar(
                    select(func.count(func.distinct(d.c.case_id))).where(d.c.tenant == tenant.code)
                )
                self.session.rollback()
            counts: dict[str, int | None] = {
                "files_compared_with_differences": suppress(files or 0)
            }
            for fact, n in rows:
                counts[fact] = suppress(n)
            out[tenant.code] = counts
        return out
