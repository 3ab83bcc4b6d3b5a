"""Policy diff: two tenants, or one tenant at two dates, parameter by parameter.

Each parameter is shown on both sides with its value, who set it, since when, and its
citation (the ``source`` of its parameter file); programmes are compared by code with
their clauses. Then a grid of household types (size, income per person, illness, 低保)
is evaluated on both sides, and the types whose eligibility or programmes differ are
listed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.evaluation import evaluate_batch
from core.facts import HouseholdFacts
from core.model import Household, parse_household
from core.parameters import ResolvedParameter
from core.registry import Tenant


@dataclass(frozen=True)
class Side:
    value: Any
    defined_by: str
    effective_from: str
    source: str
    unit: str | None

    @classmethod
    def of(cls, p: ResolvedParameter | None) -> Side | None:
        if p is None:
            return None
        return cls(p.json_value(), p.defined_by, p.effective_from.isoformat(), p.source, p.unit)


@dataclass(frozen=True)
class ParameterDiff:
    name: str
    description: str
    a: Side | None
    b: Side | None

    @property
    def same(self) -> bool:
        return self.a is not None and self.b is not None and self.a.value == self.b.value


@dataclass(frozen=True)
class ProgrammeDiff:
    code: str
    name: str
    a_basis: str | None
    b_basis: str | None


@dataclass(frozen=True)
class HouseholdType:
    label_zh: str
    label_en: str
    household: Household


@dataclass(frozen=True)
class Flip:
    household: HouseholdType
    a_eligible: bool
    b_eligible: bool
    a_programmes: tuple[str, ...]
    b_programmes: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDiff:
    a: str  #: "hebei @ 2026-06-01"
    b: str
    parameters: list[ParameterDiff]
    programmes: list[ProgrammeDiff]
    flips: list[Flip]
    types_checked: int

    @property
    def differing(self) -> list[ParameterDiff]:
        return [p for p in self.parameters if not p.same]

    def as_dict(self) -> dict[str, Any]:
        def side(s: Side | None) -> dict[str, Any] | None:
            return None if s is None else s.__dict__ | {"value": s.value}

        return {
            "a": self.a,
            "b": self.b,
            "parameters": [
                {
                    "name": p.name,
                    "description": p.description,
                    "same": p.same,
                    "a": side(p.a),
                    "b": side(p.b),
                }
                for p in self.parameters
            ],
            "programmes": [p.__dict__ for p in self.programmes],
            "typesChecked": self.types_checked,
            "flips": [
                {
                    "type": f.household.label_zh,
                    "typeEn": f.household.label_en,
                    "aEligible": f.a_eligible,
                    "bEligible": f.b_eligible,
                    "aProgrammes": list(f.a_programmes),
                    "bProgrammes": list(f.b_programmes),
                }
                for f in self.flips
            ],
        }


SIZES = (1, 3, 5)
INCOMES = (0, 300, 600, 900, 1500, 3000)  #: yuan per person per month


def household_types() -> list[HouseholdType]:
    """The grid of household types the diff checks (3 sizes x 6 incomes x illness x 低保: 72)."""
    out = []
    for size, income, ill, dibao in itertools.product(SIZES, INCOMES, (False, True), (False, True)):
        members = [
            {
                "name": "申请人",
                "relation": "APPLICANT",
                "age": 45,
                "ableToWork": True,
                "employment": "EMPLOYED" if income else "UNEMPLOYED",
                "monthlyIncome": str(income * size),
                "seriousIllness": ill,
            }
        ]
        for i in range(1, size):
            child = i >= 2
            members.append(
                {
                    "name": f"成员{i}",
                    "relation": "CHILD" if child else "SPOUSE",
                    "age": 12 if child else 43,
                    "employment": "STUDENT" if child else "UNEMPLOYED",
                    "educationStage": "COMPULSORY" if child else "NONE",
                }
            )
        household = parse_household(
            {
                "members": members,
                "dibaoRecipient": dibao,
                "dibaoContinuousMonths": 12 if dibao else 0,
                "annualMedicalOutOfPocket": "30000" if ill else "0",
                "medicalInInsuranceCatalog": True,
            }
        )
        zh = (
            f"{size}人户,人均月收入{income}元"
            + (",有重病" if ill else "")
            + (",低保户" if dibao else "")
        )
        en = (
            f"{size} person(s), {income} yuan/person/month"
            + (", serious illness" if ill else "")
            + (", in 低保" if dibao else "")
        )
        out.append(HouseholdType(zh, en, household))
    return out


_TYPES: list[HouseholdType] | None = None


def _types() -> list[HouseholdType]:
    global _TYPES
    if _TYPES is None:
        _TYPES = household_types()
    return _TYPES


def policy_diff(a: Tenant, on_a: date, b: Tenant, on_b: date) -> PolicyDiff:
    pa, pb = a.parameter_table.resolve_all(on_a), b.parameter_table.resolve_all(on_b)
    parameters = []
    for name in sorted(set(pa) | set(pb)):
        either = pa.get(name) or pb[name]
        parameters.append(
            ParameterDiff(name, either.description, Side.of(pa.get(name)), Side.of(pb.get(name)))
        )
    progs_a = {p.code: p for p in a.programmes}
    progs_b = {p.code: p for p in b.programmes}
    programmes = [
        ProgrammeDiff(
            code,
            (progs_a.get(code) or progs_b[code]).name,
            progs_a[code].basis if code in progs_a else None,
            progs_b[code].basis if code in progs_b else None,
        )
        for code in dict.fromkeys([*progs_a, *progs_b])
    ]
    types = _types()
    facts = HouseholdFacts.from_households([t.household for t in types])
    ea = evaluate_batch(a, facts, on_a)
    eb = evaluate_batch(b, facts, on_b)

    def granted(batch, i: int) -> tuple[str, ...]:
        return tuple(sorted(c for c, g in batch.grants.items() if bool(g.granted[i])))

    flips = []
    for i, t in enumerate(types):
        ga, gb = granted(ea, i), granted(eb, i)
        if bool(ea.eligible[i]) != bool(eb.eligible[i]) or ga != gb:
            flips.append(Flip(t, bool(ea.eligible[i]), bool(eb.eligible[i]), ga, gb))
    return PolicyDiff(
        f"{a.code} @ {on_a}", f"{b.code} @ {on_b}", parameters, programmes, flips, len(types)
    )
