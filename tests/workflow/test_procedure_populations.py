"""Each procedure serves named populations, and a child tenant adds those of its own files.

Hebei's procedure serves 特困 (003 二.2 依据特困职工标准审核), not the national groups Hebei
inherits. The city (001 二) adds its own 困难职工 file and keeps Hebei's (RULES.md §4: "a
household can qualify for the city's housing and utilities without being 特困"): a city
household in the city's file only is reviewed, approved and filed in the city and refused in
Hebei; a 特困 household passes in both; a well-off one in neither. The exit and the April
review keep a city file while it is in any of the populations the procedure serves.
"""

from __future__ import annotations

import pytest

from core.errors import RULE_VIOLATION, BangfuError
from core.evaluation import evaluate_batch
from core.facts import HouseholdFacts
from core.model import parse_household
from core.workflow.engine import Workflow
from core.workflow.simulation import SimulatedCase
from tests.casefile_samples import APPROVER, CASEWORKER, COMFORTABLE, ILL, REVIEWER, D

#: A serving worker slightly above the city 低保 line, seriously ill, with no out-of-pocket
#: cost that makes him 特困: the city's file (001 二 略高于…因疾病) and nothing of Hebei's
CITY_ONLY = {
    "members": [
        {
            "name": "蒋平",
            "relation": "APPLICANT",
            "age": 50,
            "monthlyIncome": "1000",
            "employment": "EMPLOYED",
            "ableToWork": True,
            "seriousIllness": True,
        }
    ]
}


def walk_to_filed(tenant, household):
    case = SimulatedCase.open(tenant, household, CASEWORKER, D("2026-09-24"))
    case.take("review", REVIEWER, D("2026-09-25"))
    case.take("publish", REVIEWER, D("2026-09-28"))
    case.take("approve", APPROVER, D("2026-10-10"))
    case.take("file", APPROVER, D("2026-10-12"))
    return case


def refused_review(tenant, household) -> BangfuError:
    case = SimulatedCase.open(tenant, household, CASEWORKER, D("2026-09-24"))
    with pytest.raises(BangfuError) as info:
        case.take("review", REVIEWER, D("2026-09-25"))
    assert info.value.code == RULE_VIOLATION
    assert "不符合认定标准" in info.value.zh
    return info.value


def test_the_sample_is_in_the_citys_file_only(demo_city, hebei):
    city = SimulatedCase.open(demo_city, CITY_ONLY, CASEWORKER, D("2026-09-24"))
    populations = city.evaluation(D("2026-09-25")).populations
    assert "demo_city.kunnan" in populations and "tekun" not in populations
    province = SimulatedCase.open(hebei, CITY_ONLY, CASEWORKER, D("2026-09-24"))
    assert "tekun" not in province.evaluation(D("2026-09-25")).populations


def test_a_household_in_the_citys_own_file_is_filed_in_the_city(demo_city):
    case = walk_to_filed(demo_city, CITY_ONLY)
    assert case.status == "filed"
    filed = case.evaluation(D("2026-10-12"))
    assert filed.category == "kunnan" and filed.populations == ("demo_city.kunnan",)


def test_the_same_household_is_refused_in_hebei(hebei):
    refused_review(hebei, CITY_ONLY)


@pytest.mark.parametrize("code", ["hebei", "demo_city"])
def test_a_tekun_household_is_filed_in_both(registry, code):
    assert walk_to_filed(registry.get(code), ILL).status == "filed"


@pytest.mark.parametrize("code", ["hebei", "demo_city"])
def test_a_well_off_household_is_refused_in_both(registry, code):
    refused_review(registry.get(code), COMFORTABLE)


def test_a_city_file_in_the_citys_population_needs_a_reason_to_exit(demo_city):
    case = walk_to_filed(demo_city, CITY_ONLY)
    with pytest.raises(BangfuError) as info:
        case.take("exit", APPROVER, D("2026-12-01"))
    assert info.value.code == RULE_VIOLATION and "尚未解困" in info.value.zh
    case.take("exit", APPROVER, D("2026-12-01"), "已就业,收入稳定")
    assert case.status == "exited"


@pytest.mark.parametrize(
    ("code", "household", "kept"),
    [
        ("demo_city", CITY_ONLY, True),  # in the city's file: kept by the April review
        ("demo_city", ILL, True),
        ("hebei", ILL, True),
        ("hebei", CITY_ONLY, False),  # never 特困: the review proposes its exit
        ("demo_city", COMFORTABLE, False),
    ],
)
def test_the_april_review_keeps_a_file_in_any_served_population(registry, code, household, kept):
    tenant = registry.get(code)
    batch = evaluate_batch(tenant, HouseholdFacts.of(parse_household(household)), D("2027-04-30"))
    assert bool(Workflow.for_tenant(tenant).procedure.resolved(batch)[0]) is not kept


def test_the_city_adds_to_hebeis_populations_and_keeps_them(demo_city, hebei):
    """No silent replacement: every population Hebei's procedure serves, the city's does."""
    for on in (D("2026-01-01"), D("2027-04-30")):
        province = set(hebei.parameters(on).text("procedure.populations").split(","))
        city = set(demo_city.parameters(on).text("procedure.populations").split(","))
        assert province == {"tekun"}
        assert province < city and "demo_city.kunnan" in city
