"""The roles of ``shared/spec/CONTRACT.md`` (Roles and access), and what each may do.

A tenant's procedure names, for each workflow action, the roles that may take it; the
roles themselves are the same everywhere so that a token means the same in every region.
"""

from __future__ import annotations

CASEWORKER = "caseworker"  #: opens cases and records survey steps; reads its tenant's cases
REVIEWER = "reviewer"  #: review steps
APPROVER = "approver"  #: approves and files, never a case it opened or reviewed (four eyes)
CHAIRMAN = "chairman"  #: the union chairman's signature (Gansu)
NATIONAL = "national"  #: statistics of every tenant; no personal data of any case
ADMIN = "admin"  #: everything in its own tenant

#: Every role, in the contract's order.
ROLES = (CASEWORKER, REVIEWER, APPROVER, CHAIRMAN, NATIONAL, ADMIN)
#: Roles of a regional tenant's staff: they read their tenant's cases.
STAFF_ROLES = frozenset({CASEWORKER, REVIEWER, APPROVER, CHAIRMAN, ADMIN})
#: Roles a token of the national level may carry.
NATIONAL_ROLES = frozenset({NATIONAL, ADMIN})

LABELS = {
    CASEWORKER: ("经办人", "caseworker"),
    REVIEWER: ("审核人", "reviewer"),
    APPROVER: ("审批人", "approver"),
    CHAIRMAN: ("工会主席", "union chairman"),
    NATIONAL: ("全国总工会", "national union"),
    ADMIN: ("管理员", "administrator"),
}


def label(role: str) -> tuple[str, str]:
    """(Chinese, English) name of ``role``."""
    return LABELS.get(role, (role, role))
