"""Reforms: deltas exact against evaluating every household on its own under both rule
sets; programmes switched on and off; bad reforms refused with a clear message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.conformance.generate import households_from_columns
from core.errors import BangfuError
from core.evaluation import evaluate
from core.model import PayPeriod
from core.simulation.population import Population
from core.simulation.reforms import Reform, compare, deciles, reformed_tenant
from core.simulation.synthetic import synthetic_columns
from tests.conftest import ON

TIMES = {PayPeriod.MONTHLY: 12, PayPeriod.YEARLY: 1, PayPeriod.ONCE: 1}
REFORM = """\
name: 河北低保标准提高到1100元,取消医疗救助
tenant: hebei
parameters:
  dibao.standard_monthly:
    description: 低保标准 as proposed
    type: money
    unit: yuan/person/month
    values:
      2026-01-01:
        value: 1100
        source: "proposal: test"
programmes:
  medical_relief: false
"""


def yearly_total(e) -> Decimal:
    return sum(((x.amount or Decimal(0)) * TIMES[x.period] for x in e.entitlements), Decimal(0))


@pytest.fixture(scope="module")
def population():
    household, member, weight = synthetic_columns(250, 21, "hebei")
    return households_from_columns(household, member), Population.from_columns(
        household, member, weight
    )


def test_reform_deltas_are_exact(registry, population):
    objects, pop = population
    hebei = registry.get("hebei")
    reform = Reform.from_yaml(REFORM)
    changed = reformed_tenant(hebei, reform, registry)
    result = compare(hebei, changed, pop, ON, reform.name, chunk=60)
    decile = deciles(pop).tolist()
    weights = pop.weight.tolist()
    gaining = losing = winners = losers = 0
    change = Decimal(0)
    by_decile = {}
    for h, w, d in zip(objects, weights, decile, strict=True):
        before, after = evaluate(hebei, h, ON), evaluate(changed, h, ON)
        gaining += w * (after.eligible and not before.eligible)
        losing += w * (before.eligible and not after.eligible)
        delta = yearly_total(after) - yearly_total(before)
        change += delta * w
        winners += w * (delta > 0)
        losers += w * (delta < 0)
        row = by_decile.setdefault(d + 1, [0, 0, Decimal(0)])
        row[0] += w * (delta > 0)
        row[1] += w * (delta < 0)
        row[2] += delta * w
    assert Decimal(result.cost_change) / 100 == change
    assert (result.gaining, result.losing) == (gaining, losing)
    assert (result.winners, result.losers) == (winners, losers)
    assert winners > 0 and losers > 0  # the reform does something both ways
    for row in result.deciles:
        w, lo, net = by_decile.get(row.decile, [0, 0, Decimal(0)])
        assert (row.winners, row.losers, Decimal(row.net) / 100) == (w, lo, net), row
    assert sum(r.households for r in result.deciles) == int(pop.weight.sum())
    assert "medical_relief" not in [p.code for p in changed.programmes]
    medical = next(r for r in result.programme_changes() if r[0] == "medical_relief")
    assert medical[4] > 0 and medical[5] == 0  # cost before, none after
    assert changed.ruleset != hebei.ruleset
    assert hebei.parameter_table.resolve("dibao.standard_monthly", ON).value == Decimal("790.00")


def test_short_form_and_a_programme_switched_on(registry):
    hebei = registry.get("hebei")
    reform = Reform.from_data(
        {
            "name": "x",
            "parameters": {"dibao.standard_monthly": 900},
            "programmes": {"education_grant": {"from": "demo_city"}},
        }
    )
    changed = reformed_tenant(hebei, reform, registry)
    p = changed.parameter_table.resolve("dibao.standard_monthly", ON)
    assert p.value == Decimal("900.00") and p.defined_by == "reform" and "reform: x" in p.source
    assert "education_grant" in [p.code for p in changed.programmes]
    assert "education_grant" not in [p.code for p in hebei.programmes]


@pytest.mark.parametrize(
    "data, words",
    [
        ({"name": "x", "parameters": {"no.such.parameter": 3}}, "has no parameter"),
        ({"name": "x", "parameters": {"dibao.standard_monthly": "lots"}}, "expected a number"),
        ({"name": "x", "programmes": {"no_such": False}}, "no programme"),
        ({"name": "x", "programmes": {"education_grant": True}}, "which tenant"),
        ({"parameters": {}}, "needs a name"),
        ({"name": "x", "surprise": 1}, "unknown keys"),
    ],
)
def test_a_bad_reform_is_refused_and_changes_nothing(registry, data, words):
    hebei = registry.get("hebei")
    before = hebei.parameter_table.resolve("dibao.standard_monthly", ON)
    with pytest.raises(BangfuError) as info:
        reformed_tenant(hebei, Reform.from_data(data), registry)
    assert words in info.value.en and info.value.zh
    assert hebei.parameter_table.resolve("dibao.standard_monthly", ON) == before


def test_the_documented_example_reform_applies(registry):
    from tests.live import ROOT

    reform = Reform.load(ROOT / "docs" / "examples" / "reform.yaml")
    changed = reformed_tenant(registry.get(reform.tenant), reform, registry)
    assert changed.parameter_table.resolve("dibao.standard_monthly", ON).value == Decimal("900.00")
    assert "education_grant" in [p.code for p in changed.programmes]
