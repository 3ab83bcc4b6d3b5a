"""Household facts: the derived view every rule reads, one column per fact.

The core computes these once per household (per-capita figures, counts of members by
situation, money in fen) so that no tenant re-derives them and every tenant reads them the
same way. They are columns, numpy arrays with one entry per household: a single
evaluation is a batch of one, and a million households are one call. Rules written as
column expressions (``cost > income``, ``np.where``) therefore serve both the caseworker
waiting for one answer and the national simulation of a million.

Money is ``int64`` fen; counts are ``int64``; conditions are ``bool``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

import numpy as np

from core.model import EducationStage, Employment, Household, Relation

#: The default working ages (16 to 60) for ``working_age_without_pension`` when the facts
#: are built without parameters. Evaluation recomputes it from the tenant's dated
#: parameters ``ages.working_from`` and ``ages.retirement`` (see :func:`with_ages`).
WORKING_AGE = (16, 60)
#: Employment kinds of a member who is able and willing to work but has no job: those
#: seeking work. Students, the retired and those unable to work are not job seekers.
SEEKING_KINDS = (Employment.UNEMPLOYED, Employment.LAID_OFF)

EMPLOYED_KINDS = (Employment.EMPLOYED, Employment.FLEXIBLE)
BEYOND_COMPULSORY = (
    EducationStage.HIGH_SCHOOL,
    EducationStage.SECONDARY_VOCATIONAL,
    EducationStage.UNDERGRADUATE,
    EducationStage.POSTGRADUATE,
)
COLLEGE = (EducationStage.UNDERGRADUATE, EducationStage.POSTGRADUATE)
STAGE_CODES = {stage: i for i, stage in enumerate(EducationStage)}
EMPLOYMENT_CODES = {kind: i for i, kind in enumerate(Employment)}
RELATION_CODES = {rel: i for i, rel in enumerate(Relation)}


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    """What the rules know of each household. Every field is an array of length ``size``."""

    size: int
    # --- members
    members: np.ndarray  #: number of members
    able_to_work: np.ndarray  #: members able to work
    employed: np.ndarray  #: members employed or in flexible employment
    able_not_employed: np.ndarray  #: able to work but not employed
    able_seeking: np.ndarray  #: able to work, unemployed or laid off (willing, no job)
    able_flexible: np.ndarray  #: able to work, in flexible (part-time, gig) employment
    laid_off: np.ndarray  #: members laid off (下岗)
    serious_illness: np.ndarray  #: members with serious or chronic illness
    disabled: np.ndarray  #: members with a disability
    children: np.ndarray  #: members whose relation is CHILD
    children_in_school: np.ndarray  #: children at any stage of education
    children_compulsory: np.ndarray  #: children in compulsory education
    children_beyond_compulsory: np.ndarray  #: children in full-time education past it
    children_in_college: np.ndarray  #: children at undergraduate or postgraduate level
    children_seeking: np.ndarray  #: children able to work, unemployed (young job seekers)
    children_postgraduate: np.ndarray  #: children newly admitted to postgraduate study
    new_public_high_school: np.ndarray  #: children newly admitted to a public high school
    new_college: np.ndarray  #: children newly admitted to a recognised college
    without_medical_insurance: np.ndarray  #: members without basic medical insurance
    working_age_without_pension: np.ndarray  #: working-age members without pension cover
    # --- money, in fen
    monthly_wages: np.ndarray  #: members' monthly income, summed
    annual_income: np.ndarray  #: 12 x monthly wages + other annual income
    medical_out_of_pocket: np.ndarray  #: the year's medical cost after every reimbursement
    dibao_subsidy_per_capita: np.ndarray  #: monthly 低保 top-up per person
    expense_rent: np.ndarray
    expense_living: np.ndarray
    expense_medical: np.ndarray
    expense_education: np.ndarray
    expense_other: np.ndarray
    # --- situation
    dibao_recipient: np.ndarray
    dibao_months: np.ndarray  #: continuous months in 低保
    medical_in_catalog: np.ndarray
    medical_in_catalogue_cost: np.ndarray  #: fen within the catalogue; -1 when not given
    housing_area_cm2: np.ndarray  #: floor area in 1/100 m2; -1 when not given
    has_housing: np.ndarray
    disaster_loss: np.ndarray
    three_no: np.ndarray
    migrant_worker: np.ndarray
    years_in_city: np.ndarray
    laid_off_in_restructuring: np.ndarray
    reemployment_certificate: np.ndarray
    self_employed: np.ndarray
    # --- members, one entry per member (not per household)
    member_household: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    member_age: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  #: -1 unknown
    member_pension: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: facts derived by the core (age bands) and by ``bangfu_derived_facts``, by name
    derived: dict[str, np.ndarray] = field(default_factory=dict)

    def count_members(self, mask: np.ndarray) -> np.ndarray:
        """Per household, how many of its members ``mask`` (one entry per member) selects."""
        return np.bincount(self.member_household[mask], minlength=self.size).astype(np.int64)

    def members_aged(self, low: int, high: int | None = None) -> np.ndarray:
        """Per household, members aged ``low`` or over (and under ``high``)."""
        age = self.member_age
        mask = age >= low
        if high is not None:
            mask &= age < high
        return self.count_members(mask)

    @property
    def annual_expenses(self) -> np.ndarray:
        """The year's spending, all kinds (computed once per batch, kept with the facts)."""
        found = self.derived.get("annual_expenses")
        if found is None:
            found = self.expense_rent + self.expense_living
            found += self.expense_medical
            found += self.expense_education
            found += self.expense_other
            self.derived["annual_expenses"] = found
        return found

    def replaced(self, **changes: object) -> HouseholdFacts:
        """``dataclasses.replace`` without its per-call introspection and ``__init__`` (a hot
        path of single evaluation): the same fields, ``changes`` put in."""
        values = list(_ALL_VALUES(self))
        for name, value in changes.items():
            index = _FIELD_INDEX.get(name)
            if index is None:
                raise TypeError(f"HouseholdFacts has no field {name}")
            values[index] = value
        return _build(*values)

    def take(self, index: int) -> HouseholdFacts:
        """The facts of one household, as a batch of one."""
        values = {name: getattr(self, name)[index : index + 1] for name in _ROW_FIELDS}
        mine = self.member_household == index
        return HouseholdFacts(
            size=1,
            **values,
            member_household=np.zeros(int(mine.sum()), dtype=np.int64),
            member_age=self.member_age[mine],
            member_pension=self.member_pension[mine],
            derived={k: v[index : index + 1] for k, v in self.derived.items()},
        )

    # ------------------------------------------------------------------ builders
    @classmethod
    def of(cls, household: Household) -> HouseholdFacts:
        """Facts of one household, built directly (the hot path of a single evaluation);
        the same facts as ``from_households([household])``."""
        values = np.array(_one_row(household), dtype=np.int64).reshape(-1, 1)
        columns = list(values)  # one (1,) view per fact, in _ROW_FIELDS order
        flags = list(values[_BOOL_ROWS].astype(np.bool_))
        for k, j in enumerate(_BOOL_INDEX):
            columns[j] = flags[k]
        members = household.members
        build: Callable[..., HouseholdFacts] = _build if cls is HouseholdFacts else cls
        return build(
            1,
            *columns,
            np.zeros(len(members), dtype=np.int64),
            np.array([-1 if m.age is None else m.age for m in members], np.int64),
            np.array([m.has_pension_insurance for m in members], dtype=bool),
            {},
        )

    @classmethod
    def from_households(cls, households: Sequence[Household]) -> HouseholdFacts:
        """Facts of validated households (one pass in Python; for API and review paths)."""
        rows = [_row(h) for h in households]
        if not rows:
            empty: dict[str, np.ndarray] = {
                name: np.zeros(0, dtype=_DTYPES[name]) for name in _ROW_FIELDS
            }
            return cls(size=0, **empty, derived={})
        if tuple(rows[0]) != _ROW_FIELDS:  # the matrix below relies on the order
            raise RuntimeError("facts row fields are out of order")
        matrix = np.array([list(r.values()) for r in rows], dtype=np.int64)
        columns = {
            name: matrix[:, j].astype(_DTYPES[name]) if _DTYPES[name] is np.bool_ else matrix[:, j]
            for j, name in enumerate(_ROW_FIELDS)
        }
        people = [(i, m) for i, h in enumerate(households) for m in h.members]
        return cls(
            size=len(rows),
            **columns,
            member_household=np.array([i for i, _ in people], dtype=np.int64),
            member_age=np.array([-1 if m.age is None else m.age for _, m in people], np.int64),
            member_pension=np.array([m.has_pension_insurance for _, m in people], dtype=bool),
            derived={},
        )

    @classmethod
    def from_columns(
        cls, household: Mapping[str, np.ndarray], member: Mapping[str, np.ndarray]
    ) -> HouseholdFacts:
        """Facts of a columnar batch, fully vectorised (national simulations, benchmarks).

        ``household`` holds one array per household field in fen / flags (see
        :data:`HOUSEHOLD_COLUMNS`); ``member`` holds one array per member field, with
        ``household`` giving each member's household index (see :data:`MEMBER_COLUMNS`).
        Both must already be validated: amounts in range, stages and kinds as codes (a code
        outside its enum is refused). Member rows may come in any order; grouped by
        household (as generated columns and population files are) saves one sort.
        """
        n = len(household["other_annual_income"])
        hh = np.asarray(member["household"], dtype=np.int64)
        age = np.asarray(member["age"], dtype=np.int64)  # -1 when unknown
        pension = np.asarray(member["has_pension_insurance"], dtype=bool)
        members = np.bincount(hh, minlength=n)
        groups = _Groups(hh, members)
        # exact in int64 (the cumulative sums wrap, their differences do not)
        monthly_wages = groups.sum(np.asarray(member["monthly_income"], dtype=np.int64))
        counted = _count_members(member, age, pension, groups, int(members.max()) if n else 0)
        return cls(
            size=n,
            members=members.astype(np.int64, copy=False),
            **counted,
            monthly_wages=monthly_wages,
            annual_income=monthly_wages * 12 + household["other_annual_income"],
            **{
                name: np.asarray(household[name], dtype=_DTYPES[name])
                for name in HOUSEHOLD_COLUMNS
                if name != "other_annual_income"
            },
            medical_in_catalogue_cost=np.asarray(
                household.get("medical_in_catalogue_cost", np.full(n, -1)), dtype=np.int64
            ),
            member_household=hh,
            member_age=age,
            member_pension=pension,
            derived={},
        )


