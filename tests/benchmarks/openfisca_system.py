"""A minimal OpenFisca-core system computing Hebei's eligibility and medical relief as Bangfu
does (the rule model of issue 7, with the readings of issue 18).

It exists only for the batch benchmark: OpenFisca is **not** a dependency of Bangfu (it
runs in the separate ``.venv-bench`` that ``make bench`` creates), and this file imports
nothing from Bangfu. The benchmark runs it as a process that stays up while the rounds are
interleaved::

    .venv-bench/bin/python tests/benchmarks/openfisca_system.py IN.npz OUT.npz

``IN.npz`` holds the synthetic columns (money in integer fen, enums as codes), the codes
the formulas need, and Hebei's parameters as Bangfu resolves them on the benchmark's date
(``parameters``, JSON: name -> value as the GraphQL ``parameters`` query shows it). Once
loaded it prints ``ready``; then each line ``builder`` or ``lean`` on its input runs that
build once and answers one JSON line of timings (measured here: no import, no loading), and
``save`` writes the results to ``OUT.npz`` (eligibility, the two populations, and medical
relief in OpenFisca's float32 yuan; every run must have computed the same).

What Hebei's stack decides, and this system computes the same way:

- **eligible** (may open a file) = the national population 困难职工 (any of the five target
  groups of 000 二, ``plugins/national``) or Hebei's population 特困职工 (003 一.1,
  ``tenants/hebei/eligibility.py``);
- the five groups, each of a worker's household (``subject.workers``): 二(一) 低保, not
  fully employed (job seekers, and flexible workers unless
  ``employment.flexible_counts_as_full``) and without ample income; 二(二) below the 低保
  line and not in 低保; 二(三) serious illness with out-of-pocket cost at least
  ``sudden_expense.medical_share_of_income`` of the income (and above 0), or a disaster,
  and in hardship; 二(四) a migrant worker settled ``migrant_worker.min_years_in_city``
  years and in hardship; 二(五) laid off in restructuring and in hardship. Hardship is
  ``hardship.test`` with ``hardship.income_multiple`` on the annual income (no 低保 top-up);
  its spending half never counts with ample income (``hardship.ample_income_multiple``);
- 特困: the general condition (``tekun.general_condition`` with ``tekun.income_multiple`` on
  the *whole* income: below the multiple of the 低保 line, or, read
  ``..._or_named_spending``, below it once the medical cost and school fees are paid, never
  with ample income), one of criteria a-f on the whole income (the 低保 top-up counted when
  ``income.includes_dibao_top_up``), and a migrant worker settled long enough and living
  mainly on wages (``migrant_worker.min_wage_share``); criterion b counts the children
  against ``tekun.family_planning_max_children`` and needs education spending; criterion c
  is a job seeker able to work in a household where nobody is employed (flexible work
  counts as employed); ground g (a reviewer's, recorded on a file) has no file here;
- **medical relief** (五.10) is for 特困 only: a member seriously ill, the out-of-pocket cost
  above the whole income, within the catalogue (``medical_relief.catalogue``, read
  ``all_or_nothing``), by ``medical_relief.schedule`` (``whole_amount``: the bracket's rate
  of the whole cost, or the top bracket's fixed amount).

Readings this system does not implement (another text value of a reading parameter, a
``marginal`` schedule) stop it with an error naming the parameter, rather than computing
other rules than ours.

The system is written the way an OpenFisca country package would write it: a person
entity and a household group entity, input variables for the member and household facts,
formulas, and a parameter tree (the schedule as two ``single_amount`` scales, a reading as
a code). Money is OpenFisca's ``float`` (float32) in yuan, rounded to the cent with
``round_``; comparisons with a multiple of a line are written as OpenFisca writes them
(``income < line * 1.5``).

A run measures end to end what an OpenFisca microsimulation does with such columns:
build the simulation with ``SimulationBuilder`` (entities, ids, group membership and roles,
``set_input`` of every input) and ``calculate`` eligibility and medical relief. The inputs
are put in OpenFisca's units (float32 yuan) once, before the clock, as ours come in fen.

A *lean* build is the same with the populations' ids and membership set directly
(OpenFisca's internals, no roles: no formula reads one) instead of through
``SimulationBuilder``, which passes the 3 million ids and roles through Python lists (most
of its build time). Its results must equal the builder's.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, ParameterNode, Variable, max_, round_, where
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.simulations import Simulation
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

PERIOD = "2026"
SINCE = "2000-01-01"  # the values given are those in force on the benchmark's date

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
#: the readings (text parameters) this system implements, and how each is written here
#: (OpenFisca's parameters are numbers: a reading is a code)
TEST_ONLY_INCOME, TEST_OR_GAP, TEST_OR_NAMED_SPENDING = 0, 1, 2
GENERAL_TESTS = {
    "income_below_multiple": TEST_ONLY_INCOME,
    "income_below_multiple_or_gap": TEST_OR_GAP,
    "income_below_multiple_or_named_spending": TEST_OR_NAMED_SPENDING,
}
WORKERS_ANY_MEMBER, WORKERS_SERVING_OR_UNEMPLOYED = 0, 1
WORKER_READINGS = {
    "any_member": WORKERS_ANY_MEMBER,
    "serving_or_unemployed": WORKERS_SERVING_OR_UNEMPLOYED,
}
CATALOGUE_READINGS = {"all_or_nothing"}


def _dated(value) -> dict:
    return {"values": {SINCE: value}}


def _scale(brackets: list[tuple[float, float]]) -> dict:
    return {
        "metadata": {"type": "single_amount"},
        "brackets": [{"threshold": _dated(t), "amount": _dated(a)} for t, a in brackets],
    }


def parameter_tree(given: dict) -> dict:
    """OpenFisca's parameter tree from Bangfu's values (money and numbers as text)."""

    def reading(name: str, known) -> object:
        value = given[name]
        if value not in known:
            raise SystemExit(f"{name} = {value!r}: this OpenFisca system implements {known}")
        return value

    schedule = given["medical_relief.schedule"]
    if schedule["kind"] != "whole_amount":
        raise SystemExit(f"medical_relief.schedule is {schedule['kind']!r}: not implemented here")
    reading("medical_relief.catalogue", CATALOGUE_READINGS)
    rated = [(float(b["from"]), float(b.get("rate", 0))) for b in schedule["brackets"]]
    fixed = [(float(b["from"]), float(b.get("amount", 0))) for b in schedule["brackets"]]
    numbers = (
        "hardship.income_multiple",
        "hardship.ample_income_multiple",
        "sudden_expense.medical_share_of_income",
        "migrant_worker.min_wage_share",
        "tekun.income_multiple",
        "tekun.dibao_subsidy_multiple",
    )
    number = {name: float(given[name]) for name in numbers}
    return {
        "dibao": {
            "standard_monthly": _dated(float(given["dibao.standard_monthly"])),
            "average_subsidy_monthly": _dated(float(given["dibao.average_subsidy_monthly"])),
        },
        "income": {
            "includes_dibao_top_up": _dated(bool(given["income.includes_dibao_top_up"])),
        },
        "employment": {
            "flexible_counts_as_full": _dated(bool(given["employment.flexible_counts_as_full"])),
        },
        "subject": {
            "workers": _dated(WORKER_READINGS[reading("subject.workers", WORKER_READINGS)])
        },
        "hardship": {
            "test": _dated(GENERAL_TESTS[reading("hardship.test", GENERAL_TESTS)]),
            "income_multiple": _dated(number["hardship.income_multiple"]),
            "ample_income_multiple": _dated(number["hardship.ample_income_multiple"]),
        },
        "sudden_expense": {
            "medical_share_of_income": _dated(number["sudden_expense.medical_share_of_income"]),
        },
        "migrant_worker": {
            "min_years_in_city": _dated(int(given["migrant_worker.min_years_in_city"])),
            "min_wage_share": _dated(number["migrant_worker.min_wage_share"]),
        },
        "tekun": {
            "test": _dated(GENERAL_TESTS[reading("tekun.general_condition", GENERAL_TESTS)]),
            "income_multiple": _dated(number["tekun.income_multiple"]),
            "dibao_subsidy_multiple": _dated(number["tekun.dibao_subsidy_multiple"]),
            "family_planning_max_children": _dated(
                int(given["tekun.family_planning_max_children"])
            ),
        },
        "medical_relief": {"schedule": {"rate": _scale(rated), "fixed": _scale(fixed)}},
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
    "laid_off_in_restructuring": (bool, "laid_off_in_restructuring"),
}


# --------------------------------------------------------------------------- formulas
class Codes:
    """Enum codes of the columns (given by the benchmark with the data)."""

    child = 2
    employed: tuple[int, ...] = (0, 1)
    flexible = 1
    laid_off = 3
    seeking: tuple[int, ...] = (2, 3)
    beyond_compulsory: tuple[int, ...] = (3, 4, 5, 6)


def _one_of(values, codes) -> np.ndarray:
    found = values == codes[0]
    for code in codes[1:]:
        found |= values == code
    return found


# --- members
class employed(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person
    label = "Employed or in flexible employment"

    def formula(person, period):
        return _one_of(person("employment", period), Codes.employed)


class job_seeker(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person
    label = "Able to work, unemployed or laid off (willing, no job)"

    def formula(person, period):
        return person("able_to_work", period) & _one_of(person("employment", period), Codes.seeking)


class flexible_worker(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person
    label = "Able to work, in flexible employment"

    def formula(person, period):
        return person("able_to_work", period) & (person("employment", period) == Codes.flexible)


class laid_off(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person

    def formula(person, period):
        return person("employment", period) == Codes.laid_off


class child(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person

    def formula(person, period):
        return person("relation", period) == Codes.child


class child_beyond_compulsory(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Person
    label = "A child in full-time education beyond the compulsory stage"

    def formula(person, period):
        return person("child", period) & _one_of(
            person("education_stage", period), Codes.beyond_compulsory
        )


# --- household money
class annual_wages(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "12 x members' monthly income"

    def formula(household, period):
        return household.sum(household.members("monthly_income", period)) * 12


class annual_income(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "12 x members' monthly income + other annual income"

    def formula(household, period):
        return household("annual_wages", period) + household("other_annual_income", period)


class whole_income(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "家庭当年全部收入: the annual income, with the 低保 top-up when it counts"

    def formula(household, period, parameters):
        income = household("annual_income", period)
        if not parameters(period).income.includes_dibao_top_up:
            return income
        top_up = household("dibao_subsidy_per_capita", period) * household.nb_persons() * 12
        return income + where(household("dibao_recipient", period), top_up, 0)


class annual_expenses(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household

    def formula(household, period):
        return (
            household("expense_rent", period)
            + household("expense_living", period)
            + household("expense_medical", period)
            + household("expense_education", period)
            + household("expense_other", period)
        )


class dibao_line(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "The 低保标准 for the household, a year"

    def formula(household, period, parameters):
        return parameters(period).dibao.standard_monthly * 12 * household.nb_persons()


class seriously_ill(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "A member has a serious or chronic illness"

    def formula(household, period):
        return household.any(household.members("serious_illness", period))


class has_job_seeker(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "A member able to work is seeking a job (read by group 二(一) and criterion c)"

    def formula(household, period):
        return household.any(household.members("job_seeker", period))


# --- the five national target groups (000 二)
class workers_household(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "A worker's household (subject.workers): any, or one serving or seeking work"

    def formula(household, period, parameters):
        if parameters(period).subject.workers == WORKERS_ANY_MEMBER:
            return np.ones(household.count, dtype=bool)
        return (
            household.any(household.members("employed", period))
            | household.any(household.members("laid_off", period))
            | household("has_job_seeker", period)
        )


class ample_income(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "Income at least hardship.ample_income_multiple times the 低保 line"

    def formula(household, period, parameters):
        multiple = parameters(period).hardship.ample_income_multiple
        return household("annual_income", period) >= household("dibao_line", period) * multiple


class year_spending(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "The year's spending, the out-of-pocket medical cost in place of a smaller one"

    def formula(household, period):
        medical = household("expense_medical", period)
        return (
            household("annual_expenses", period)
            - medical
            + max_(medical, household("medical_out_of_pocket", period))
        )


class named_spending(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "The spending 003 一.1(a)(b) names: the medical cost and school fees"

    def formula(household, period):
        medical = max_(
            household("expense_medical", period), household("medical_out_of_pocket", period)
        )
        return medical + household("expense_education", period)


def hardship_test(household, period, income, test: int, multiple: float):
    """One of the readings of :data:`GENERAL_TESTS` on ``income``; the spending halves
    never count with ample income."""
    line = household("dibao_line", period) * multiple
    low = income < line
    if test == TEST_ONLY_INCOME:
        return low
    if test == TEST_OR_GAP:
        shown = household("year_spending", period) > income
    else:
        shown = income - household("named_spending", period) < line
    return low | (shown & ~household("ample_income", period))


class in_hardship(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "生活困难 (hardship.test) of a worker's household"

    def formula(household, period, parameters):
        p = parameters(period).hardship
        income = household("annual_income", period)
        found = hardship_test(household, period, income, p.test, p.income_multiple)
        return found & household("workers_household", period)


class group_dibao_underemployed(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period, parameters):
        seeking = household("has_job_seeker", period)
        if not parameters(period).employment.flexible_counts_as_full:
            seeking = seeking | household.any(household.members("flexible_worker", period))
        return (
            household("dibao_recipient", period)
            & seeking
            & ~household("ample_income", period)
            & household("workers_household", period)
        )


class group_below_dibao_uncovered(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        below = household("annual_income", period) < household("dibao_line", period)
        return (
            below & ~household("dibao_recipient", period) & household("workers_household", period)
        )


class group_sudden_expense(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period, parameters):
        share = parameters(period).sudden_expense.medical_share_of_income
        cost = household("medical_out_of_pocket", period)
        jump = (
            household("seriously_ill", period)
            & (cost >= household("annual_income", period) * share)
            & (cost > 0)
        )
        return (jump | household("disaster_loss", period)) & household("in_hardship", period)


class settled(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "In the town for the required years"

    def formula(household, period, parameters):
        return household("years_in_city", period) >= (
            parameters(period).migrant_worker.min_years_in_city
        )


class group_migrant_worker(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return (
            household("migrant_worker", period)
            & household("settled", period)
            & household("in_hardship", period)
        )


class group_restructuring_laid_off(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return household("laid_off_in_restructuring", period) & household("in_hardship", period)


class kunnan(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "困难职工: in one of the five target groups (000 二)"

    def formula(household, period):
        return (
            household("group_dibao_underemployed", period)
            | household("group_below_dibao_uncovered", period)
            | household("group_sudden_expense", period)
            | household("group_migrant_worker", period)
            | household("group_restructuring_laid_off", period)
        )


# --- Hebei's 特困 (003 一.1)
class cannot_live_without_help(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "The general conditions (tekun.general_condition) on the whole income"

    def formula(household, period, parameters):
        p = parameters(period).tekun
        income = household("whole_income", period)
        return hardship_test(household, period, income, p.test, p.income_multiple)


class criterion_a(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return household("seriously_ill", period) & (
            household("medical_out_of_pocket", period) > household("whole_income", period)
        )


class criterion_b(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period, parameters):
        most = parameters(period).tekun.family_planning_max_children
        children = household.sum(household.members("child", period))
        return (
            household.any(household.members("child_beyond_compulsory", period))
            & (children <= most)
            & (household("expense_education", period) > 0)
            & (household("annual_expenses", period) > household("whole_income", period))
        )


class criterion_c(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return household("has_job_seeker", period) & ~household.any(
            household.members("employed", period)
        )


class criterion_d(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return household("three_no", period)


class criterion_e(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period):
        return household("disaster_loss", period)


class criterion_f(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household

    def formula(household, period, parameters):
        p = parameters(period)
        threshold = p.dibao.average_subsidy_monthly * p.tekun.dibao_subsidy_multiple
        return household("dibao_recipient", period) & (
            household("dibao_subsidy_per_capita", period) >= threshold
        )


class living_on_wages(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "以工资收入为主要生活来源: wages at least migrant_worker.min_wage_share of the income"

    def formula(household, period, parameters):
        share = parameters(period).migrant_worker.min_wage_share
        return household("annual_wages", period) >= household("annual_income", period) * share


class tekun(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "特困职工 (Hebei 003 一.1): general conditions, one of a-f, a worker"

    def formula(household, period):
        met = (
            household("criterion_a", period)
            | household("criterion_b", period)
            | household("criterion_c", period)
            | household("criterion_d", period)
            | household("criterion_e", period)
            | household("criterion_f", period)
        )
        worker = ~household("migrant_worker", period) | (
            household("settled", period) & household("living_on_wages", period)
        )
        return met & household("cannot_live_without_help", period) & worker


class eligible(Variable):
    definition_period = YEAR
    value_type = bool
    entity = Household
    label = "May open a file: 困难职工 or 特困职工"

    def formula(household, period):
        return household("kunnan", period) | household("tekun", period)


class medical_relief(Variable):
    definition_period = YEAR
    value_type = float
    entity = Household
    label = "医疗救助 (Hebei 003 五.10), yuan, for 特困 only"

    def formula(household, period, parameters):
        schedule = parameters(period).medical_relief.schedule
        cost = household("medical_out_of_pocket", period)
        fixed = schedule.fixed.calc(cost)
        amount = where(fixed > 0, fixed, round_(cost * schedule.rate.calc(cost), 2))
        granted = (
            household("tekun", period)
            & household("seriously_ill", period)
            & (cost > household("whole_income", period))
            & household("medical_in_catalog", period)  # all_or_nothing
            & (amount > 0)
        )
        return where(granted, amount, 0)


FORMULAS = (
    employed,
    laid_off,
    job_seeker,
    flexible_worker,
    child,
    child_beyond_compulsory,
    annual_wages,
    annual_income,
    whole_income,
    annual_expenses,
    dibao_line,
    seriously_ill,
    has_job_seeker,
    workers_household,
    ample_income,
    year_spending,
    named_spending,
    in_hardship,
    group_dibao_underemployed,
    group_below_dibao_uncovered,
    group_sudden_expense,
    settled,
    group_migrant_worker,
    group_restructuring_laid_off,
    kunnan,
    cannot_live_without_help,
    criterion_a,
    criterion_b,
    criterion_c,
    criterion_d,
    criterion_e,
    criterion_f,
    living_on_wages,
    tekun,
    eligible,
    medical_relief,
)


class HebeiTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self, parameters: dict) -> None:
        super().__init__([Person, Household])
        inputs = [_input(name, Person, kind) for name, (kind, _) in PERSON_INPUTS.items()] + [
            _input(name, Household, kind) for name, (kind, _) in HOUSEHOLD_INPUTS.items()
        ]
        self.add_variables(*inputs, *FORMULAS)
        self.parameters = ParameterNode("", data=parameter_tree(parameters))


# --------------------------------------------------------------------------- driver
def in_own_units(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every input as OpenFisca holds it: money in float32 yuan (from fen), the rest as given."""
    out = {}
    for prefix, inputs in (("m_", PERSON_INPUTS), ("h_", HOUSEHOLD_INPUTS)):
        for name, (kind, column) in inputs.items():
            value = data[prefix + column]
            out[name] = (value / 100).astype(np.float32) if kind is float else value
    return out


