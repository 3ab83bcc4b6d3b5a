"""A reform switches a procedure's reading, and the replay shows what it changes (issue 18,
part 4): notice counting, when the county's 7 days start, 原则上, 回头帮's trigger, the
notice after a change of facts, Gansu's shortest notice."""

from __future__ import annotations

from datetime import date

from core.evaluation import evaluate
from core.simulation.procedure_replay import compare_procedures, procedure_parameters
from core.simulation.reforms import Reform, reformed_tenant
from core.workflow.engine import procedure_of
from core.workflow.simulation import SimulatedCase
from core.workflow.state import Actor

ILL = {
    "members": [{"name": "张伟", "relation": "APPLICANT", "age": 52, "seriousIllness": True}],
    "annualMedicalOutOfPocket": "30000",
}
HARD = {
    "members": [
        {"name": "赵彩虹", "relation": "APPLICANT", "age": 50, "employment": "UNEMPLOYED",
         "ableToWork": True, "hasPensionInsurance": False},
    ],
    "dibaoRecipient": True,
}  # fmt: skip


def walked(tenant, household, steps, opened=date(2026, 9, 21)):
    case = SimulatedCase.open(tenant, household, Actor("wang", "caseworker"), opened)
    for action, who, on, *comment in steps:
        case.take(action, Actor(who.split("/")[1], who.split("/")[0]), on, *comment)
    return case


def replay(registry, code, case, on, parameters):
    tenant = registry.get(code)
    reform = Reform.from_data({"name": "解读", "parameters": parameters})
    assert set(parameters) <= procedure_parameters(procedure_of(tenant))
    changed = reformed_tenant(tenant, reform, registry)
    files = [("1", case.state, lambda t, d: evaluate(t, case.household, d))]
    return compare_procedures(tenant, changed, files, on)


PUBLISHED = [
    ("review", "reviewer/li", date(2026, 9, 22)),
    ("publish", "reviewer/li", date(2026, 9, 28)),
]


def test_the_day_of_publication_counting_opens_approval_a_day_earlier(registry):
    case = walked(registry.get("hebei"), ILL, PUBLISHED)
    moved = replay(
        registry,
        "hebei",
        case,
        date(2026, 10, 9),
        {"procedure.notice_counting": "publication_day_counts"},
    )
    assert moved.opened == {"approve": 1} and moved.deadlines_changed == 1


def test_the_countys_days_from_publication_move_its_deadline(registry):
    case = walked(registry.get("hebei"), ILL, PUBLISHED)
    moved = replay(
        registry,
        "hebei",
        case,
        date(2026, 9, 29),
        {"procedure.county_review_starts": "publication"},
    )
    [example] = moved.examples
    before, after = dict(example.deadlines[0]), dict(example.deadlines[1])
    assert after["approve"] < before["approve"]


def test_keeping_the_notice_after_a_change_of_facts_opens_approval(registry):
    steps = [*PUBLISHED, ("update_facts", "caseworker/wang", date(2026, 9, 29))]
    case = walked(registry.get("hebei"), ILL, steps)
    moved = replay(
        registry, "hebei", case, date(2026, 10, 10), {"procedure.notice_after_change": "keep"}
    )
    assert moved.opened == {"approve": 1}


def test_gansus_shortest_notice(registry):
    steps = [
        ("visit", "caseworker/ma", date(2026, 6, 2)),
        ("inspect", "caseworker/ma", date(2026, 6, 2)),
        ("assess", "caseworker/ma", date(2026, 6, 3)),
        ("discuss", "reviewer/niu", date(2026, 6, 4), "集体研究"),
        ("rate", "reviewer/niu", date(2026, 6, 5)),
        ("publish", "reviewer/niu", date(2026, 6, 5)),
    ]
    case = walked(registry.get("gansu"), HARD, steps, opened=date(2026, 6, 1))
    moved = replay(
        registry, "gansu", case, date(2026, 6, 9), {"procedure.notice_min_working_days": 2}
    )
    assert moved.opened == {"approve": 1}


def test_the_help_again_trigger_on_a_risk(registry):
    steps = [
        ("visit", "caseworker/ma", date(2026, 6, 2)),
        ("inspect", "caseworker/ma", date(2026, 6, 2)),
        ("assess", "caseworker/ma", date(2026, 6, 3)),
        ("discuss", "reviewer/niu", date(2026, 6, 4), "集体研究"),
        ("rate", "reviewer/niu", date(2026, 6, 5)),
        ("publish", "reviewer/niu", date(2026, 6, 5)),
        ("approve", "approver/yang", date(2026, 6, 15)),
        ("sign", "chairman/zhou", date(2026, 6, 16)),
        ("file", "approver/yang", date(2026, 6, 16)),
    ]
    secured = {
        "members": [
            {"name": "孙杰", "relation": "APPLICANT", "age": 46, "monthlyIncome": "900",
             "employment": "EMPLOYED", "ableToWork": True},
        ],
        "laidOffInRestructuring": True,
    }  # fmt: skip
    # rated while uninsured (an item of 两有五保障 unmet), insured again before the exit
    uninsured = {**secured, "members": [{**secured["members"][0], "hasPensionInsurance": False}]}
    case = walked(registry.get("gansu"), uninsured, steps, opened=date(2026, 6, 1))
    case.take("update_facts", Actor("ma", "caseworker"), date(2026, 9, 29), household=secured)
    case.take("exit", Actor("yang", "approver"), date(2026, 9, 30))
    moved = replay(
        registry, "gansu", case, date(2027, 1, 5), {"follow_up.help_again_trigger": "risk"}
    )
    assert moved.opened.get("reenter") == 1


def test_a_quota_read_as_a_warning(registry):
    """原则上不超过5%: warn instead of refuse."""
    dibao_top_up = {
        "members": [{"name": "黄蓉", "relation": "APPLICANT", "employment": "RETIRED",
                     "monthlyIncome": "300"}],
        "dibaoRecipient": True,
        "dibaoContinuousMonths": 20,
        "dibaoMonthlySubsidyPerCapita": "630",
    }  # fmt: skip
    tenant = registry.get("hebei")
    case = walked(tenant, dibao_top_up, PUBLISHED)
    reform = Reform.from_data({"name": "原则上", "parameters": {"tekun.quota_enforcement": "warn"}})
    changed = reformed_tenant(tenant, reform, registry)
    files = [("1", case.state, lambda t, d: evaluate(t, case.household, d))]
    full = compare_procedures(tenant, changed, files, date(2026, 10, 12), lambda *a, **k: 10**9)
    assert full.opened == {"approve": 1}
