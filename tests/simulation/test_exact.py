"""The simulation's coverage and cost match, to the fen, an independent computation that
evaluates each household on its own (core.evaluation.evaluate) and adds up in Decimal."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import numpy as np
import pytest

from core.conformance.generate import households_from_columns
from core.evaluation import evaluate
from core.model import PayPeriod
from core.simulation.population import (
    Population,
    read_population,
    stream_population,
    write_population,
)
from core.simulation.simulate import simulate, simulate_chunks
from core.simulation.synthetic import synthetic_columns, synthetic_population
from tests.conftest import ON

SIZE = 300
SEED = 11
TIMES = {PayPeriod.MONTHLY: 12, PayPeriod.YEARLY: 1, PayPeriod.ONCE: 1}


def one_by_one(tenant, households, weights):
    """Every figure of a tenant's totals, household by household, in Decimal yuan."""
    out = Counter()
    cost = Counter()
    group_cost = Counter()
    for h, w in zip(households, weights, strict=True):
        e = evaluate(tenant, h, ON)
        people = len(h.members)
        out["households"] += w
        out["people"] += w * people
        if e.eligible:
            out["eligible_households"] += w
            out["eligible_people"] += w * people
        if e.entitlements:
            out["covered_households"] += w
            out["covered_people"] += w * people
        for g in e.groups:
            out[f"group {g}"] += w
            if e.entitlements:
                out[f"group {g} covered"] += w
        for ent in e.entitlements:
            out[f"programme {ent.programme}"] += w
            yearly = (ent.amount or Decimal(0)) * TIMES[ent.period] * w
            cost[ent.programme] += yearly
            for g in e.groups:
                group_cost[g, ent.programme] += yearly
    return out, cost, group_cost


@pytest.fixture(scope="module")
def population():
    household, member, weight = synthetic_columns(SIZE, SEED, "hebei")
    return household, member, weight


def test_totals_match_household_by_household_to_the_fen(registry, population):
    household, member, weight = population
    objects = households_from_columns(household, member)
    pop = Population.from_columns(household, member, weight)
    result = simulate(registry.ordered(), pop, ON, chunk=70)  # chunks must not matter
    checked_money = 0
    for tenant in registry.ordered():
        totals = result.tenant(tenant.code)
        counts, cost, group_cost = one_by_one(tenant, objects, weight.tolist())
        assert totals.households == counts["households"] == int(weight.sum())
        assert totals.people == counts["people"]
        assert totals.eligible_households == counts["eligible_households"]
        assert totals.eligible_people == counts["eligible_people"]
        assert totals.covered_households == counts["covered_households"]
        assert totals.covered_people == counts["covered_people"]
        for code, p in totals.programmes.items():
            assert p.households == counts[f"programme {code}"], code
            assert Decimal(p.yearly_cost) / 100 == cost[code], code
            checked_money += p.yearly_cost > 0
        for code, g in totals.groups.items():
            assert g.households == counts[f"group {code}"], code
            assert g.covered_households == counts[f"group {code} covered"], code
            for p_code, fen in g.yearly_cost.items():
                assert Decimal(fen) / 100 == group_cost[code, p_code], (code, p_code)
        assert totals.ruleset == tenant.ruleset
        assert totals.plugin_versions == tenant.plugin_versions
        assert totals.parameters  # the parameter values used are carried
    assert checked_money >= 2  # the population really costs something somewhere


def test_a_weight_counts_as_that_many_households(registry):
    pop = synthetic_population(50, 3)
    tenants = [registry.get("hebei")]
    once = simulate(tenants, Population(pop.facts, np.ones(50, dtype=np.int64)), ON)
    thrice = simulate(tenants, Population(pop.facts, np.full(50, 3, dtype=np.int64)), ON)
    a, b = once.tenant("hebei"), thrice.tenant("hebei")
    assert b.yearly_cost == 3 * a.yearly_cost
    assert b.covered_people == 3 * a.covered_people


def test_the_generator_is_reproducible_by_seed():
    a = synthetic_columns(200, 5, "gansu")
    b = synthetic_columns(200, 5, "gansu")
    c = synthetic_columns(200, 6, "gansu")
    assert all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
    assert not np.array_equal(a[1]["monthly_income"], c[1]["monthly_income"])
    hebei = synthetic_columns(200, 5, "hebei")
    assert not np.array_equal(a[1]["monthly_income"], hebei[1]["monthly_income"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_streamed_in_small_chunks_gives_the_same_totals(
    registry, population, tmp_path, suffix
):
    household, member, weight = population
    path = write_population(tmp_path / f"population{suffix}", household, member, weight)
    whole = simulate(registry.ordered(), Population.from_columns(household, member, weight), ON)
    read = []
    chunks = list(stream_population(path, chunk=37, progress=read.append))
    assert len(chunks) > 3
    assert sum(c.size for c in chunks) == SIZE
    assert sum(read) == len(member["household"])
    streamed = simulate_chunks(registry.ordered(), chunks, ON)
    assert streamed.as_dict() == whole.as_dict()
    assert read_population(path).size == SIZE


def test_a_bad_file_is_refused_with_a_clear_message(tmp_path):
    from core.errors import BangfuError

    path = tmp_path / "bad.csv"
    path.write_text("household_id,weight\n1,1\n", encoding="utf-8")
    with pytest.raises(BangfuError) as info:
        read_population(path)
    assert "missing columns" in info.value.en and "缺少列" in info.value.zh


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    from core.errors import BangfuError

    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(BangfuError) as info:
        read_population(path)
    assert "not a Parquet file" in info.value.en and "Parquet" in info.value.zh