def build(system: TaxBenefitSystem, data: dict[str, np.ndarray], inputs: dict[str, np.ndarray]):
    """A simulation of the households in ``data`` through ``SimulationBuilder``, with every
    input set."""
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
    for name, value in inputs.items():
        simulation.set_input(name, PERIOD, value)
    return simulation


def build_lean(
    system: TaxBenefitSystem, data: dict[str, np.ndarray], inputs: dict[str, np.ndarray]
):
    """The same simulation with the populations set directly (household indices 0..n-1
    as membership, no roles), then every input set."""
    n = len(data["h_other_annual_income"])
    household_of = data["m_household"]
    populations = system.instantiate_entities()
    person, household = populations["person"], populations["household"]
    person.ids, person.count = np.arange(len(household_of)), len(household_of)
    household.ids, household.count = np.arange(n), n
    household.members_entity_id = household_of
    simulation = Simulation(system, populations)
    for name, value in inputs.items():
        simulation.set_input(name, PERIOD, value)
    return simulation


OUTPUTS = ("eligible", "medical_relief", "tekun", "kunnan")


def _timed(make, system, data, inputs) -> tuple[float, float, float, dict[str, np.ndarray]]:
    """(build s, calculate s, CPU s, results) of one run; eligibility and medical relief
    are calculated on the clock, the populations read after it (already computed)."""
    cpu = time.process_time()
    start = time.perf_counter()
    simulation = make(system, data, inputs)
    built = time.perf_counter()
    simulation.calculate("eligible", PERIOD)
    simulation.calculate("medical_relief", PERIOD)
    done = time.perf_counter()
    used = time.process_time() - cpu
    results = {name: simulation.calculate(name, PERIOD) for name in OUTPUTS}
    return built - start, done - built, used, results


