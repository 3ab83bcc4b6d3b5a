"""Who is asking: a user with a role in a tenant (or at the national level).

Anonymous callers have no principal (``None``); they may read published policy only.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.auth.roles import NATIONAL, STAFF_ROLES
from core.errors import UNAUTHENTICATED, BangfuError
from core.workflow.state import Actor


@dataclass(frozen=True)
class Principal:
    """The identity a bearer token stands for."""

    user: str
    tenant: str  #: a tenant code, or "national"
    role: str

    @property
    def is_staff(self) -> bool:
        """Regional staff: reads its own tenant's case files."""
        return self.role in STAFF_ROLES and self.tenant != NATIONAL

    @property
    def is_national(self) -> bool:
        return self.tenant == NATIONAL

    @property
    def actor(self) -> Actor:
        return Actor(self.user, self.role)


def require_principal(principal: Principal | None) -> Principal:
    """The principal, or UNAUTHENTICATED for an anonymous caller."""
    if principal is None:
        raise BangfuError(
            UNAUTHENTICATED,
            "sign in: case files need a staff token (Authorization: Bearer <token>)",
            "请登录:查看或办理档案须使用工作人员令牌",
        )
    return principal
