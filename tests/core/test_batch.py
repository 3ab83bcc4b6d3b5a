"""Batch evaluation gives exactly the single results; the columnar builder matches too."""

from dataclasses import fields

import numpy as np
import pytest

from core.conformance.generate import columns, households, households_from_columns
from core.evaluation import evaluate, evaluate_batch, evaluate_many
from core.facts import RELATION_CODES, HouseholdFacts
from core.model import Relation
from tests.conftest import ON

TENANTS = ["national", "hebei", "gansu", "demo_city"]


@pytest.mark.parametrize("code", TENANTS)
def test_batch_equals_one_by_one_on_random_households(registry, code):
    tenant = registry.get(code)
    population = households(250, seed=11)
    batch = evaluate_many(tenant, population, ON)
    for i, h in enumerate(population):
        single = evaluate(tenant, h, ON)
        assert batch[i].comparable() == single.comparable(), f"household {i}"


@pytest.mark.parametrize("code", TENANTS)
def test_households_explained_together_are_explained_as_alone(registry, code):
    """Concurrent requests are evaluated together: each answer, explanations and the
    parameters read included, must be the one the household gets alone."""
    tenant = registry.get(code)
    population = households(120, seed=17)
    together = evaluate_many(tenant, population, ON, explain=True)
    explained = 0
    for i, h in enumerate(population):
        alone = evaluate(tenant, h, ON)
        assert together[i] == alone, f"household {i}"
        explained += sum(bool(e.explanation) for e in alone.entitlements)
    if code in ("hebei", "demo_city"):  # those granting amounts to this population
        assert explained  # not vacuous: some entitlements were explained


def test_the_population_exercises_the_rules(registry):
    """Guard against a vacuous equivalence: the sample grants what the rules can give."""
    population = households(250, seed=11)
    granted = {
        e.programme
        for code in TENANTS
        for ev in evaluate_many(registry.get(code), population, ON)
        for e in ev.entitlements
    }
    assert {
        "living_relief",
        "medical_relief",
        "education_grant",
        "public_rental_housing",
    } <= granted


def test_columnar_facts_equal_the_per_household_facts():
    hh, mm = columns(400, seed=5)
    from_columns = HouseholdFacts.from_columns(hh, mm)
    from_objects = HouseholdFacts.from_households(households_from_columns(hh, mm))
    for f in fields(HouseholdFacts):
        if f.name == "size":
            continue
        assert np.array_equal(getattr(from_columns, f.name), getattr(from_objects, f.name)), f.name


@pytest.mark.parametrize("code", ["hebei", "demo_city"])
def test_a_columnar_batch_gives_the_single_results(registry, code):
    tenant = registry.get(code)
    hh, mm = columns(300, seed=9)
    batch = evaluate_batch(tenant, HouseholdFacts.from_columns(hh, mm), ON)
    for i, h in enumerate(households_from_columns(hh, mm)):
        assert batch.evaluation(i).comparable() == evaluate(tenant, h, ON).comparable()


def test_amount_columns_are_zero_where_not_granted(registry):
    tenant = registry.get("hebei")
    hh, mm = columns(1000, seed=3)
    batch = evaluate_batch(tenant, HouseholdFacts.from_columns(hh, mm), ON)
    relief = batch.amount("medical_relief")
    granted = batch.grants["medical_relief"].granted
    assert (relief[~granted] == 0).all() and (relief[granted] > 0).all()
    assert granted.any() and (~granted).any()


def test_one_household_facts_equal_the_batch_builder():
    """``HouseholdFacts.of`` (the single-evaluation path) builds exactly the facts of
    ``from_households``: same values, same dtypes, for every field."""
    for h in households(300, seed=23):
        one = HouseholdFacts.of(h)
        many = HouseholdFacts.from_households([h])
        assert one.size == many.size == 1
        for f in fields(HouseholdFacts):
            if f.name in ("size", "derived"):
                continue
            mine, theirs = getattr(one, f.name), getattr(many, f.name)
            assert mine.dtype == theirs.dtype, f.name
            assert mine.shape == theirs.shape, f.name
            assert np.array_equal(mine, theirs), f.name