BUILDS = {"builder": build, "lean": build_lean}


def prepare(data: dict[str, np.ndarray]) -> tuple[TaxBenefitSystem, dict[str, np.ndarray]]:
    """The system with the benchmark's codes and parameters, and the inputs in its units."""
    Codes.child = int(data["code_child"])
    Codes.employed = tuple(int(c) for c in data["codes_employed"])
    Codes.flexible = int(data["code_flexible"])
    Codes.laid_off = int(data["code_laid_off"])
    Codes.seeking = tuple(int(c) for c in data["codes_seeking"])
    Codes.beyond_compulsory = tuple(int(c) for c in data["codes_beyond_compulsory"])
    system = HebeiTaxBenefitSystem(json.loads(str(data["parameters"])))
    return system, in_own_units(data)


def serve(data: dict[str, np.ndarray], target: str, commands, answers) -> None:
    """Answer the benchmark's commands, one a line, until ``save`` or the end of input:
    ``builder`` or ``lean`` runs that build once and answers its timings as one JSON line
    (``build_s``, ``calculate_s``, ``cpu_s``); ``save`` writes the results of the first
    run to ``target`` (every later run must compute the same, or the process stops)."""
    system, inputs = prepare(data)
    first: dict[str, np.ndarray] | None = None
    print("ready", file=answers, flush=True)
    for line in commands:
        command = line.strip()
        if command == "save":
            np.savez(target, **(first or {}))
            print("saved", file=answers, flush=True)
            return
        if command not in BUILDS:
            raise SystemExit(f"unknown command {command!r} (builder, lean, save)")
        built, calculated, used, results = _timed(BUILDS[command], system, data, inputs)
        if first is None:
            first = results
        for name in OUTPUTS:
            if not np.array_equal(results[name], first[name]):
                raise SystemExit(f"the {command} build computes another {name} than before")
        del results
        timings = {"build_s": built, "calculate_s": calculated, "cpu_s": used}
        print(json.dumps(timings), file=answers, flush=True)


def main(argv: list[str]) -> int:
    source, target = argv[1], argv[2]
    with np.load(source) as f:
        data = {k: f[k] for k in f.files}
    serve(data, target, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
