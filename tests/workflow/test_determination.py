"""Determination records: what a step was decided on, and whether a change between two
of them came from the facts or from the rules."""

from __future__ import annotations

import json
from decimal import Decimal

from core.evaluation import evaluate
from core.model import parse_household
from core.workflow.determination import compare_determinations, snapshot, to_json
from tests.casefile_samples import ILL, D

RICHER = {**ILL, "members": [{**ILL["members"][0], "monthlyIncome": "2600"}]}


def record(hebei, household, on: str) -> dict:
    h = parse_household(household)
    return snapshot(evaluate(hebei, h, D(on)), h.model_dump(by_alias=True, mode="json"))


def test_a_record_names_facts_outcome_parameters_ruleset_and_versions(hebei):
    r = record(hebei, ILL, "2026-06-01")
    json.dumps(r)  # JSON all the way down
    assert r["asOf"] == "2026-06-01"
    assert r["facts"]["annualMedicalOutOfPocket"] == "30000.00"
    assert r["outcome"]["eligible"] is True and r["outcome"]["reasons"][0] == "a"
    standard = next(p for p in r["parameters"] if p["name"] == "dibao.standard_monthly")
    assert standard == {
        "name": "dibao.standard_monthly",
        "value": "790.00",
        "effectiveFrom": "2025-01-01",
        "definedBy": "hebei",
        "source": standard["source"],
        "provisional": False,
    }
    assert r["ruleset"] == hebei.ruleset
    assert r["pluginVersions"] == {"national": "1.0.0", "hebei": "1.0.0"}


def test_a_change_from_the_rules(hebei):
    change = compare_determinations(
        record(hebei, ILL, "2024-06-03"), record(hebei, ILL, "2025-06-02")
    )
    assert change.cause == "rules"
    assert "dibao.standard_monthly" in change.parameters
    assert change.outcome == ("entitlements",)
    assert "parameters changed: dibao.standard_monthly" in change.describe()


def test_a_change_from_the_facts(hebei):
    change = compare_determinations(
        record(hebei, ILL, "2026-06-01"), record(hebei, RICHER, "2026-06-01")
    )
    assert change.cause == "facts"
    assert change.facts == ("members[0].monthlyIncome",)
    assert "budget" in change.outcome


def test_both_and_none(hebei):
    before = record(hebei, ILL, "2024-06-03")
    assert compare_determinations(before, record(hebei, RICHER, "2025-06-02")).cause == "both"
    same = compare_determinations(before, record(hebei, ILL, "2024-06-03"))
    assert same.cause == "none" and same.describe() == "nothing changed"


def test_to_json():
    assert to_json({"a": (Decimal("1.5"), D("2026-01-02"))}) == {"a": ["1.50", "2026-01-02"]}
    assert to_json(Decimal("0.0525")) == "0.0525"


def test_records_share_nothing_a_later_change_could_reach(hebei):
    """Parameter entries are made once per resolved value and copied into each record:
    changing one record (as a pending step marks its own) leaves the next one as it was."""
    first = record(hebei, ILL, "2026-06-01")
    before = json.loads(json.dumps(first))
    for p in first["parameters"]:
        p["value"] = "changed"
        p["provisional"] = True
    second = record(hebei, ILL, "2026-06-01")
    assert second == before
