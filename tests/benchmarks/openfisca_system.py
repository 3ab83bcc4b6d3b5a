"""A minimal OpenFisca-core system equal to Hebei's eligibility and medical-relief rules.

It exists only for the batch benchmark: OpenFisca is **not** a dependency of Bangfu (it
runs in the separate ``.venv-bench`` that ``make bench`` creates), and this file imports
nothing from Bangfu. The benchmark runs it as a script::

    .venv-bench/bin/python tests/benchmarks/openfisca_system.py IN.npz OUT.npz RUNS

``IN.npz`` holds the synthetic columns (money in integer fen, enums as codes, and the codes
the formulas need); ``OUT.npz`` receives the timings of each run and the result arrays of
the last one (eligibility and medical relief, in OpenFisca's float32 yuan).

The system is written the way an OpenFisca country package would write it: a person
entity and a household group entity, input variables for the member and household facts,
formulas for annual income, criteria a-f, eligibility and medical relief, and a parameter
tree in which the medical-relief schedule is two ``single_amount`` scales (the bracket's
rate of the whole cost, and the fixed amount of the top bracket). Money is OpenFisca's
``float`` (float32) in yuan, rounded to the cent with ``round_``.

Each run measures end to end what an OpenFisca microsimulation does with such columns:
build the simulation (entities, ids, group membership and roles, ``set_input`` of every
input) and ``calculate`` eligibility and medical relief.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, ParameterNode, Variable, round_, where
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

PERIOD = "2026"

# --------------------------------------------------------------------------- entities
Person = build_entity(
    key="person", plural="persons", label="A member of a household", is_person=True
)
Household = build_entity(
    key="household",
    plural="households",
    label="A household applying for hardship assistance",
    roles=[
        {"key": "applicant", "plural": "applicants", "label": "Applicant", "max": 1},
        {"key": "member", "plural": "members", "label": "Other members"},
    ],
)
ROLE_APPLICANT, ROLE_MEMBER = 0, 1

# --------------------------------------------------------------------------- parameters
PARAMETERS = {
    "dibao": {
        "average_subsidy_monthly": {"values": {"2024-01-01": 420}},
    },
    "tekun": {
        "dibao_subsidy_multiple": {"values": {"2006-01-01": 1.5}},
    },
    "migrant_worker": {
        "min_years_in_city": {"values": {"2006-01-01": 2}},
    },
    "medical_relief": {
        "schedule": {
            # 003 五.10, read literally: the bracket's rate of the *whole* cost ...
            "rate": {
                "metadata": {"type": "single_amount"},
                "brackets": [
                    {
                        "threshold": {"values": {"2006-01-01": t}},
                        "amount": {"values": {"2006-01-01": r}},
                    }
                    for t, r in ((0, 0), (5000, 0.10), (20000, 0.08), (50000, 0.06), (100000, 0))
                ],
            },
            # ... and a fixed amount from 100,000 yuan up.
            "fixed": {
                "metadata": {"type": "single_amount"},
                "brackets": [
                    {
                        "threshold": {"values": {"2006-01-01": t}},
                        "amount": {"values": {"2006-01-01": a}},
                    }
                    for t, a in ((0, 0), (100000, 8000))
                ],
            },
        }
    },
}


# --------------------------------------------------------------------------- inputs
def _input(name: str, entity, value_type, label: str = "") -> type[Variable]:
    return type(
        name,
        (Variable,),
        {"value_type": value_type, "entity": entity, "definition_period": YEAR, "label": label},
    )


PERSON_INPUTS = {  # name -> (value type, column)
    "monthly_income": (float, "monthly_income"),  # yuan, converted from fen
    "relation": (int, "relation"),
    "employment": (int, "employment"),
    "education_stage": (int, "education_stage"),
    "able_to_work": (bool, "able_to_work"),
    "serious_illness": (bool, "serious_illness"),
}
HOUSEHOLD_INPUTS = {
    "other_annual_income": (float, "other_annual_income"),
    "medical_out_of_pocket": (float, "medical_out_of_pocket"),
    "dibao_subsidy_per_capita": (float, "dibao_subsidy_per_capita"),
    "expense_rent": (float, "expense_rent"),
    "expense_living": (float, "expense_living"),
    "expense_medical": (float, "expense_medical"),
    "expense_education": (float, "expense_education"),
    "expense_other": (float, "expense_other"),
    "dibao_recipient": (bool, "dibao_recipient"),
    "medical_in_catalog": (bool, "medical_in_catalog"),
    "three_no": (bool, "three_no"),
    "disaster_loss": (bool, "disaster_loss"),
    "migrant_worker": (bool, "migrant_worker"),
    "years_in_city": (int, "years_in_city"),
}


# --------------------------------------------------------------------------- formulas
class Codes:
    """Enum codes of the columns (given by the benchmark with the data)."""

    child = 2
    employed: tuple[int, ...] = (0, 1)
    beyond_compulsory: tuple[int, ...] = (3, 4, 5, 6)


class employed(Variable):
    value_type = bool
    entity = Person
    definition_period = YEAR
    label = "Employed or in flexible employment"

    def formula(person, period):
        return np.isin(person("employment", period), Codes.employed)


class child_beyond_compulsory(Variable):
    value_type = bool
    entity = Person
    definition_period = YEAR
    label = "A child in full-time education beyond the compulsory stage"

    def formula(person, period):
        return (person("relation", period) == Codes.child) & np.isin(
            person("education_stage", period), Codes.beyond_compulsory
        )


class annual_income(Variable):
    value_type = float
    entity = Household
    definition_period = YEAR
    label = "12 x members' monthly income + other annual income"

    def formula(household, period):
        wages = household.sum(household.members("monthly_income", period))
        return wages * 12 + household("other_annual_income", period)


class annual_expenses(Variable):
    value_type = float
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        return (
            household("expense_rent", period)
            + household("expense_living", period)
            + household("expense_medical", period)
            + household("expense_education", period)
            + household("expense_other", period)
        )


class seriously_ill(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR
    label = "A member has a serious or chronic illness"

    def formula(household, period):
        return household.any(household.members("serious_illness", period))


class criterion_a(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        return household("seriously_ill", period) & (
            household("medical_out_of_pocket", period) > household("annual_income", period)
        )


class criterion_b(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        return household.any(household.members("child_beyond_compulsory", period)) & (
            household("annual_expenses", period) > household("annual_income", period)
        )


class criterion_c(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        able = household.any(household.members("able_to_work", period))
        return able & ~household.any(household.members("employed", period))


class criterion_d(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        return household("three_no", period)


class criterion_e(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period):
        return household("disaster_loss", period)


class criterion_f(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR

    def formula(household, period, parameters):
        p = parameters(period)
        threshold = p.tekun.dibao_subsidy_multiple * p.dibao.average_subsidy_monthly
        return household("dibao_recipient", period) & (
            household("dibao_subsidy_per_capita", period) >= threshold
        )


class eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = YEAR
    label = "特困职工 (Hebei 003 一.1 criteria a-f, migrant workers settled long enough)"

    def formula(household, period, parameters):
        met = (
            household("criterion_a", period)
            | household("criterion_b", period)
            | household("criterion_c", period)
            | household("criterion_d", period)
            | household("criterion_e", period)
            | household("criterion_f", period)
        )
        settled = household("years_in_city", period) >= (
            parameters(period).migrant_worker.min_years_in_city
        )
        return met & (~household("migrant_worker", period) | settled)


class medical_relief(Variable):
    value_type = float
    entity = Household
    definition_period = YEAR
    label = "医疗救助 (Hebei 003 五.10), yuan"

    def formula(household, period, parameters):
        schedule = parameters(period).medical_relief.schedule
        cost = household("medical_out_of_pocket", period)
        fixed = schedule.fixed.calc(cost)
        amount = where(fixed > 0, fixed, round_(cost * schedule.rate.calc(cost), 2))
        granted = (
            household("seriously_ill", period)
            & (cost > household("annual_income", period))
            & household("medical_in_catalog", period)
            & (amount > 0)
        )
        return where(granted, amount, 0)


FORMULAS = (
    employed,
    child_beyond_compulsory,
    annual_income,
    annual_expenses,
    seriously_ill,
    criterion_a,
    criterion_b,
    criterion_c,
    criterion_d,
    criterion_e,
    criterion_f,
    eligible,
    medical_relief,
)


class HebeiTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Person, Household])
        inputs = [_input(name, Person, kind) for name, (kind, _) in PERSON_INPUTS.items()] + [
            _input(name, Household, kind) for name, (kind, _) in HOUSEHOLD_INPUTS.items()
        ]
        self.add_variables(*inputs, *FORMULAS)
        self.parameters = ParameterNode("", data=PARAMETERS)


# --------------------------------------------------------------------------- driver
def build(system: TaxBenefitSystem, data: dict[str, np.ndarray]):
    """A simulation of the households in ``data``, with every input set."""
    n = len(data["h_other_annual_income"])
    household_of = data["m_household"]
    persons = len(household_of)
    first = np.ones(persons, dtype=bool)
    first[1:] = household_of[1:] != household_of[:-1]
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", np.arange(persons))
    households = builder.declare_entity("household", np.arange(n))
    builder.join_with_persons(
        households, household_of, np.where(first, ROLE_APPLICANT, ROLE_MEMBER)
    )
    simulation = builder.build(system)
    for prefix, inputs in (("m_", PERSON_INPUTS), ("h_", HOUSEHOLD_INPUTS)):
        for name, (kind, column) in inputs.items():
            value = data[prefix + column]
            if kind is float:
                value = value / 100  # fen -> yuan
            simulation.set_input(name, PERIOD, value)
    return simulation


def run(data: dict[str, np.ndarray], runs: int) -> dict[str, np.ndarray]:
    Codes.child = int(data["code_child"])
    Codes.employed = tuple(int(c) for c in data["codes_employed"])
    Codes.beyond_compulsory = tuple(int(c) for c in data["codes_beyond_compulsory"])
    system = HebeiTaxBenefitSystem()
    build_s, calc_s = [], []
    results: dict[str, np.ndarray] = {}
    for _ in range(runs):
        start = time.perf_counter()
        simulation = build(system, data)
        built = time.perf_counter()
        eligible_ = simulation.calculate("eligible", PERIOD)
        relief = simulation.calculate("medical_relief", PERIOD)
        done = time.perf_counter()
        build_s.append(built - start)
        calc_s.append(done - built)
        results = {"eligible": eligible_, "medical_relief": relief}
        del simulation
    return {"build_s": np.array(build_s), "calculate_s": np.array(calc_s), **results}


def main(argv: list[str]) -> int:
    source, target, runs = argv[1], argv[2], int(argv[3])
    with np.load(source) as f:
        data = {k: f[k] for k in f.files}
    np.savez(target, **run(data, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
