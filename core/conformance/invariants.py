"""Invariants every tenant must keep, whatever its rules.

Each invariant looks at a tenant (its parameters, programmes, and its evaluations of a
reproducible sample of households) and returns the problems it finds. ``bangfu check``
and the pytest suite both run them for every discovered tenant, bundled or external.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from core import clock
from core.conformance.generate import (
    households,
    hypothesis_ample_households,
    hypothesis_households,
)
from core.errors import BangfuError
from core.evaluation import Evaluation, evaluate, evaluate_batch, evaluate_many
from core.facts import HouseholdFacts
from core.memo import ByIdentity
from core.model import Household, TenantLevel, parse_household
from core.registry import NATIONAL_PROGRAMMES, Tenant, build_tenant
from core.rules import Population, Programme, UtilityRule

NATIONAL_GROUPS = {
    "dibao_underemployed",
    "below_dibao_uncovered",
    "sudden_expense",
    "migrant_worker",
    "restructuring_laid_off",
}
NATIONAL_MEASURES = {
    "employment",
    "social_insurance",
    "medical_insurance",
    "social_assistance",
    "skills_training",
    "startup_aid",
    "sunshine_employment",
    "medical_mutual_aid",
    "golden_autumn_education",
    "one_to_one_pairing",
    "warmth_delivery",
}
UTILITIES = {"water", "gas", "heating", "electricity"}
SAMPLE_SIZE = 150
SAMPLE_DATE = date(2026, 6, 1)
#: "several times the 低保 line": a well-off household's per-capita income is above this
#: multiple of the tenant's 低保标准 (RULES.md, shared invariant 1)
WELL_OFF_MULTIPLE = 4
#: the parameter saying how many times the 低保 line is ample income (RULES.md, shared
#: invariant 1b), and the most it may say: beyond it, "several times" is no longer several
AMPLE_MULTIPLE = "hardship.ample_income_multiple"
AMPLE_MULTIPLE_CEILING = Decimal(10)
#: the first date every tenant must answer for (RULES.md, shared invariant 4)
FIRST_DATE = date(2016, 1, 1)
#: hypothesis examples per generated invariant and tenant (derandomized: reproducible)
EXAMPLES = 40
INCOME_STEPS = (Decimal("1000"), Decimal("20000"), Decimal("500000"))


@dataclass(frozen=True)
class Sample:
    households: list[Household]
    evaluations: list[Evaluation]


@cache
def _households() -> tuple[Household, ...]:
    return tuple(households(SAMPLE_SIZE, seed=7))


_SAMPLES: ByIdentity[Sample] = ByIdentity()


def sample(tenant: Tenant) -> Sample:
    def make() -> Sample:
        hh = list(_households())
        return Sample(hh, [evaluate(tenant, h, SAMPLE_DATE) for h in hh])

    return _SAMPLES.get(tenant, tenant.ruleset, make)


@dataclass(frozen=True)
class Invariant:
    name: str
    description: str
    check: Callable[[Tenant], list[str]]


def _every_parameter_sourced(tenant: Tenant) -> list[str]:
    problems = []
    for name, definitions in tenant.parameter_table.chains.items():
        for d in definitions:
            if not d.description:
                problems.append(f"{name} ({d.defined_by}) has no description")
            for v in d.values:
                if not v.source.strip():
                    problems.append(
                        f"{name} ({d.defined_by}) value of {v.effective_from} has no source"
                    )
    return problems


def _own_dibao_standard(tenant: Tenant) -> list[str]:
    if tenant.info.level is TenantLevel.NATIONAL:
        return []
    p = tenant.parameter_table.resolve("dibao.standard_monthly", SAMPLE_DATE)
    if p.defined_by == "national":
        return [
            "dibao.standard_monthly falls back to the national average; a province or city "
            "must set its own 低保标准 (with 'overrides: true')"
        ]
    return []


def _amounts_never_negative(tenant: Tenant) -> list[str]:
    return [
        f"household {i}: {e.programme} amount {e.amount}"
        for i, ev in enumerate(sample(tenant).evaluations)
        for e in ev.entitlements
        if e.amount is not None and e.amount < 0
    ]


def _entitlements_explained(tenant: Tenant) -> list[str]:
    problems = []
    for i, ev in enumerate(sample(tenant).evaluations):
        for e in ev.entitlements:
            if not e.basis.strip():
                problems.append(f"household {i}: {e.programme} has no basis")
            if e.amount is not None and not any(
                s.startswith(("参数 ", "parameter ")) for s in e.explanation
            ):
                problems.append(f"household {i}: {e.programme} amount does not name its parameters")
    return problems


def _medical_relief_needs_cost_above_income(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    problems = []
    for i, (h, ev) in enumerate(zip(s.households, s.evaluations, strict=True)):
        if ev.entitlement("medical_relief") and h.annual_medical_out_of_pocket <= h.annual_income:
            problems.append(
                f"household {i}: medical_relief granted with cost {h.annual_medical_out_of_pocket} "
                f"<= income {h.annual_income}"
            )
    return problems


def _eligibility_consistent(tenant: Tenant) -> list[str]:
    problems = []
    for i, ev in enumerate(sample(tenant).evaluations):
        if ev.eligible and (not ev.category or not ev.reasons):
            problems.append(f"household {i}: eligible without a category and a reason")
        if not ev.eligible and ev.category:
            problems.append(f"household {i}: not eligible but category {ev.category}")
    return problems


def _vocabulary(tenant: Tenant) -> list[str]:
    problems = []
    for p in tenant.programmes:
        if p.code not in NATIONAL_PROGRAMMES and "." not in p.code:
            problems.append(f"programme {p.code} is neither national nor '<tenant>.<code>'")
    for u in tenant.utilities:
        if u.utility not in UTILITIES:
            problems.append(f"utility {u.utility} is not in the national vocabulary")
    for i, ev in enumerate(sample(tenant).evaluations):
        for g in set(ev.groups) - NATIONAL_GROUPS:
            problems.append(f"household {i}: group {g} is not a national target group")
        for m in set(ev.measures) - NATIONAL_MEASURES:
            problems.append(f"household {i}: measure {m} is not a national measure")
    return problems[:20]


def _budget_consistent(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    problems = []
    for i, (h, ev) in enumerate(zip(s.households, s.evaluations, strict=True)):
        b = ev.budget
        if b.annual_income != h.annual_income or b.annual_expenses != h.expenses.total:
            problems.append(f"household {i}: budget does not add up the household's figures")
        if b.gap != max(b.annual_expenses - b.annual_income, 0):
            problems.append(f"household {i}: gap {b.gap} is not spending minus income")
    return problems


def _batch_equals_single(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    batch = evaluate_many(tenant, s.households, SAMPLE_DATE)
    return [
        f"household {i}: batch {b.comparable()} != single {e.comparable()}"
        for i, (b, e) in enumerate(zip(batch, s.evaluations, strict=True))
        if b.comparable() != e.comparable()
    ][:5]


def _explained_together(tenant: Tenant) -> list[str]:
    """Households evaluated together (as concurrent ``evaluate`` requests are) get each the
    evaluation, explanations included, that it gets alone: no step worded from one
    household's values."""
    s = sample(tenant)
    together = evaluate_many(tenant, s.households, SAMPLE_DATE, explain=True)
    problems = []
    for i, (mine, alone) in enumerate(zip(together, s.evaluations, strict=True)):
        if mine == alone:
            continue
        steps = {e.programme: e.explanation for e in alone.entitlements}
        differing = [
            e.programme for e in mine.entitlements if e.explanation != steps.get(e.programme)
        ]
        if differing:
            programme = differing[0]
            theirs = next(e.explanation for e in mine.entitlements if e.programme == programme)
            k, (a, b) = next(
                (k, pair)
                for k, pair in enumerate(
                    itertools.zip_longest(theirs, steps.get(programme, ()), fillvalue="")
                )
                if pair[0] != pair[1]
            )
            problems.append(
                f"household {i}, {programme}, step {k + 1}: together {a!r}, alone {b!r}"
            )
        else:
            problems.append(f"household {i}: evaluated together differs from alone")
    return problems[:5]