def _one_of(codes: np.ndarray, chosen: Sequence[int]) -> np.ndarray:
    """``np.isin`` for a few codes, as ``==`` comparisons (several times faster)."""
    found = codes == chosen[0]
    for code in chosen[1:]:
        found |= codes == code
    return found


def _counted(emp: np.ndarray, stage: np.ndarray, flag: Mapping[str, np.ndarray]) -> dict:
    """Which members each member count of the facts counts, from a member's employment and
    education-stage codes and the flags of :data:`_KIND_FLAGS` (the definitions of the
    counts; :func:`_row` is the reference they must match)."""
    child, able = flag["child"], flag["able_to_work"]
    employed = _one_of(emp, [EMPLOYMENT_CODES[k] for k in EMPLOYED_KINDS])
    seeking = _one_of(emp, [EMPLOYMENT_CODES[k] for k in SEEKING_KINDS])
    beyond = _one_of(stage, [STAGE_CODES[s] for s in BEYOND_COMPULSORY])
    new = flag["newly_admitted"] & child
    return {
        "able_to_work": able,
        "employed": employed,
        "able_not_employed": able & ~employed,
        "able_seeking": able & seeking,
        "able_flexible": able & (emp == EMPLOYMENT_CODES[Employment.FLEXIBLE]),
        "laid_off": emp == EMPLOYMENT_CODES[Employment.LAID_OFF],
        "serious_illness": flag["serious_illness"],
        "disabled": flag["disabled"],
        "children": child,
        "children_in_school": child & (stage != STAGE_CODES[EducationStage.NONE]),
        "children_compulsory": child & (stage == STAGE_CODES[EducationStage.COMPULSORY]),
        "children_beyond_compulsory": child & beyond,
        "children_in_college": child & _one_of(stage, [STAGE_CODES[s] for s in COLLEGE]),
        "children_seeking": child & able & seeking,
        "children_postgraduate": new & (stage == STAGE_CODES[EducationStage.POSTGRADUATE]),
        "new_public_high_school": new
        & (stage == STAGE_CODES[EducationStage.HIGH_SCHOOL])
        & flag["public_school"],
        "new_college": new & (stage == STAGE_CODES[EducationStage.UNDERGRADUATE]),
        "without_medical_insurance": ~flag["has_medical_insurance"],
        "working_age_without_pension": flag["working_age_without_pension"],
    }


