"""Demonstration files: a few cases per tenant in varied states, for an empty database.

``bangfu serve`` loads them when the database has no case yet, so that a fresh clone shows
each region's procedure at work: files just opened, in public notice, approved, filed,
rejected, exited, an urgent one with emergency relief, one overdue. Every file is made
through the case service, by demo staff of distinct names (four eyes holds), so the
history and determination records are real. The people are invented; the ID numbers are
synthetic (valid checksums, stored masked like any other).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import ric

from core.auth.principal import Principal
from core.cases.service import CaseService
from core.registry import Registry

D = date.fromisoformat


def synthetic_id(region: str, born: str, serial: str) -> str:
    """A resident ID number with a valid check digit (for demonstrations only)."""
    body = region + born + serial
    return body + ric.calc_check_digit(body + "0")  # it expects a placeholder digit


def member(name: str, relation: str = "APPLICANT", **fields: Any) -> dict[str, Any]:
    return {"name": name, "relation": relation, **fields}


# --------------------------------------------------------------------------- households
ILL_WORKER: dict[str, Any] = {
    "members": [
        member(
            "张建国",
            age=42,
            monthlyIncome="2000",
            employment="EMPLOYED",
            ableToWork=True,
            seriousIllness=True,
            idNumber=synthetic_id("130102", "19840512", "031"),
        ),
        member("王秀兰", "SPOUSE", age=50, employment="UNEMPLOYED"),
    ],
    "annualMedicalOutOfPocket": "30000",
}


def another_household(
    household: dict[str, Any], applicant: str, id_number: str, spouse: str
) -> dict[str, Any]:
    """The same facts for another couple: one person has one open file at a time
    (不重复建档), so a demo showing a case twice shows two households."""
    first, second, *rest = household["members"]
    return {
        **household,
        "members": [
            {**first, "name": applicant, "idNumber": id_number},
            {**second, "name": spouse},
            *rest,
        ],
    }


#: the file exited in spring: another worker in the same situation
ILL_WORKER_BEFORE = another_household(
    ILL_WORKER, "陈志刚", synthetic_id("130104", "19830706", "017"), "吴桂芳"
)
ZERO_EMPLOYMENT = {
    "members": [
        member("李强", age=44, employment="LAID_OFF", ableToWork=True),
        member("赵敏", "SPOUSE", age=42, employment="UNEMPLOYED", ableToWork=True),
        member("李小雨", "CHILD", age=14, educationStage="COMPULSORY", employment="STUDENT"),
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 8,
}
HIGH_DIBAO_TOPUP = {
    "members": [member("陈立", age=58, employment="UNABLE_TO_WORK", disabled=True)],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 30,
    "dibaoMonthlySubsidyPerCapita": "650",
}
NOT_IN_HARDSHIP = {
    "members": [
        member("周平", age=38, monthlyIncome="6500", employment="EMPLOYED", ableToWork=True)
    ],
}
DISASTER = {
    "members": [
        member("刘洋", age=35, monthlyIncome="1800", employment="FLEXIBLE", ableToWork=True),
        member("刘小北", "CHILD", age=6, educationStage="PRESCHOOL"),
    ],
    "disasterLoss": True,
}
RECOVERED_WORKER = {  # the facts of ILL_WORKER_BEFORE's file when it is exited
    **ILL_WORKER_BEFORE,
    "members": [
        {**ILL_WORKER_BEFORE["members"][0], "monthlyIncome": "5200"},
        {**ILL_WORKER_BEFORE["members"][1], "monthlyIncome": "2600", "employment": "EMPLOYED"},
    ],
    "annualMedicalOutOfPocket": "3000",
}
COLLEGE_CHILD = {
    "members": [
        member("孙丽", age=47, employment="UNEMPLOYED", ableToWork=True),
        member("孙晓", "CHILD", age=18, educationStage="UNDERGRADUATE", newlyAdmitted=True),
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 13,
}
RESTRUCTURED: dict[str, Any] = {  # laid off in restructuring, uninsured since: not yet secured
    "members": [
        member(
            "孙杰",
            age=46,
            monthlyIncome="900",
            employment="EMPLOYED",
            ableToWork=True,
            hasPensionInsurance=False,
        )
    ],
    "laidOffInRestructuring": True,
}
#: the facts of the exited Gansu file when it exits: insured again, every item secured
RESTRUCTURED_SECURED = {
    **RESTRUCTURED,
    "members": [{**RESTRUCTURED["members"][0], "hasPensionInsurance": True}],
}
#: each tenant's exited file's facts when it exits (its exit test then holds)
RECOVERED = {"hebei": RECOVERED_WORKER, "gansu": RESTRUCTURED_SECURED}
DIBAO_UNEMPLOYED = {
    "members": [
        member(
            "赵彩虹",
            age=40,
            employment="UNEMPLOYED",
            ableToWork=True,
            hasPensionInsurance=False,
            idNumber=synthetic_id("620102", "19860315", "024"),
        ),
        member("刘福存", "SPOUSE", age=52, employment="UNEMPLOYED", ableToWork=True),
    ],
    "dibaoRecipient": True,
    "hasHousing": False,
}
DIBAO_UNEMPLOYED_LATER = another_household(
    DIBAO_UNEMPLOYED, "马玉梅", synthetic_id("620103", "19870921", "046"), "杨建军"
)
QINGYANG = {
    "members": [
        member("李秀芳", age=45, seriousIllness=True),
        member(
            "南红涛",
            "SPOUSE",
            age=47,
            monthlyIncome="2000",
            employment="FLEXIBLE",
            ableToWork=True,
        ),
        member("南小明", "CHILD", age=17, educationStage="HIGH_SCHOOL", employment="STUDENT"),
    ],
    "annualExpenses": {"rent": "800", "living": "12000", "medical": "6000", "education": "12000"},
}


HEBEI_STEPS = [("review", 1), ("publish", 2), ("approve", 9), ("file", 10)]
GANSU_STEPS = [
    ("visit", 1),
    ("inspect", 2),
    ("assess", 3),
    ("discuss", 6),
    ("rate", 7),
    ("publish", 8),
    ("approve", 16),
    ("sign", 16),
    ("file", 17),
]
ROLE_OF = {
    "review": "reviewer",
    "publish": "reviewer",
    "reject": "reviewer",
    "discuss": "reviewer",
    "rate": "reviewer",
    "approve": "approver",
    "file": "approver",
    "exit": "approver",
    "sign": "chairman",
}
COMMENTS = {
    "discuss": "工会委员会集体研究同意 / agreed by the union committee",
    "reject": "收入高于标准,不符合特困职工条件 / income above the line",
    "exit": "已就业,生活稳定 / employed again, living is stable",
    "emergency_relief": "帮扶中心先行发放救助金 2000 元 / 2,000 yuan paid at once",
}

#: (tenant, household, urgent, opened on, [(action, calendar days after opening)])
DEMO_FILES: list[tuple[str, dict[str, Any], bool, str, list[tuple[str, int]]]] = [
    ("hebei", ILL_WORKER, False, "2026-03-02", HEBEI_STEPS),
    ("hebei", ZERO_EMPLOYMENT, False, "2026-11-09", HEBEI_STEPS[:2]),
    ("hebei", HIGH_DIBAO_TOPUP, False, "2026-11-02", []),
    ("hebei", NOT_IN_HARDSHIP, False, "2026-06-01", [("reject", 1)]),
    ("hebei", DISASTER, True, "2026-11-16", [("emergency_relief", 0), ("review", 0)]),
    ("hebei", ILL_WORKER_BEFORE, False, "2026-01-05", [*HEBEI_STEPS, ("exit", 109)]),
    ("demo_city", COLLEGE_CHILD, False, "2026-09-01", HEBEI_STEPS),
    ("demo_city", ZERO_EMPLOYMENT, False, "2026-11-17", []),
    ("gansu", DIBAO_UNEMPLOYED, False, "2026-04-01", GANSU_STEPS),
    ("gansu", QINGYANG, False, "2026-11-16", []),
    ("gansu", RESTRUCTURED, False, "2026-10-12", GANSU_STEPS[:7]),
    ("gansu", DIBAO_UNEMPLOYED_LATER, False, "2026-11-02", GANSU_STEPS[:3]),
    ("gansu", RESTRUCTURED, False, "2026-03-02", [*GANSU_STEPS, ("exit", 60)]),
]


def _staff(tenant: str, role: str) -> Principal:
    names = {
        "caseworker": "demo.caseworker",
        "reviewer": "demo.reviewer",
        "approver": "demo.approver",
        "chairman": "demo.chairman",
    }
    return Principal(user=f"{names[role]}@{tenant}", tenant=tenant, role=role)


def load_demo(session: Session, registry: Registry) -> int:
    """Create the demo files (for the tenants that are loaded); the number created."""
    from datetime import timedelta

    service = CaseService(session, registry)
    created = 0
    # no step may be dated after the server's today: a demo loaded earlier than the dates
    # written here moves every file back by the same number of days
    latest = max(D(o) + timedelta(days=max([d for _, d in s] or [0])) for *_, o, s in DEMO_FILES)
    shift = max(timedelta(0), latest - service.today())
    for tenant, household, urgent, opened, steps in DEMO_FILES:
        if tenant not in registry.tenants:
            continue
        start = D(opened) - shift
        case = service.open_case(_staff(tenant, "caseworker"), tenant, household, urgent, start)
        for action, days in steps:
            actor = _staff(tenant, ROLE_OF.get(action, "caseworker"))
            changed = RECOVERED.get(tenant) if action == "exit" else None
            if changed is not None:
                case = service.transition(
                    _staff(tenant, "caseworker"),
                    case.id,
                    "update_facts",
                    case.version,
                    start + timedelta(days=days),
                    household=changed,
                )
                if case.pending_facts is not None:  # new facts on a decided file: 2nd person
                    case = service.decide_facts(
                        actor, case.id, case.version, True, on=start + timedelta(days=days)
                    )
            case = service.transition(
                actor,
                case.id,
                action,
                case.version,
                start + timedelta(days=days),
                COMMENTS.get(action),
            )
        created += 1
    return created
