"""Synthetic households: random but valid, reproducible from a seed.

Used by the conformance invariants, the batch-equivalence tests and the benchmarks. Two
forms: :func:`households` gives validated :class:`core.model.Household` objects (for the
single-evaluation path); :func:`columns` gives the same kind of population as numpy
columns for :meth:`core.facts.HouseholdFacts.from_columns` (for a million at once).
"""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np

from core.facts import EMPLOYMENT_CODES, RELATION_CODES, STAGE_CODES
from core.model import EducationStage, Employment, Expenses, Household, Member, Relation

_MONEY_STEPS = (0, 0, 500, 1200, 2500, 4999.99, 5000, 19999.99, 20000, 30000, 50000, 100000)


def _money(rng: random.Random, high: int) -> Decimal:
    if rng.random() < 0.3:
        return Decimal(str(rng.choice(_MONEY_STEPS)))  # bracket edges matter most
    return Decimal(rng.randint(0, high * 100)) / 100


def _member(rng: random.Random, relation: Relation, i: int) -> Member:
    child = relation is Relation.CHILD
    age = rng.randint(3, 24) if child else rng.randint(18, 80)
    stage = rng.choice(list(EducationStage)) if child else EducationStage.NONE
    return Member(
        name=f"成员{i}",
        relation=relation,
        age=age if rng.random() < 0.9 else None,
        monthly_income=Decimal(0) if child else _money(rng, 6000),
        employment=Employment.STUDENT if child else rng.choice(list(Employment)),
        able_to_work=(not child) and rng.random() < 0.6,
        serious_illness=rng.random() < 0.25,
        disabled=rng.random() < 0.08,
        education_stage=stage,
        public_school=rng.random() < 0.8,
        newly_admitted=child and rng.random() < 0.3,
        has_medical_insurance=rng.random() < 0.9,
        has_pension_insurance=rng.random() < 0.8,
    )


def household(rng: random.Random) -> Household:
    relations = [Relation.APPLICANT]
    relations += [
        rng.choice([Relation.SPOUSE, Relation.CHILD, Relation.CHILD, Relation.PARENT])
        for _ in range(rng.randint(0, 4))
    ]
    dibao = rng.random() < 0.35
    return Household(
        members=[_member(rng, r, i) for i, r in enumerate(relations)],
        other_annual_income=_money(rng, 30000) if rng.random() < 0.4 else Decimal(0),
        dibao_recipient=dibao,
        dibao_continuous_months=rng.randint(0, 36) if dibao else 0,
        dibao_monthly_subsidy_per_capita=_money(rng, 900) if dibao else Decimal(0),
        annual_medical_out_of_pocket=_money(rng, 150000) if rng.random() < 0.6 else Decimal(0),
        medical_in_insurance_catalog=rng.random() < 0.85,
        housing_area_m2=Decimal(rng.randint(800, 12000)) / 100 if rng.random() < 0.8 else None,
        has_housing=rng.random() < 0.9,
        disaster_loss=rng.random() < 0.05,
        three_no=rng.random() < 0.03,
        migrant_worker=rng.random() < 0.2,
        years_in_city=rng.randint(0, 10),
        laid_off_in_restructuring=rng.random() < 0.15,
        reemployment_certificate=rng.random() < 0.2,
        self_employed=rng.random() < 0.15,
        annual_expenses={
            "rent": _money(rng, 12000),
            "living": _money(rng, 30000),
            "medical": _money(rng, 20000),
            "education": _money(rng, 15000),
            "other": _money(rng, 5000),
        },
    )


def households(count: int, seed: int = 2026) -> list[Household]:
    rng = random.Random(seed)
    return [household(rng) for _ in range(count)]