#: A member's *kind*: what the member counts read of a member, as the bits of one small
#: code (employment code, education-stage code, then these flags, low bits first). Every
#: count is a function of the kind, so one table gives each kind its weight in every count.
_KIND_FLAGS = (
    "child",
    "able_to_work",
    "serious_illness",
    "disabled",
    "public_school",
    "newly_admitted",
    "has_medical_insurance",
    "working_age_without_pension",
)
_EMPLOYMENT_BITS = (len(Employment) - 1).bit_length()
_STAGE_BITS = (len(EducationStage) - 1).bit_length()
_KIND_BITS = _EMPLOYMENT_BITS + _STAGE_BITS + len(_KIND_FLAGS)
if _KIND_BITS > 16:
    raise RuntimeError("a member's kind no longer fits in 16 bits")


def _kinds(member: Mapping[str, np.ndarray], age: np.ndarray, pension: np.ndarray) -> np.ndarray:
    """Each member's kind (uint16), see :data:`_KIND_FLAGS`."""
    emp, stage = member["employment"], member["education_stage"]
    for name, codes, known in (
        ("employment", emp, len(Employment)),
        ("education_stage", stage, len(EducationStage)),
    ):
        if codes.size and (codes.min() < 0 or codes.max() >= known):
            raise ValueError(f"member {name} holds a code outside 0..{known - 1}")
    kind = emp.astype(np.uint16)
    kind |= stage.astype(np.uint16) << _EMPLOYMENT_BITS
    flags = {
        "child": member["relation"] == RELATION_CODES[Relation.CHILD],
        "working_age_without_pension": (age >= WORKING_AGE[0]) & (age < WORKING_AGE[1]) & ~pension,
    }
    shift = _EMPLOYMENT_BITS + _STAGE_BITS
    for k, name in enumerate(_KIND_FLAGS):
        flag = flags[name] if name in flags else np.asarray(member[name], dtype=bool)
        kind |= np.left_shift(flag, shift + k, dtype=np.uint16)
    return kind


