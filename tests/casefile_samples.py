"""Staff and households shared by the workflow, case and API tests of case files.

Import as ``from tests.casefile_samples import ...``.
"""

from __future__ import annotations

from datetime import date

from core.workflow.state import Actor

D = date.fromisoformat

CASEWORKER = Actor("wang.caseworker", "caseworker")
REVIEWER = Actor("li.reviewer", "reviewer")
APPROVER = Actor("zhao.approver", "approver")
CHAIRMAN = Actor("liu.chairman", "chairman")
ADMIN = Actor("admin", "admin")

#: Hebei criterion (a): seriously ill, out-of-pocket 30,000 against an income of 24,000
ILL = {
    "members": [
        {
            "name": "张三",
            "relation": "APPLICANT",
            "age": 45,
            "monthlyIncome": "2000",
            "employment": "EMPLOYED",
            "ableToWork": True,
            "seriousIllness": True,
        }
    ],
    "annualMedicalOutOfPocket": "30000",
}
#: Not in hardship anywhere: a well-paid, insured, housed employee
COMFORTABLE = {
    "members": [
        {
            "name": "周平",
            "relation": "APPLICANT",
            "age": 38,
            "monthlyIncome": "6500",
            "employment": "EMPLOYED",
            "ableToWork": True,
        }
    ]
}
#: Hebei criterion (f) alone: a large per-capita 低保 top-up, nothing else
DIBAO_TOPUP = {
    "members": [
        {"name": "陈立", "relation": "APPLICANT", "age": 58, "employment": "UNABLE_TO_WORK"}
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 30,
    "dibaoMonthlySubsidyPerCapita": "650",
}
#: Gansu: in a national target group (laid off in restructuring and in hardship: 10,800 a
#: year, below 1.5 times the 低保 line), every 两有五保障 item met
RESTRUCTURED = {
    "members": [
        {
            "name": "孙杰",
            "relation": "APPLICANT",
            "age": 46,
            "monthlyIncome": "900",
            "employment": "EMPLOYED",
            "ableToWork": True,
        }
    ],
    "laidOffInRestructuring": True,
}
#: RULES.md G3: every item met except housing (and still in a target group)
NO_HOUSING = {**RESTRUCTURED, "hasHousing": False}


def staff(tenant: str, role: str, user: str | None = None):
    """A principal of ``tenant`` with ``role`` (user name derived from both by default)."""
    from core.auth.principal import Principal

    return Principal(user=user or f"{role}@{tenant}", tenant=tenant, role=role)