def _deterministic(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    again = [evaluate(tenant, h, SAMPLE_DATE) for h in s.households[:30]]
    return [
        f"household {i}: a second evaluation differs"
        for i, (a, b) in enumerate(zip(again, s.evaluations, strict=False))
        if a != b
    ]


def _workflow_conforms(tenant: Tenant) -> list[str]:
    from core.workflow.conformance import check_tenant_workflow

    return check_tenant_workflow(tenant)


def _guards_exercised(tenant: Tenant) -> list[str]:
    """Every guard of the tenant's procedure refuses in at least one scenario.

    A procedure inherited unchanged (demo_city uses Hebei's) counts the scenarios run
    under the ancestor that declares it too: the guard is the same, and may be one the
    child's own eligibility can never trip (Hebei's quota on criterion f).
    """
    from core.conformance.cases import cases_for
    from core.conformance.scenarios import Scenario, run_scenario
    from core.registry import build_tenant
    from core.workflow.engine import Workflow, procedure_of

    procedure = procedure_of(tenant)
    if procedure is None:
        return []
    flow = Workflow.for_tenant(tenant)
    needed = {
        (action.name, guard.kind)
        for action in procedure.actions
        for guard in flow.guards_of(action)
    }
    sharing = [tenant] + [
        ancestor
        for ancestor in (build_tenant(tenant.stack[:k]) for k in range(1, len(tenant.stack)))
        if procedure_of(ancestor) is procedure
    ]
    seen: set[tuple[str, str]] = set()
    for member in sharing:
        for scenario in cases_for(member):
            if isinstance(scenario, Scenario):
                seen |= run_scenario(scenario, member).refused_by
    return [
        f"no scenario shows guard {kind} refusing '{action}'"
        for action, kind in sorted(needed - seen)
    ]


# --------------------------------------------------------------------------- shared (RULES.md)
def _generated(strategy, check_one: Callable[[Household], list[str]]) -> list[str]:
    """Run ``check_one`` on households hypothesis generates (reproducibly); the problems
    of the smallest failing household, or none."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import HypothesisException

    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(strategy)
    def run(h: Household) -> None:
        problems = check_one(h)
        if problems:
            found[:] = [
                f"{p} (generated household: {h.model_dump_json(exclude_defaults=True)})"
                for p in problems[:3]
            ]
            raise AssertionError(found[0])

    try:
        run()
    except AssertionError:
        pass
    except HypothesisException as exc:  # flaky: the tenant answers differently each time
        found.append(f"{type(exc).__name__}: {exc}")
    return found


def _helped(ev: Evaluation) -> list[str]:
    """What a household receives: file, groups, entitlements, utility discounts."""
    got = [f"entitlement {e.programme}" for e in ev.entitlements]
    got += [f"utility discount {u.utility}" for u in ev.utility_discounts]
    if ev.eligible or ev.category:
        got.append(f"a hardship file ({ev.category})")
    got += [f"group {g}" for g in ev.groups]
    return got


def _well_off_line(tenant: Tenant) -> Decimal:
    standard = tenant.parameter_table.resolve("dibao.standard_monthly", SAMPLE_DATE)
    return Decimal(standard.value) * 12 * WELL_OFF_MULTIPLE


def _well_off_gets_nothing(tenant: Tenant) -> list[str]:
    line = _well_off_line(tenant)
    fixed = Household(
        members=[
            {"name": "王芳", "relation": "APPLICANT", "age": 40, "employment": "EMPLOYED",
             "ableToWork": True, "monthlyIncome": line / 12 + 1},
            {"name": "王小", "relation": "CHILD", "age": 10, "educationStage": "COMPULSORY"},
        ],
        other_annual_income=line,
        housing_area_m2=Decimal(80),
    )  # fmt: skip

    def check_one(h: Household) -> list[str]:
        return [f"a well-off household gets {g}" for g in _helped(evaluate(tenant, h, SAMPLE_DATE))]

    return check_one(fixed) or _generated(hypothesis_households(line), check_one)


def _ample_line(tenant: Tenant) -> tuple[Decimal, list[str]]:
    """The yearly per-capita income from which a household's income is ample, and what
    is wrong with the tenant's parameter."""
    table = tenant.parameter_table
    standard = Decimal(table.resolve("dibao.standard_monthly", SAMPLE_DATE).value)
    try:
        multiple = Decimal(str(table.resolve(AMPLE_MULTIPLE, SAMPLE_DATE).value))
    except BangfuError:
        return standard * 12 * AMPLE_MULTIPLE_CEILING, [f"{AMPLE_MULTIPLE} is not set"]
    if multiple > AMPLE_MULTIPLE_CEILING:
        return standard * 12 * multiple, [
            f"{AMPLE_MULTIPLE} = {multiple} is more than {AMPLE_MULTIPLE_CEILING} times the "
            "低保 line: not 'several times'"
        ]
    return (standard * 12 * multiple).quantize(Decimal("0.01"), rounding="ROUND_CEILING"), []


def _declaring_everything(line: Decimal) -> list[Household]:
    """Households with ample income (per capita exactly ``line``, the edge) that declare
    spending above it, a disaster, illness, schooling and every label (RULES.md 1b; the
    households of issue 18)."""
    ill = {"seriousIllness": True, "hasMedicalInsurance": False}
    quarter = (line / 4).quantize(Decimal("0.01"))
    return [
        parse_household({  # rent income, living spending above it
            "members": [{"name": "赵甲", "relation": "APPLICANT", "age": 50, "ableToWork": True,
                      "employment": "UNEMPLOYED"}],
            "otherAnnualIncome": line,
            "annualExpenses": {"rent": quarter, "living": line},
        }),
        parse_household({  # spending a cent above the income, a serious illness, fees, a disaster
            "members": [
                {"name": "钱乙", "relation": "APPLICANT", "age": 45, "employment": "EMPLOYED",
                 "ableToWork": True, **ill},
                {"name": "钱丙", "relation": "CHILD", "age": 19,
                 "educationStage": "UNDERGRADUATE", "employment": "STUDENT"},
            ],
            "otherAnnualIncome": line * 2,
            "annualMedicalOutOfPocket": line * 3,
            "annualExpenses": {"medical": line, "education": quarter * 2,
                             "living": quarter * 2 + Decimal("0.01")},
            "disasterLoss": True,
        }),
        parse_household({  # every label: 三无, 低保, migrant worker, laid off, certificate
            "members": [
                {"name": "孙丁", "relation": "APPLICANT", "age": 40, "ableToWork": True,
                 "employment": "LAID_OFF", "disabled": True},
                {"name": "孙戊", "relation": "SPOUSE", "age": 40, "ableToWork": True,
                 "employment": "FLEXIBLE"},
            ],
            "otherAnnualIncome": line * 2,
            "threeNo": True,
            "dibaoRecipient": True,
            "dibaoContinuousMonths": 24,
            "dibaoMonthlySubsidyPerCapita": Decimal(900),
            "migrantWorker": True,
            "yearsInCity": 10,
            "laidOffInRestructuring": True,
            "reemploymentCertificate": True,
            "selfEmployed": True,
            "housingAreaM2": Decimal(10),
            "hasHousing": False,
        }),
    ]  # fmt: skip


def _ample_income_excludes(tenant: Tenant) -> list[str]:
    line, problems = _ample_line(tenant)
    if problems:
        return problems

    def check_one(h: Household) -> list[str]:
        batch = evaluate_batch(tenant, HouseholdFacts.of(h), SAMPLE_DATE)
        got = _helped(batch.evaluation(0))
        got += [f"measure {m}" for m in batch.evaluation(0).measures]
        got += [f"population {code}" for code, m in batch.populations.items() if m[0]]
        return [f"a household with ample income gets {g}" for g in got]

    for h in _declaring_everything(line):
        problems = check_one(h)
        if problems:
            return problems
    return _generated(hypothesis_ample_households(line), check_one)


def _richer(h: Household, more: Decimal) -> Household:
    return h.model_copy(update={"other_annual_income": h.other_annual_income + more})


def _more_income_never_adds(before: Evaluation, after: Evaluation, more: Decimal) -> list[str]:
    problems = []
    if after.eligible and not before.eligible:
        problems.append(f"{more} more income opens a hardship file")
    had = {e.programme: e for e in before.entitlements}
    for e in after.entitlements:
        was = had.get(e.programme)
        if was is None:
            problems.append(f"{more} more income adds {e.programme}")
        elif e.amount is not None and was.amount is not None and e.amount > was.amount:
            problems.append(f"{more} more income raises {e.programme}: {was.amount} -> {e.amount}")
    utilities = {u.utility for u in before.utility_discounts}
    for u in after.utility_discounts:
        if u.utility not in utilities:
            problems.append(f"{more} more income adds the {u.utility} discount")
    return problems


def _more_income_never_adds_help(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    problems = []
    for more in INCOME_STEPS:
        richer = evaluate_many(tenant, [_richer(h, more) for h in s.households], SAMPLE_DATE)
        for i, (before, after) in enumerate(zip(s.evaluations, richer, strict=True)):
            problems += [
                f"household {i}: {p}" for p in _more_income_never_adds(before, after, more)
            ]
    if problems:
        return problems

    def check_one(h: Household) -> list[str]:
        before = evaluate(tenant, h, SAMPLE_DATE)
        found = []
        for more in INCOME_STEPS:
            found += _more_income_never_adds(
                before, evaluate(tenant, _richer(h, more), SAMPLE_DATE), more
            )
        return found

    return _generated(hypothesis_households(), check_one)


def _low_income_without_criterion(tenant: Tenant) -> Household:
    """A household whose only hardship is its income, a little above the line: the kind a
    reviewer admits on a ground no criterion tests (Hebei's g)."""
    standard = Decimal(tenant.parameter_table.resolve("dibao.standard_monthly", SAMPLE_DATE).value)
    return parse_household(
        {
            "members": [
                {"name": "冯英", "relation": "APPLICANT", "age": 58, "employment": "EMPLOYED",
                 "ableToWork": True, "monthlyIncome": (standard * Decimal("1.1")).quantize(Decimal("0.01"))},
            ]
        }
    )  # fmt: skip


def _given(evaluation: Evaluation) -> Callable[[], Evaluation]:
    return lambda: evaluation


def _every_ground_keeps_its_relief(tenant: Tenant) -> list[str]:
    """RULES.md 5: a household a step of the procedure admits (on the facts, or on a ground
    the step records with a reason) is kept by the periodic review on the same facts: the
    file carries the ground and the entitlements it gives until a person changes them. (A
    tenant whose files get no programme loses nothing at a review: Gansu's review exits on
    两有五保障, a test of its own.)"""
    from core.auth.roles import ADMIN
    from core.rules import RecordedGrounds
    from core.workflow.engine import Workflow, procedure_of
    from core.workflow.state import Actor, CaseState, StepContext

    procedure = procedure_of(tenant)
    if procedure is None or not tenant.programmes:  # files that get nothing lose nothing
        return []
    flow = Workflow.for_tenant(tenant)
    admitting = [
        a
        for a in procedure.actions
        if a.records_ground or any(g.kind == "household_eligible" for g in a.guards)
    ]
    households = [_low_income_without_criterion(tenant), *list(_households())[:60]]
    problems: list[str] = []
    for action in admitting:
        grounds = action.grounds_after("")
        for i, h in enumerate(households):
            evaluation = evaluate(tenant, h, SAMPLE_DATE, explain=False, recorded=grounds)
            ctx = StepContext(
                tenant=tenant,
                procedure=procedure,
                case=CaseState(tenant.code, action.from_statuses[0], False, SAMPLE_DATE),
                action=action,
                actor=Actor("conformance", ADMIN),
                on=SAMPLE_DATE,
                comment="书面理由 written reason",
                calendar=flow.calendar,
                evaluate=_given(evaluation),
            )
            if any(flow._run_guard(g, ctx) is not None for g in flow.guards_of(action)):
                continue  # the step does not admit it
            batch = evaluate_batch(
                tenant, HouseholdFacts.of(h), SAMPLE_DATE, recorded=RecordedGrounds.of([grounds])
            )
            if bool(procedure.resolved(batch)[0]):
                on = f" on ground {grounds}" if grounds else ""
                problems.append(
                    f"household {i}: step '{action.name}' admits it{on}, and the review on the "
                    "same facts proposes its exit (its relief lost without anyone's decision)"
                )
            if len(problems) >= 5:
                return problems
    return problems


def _parent_with_childs_figures(tenant: Tenant) -> Tenant | None:
    """The parent's rules with the child's parameters: what the child must still give.

    A child may set its own figures (declared ``overrides: true``); what it may not do is
    drop a parent's rule without declaring it."""
    if len(tenant.stack) < 2:
        return None
    parent = build_tenant(tenant.stack[:-1])
    return dataclasses.replace(parent, parameter_table=tenant.parameter_table)


def _child_keeps_parents_help(tenant: Tenant) -> list[str]:
    parent = _parent_with_childs_figures(tenant)
    if parent is None:
        return []
    own = {id(p) for p in tenant.programmes}
    kept = [p.code for p in parent.programmes if id(p) in own]  # not declared replaced
    own_pops = {id(p) for p in tenant.populations}
    file_kept = all(id(p) in own_pops for p in parent.populations if p.opens_file)
    s = sample(tenant)

    def compare(i, h, theirs: Evaluation, ours: Evaluation) -> list[str]:
        problems = []
        if file_kept and theirs.eligible and not ours.eligible:
            problems.append(f"household {i}: {parent.code} opens a file, {tenant.code} does not")
        for code in kept:
            if theirs.entitlement(code) and not ours.entitlement(code):
                problems.append(
                    f"household {i}: {parent.code} grants {code}, {tenant.code} does not"
                )
        return problems

    theirs = evaluate_many(parent, s.households, SAMPLE_DATE)
    problems = [
        p
        for i, (h, t, o) in enumerate(zip(s.households, theirs, s.evaluations, strict=True))
        for p in compare(i, h, t, o)
    ]
    if problems:
        return problems[:10]
    return _generated(
        hypothesis_households(),
        lambda h: compare(
            "generated", h, evaluate(parent, h, SAMPLE_DATE), evaluate(tenant, h, SAMPLE_DATE)
        ),
    )


def _child_adds_to_procedures_populations(tenant: Tenant) -> list[str]:
    """A child tenant that inherits its parent's procedure serves, on every date, every
    population the parent's procedure serves (it adds those of its own files, 001 二 on
    top of 003 二.2, and never drops one): the parameters the procedure's population
    guards name, read through the child and through the parent."""
    from core.workflow.engine import Workflow, procedure_of
    from core.workflow.procedure import served_populations

    if len(tenant.stack) < 2:
        return []
    procedure = procedure_of(tenant)
    parent = build_tenant(tenant.stack[:-1])
    if procedure is None or procedure_of(parent) is not procedure:
        return []
    flow = Workflow.for_tenant(tenant)
    names = sorted(
        {
            name
            for action in procedure.actions
            for guard in flow.guards_of(action)
            if guard.kind in ("household_eligible", "out_of_hardship_or_reason")
            for name in guard.parameters
        }
    )
    theirs_known = {p.code for p in parent.populations}
    ours_known = {p.code for p in tenant.populations}
    problems = []
    for name in names:
        starts = {
            v.effective_from for d in tenant.parameter_table.chains.get(name, []) for v in d.values
        }
        for on in sorted(starts):
            try:
                theirs = served_populations(parent.parameters(on), name, theirs_known)
            except (BangfuError, ValueError):
                continue  # the parent serves nothing yet on that date
            try:
                ours = served_populations(tenant.parameters(on), name, ours_known)
            except (BangfuError, ValueError) as exc:
                problems.append(f"{name} on {on}: {exc}")
                continue
            dropped = [c for c in theirs if c not in ours]
            if dropped:
                problems.append(
                    f"{name} on {on}: {tenant.code} drops {', '.join(dropped)}, which "
                    f"{parent.code}'s procedure serves (a child adds its own populations, "
                    "it does not replace its parent's)"
                )
    return problems


def _dates_to_try(tenant: Tenant) -> list[date]:
    """Each month from 2016-01-01 to today, and each date a value or a rule takes effect
    (and the day before it)."""
    today = clock.today()
    days = set()
    d = FIRST_DATE
    while d <= today:
        days.add(d)
        d = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
    starts = [v.effective_from for ds in tenant.parameter_table.chains.values() for df in ds
              for v in df.values]  # fmt: skip
    dated: list[Programme | UtilityRule | Population] = [
        *tenant.programmes, *tenant.utilities, *tenant.populations]  # fmt: skip
    starts += [r.in_force_from for r in dated if r.in_force_from]
    for start in starts:
        days |= {start, start - timedelta(days=1)}
    days.add(today)
    return sorted(d for d in days if FIRST_DATE <= d <= today)


def _every_date_answers(tenant: Tenant) -> list[str]:
    hh = list(_households())[:20]
    problems = []
    for on in _dates_to_try(tenant):
        try:
            evaluate_many(tenant, hh, on)
        except BangfuError as exc:
            problems.append(f"{on}: {exc.code} {exc.en}")
        if len(problems) >= 5:
            break
    return problems


INVARIANTS = [
    Invariant(
        "parameters-sourced",
        "every parameter value has a source and a date",
        _every_parameter_sourced,
    ),
    Invariant(
        "own-dibao-standard", "every province and city sets its own 低保标准", _own_dibao_standard
    ),
    Invariant("amounts-non-negative", "no amount is ever negative", _amounts_never_negative),
    Invariant(
        "entitlements-explained",
        "every entitlement has a basis, and every amount names the parameters it used",
        _entitlements_explained,
    ),
    Invariant(
        "medical-relief-needs-cost-above-income",
        "medical relief is never granted when the cost does not exceed the annual income",
        _medical_relief_needs_cost_above_income,
    ),
    Invariant(
        "eligibility-consistent",
        "an eligible household has a category and a reason; an ineligible one has neither",
        _eligibility_consistent,
    ),
    Invariant("vocabulary", "codes come from the national vocabulary or are prefixed", _vocabulary),
    Invariant("budget-consistent", "the household accounts add up", _budget_consistent),
    Invariant(
        "batch-equals-single", "batch evaluation gives the single results", _batch_equals_single
    ),
    Invariant(
        "explained-together",
        "households evaluated together are each explained as alone",
        _explained_together,
    ),
    Invariant("deterministic", "the same household gives the same evaluation", _deterministic),
    Invariant(
        "workflow-conforms",
        "every status reachable, no dead end, every guard from the tested library",
        _workflow_conforms,
    ),
    Invariant(
        "well-off-gets-nothing",
        "a well-off household (income several times the 低保 line, insured, nobody ill, "
        "disabled, displaced or laid off) has no file, no group, no entitlement, no discount",
        _well_off_gets_nothing,
    ),
    Invariant(
        "ample-income-excludes",
        "a household whose per-capita income is several times the 低保 line "
        f"({AMPLE_MULTIPLE}) is in no group and no population and receives nothing, whatever "
        "spending, disaster, illness, schooling or label it declares",
        _ample_income_excludes,
    ),
    Invariant(
        "more-income-never-adds-help",
        "raising a household's income never opens a file, adds an entitlement or a "
        "discount, or raises an amount",
        _more_income_never_adds_help,
    ),
    Invariant(
        "child-keeps-parents-help",
        "a household the parent's rules help keeps that help in the child, unless the "
        "child declares it replaces the rule",
        _child_keeps_parents_help,
    ),
    Invariant(
        "child-adds-to-procedures-populations",
        "a child inheriting its parent's procedure serves every population the parent's "
        "procedure serves, and may add those of its own files",
        _child_adds_to_procedures_populations,
    ),
    Invariant(
        "every-date-answers",
        "an evaluation on any date from 2016-01-01 to today answers",
        _every_date_answers,
    ),
    Invariant(
        "every-ground-keeps-its-relief",
        "a household a step admits, on the facts or on a ground the step records, is kept "
        "by the periodic review on the same facts, with the relief its ground gives",
        _every_ground_keeps_its_relief,
    ),
    Invariant(
        "guards-exercised",
        "every guard of the procedure is shown refusing in a workflow scenario",
        _guards_exercised,
    ),
]