@functools.cache
def _kind_weights(width: int) -> tuple[tuple[np.ndarray, tuple[tuple[str, int], ...]], ...]:
    """For counts of at most ``2**width - 1`` members: words of packed counts, each as the
    weight of every kind (uint64, ``width`` bits a count) and the (count, shift) it holds."""
    kinds = np.arange(1 << _KIND_BITS)
    emp = kinds & ((1 << _EMPLOYMENT_BITS) - 1)
    stage = (kinds >> _EMPLOYMENT_BITS) & ((1 << _STAGE_BITS) - 1)
    low = _EMPLOYMENT_BITS + _STAGE_BITS
    flags = {name: (kinds >> (low + k)) & 1 == 1 for k, name in enumerate(_KIND_FLAGS)}
    masks = _counted(emp, stage, flags)
    names = list(masks)
    per_word = 64 // width
    words = []
    for start in range(0, len(names), per_word):
        weight = np.zeros(len(kinds), dtype=np.uint64)
        held = []
        for k, name in enumerate(names[start : start + per_word]):
            weight |= masks[name].astype(np.uint64) << np.uint64(k * width)
            held.append((name, k * width))
        weight.flags.writeable = False
        words.append((weight, tuple(held)))
    return tuple(words)


class _Groups:
    """Sums over each household's members: one cumulative sum over the member rows, ordered
    by household, read at each household's first and last row. Exact for integers: the
    cumulative sum may wrap around, the difference of two of its values does not."""

    def __init__(self, hh: np.ndarray, members: np.ndarray) -> None:
        grouped = hh.size < 2 or bool((hh[:-1] <= hh[1:]).all())
        # rows are usually grouped by household already (generated columns, population
        # files); otherwise they are put in household order once
        self.order = None if grouped else np.argsort(hh, kind="stable")
        self.ends = np.cumsum(members)
        self.starts = self.ends - members

    def sum(self, values: np.ndarray) -> np.ndarray:
        if self.order is not None:
            values = values[self.order]
        running = np.empty(values.size + 1, dtype=values.dtype)
        running[0] = 0
        np.cumsum(values, out=running[1:])
        return running[self.ends] - running[self.starts]