def columns(count: int, seed: int = 2026) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A columnar population of ``count`` households (money in fen), fully vectorised."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, count)
    total = int(sizes.sum())
    household_index = np.repeat(np.arange(count), sizes)
    first = np.zeros(total, dtype=bool)
    first[np.concatenate(([0], np.cumsum(sizes)[:-1]))] = True
    relation = np.where(
        first,
        RELATION_CODES[Relation.APPLICANT],
        rng.choice(
            [RELATION_CODES[r] for r in (Relation.SPOUSE, Relation.CHILD, Relation.PARENT)],
            total,
        ),
    )
    child = relation == RELATION_CODES[Relation.CHILD]

    def fen(high_yuan: int, size: int, share: float = 1.0) -> np.ndarray:
        values = rng.integers(0, high_yuan * 100, size)
        edges = np.array([int(x * 100) for x in _MONEY_STEPS])
        values = np.where(rng.random(size) < 0.3, rng.choice(edges, size), values)
        return np.where(rng.random(size) < share, values, 0).astype(np.int64)

    member = {
        "household": household_index,
        "relation": relation,
        "age": np.where(child, rng.integers(3, 25, total), rng.integers(18, 81, total)),
        "monthly_income": np.where(child, 0, fen(6000, total)),
        "employment": np.where(
            child, EMPLOYMENT_CODES[Employment.STUDENT], rng.integers(0, len(Employment), total)
        ),
        "able_to_work": ~child & (rng.random(total) < 0.6),
        "serious_illness": rng.random(total) < 0.25,
        "disabled": rng.random(total) < 0.08,
        "education_stage": np.where(
            child, rng.integers(0, len(EducationStage), total), STAGE_CODES[EducationStage.NONE]
        ),
        "public_school": rng.random(total) < 0.8,
        "newly_admitted": child & (rng.random(total) < 0.3),
        "has_medical_insurance": rng.random(total) < 0.9,
        "has_pension_insurance": rng.random(total) < 0.8,
    }
    dibao = rng.random(count) < 0.35
    household = {
        "other_annual_income": fen(30000, count, 0.4),
        "medical_out_of_pocket": fen(150000, count, 0.6),
        "dibao_subsidy_per_capita": np.where(dibao, fen(900, count), 0),
        "expense_rent": fen(12000, count),
        "expense_living": fen(30000, count),
        "expense_medical": fen(20000, count),
        "expense_education": fen(15000, count),
        "expense_other": fen(5000, count),
        "dibao_recipient": dibao,
        "dibao_months": np.where(dibao, rng.integers(0, 37, count), 0),
        "medical_in_catalog": rng.random(count) < 0.85,
        "housing_area_cm2": np.where(rng.random(count) < 0.8, rng.integers(800, 12001, count), -1),
        "has_housing": rng.random(count) < 0.9,
        "disaster_loss": rng.random(count) < 0.05,
        "three_no": rng.random(count) < 0.03,
        "migrant_worker": rng.random(count) < 0.2,
        "years_in_city": rng.integers(0, 11, count),
        "laid_off_in_restructuring": rng.random(count) < 0.15,
        "reemployment_certificate": rng.random(count) < 0.2,
        "self_employed": rng.random(count) < 0.15,
    }
    return household, member