def test_replaced_facts_keep_every_other_field():
    from dataclasses import replace

    facts = HouseholdFacts.from_households(households(5, seed=3))
    changed = np.arange(5, dtype=np.int64)
    mine = facts.replaced(members=changed, derived={"x": changed})
    theirs = replace(facts, members=changed, derived={"x": changed})
    for f in fields(HouseholdFacts):
        assert np.array_equal(getattr(mine, f.name), getattr(theirs, f.name)) or (
            f.name == "derived" and mine.derived == {"x": changed}
        ), f.name
    assert mine.members is changed and facts.members is not changed
    with pytest.raises(TypeError):
        facts.replaced(no_such_fact=changed)


def _with_members_of(mm: dict, household: int, rows: np.ndarray, applicant=False) -> dict:
    """The member table with copies of ``rows`` added to ``household`` (the first of them
    its applicant when ``applicant``, the others spouses where they were applicants)."""
    extra = {k: v[rows].copy() for k, v in mm.items()}
    extra["household"][:] = household
    was = extra["relation"] == RELATION_CODES[Relation.APPLICANT]
    extra["relation"][was] = RELATION_CODES[Relation.SPOUSE]
    if applicant:
        extra["relation"][0] = RELATION_CODES[Relation.APPLICANT]
    return {k: np.concatenate((mm[k], extra[k])) for k in mm}


def _row_fields_equal(mine: HouseholdFacts, theirs: HouseholdFacts) -> None:
    for name in (f.name for f in fields(HouseholdFacts)):
        if name in ("size", "derived", "member_household", "member_age", "member_pension"):
            continue
        a, b = getattr(mine, name), getattr(theirs, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert np.array_equal(a, b), name


def test_columnar_facts_with_rows_in_any_order_and_a_household_of_thirty():
    """The grouped sums of ``from_columns`` do not rely on member rows being grouped by
    household, nor on small households (30 members: counts wider than 3 bits)."""
    hh, mm = columns(400, seed=7)
    mm = {k: v[mm["household"] != 5] for k, v in mm.items()}
    mm = _with_members_of(mm, 5, np.arange(30), applicant=True)  # exactly 30 members
    order = np.random.default_rng(1).permutation(len(mm["household"]))
    shuffled = {k: v[order] for k, v in mm.items()}
    from_columns = HouseholdFacts.from_columns(hh, shuffled)
    assert from_columns.members[5] == 30
    from_objects = HouseholdFacts.from_households(households_from_columns(hh, mm))
    _row_fields_equal(from_columns, from_objects)
    assert np.array_equal(from_columns.member_household, shuffled["household"])


def test_columnar_facts_of_an_empty_and_a_very_large_household():
    """Beyond what the API accepts (1 to 30 members), the columnar builder still counts
    exactly: a household with no member rows, one with 90 (counts of 7 bits)."""
    from core.facts import _KIND_FLAGS, _counted  # the count definitions, applied directly

    hh, mm = columns(200, seed=8)
    mm = {k: v[mm["household"] != 3] for k, v in mm.items()}  # household 3: nobody
    mm = _with_members_of(mm, 11, np.arange(len(mm["household"]))[:90] % 60)
    facts = HouseholdFacts.from_columns(hh, mm)
    owner = mm["household"]
    age = mm["age"]
    flags = {name: mm[name] for name in _KIND_FLAGS if name in mm}
    flags["child"] = mm["relation"] == RELATION_CODES[Relation.CHILD]
    flags["working_age_without_pension"] = (age >= 16) & (age < 60) & ~mm["has_pension_insurance"]
    for name, mask in _counted(mm["employment"], mm["education_stage"], flags).items():
        expected = np.bincount(owner[mask], minlength=200)
        assert np.array_equal(getattr(facts, name), expected), name
    assert facts.members[3] == 0 and facts.members[11] > 90
    wages = np.bincount(owner, weights=mm["monthly_income"], minlength=200).astype(np.int64)
    assert np.array_equal(facts.monthly_wages, wages)
    assert facts.annual_income[3] == hh["other_annual_income"][3]


def test_columnar_facts_refuse_an_unknown_code():
    """A code outside its enum would land in another field of a member's kind: refused."""
    hh, mm = columns(20, seed=2)
    for name in ("employment", "education_stage"):
        bad = dict(mm) | {name: mm[name].copy()}
        bad[name][4] = 99
        with pytest.raises(ValueError, match=name):
            HouseholdFacts.from_columns(hh, bad)