def _count_members(
    member: Mapping[str, np.ndarray],
    age: np.ndarray,
    pension: np.ndarray,
    groups: _Groups,
    most: int,
) -> dict[str, np.ndarray]:
    """Per household, how many members each count of :func:`_counted` counts: every member
    weighs its kind's packed counts (one table look-up), and one grouped sum a word adds
    them up (a household has at most ``most`` members, so a count takes few bits)."""
    width = max(most.bit_length(), 1)
    kind = _kinds(member, age, pension)
    out = {}
    for weight, held in _kind_weights(width):
        packed = groups.sum(weight.take(kind))
        top = 64 - width
        for name, shift in held:
            count = packed >> np.uint64(shift) if shift else packed.copy()
            if shift != top:
                count &= np.uint64((1 << width) - 1)
            out[name] = count.view(np.int64)
    return out


#: Household-level columns :meth:`HouseholdFacts.from_columns` expects (money in fen).
HOUSEHOLD_COLUMNS = (
    "other_annual_income",
    "medical_out_of_pocket",
    "dibao_subsidy_per_capita",
    "expense_rent",
    "expense_living",
    "expense_medical",
    "expense_education",
    "expense_other",
    "dibao_recipient",
    "dibao_months",
    "medical_in_catalog",
    "housing_area_cm2",
    "has_housing",
    "disaster_loss",
    "three_no",
    "migrant_worker",
    "years_in_city",
    "laid_off_in_restructuring",
    "reemployment_certificate",
    "self_employed",
)
#: Member-level columns; ``household`` is the member's household index, ``age`` is -1 when
#: unknown, enums are their position in the enum (``STAGE_CODES`` and friends).
MEMBER_COLUMNS = (
    "household",
    "relation",
    "age",
    "monthly_income",
    "employment",
    "able_to_work",
    "serious_illness",
    "disabled",
    "education_stage",
    "public_school",
    "newly_admitted",
    "has_medical_insurance",
    "has_pension_insurance",
)

_BOOL_FIELDS = {
    "dibao_recipient",
    "medical_in_catalog",
    "has_housing",
    "disaster_loss",
    "three_no",
    "migrant_worker",
    "laid_off_in_restructuring",
    "reemployment_certificate",
    "self_employed",
}
_MEMBER_FIELDS = {"member_household", "member_age", "member_pension", "derived"}
_ROW_FIELDS = tuple(
    f.name for f in fields(HouseholdFacts) if f.name != "size" and f.name not in _MEMBER_FIELDS
)
if tuple(f.name for f in fields(HouseholdFacts))[1 : len(_ROW_FIELDS) + 1] != _ROW_FIELDS:
    # HouseholdFacts.of passes the row positionally, right after ``size``
    raise RuntimeError("facts row fields must follow size, in order")
_DTYPES = {name: (np.bool_ if name in _BOOL_FIELDS else np.int64) for name in _ROW_FIELDS}
_ALL_FIELDS = tuple(f.name for f in fields(HouseholdFacts))
_ALL_VALUES = attrgetter(*_ALL_FIELDS)
_SET = object.__setattr__
_FIELD_INDEX = {name: i for i, name in enumerate(_ALL_FIELDS)}