def households_from_columns(
    household: dict[str, np.ndarray], member: dict[str, np.ndarray], limit: int | None = None
) -> list[Household]:
    """The same population as validated objects (to check the columnar path against)."""
    n = len(household["other_annual_income"]) if limit is None else limit
    relations, employments, stages = list(Relation), list(Employment), list(EducationStage)
    by_household: list[list[Member]] = [[] for _ in range(n)]
    for j in range(len(member["household"])):
        h = int(member["household"][j])
        if h >= n:
            break
        age = int(member["age"][j])
        by_household[h].append(
            Member(
                name=f"成员{j}",
                relation=relations[int(member["relation"][j])],
                age=age if age >= 0 else None,
                monthly_income=Decimal(int(member["monthly_income"][j])) / 100,
                employment=employments[int(member["employment"][j])],
                able_to_work=bool(member["able_to_work"][j]),
                serious_illness=bool(member["serious_illness"][j]),
                disabled=bool(member["disabled"][j]),
                education_stage=stages[int(member["education_stage"][j])],
                public_school=bool(member["public_school"][j]),
                newly_admitted=bool(member["newly_admitted"][j]),
                has_medical_insurance=bool(member["has_medical_insurance"][j]),
                has_pension_insurance=bool(member["has_pension_insurance"][j]),
            )
        )
    out = []
    for i in range(n):

        def money(name: str, i: int = i) -> Decimal:
            return Decimal(int(household[name][i])) / 100

        area = int(household["housing_area_cm2"][i])
        out.append(
            Household(
                members=by_household[i],
                other_annual_income=money("other_annual_income"),
                dibao_recipient=bool(household["dibao_recipient"][i]),
                dibao_continuous_months=int(household["dibao_months"][i]),
                dibao_monthly_subsidy_per_capita=money("dibao_subsidy_per_capita"),
                annual_medical_out_of_pocket=money("medical_out_of_pocket"),
                medical_in_insurance_catalog=bool(household["medical_in_catalog"][i]),
                housing_area_m2=Decimal(area) / 100 if area >= 0 else None,
                has_housing=bool(household["has_housing"][i]),
                disaster_loss=bool(household["disaster_loss"][i]),
                three_no=bool(household["three_no"][i]),
                migrant_worker=bool(household["migrant_worker"][i]),
                years_in_city=int(household["years_in_city"][i]),
                laid_off_in_restructuring=bool(household["laid_off_in_restructuring"][i]),
                reemployment_certificate=bool(household["reemployment_certificate"][i]),
                self_employed=bool(household["self_employed"][i]),
                annual_expenses={
                    k: money(f"expense_{k}")
                    for k in ("rent", "living", "medical", "education", "other")
                },
            )
        )
    return out


# --------------------------------------------------------------------------- hypothesis
def hypothesis_households(well_off_line_yuan: Decimal | None = None):
    """A hypothesis strategy of valid households.

    With ``well_off_line_yuan`` (the yearly income per person a household must exceed),
    only well-off ones (the shared invariant 1 of RULES.md): every member insured, nobody
    ill, disabled, displaced, laid off or in 低保, and per-capita income above the line.
    """
    from hypothesis import strategies as st

    well_off = well_off_line_yuan is not None

    @st.composite
    def member(draw, relation: Relation, i: int) -> Member:
        child = relation is Relation.CHILD
        if well_off:
            return Member(
                name=f"成员{i}",
                relation=relation,
                age=draw(st.integers(3, 17)) if child else draw(st.integers(25, 59)),
                monthly_income=Decimal(0),
                employment=Employment.STUDENT if child else Employment.EMPLOYED,
                able_to_work=not child,
                education_stage=EducationStage.COMPULSORY if child else EducationStage.NONE,
            )
        return Member(
            name=f"成员{i}",
            relation=relation,
            age=draw(st.none() | st.integers(0, 90)),
            monthly_income=Decimal(draw(st.integers(0, 2_000_000))) / 100,
            employment=draw(st.sampled_from(list(Employment))),
            able_to_work=draw(st.booleans()),
            serious_illness=draw(st.booleans()),
            disabled=draw(st.booleans()),
            education_stage=draw(st.sampled_from(list(EducationStage))),
            public_school=draw(st.booleans()),
            newly_admitted=draw(st.booleans()),
            has_medical_insurance=draw(st.booleans()),
            has_pension_insurance=draw(st.booleans()),
        )

    @st.composite
    def build(draw) -> Household:
        others = draw(
            st.lists(
                st.sampled_from([Relation.SPOUSE, Relation.CHILD, Relation.PARENT]), max_size=4
            )
        )
        relations = [Relation.APPLICANT, *others]
        members = [draw(member(r, i)) for i, r in enumerate(relations)]
        if well_off_line_yuan is not None:
            income = well_off_line_yuan * len(members) + draw(st.integers(0, 500_000))
            return Household(
                members=members,
                other_annual_income=income,
                housing_area_m2=Decimal(draw(st.integers(20, 100))) * len(members),
                annual_expenses={"living": Decimal(draw(st.integers(0, 30_000)))},
            )
        dibao = draw(st.booleans())
        return Household(
            members=members,
            other_annual_income=Decimal(draw(st.integers(0, 10_000_000))) / 100,
            dibao_recipient=dibao,
            dibao_continuous_months=draw(st.integers(0, 36)) if dibao else 0,
            dibao_monthly_subsidy_per_capita=(
                Decimal(draw(st.integers(0, 90_000))) / 100 if dibao else Decimal(0)
            ),
            annual_medical_out_of_pocket=Decimal(draw(st.integers(0, 20_000_000))) / 100,
            medical_in_insurance_catalog=draw(st.booleans()),
            housing_area_m2=draw(st.none() | st.integers(0, 200).map(Decimal)),
            has_housing=draw(st.booleans()),
            disaster_loss=draw(st.booleans()),
            three_no=draw(st.booleans()),
            migrant_worker=draw(st.booleans()),
            years_in_city=draw(st.integers(0, 10)),
            laid_off_in_restructuring=draw(st.booleans()),
            reemployment_certificate=draw(st.booleans()),
            self_employed=draw(st.booleans()),
            annual_expenses={
                "rent": Decimal(draw(st.integers(0, 20_000))),
                "living": Decimal(draw(st.integers(0, 40_000))),
                "medical": Decimal(draw(st.integers(0, 30_000))),
                "education": Decimal(draw(st.integers(0, 20_000))),
            },
        )

    return build()


