"""A plain numpy pass of the rules the batch benchmark's OpenFisca system computes: the
baseline that says what our framework costs over writing the same rules by hand.

The rules are Hebei's, as :mod:`tests.benchmarks.openfisca_system` writes them and
Bangfu's plugins decide them (``plugins/national``, ``tenants/hebei``): **eligible** (may
open a file) = the national 困难职工 (any of the five target groups of 000 二) or Hebei's
特困职工 (003 一.1), and Hebei's **medical relief** (五.10) for 特困 only. They are written
here once more, directly, as one would without a framework: vectorised numpy over the same
columns Bangfu reads (money in int64 fen, enums as codes), with the same parameters as
Bangfu resolves them on the benchmark's date (the JSON values the OpenFisca system is given),
exact: money stays int64 fen, a multiple is compared without dividing (``income x den <
line x num``), a rate is applied in basis points with one half-up rounding, as Bangfu does.

It computes less than ours. Ours also computes, on the same clock: the national measures
(the four batches and seven plans), Hebei's living relief, the checklist and the budget,
each criterion of a-g kept with its label and basis, the parameter reads recorded for the
rule set's identity, and it asks a plugin stack for all of it. The numpy pass computes the five target groups (they are 困难职工), criteria a-f, the
general conditions and medical relief, nothing else (ground g is a reviewer's, recorded on
a file: a batch has none). The ratio to it is what the framework and everything else ours
answers cost, not a like-for-like race.

No shortcut ours does not also take: every member count and sum is made from the member
columns on the clock (as ``HouseholdFacts.from_columns`` does for ours), and every
comparison ours makes for these rules is made here (ample income, the worker's
household, a migrant worker living on wages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from core.facts import (
    BEYOND_COMPULSORY,
    EMPLOYED_KINDS,
    EMPLOYMENT_CODES,
    RELATION_CODES,
    SEEKING_KINDS,
    STAGE_CODES,
)
from core.model import Employment, Relation

#: Hebei's parameters this pass reads, as resolved (name -> the JSON value)
PARAMETERS = (
    "dibao.standard_monthly",
    "dibao.average_subsidy_monthly",
    "income.includes_dibao_top_up",
    "employment.flexible_counts_as_full",
    "subject.workers",
    "hardship.test",
    "hardship.income_multiple",
    "hardship.ample_income_multiple",
    "sudden_expense.medical_share_of_income",
    "migrant_worker.min_years_in_city",
    "migrant_worker.min_wage_share",
    "tekun.general_condition",
    "tekun.income_multiple",
    "tekun.dibao_subsidy_multiple",
    "tekun.family_planning_max_children",
    "medical_relief.schedule",
    "medical_relief.catalogue",
)
TESTS = ("income_below_multiple", "income_below_multiple_or_gap")
TESTS += ("income_below_multiple_or_named_spending",)
WORKERS = ("any_member", "serving_or_unemployed")

CHILD = RELATION_CODES[Relation.CHILD]
EMPLOYED = tuple(EMPLOYMENT_CODES[k] for k in EMPLOYED_KINDS)
SEEKING = tuple(EMPLOYMENT_CODES[k] for k in SEEKING_KINDS)
FLEXIBLE = EMPLOYMENT_CODES[Employment.FLEXIBLE]
LAID_OFF = EMPLOYMENT_CODES[Employment.LAID_OFF]
BEYOND = tuple(STAGE_CODES[s] for s in BEYOND_COMPULSORY)


def _fen(value: str) -> int:
    return int(Decimal(value) * 100)


def _basis_points(value: str) -> int:
    return int(Decimal(value) * 10_000)


def _ratio(value: str) -> tuple[int, int]:
    return Decimal(value).as_integer_ratio()


def _reading(given: Mapping[str, Any], name: str, known: tuple[str, ...]) -> str:
    value = given[name]
    if value not in known:
        raise ValueError(f"{name} = {value!r}: the numpy pass implements {known}")
    return value


@dataclass(frozen=True)
class Rules:
    """The resolved parameters in the units the pass computes in (fen, basis points,
    exact ratios ``(num, den)``, a reading's text)."""

    dibao_standard: int
    average_subsidy: int
    includes_top_up: bool
    flexible_counts_as_full: bool
    workers: str
    hardship_test: str
    hardship_multiple: tuple[int, int]
    ample_multiple: tuple[int, int]
    medical_share_bp: int
    min_years_in_city: int
    min_wage_share_bp: int
    tekun_test: str
    tekun_multiple: tuple[int, int]
    subsidy_multiple: tuple[int, int]
    max_children: int
    starts: np.ndarray  #: each bracket's start, fen
    rates_bp: np.ndarray  #: each bracket's rate, basis points (0 for a fixed amount)
    fixed: np.ndarray  #: each bracket's fixed amount, fen (-1 for a rate)

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Rules:
        """From the values as resolved (``ResolvedParameter.json_value()``, by name)."""
        schedule = given["medical_relief.schedule"]
        if schedule["kind"] != "whole_amount":
            raise ValueError(f"medical_relief.schedule is {schedule['kind']!r}: not implemented")
        _reading(given, "medical_relief.catalogue", ("all_or_nothing",))
        brackets = schedule["brackets"]
        return cls(
            dibao_standard=_fen(given["dibao.standard_monthly"]),
            average_subsidy=_fen(given["dibao.average_subsidy_monthly"]),
            includes_top_up=bool(given["income.includes_dibao_top_up"]),
            flexible_counts_as_full=bool(given["employment.flexible_counts_as_full"]),
            workers=_reading(given, "subject.workers", WORKERS),
            hardship_test=_reading(given, "hardship.test", TESTS),
            hardship_multiple=_ratio(given["hardship.income_multiple"]),
            ample_multiple=_ratio(given["hardship.ample_income_multiple"]),
            medical_share_bp=_basis_points(given["sudden_expense.medical_share_of_income"]),
            min_years_in_city=int(given["migrant_worker.min_years_in_city"]),
            min_wage_share_bp=_basis_points(given["migrant_worker.min_wage_share"]),
            tekun_test=_reading(given, "tekun.general_condition", TESTS),
            tekun_multiple=_ratio(given["tekun.income_multiple"]),
            subsidy_multiple=_ratio(given["tekun.dibao_subsidy_multiple"]),
            max_children=int(given["tekun.family_planning_max_children"]),
            starts=np.array([_fen(b["from"]) for b in brackets], dtype=np.int64),
            rates_bp=np.array([_basis_points(b.get("rate", "0")) for b in brackets], np.int64),
            fixed=np.array([_fen(b["amount"]) if "amount" in b else -1 for b in brackets]),
        )


def _one_of(codes: np.ndarray, chosen: tuple[int, ...]) -> np.ndarray:
    found = codes == chosen[0]
    for code in chosen[1:]:
        found |= codes == code
    return found


def evaluate(
    household: Mapping[str, np.ndarray], member: Mapping[str, np.ndarray], rules: Rules
) -> dict[str, np.ndarray]:
    """``eligible``, ``kunnan``, ``tekun`` (bool) and ``medical_relief`` (int64 fen) of
    every household of the columns (``core.conformance.generate.columns``' shape)."""
    n = len(household["other_annual_income"])
    owner = np.asarray(member["household"], dtype=np.int64)

    def count(mask: np.ndarray) -> np.ndarray:
        """Per household, the members ``mask`` selects."""
        return np.bincount(owner[mask], minlength=n)

    # --- the members, per household
    members = np.bincount(owner, minlength=n)
    employment = member["employment"]
    able = member["able_to_work"]
    employed = count(_one_of(employment, EMPLOYED))
    seeking = count(able & _one_of(employment, SEEKING))
    flexible = count(able & (employment == FLEXIBLE))
    ill = count(member["serious_illness"]) > 0
    is_child = member["relation"] == CHILD
    children = count(is_child)
    beyond = count(is_child & _one_of(member["education_stage"], BEYOND))
    # exact int64 sums: the running total may wrap, the difference of two of its values
    # does not (members come grouped by household; sorted once when they do not)
    wages_of = np.asarray(member["monthly_income"], dtype=np.int64)
    if owner.size > 1 and not bool((owner[:-1] <= owner[1:]).all()):
        wages_of = wages_of[np.argsort(owner, kind="stable")]
    running = np.zeros(owner.size + 1, dtype=np.int64)
    np.cumsum(wages_of, out=running[1:])
    ends = np.cumsum(members)
    wages = running[ends] - running[ends - members]

    # --- money, fen
    h = household
    income = wages * 12 + h["other_annual_income"]
    cost = h["medical_out_of_pocket"]
    medical = h["expense_medical"]
    education = h["expense_education"]
    spending = h["expense_rent"] + h["expense_living"] + medical + education + h["expense_other"]
    line = rules.dibao_standard * 12 * members  # the 低保 line for a year
    dibao = h["dibao_recipient"]
    if rules.includes_top_up:
        whole = income + h["dibao_subsidy_per_capita"] * members * 12 * dibao
    else:
        whole = income
    num, den = rules.ample_multiple
    ample = income * den >= line * num

    def hardship(of: np.ndarray, test: str, multiple: tuple[int, int]) -> np.ndarray:
        num, den = multiple
        low = of * den < line * num
        if test == "income_below_multiple":
            return low
        if test == "income_below_multiple_or_gap":
            shown = spending - medical + np.maximum(medical, cost) > of
        else:  # the spending 003 一.1(a)(b) names: the medical cost and school fees
            shown = (of - np.maximum(medical, cost) - education) * den < line * num
        return low | (shown & ~ample)

    # --- 困难职工: the five groups of 000 二
    if rules.workers == "any_member":
        worker = np.ones(n, dtype=bool)
    else:
        worker = (employed > 0) | (count(employment == LAID_OFF) > 0) | (seeking > 0)
    in_hardship = hardship(income, rules.hardship_test, rules.hardship_multiple) & worker
    not_fully_employed = seeking > 0
    if not rules.flexible_counts_as_full:
        not_fully_employed |= flexible > 0
    jump = ill & (cost * 10_000 >= income * rules.medical_share_bp) & (cost > 0)
    settled = h["years_in_city"] >= rules.min_years_in_city
    kunnan = dibao & not_fully_employed & ~ample & worker
    kunnan |= (income < line) & ~dibao & worker
    kunnan |= (jump | h["disaster_loss"]) & in_hardship
    kunnan |= h["migrant_worker"] & settled & in_hardship
    kunnan |= h["laid_off_in_restructuring"] & in_hardship

    # --- 特困职工: criteria a-f, the general conditions, a worker (003 一.1)
    num, den = rules.subsidy_multiple
    met = ill & (cost > whole)  # a
    met |= (  # b
        (beyond > 0) & (children <= rules.max_children) & (education > 0) & (spending > whole)
    )
    met |= (seeking > 0) & (employed == 0)  # c
    met |= h["three_no"] | h["disaster_loss"]  # d, e
    met |= dibao & (h["dibao_subsidy_per_capita"] * den >= rules.average_subsidy * num)  # f
    on_wages = wages * 12 * 10_000 >= income * rules.min_wage_share_bp
    a_worker = ~h["migrant_worker"] | (settled & on_wages)
    binding = hardship(whole, rules.tekun_test, rules.tekun_multiple) & a_worker
    tekun = met & binding

    # --- medical relief (五.10): the bracket's rate of the whole cost, or its fixed amount
    bracket = np.searchsorted(rules.starts, cost, side="right") - 1
    fixed = rules.fixed[bracket]
    rated = (cost * rules.rates_bp[bracket] + 5_000) // 10_000
    amount = np.where(fixed >= 0, fixed, rated)
    granted = tekun & ill & (cost > whole) & h["medical_in_catalog"] & (amount > 0)
    return {
        "eligible": kunnan | tekun,
        "kunnan": kunnan,
        "tekun": tekun,
        "medical_relief": np.where(granted, amount, 0),
    }