def _builder() -> Callable[..., HouseholdFacts]:
    """``HouseholdFacts(*values)`` (every field, in order) without the frozen dataclass's
    ``object.__setattr__`` per field: each slot is set through its own descriptor, less
    than half the cost, on the hot path of every single evaluation (tests hold it to the
    dataclass's own constructor)."""
    names = _ALL_FIELDS
    setters = {f"_set_{n}": getattr(HouseholdFacts, n).__set__ for n in names}
    source = (
        f"def build({', '.join(names)}):\n"
        "    facts = _new(HouseholdFacts)\n"
        + "".join(f"    _set_{n}(facts, {n})\n" for n in names)
        + "    return facts\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, {"_new": object.__new__, "HouseholdFacts": HouseholdFacts, **setters}, namespace)
    return namespace["build"]


_build = _builder()
_BOOL_INDEX = [j for j, n in enumerate(_ROW_FIELDS) if n in _BOOL_FIELDS]
_BOOL_ROWS = np.array(_BOOL_INDEX, dtype=np.intp)  #: the same, to index rows with


def _fen(amount) -> int:
    return int(amount * 100)


def _row(h: Household) -> dict[str, int | bool]:
    """One household's facts as Python values; the reference the columnar path must match."""
    members = h.members
    employed = [m.employment in EMPLOYED_KINDS for m in members]
    children = [m for m in members if m.relation is Relation.CHILD]
    monthly_wages = sum(_fen(m.monthly_income) for m in members)
    e = h.expenses
    return {
        "members": len(members),
        "able_to_work": sum(m.able_to_work for m in members),
        "employed": sum(employed),
        "able_not_employed": sum(
            m.able_to_work and not w for m, w in zip(members, employed, strict=False)
        ),
        "able_seeking": sum(m.able_to_work and m.employment in SEEKING_KINDS for m in members),
        "able_flexible": sum(
            m.able_to_work and m.employment is Employment.FLEXIBLE for m in members
        ),
        "laid_off": sum(m.employment is Employment.LAID_OFF for m in members),
        "serious_illness": sum(m.serious_illness for m in members),
        "disabled": sum(m.disabled for m in members),
        "children": len(children),
        "children_in_school": sum(c.education_stage is not EducationStage.NONE for c in children),
        "children_compulsory": sum(
            c.education_stage is EducationStage.COMPULSORY for c in children
        ),
        "children_beyond_compulsory": sum(c.education_stage in BEYOND_COMPULSORY for c in children),
        "children_in_college": sum(c.education_stage in COLLEGE for c in children),
        "children_seeking": sum(c.able_to_work and c.employment in SEEKING_KINDS for c in children),
        "children_postgraduate": sum(
            c.newly_admitted and c.education_stage is EducationStage.POSTGRADUATE for c in children
        ),
        "new_public_high_school": sum(
            c.newly_admitted and c.public_school and c.education_stage is EducationStage.HIGH_SCHOOL
            for c in children
        ),
        "new_college": sum(
            c.newly_admitted and c.education_stage is EducationStage.UNDERGRADUATE for c in children
        ),
        "without_medical_insurance": sum(not m.has_medical_insurance for m in members),
        "working_age_without_pension": sum(
            m.age is not None
            and WORKING_AGE[0] <= m.age < WORKING_AGE[1]
            and not m.has_pension_insurance
            for m in members
        ),
        "monthly_wages": monthly_wages,
        "annual_income": monthly_wages * 12 + _fen(h.other_annual_income),
        "medical_out_of_pocket": _fen(h.annual_medical_out_of_pocket),
        "dibao_subsidy_per_capita": _fen(h.dibao_monthly_subsidy_per_capita),
        "expense_rent": _fen(e.rent),
        "expense_living": _fen(e.living),
        "expense_medical": _fen(e.medical),
        "expense_education": _fen(e.education),
        "expense_other": _fen(e.other),
        "dibao_recipient": h.dibao_recipient,
        "dibao_months": h.dibao_continuous_months,
        "medical_in_catalog": h.medical_in_insurance_catalog,
        "medical_in_catalogue_cost": (
            -1 if h.annual_medical_in_catalogue is None else _fen(h.annual_medical_in_catalogue)
        ),
        "housing_area_cm2": -1 if h.housing_area_m2 is None else int(h.housing_area_m2 * 100),
        "has_housing": h.has_housing,
        "disaster_loss": h.disaster_loss,
        "three_no": h.three_no,
        "migrant_worker": h.migrant_worker,
        "years_in_city": h.years_in_city,
        "laid_off_in_restructuring": h.laid_off_in_restructuring,
        "reemployment_certificate": h.reemployment_certificate,
        "self_employed": h.self_employed,
    }


def _one_row(h: Household) -> list[int]:
    """:func:`_row` in one pass over the members, as a list in ``_ROW_FIELDS`` order (the
    single-household path; tests hold it to :func:`_row` on random households)."""
    able = employed = able_not = seeking = flexible = laid_off = ill = disabled = 0
    children = in_school = compulsory = beyond = college = child_seeking = 0
    postgraduate = high_school = new_college = uninsured = no_pension = wages = 0
    low, high = WORKING_AGE
    for m in h.members:
        kind = m.employment
        works = kind in EMPLOYED_KINDS
        looks = kind in SEEKING_KINDS
        if m.able_to_work:
            able += 1
            if not works:
                able_not += 1
            if looks:
                seeking += 1
            if kind is Employment.FLEXIBLE:
                flexible += 1
        if works:
            employed += 1
        if kind is Employment.LAID_OFF:
            laid_off += 1
        if m.serious_illness:
            ill += 1
        if m.disabled:
            disabled += 1
        if not m.has_medical_insurance:
            uninsured += 1
        if m.age is not None and low <= m.age < high and not m.has_pension_insurance:
            no_pension += 1
        wages += _fen(m.monthly_income)
        if m.relation is Relation.CHILD:
            stage = m.education_stage
            children += 1
            if stage is not EducationStage.NONE:
                in_school += 1
            if stage is EducationStage.COMPULSORY:
                compulsory += 1
            if stage in BEYOND_COMPULSORY:
                beyond += 1
            if stage in COLLEGE:
                college += 1
            if m.able_to_work and looks:
                child_seeking += 1
            if m.newly_admitted:
                if stage is EducationStage.POSTGRADUATE:
                    postgraduate += 1
                elif stage is EducationStage.HIGH_SCHOOL and m.public_school:
                    high_school += 1
                elif stage is EducationStage.UNDERGRADUATE:
                    new_college += 1
    e = h.annual_expenses  # None: no spending stated (the usual case)
    spent = (
        (0,) * 5
        if e is None
        else tuple(map(_fen, (e.rent, e.living, e.medical, e.education, e.other)))
    )
    return [
        len(h.members),
        able,
        employed,
        able_not,
        seeking,
        flexible,
        laid_off,
        ill,
        disabled,
        children,
        in_school,
        compulsory,
        beyond,
        college,
        child_seeking,
        postgraduate,
        high_school,
        new_college,
        uninsured,
        no_pension,
        wages,
        wages * 12 + _fen(h.other_annual_income),
        _fen(h.annual_medical_out_of_pocket),
        _fen(h.dibao_monthly_subsidy_per_capita),
        *spent,
        h.dibao_recipient,
        h.dibao_continuous_months,
        h.medical_in_insurance_catalog,
        -1 if h.annual_medical_in_catalogue is None else _fen(h.annual_medical_in_catalogue),
        -1 if h.housing_area_m2 is None else int(h.housing_area_m2 * 100),
        h.has_housing,
        h.disaster_loss,
        h.three_no,
        h.migrant_worker,
        h.years_in_city,
        h.laid_off_in_restructuring,
        h.reemployment_certificate,
        h.self_employed,
    ]


class Derived(dict):
    """Derived facts by name, each computed on first read (a batch pays only for the
    bands its rules use): ``household.derived["members_aged_60_plus"]``."""

    def __init__(self, values=(), lazy=None):
        super().__init__(values)
        self.lazy = dict(lazy or {})

    def __missing__(self, name):
        make = self.lazy.get(name)
        if make is None:
            known = ", ".join(sorted({*self, *self.lazy}))
            raise KeyError(f"no derived fact {name!r} (known: {known})")
        value = self[name] = make()
        return value

    def __contains__(self, name):
        return dict.__contains__(self, name) or name in self.lazy

    def names(self) -> list[str]:
        return sorted({*self, *self.lazy})


def with_ages(
    facts: HouseholdFacts, working_from: int, retirement: int, *, in_place: bool = False
) -> HouseholdFacts:
    """The facts with the working ages of the tenant's parameters on the evaluation date:
    ``working_age_without_pension`` recounted when the ages differ from the defaults, and
    the age bands offered in ``derived`` (``members_under_working_age``,
    ``members_of_working_age``, ``members_of_retirement_age``, ``members_aged_60_plus``),
    computed only when a rule reads them.

    ``in_place``: the caller built ``facts`` for this evaluation alone (one household's
    facts, made and dropped by :func:`core.evaluation.evaluate`), so they are completed
    where they are instead of copied. Facts that may be shared (a batch evaluated under
    several tenants) are always copied."""
    age = facts.member_age
    if age.size == 0 and facts.size:  # facts built without their members
        return facts
    derived = Derived(facts.derived, getattr(facts.derived, "lazy", None))
    derived.lazy.update(
        members_under_working_age=lambda: facts.count_members((age >= 0) & (age < working_from)),
        members_of_working_age=lambda: facts.members_aged(working_from, retirement),
        members_of_retirement_age=lambda: facts.members_aged(retirement),
        members_aged_60_plus=lambda: facts.members_aged(60),
    )
    changes: dict[str, object] = {"derived": derived}
    if (working_from, retirement) != WORKING_AGE:
        working = (age >= working_from) & (age < retirement)
        changes["working_age_without_pension"] = facts.count_members(
            working & ~facts.member_pension
        )
    if not in_place:
        return facts.replaced(**changes)
    for name, value in changes.items():
        _SET(facts, name, value)
    return facts
