"""Batch evaluation gives exactly the single results; the columnar builder matches too."""

from dataclasses import fields

import numpy as np
import pytest

from core.conformance.generate import columns, households, households_from_columns
from core.evaluation import evaluate, evaluate_batch, evaluate_many
from core.facts import HouseholdFacts
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