def hypothesis_ample_households(per_capita_yuan: Decimal):
    """A hypothesis strategy of households whose per-capita income is at least
    ``per_capita_yuan`` a year (RULES.md shared invariant 1b), declaring anything else:
    any spending (up to several times the income), disaster, illness, out-of-pocket medical
    cost, schooling, employment, insurance and label (migrant worker, laid off, 三无, 低保,
    re-employment certificate)."""
    from hypothesis import strategies as st

    @st.composite
    def member(draw, relation: Relation, i: int) -> Member:
        return Member(
            name=f"成员{i}",
            relation=relation,
            age=draw(st.none() | st.integers(0, 90)),
            monthly_income=Decimal(draw(st.integers(0, 500_000))) / 100,
            employment=draw(st.sampled_from(list(Employment))),
            able_to_work=draw(st.booleans()),
            serious_illness=draw(st.booleans()),
            disabled=draw(st.booleans()),
            education_stage=draw(st.sampled_from(list(EducationStage))),
            public_school=draw(st.booleans()),
            newly_admitted=draw(st.booleans()),
            has_medical_insurance=draw(st.booleans()),
            has_pension_insurance=draw(st.booleans()),
        )

    @st.composite
    def build(draw) -> Household:
        others = draw(
            st.lists(
                st.sampled_from([Relation.SPOUSE, Relation.CHILD, Relation.PARENT]), max_size=4
            )
        )
        relations = [Relation.APPLICANT, *others]
        members = [draw(member(r, i)) for i, r in enumerate(relations)]
        income = per_capita_yuan * len(members) + draw(st.integers(0, 200_000))
        dibao = draw(st.booleans())

        def spend() -> Decimal:  # up to twice the income each, often more than it in all
            return Decimal(draw(st.integers(0, int(income * 200)))) / 100

        return Household(
            members=members,
            other_annual_income=income,
            dibao_recipient=dibao,
            dibao_continuous_months=draw(st.integers(0, 36)) if dibao else 0,
            dibao_monthly_subsidy_per_capita=(
                Decimal(draw(st.integers(0, 90_000))) / 100 if dibao else Decimal(0)
            ),
            annual_medical_out_of_pocket=spend(),
            medical_in_insurance_catalog=draw(st.booleans()),
            housing_area_m2=draw(st.none() | st.integers(0, 200).map(Decimal)),
            has_housing=draw(st.booleans()),
            disaster_loss=draw(st.booleans()),
            three_no=draw(st.booleans()),
            migrant_worker=draw(st.booleans()),
            years_in_city=draw(st.integers(0, 10)),
            laid_off_in_restructuring=draw(st.booleans()),
            reemployment_certificate=draw(st.booleans()),
            self_employed=draw(st.booleans()),
            annual_expenses=Expenses(
                rent=spend(), living=spend(), medical=spend(), education=spend()
            ),
        )

    return build()
