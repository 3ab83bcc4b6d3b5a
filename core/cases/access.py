"""Who may do what with case files, and the transaction each call is.

The base of the case service (:class:`core.cases.service.CaseService`): its session,
registry, calendar and clock; the tenant's workflow; the staff principal a call is made
for (the national level and other roles are refused, and recorded; another tenant's files
answer as missing ones); the quota counts the guards read; one transaction per call,
committed only when every check passed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal, require_principal
from core.auth.roles import NATIONAL
from core.calendar import WorkingCalendar, default_calendar
from core.db import repositories as repo
from core.db.session import TENANT_KEY, scope_to_tenant, tenant_scope
from core.errors import CONFLICT, FORBIDDEN, BangfuError, not_found
from core.registry import Registry, Tenant
from core.workflow.engine import Workflow

T = TypeVar("T")
MAX_PAGE = 500


def no_such_file(case_id: object) -> BangfuError:
    return not_found(
        f"no case file {case_id!s} that you may see",
        f"没有您可查看的档案 {case_id!s}",
        case=str(case_id),
    )


def forbidden(en: str, zh: str) -> BangfuError:
    return BangfuError(FORBIDDEN, en, zh)


_CASE_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only: int() would also read "１" or "1_0"


def case_number(case_id: str | int) -> int | None:
    text = str(case_id)
    if not _CASE_ID.fullmatch(text):
        return None
    number = int(text)
    return number if number < 2**31 else None


def one_call_scope(method: Callable[..., T]) -> Callable[..., T]:
    """Whatever tenant a call binds the session to, it is unbound again afterwards, so a
    session shared with other code (the review, a later principal) is left as it was."""

    @functools.wraps(method)
    def call(self: CaseAccess, *args: Any, **kwargs: Any) -> T:
        with tenant_scope(self.session, self.session.info.get(TENANT_KEY)):
            return method(self, *args, **kwargs)

    return call


class CaseAccess:
    """What every part of the case service stands on (see :class:`core.cases.service.CaseService`).

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
            raise forbidden(
                "the national level sees statistics, not case files",
                "全国层级只查看统计数据,不查看档案",
            )
        if not p.is_staff:
            self._refused(p, action, target, "forbidden")
            raise forbidden(
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

    def _own_tenant(self, p: Principal, code: str, action: str) -> None:
        if p.tenant != code:
            self._refused(p, action, code, "forbidden")
            raise forbidden(
                f"you may see only your own tenant's files ({p.tenant})",
                f"您只能查看本地区({p.tenant})的档案",
            )
