"""GraphQL for the national comparison: simulation jobs, policy diff, cliffs, trends.

Merged into the served schema by :mod:`core.api.schema` (its ``Query`` and ``Mutation``
extend :class:`NationalQuery` and :class:`NationalMutation`).

* ``startSimulation`` (national role): queues a population simulation, with or without a
  reform, and answers at once with a job; ``simulationJob(id)`` gives its progress and,
  when done, its result (JSON, see ``docs/national.md``), carrying the rule sets and
  parameter versions used. No request waits for a simulation.
* ``policyDiff`` and ``cliffs`` (published policy, open to anyone, bounded): two tenants or
  two dates parameter by parameter with citations; one household's income swept.
* ``caseloadTrend`` (staff and national): ``statistics`` at each month's end, suppressed
  exactly as there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from core import clock
from core.api import cases_gateway
from core.api.inputs import HouseholdInput, to_household
from core.api.limits import check_tenant_list
from core.auth.principal import Principal
from core.errors import BAD_INPUT, FORBIDDEN, BangfuError
from core.jobs import queue as jobs
from core.jobs.store import Job
from core.money import to_fen
from core.registry import Registry

MAX_HOUSEHOLDS = 1_000_000  #: per job; larger populations: bangfu simulate (streams)
MAX_TREND_MONTHS = 36
SIMULATIONS = ("simulation", "reform")  #: the kinds of job simulationJob answers for


def _day(value: Any) -> date:
    return value if isinstance(value, date) else clock.today()


def _given(value: Any) -> Any:
    from strawberry.types.unset import UnsetType

    return None if isinstance(value, UnsetType) else value


def _national(info: strawberry.Info) -> Principal:
    who = cases_gateway._staff(info.context)  # anonymous callers are refused first
    if not who.is_national:
        raise BangfuError(
            FORBIDDEN, "simulations are for the national role", "模拟测算仅限全国总工会用户"
        )
    return who


# --------------------------------------------------------------------------- types
@strawberry.type(description="A long simulation: its progress and, when done, its result.")
class SimulationJob:
    id: strawberry.ID
    kind: str
    status: str = strawberry.field(description="QUEUED, RUNNING, DONE or FAILED")
    progress: float = strawberry.field(description="0 to 1")
    done: int = strawberry.field(description="households x tenants evaluated so far")
    total: int
    result: JSON | None = strawberry.field(description="when DONE: the simulation, as JSON")
    error: str | None = strawberry.field(description="when FAILED: why (中文 / English)")

    @classmethod
    def of(cls, job: Job) -> SimulationJob:
        return cls(
            id=strawberry.ID(job.id),
            kind=job.kind,
            status=job.status,
            progress=job.progress,
            done=job.done,
            total=job.total,
            result=job.result,  # type: ignore[arg-type]
            error=job.error,
        )


@strawberry.type(description="One side of a parameter in a policy diff.")
class ParameterSide:
    value: JSON
    unit: str | None
    defined_by: str
    effective_from: str
    source: str = strawberry.field(description="the citation: a clause, or 'illustrative: ...'")


@strawberry.type
class ParameterDifference:
    name: str
    description: str
    same: bool
    a: ParameterSide | None
    b: ParameterSide | None


@strawberry.type
class ProgrammeDifference:
    code: str
    name: str
    a_basis: str | None
    b_basis: str | None


@strawberry.type(description="A household type whose eligibility or programmes differ.")
class FlippedHousehold:
    label: str
    label_en: str
    a_eligible: bool
    b_eligible: bool
    a_programmes: list[str]
    b_programmes: list[str]


@strawberry.type(description="Two tenants, or one tenant at two dates, compared.")
class PolicyDiff:
    a: str
    b: str
    parameters: list[ParameterDifference]
    programmes: list[ProgrammeDifference]
    household_types_checked: int
    flipped: list[FlippedHousehold]


@strawberry.type(description="Where a household loses eligibility or a programme.")
class Cliff:
    monthly_wages: Decimal = strawberry.field(description="yuan per month at which it is lost")
    what: str = strawberry.field(description='"eligibility", a programme code, or "total"')
    before: Decimal = strawberry.field(description="yuan a year just below")
    after: Decimal = strawberry.field(description="yuan a year at monthlyWages")


@strawberry.type
class TenantSweep:
    tenant: str
    name: str
    cliffs: list[Cliff]
    points: JSON = strawberry.field(description="wagesFen, eligible, totalYearlyFen, programmes")


@strawberry.type(description="A tenant's counts at a date; null when below 5 (as statistics).")
class TrendPoint:
    as_of: date
    open_cases: int | None
    filed_cases: int | None
    exited_cases: int | None


@strawberry.type
class TenantTrend:
    tenant: str
    points: list[TrendPoint]


# --------------------------------------------------------------------------- inputs
@strawberry.input
class ParameterOverrideInput:
    name: str = strawberry.field(description='e.g. "dibao.standard_monthly"')
    value: str = strawberry.field(description="the value, as in a parameter file: 900, 0.08, true")


@strawberry.input
class ProgrammeOnInput:
    code: str
    from_tenant: str = strawberry.field(description="whose version of the programme")


@strawberry.input(description="A reform: parameter overrides and programmes switched on/off.")
class ReformInput:
    tenant: str
    name: str
    parameters: list[ParameterOverrideInput] | None = None
    switch_off: list[str] | None = None
    switch_on: list[ProgrammeOnInput] | None = None
    yaml: str | None = strawberry.field(
        default=None, description="or the reform as YAML (the form of `bangfu replay`)"
    )


@strawberry.input
class SimulationInput:
    households: int = 100_000
    seed: int = 2026
    region: str = strawberry.field(default="national", description="synthetic income profile")
    tenants: list[str] | None = None
    as_of: date | None = None
    reform: ReformInput | None = None


def _value(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def reform_of(given: ReformInput) -> Any:
    from core.simulation.reforms import Reform

    if given.yaml:
        reform = Reform.from_yaml(given.yaml)
        return Reform(
            reform.name, reform.parameters, reform.programmes, given.tenant, reform.description
        )
    programmes: dict[str, Any] = {code: False for code in given.switch_off or ()}
    for on in given.switch_on or ():
        programmes[on.code] = {"from": on.from_tenant}
    return Reform(
        name=given.name,
        parameters={p.name: _value(p.value) for p in given.parameters or ()},
        programmes=programmes,
        tenant=given.tenant,
    )


def _start_simulation(info: strawberry.Info, who: Principal, given: SimulationInput) -> Job:
    """Check what can be checked now (a bad reform is refused here, not by a worker
    later) and queue the job (:mod:`core.simulation.job_kinds`)."""
    from core.simulation.job_kinds import reform_params, simulation_params
    from core.simulation.reforms import reformed_tenant

    registry: Registry = info.context.registry
    if not 1 <= given.households <= MAX_HOUSEHOLDS:
        raise BangfuError(
            BAD_INPUT,
            f"households must be between 1 and {MAX_HOUSEHOLDS}",
            f"户数须在1至{MAX_HOUSEHOLDS}之间",
        )
    on = _day(given.as_of)
    url = cases_gateway._database(info.context).url
    if given.reform is not None:
        base = registry.get(given.reform.tenant)
        reform = reform_of(given.reform)
        reformed_tenant(base, reform, registry)  # refused now, not in the job
        params = reform_params(given.households, given.seed, given.region, on, reform)
        return jobs.start(url, registry, who, "reform", params, given.households * 2)
    codes = given.tenants
    check_tenant_list(codes)
    tenants = [registry.get(c) for c in codes] if codes else registry.ordered()
    params = simulation_params(given.households, given.seed, given.region, on, list(codes or []))
    return jobs.start(url, registry, who, "simulation", params, given.households * len(tenants))


def _side(s: Any) -> ParameterSide | None:
    if s is None:
        return None
    return ParameterSide(
        value=s.value,
        unit=s.unit,
        defined_by=s.defined_by,
        effective_from=s.effective_from,
        source=s.source,
    )


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- fields
@strawberry.type
class NationalQuery:
    @strawberry.field(description="A simulation job (national role); null for an unknown id.")
    def simulation_job(self, info: strawberry.Info, id: strawberry.ID) -> SimulationJob | None:
        who = _national(info)
        url = cases_gateway._database(info.context).url
        job = jobs.get(url, who.tenant, str(id), info.context.registry)
        return None if job is None or job.kind not in SIMULATIONS else SimulationJob.of(job)

    @strawberry.field(
        description="Two tenants (or one at two dates) parameter by parameter with citations, "
        "and the household types whose eligibility or programmes differ."
    )
    def policy_diff(
        self,
        info: strawberry.Info,
        tenant_a: str,
        tenant_b: str,
        as_of_a: date | None = strawberry.UNSET,
        as_of_b: date | None = strawberry.UNSET,
    ) -> PolicyDiff:
        from core.simulation.diff import policy_diff

        registry: Registry = info.context.registry
        d = policy_diff(
            registry.get(tenant_a), _day(as_of_a), registry.get(tenant_b), _day(as_of_b)
        )
        return PolicyDiff(
            a=d.a,
            b=d.b,
            parameters=[
                ParameterDifference(
                    name=p.name, description=p.description, same=p.same, a=_side(p.a), b=_side(p.b)
                )
                for p in d.parameters
            ],
            programmes=[
                ProgrammeDifference(code=p.code, name=p.name, a_basis=p.a_basis, b_basis=p.b_basis)
                for p in d.programmes
            ],
            household_types_checked=d.types_checked,
            flipped=[
                FlippedHousehold(
                    label=f.household.label_zh,
                    label_en=f.household.label_en,
                    a_eligible=f.a_eligible,
                    b_eligible=f.b_eligible,
                    a_programmes=list(f.a_programmes),
                    b_programmes=list(f.b_programmes),
                )
                for f in d.flips
            ],
        )

    @strawberry.field(
        description="Sweep the household's monthly wages (yuan) and show, per tenant, where "
        "eligibility or an entitlement is lost (at most 2,000 steps)."
    )
    def cliffs(
        self,
        info: strawberry.Info,
        household: HouseholdInput,
        from_yuan: Decimal = Decimal(0),
        to_yuan: Decimal = Decimal(10000),
        step_yuan: Decimal = Decimal(50),
        tenants: list[str] | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
    ) -> list[TenantSweep]:
        from core.simulation.cliffs import sweep

        registry: Registry = info.context.registry
        codes = _given(tenants)
        check_tenant_list(codes)
        chosen = [registry.get(c) for c in codes] if codes else registry.regional()
        try:
            start, stop, step = to_fen(from_yuan), to_fen(to_yuan), to_fen(step_yuan)
        except ValueError:
            raise BangfuError(
                BAD_INPUT, "amounts have at most two decimals", "金额最多两位小数"
            ) from None
        sweeps = sweep(chosen, to_household(household), _day(as_of), start, stop, step)
        return [
            TenantSweep(
                tenant=s.tenant,
                name=s.name,
                cliffs=[
                    Cliff(
                        monthly_wages=_yuan(c.wages),
                        what=c.what,
                        before=_yuan(c.before),
                        after=_yuan(c.after),
                    )
                    for c in s.cliffs
                ],
                points={  # type: ignore[arg-type]
                    k: v for k, v in s.as_dict().items() if k not in ("tenant", "name", "cliffs")
                },
            )
            for s in sweeps
        ]

    @strawberry.field(
        description="Caseload at the end of each of the last `months` months and today, per "
        "tenant; counts below 5 are null, as in statistics (staff: own tenant; national: all)."
    )
    def caseload_trend(
        self,
        info: strawberry.Info,
        tenants: list[str] | None = strawberry.UNSET,
        months: int = 12,
    ) -> list[TenantTrend]:
        from core.simulation.caseload import caseload_trend, month_ends

        codes = _given(tenants)
        check_tenant_list(codes)
        if not 1 <= months <= MAX_TREND_MONTHS:
            raise BangfuError(
                BAD_INPUT, f"months: 1 to {MAX_TREND_MONTHS}", f"月数须在1至{MAX_TREND_MONTHS}之间"
            )
        context = info.context
        who = cases_gateway._staff(context)
        session = cases_gateway._database(context).session
        trend = caseload_trend(
            session, context.registry, who, codes, month_ends(clock.today(), months)
        )
        return [
            TenantTrend(
                tenant=code,
                points=[
                    TrendPoint(
                        as_of=p.on,
                        open_cases=p.open_cases,
                        filed_cases=p.filed_cases,
                        exited_cases=p.exited_cases,
                    )
                    for p in points
                ],
            )
            for code, points in trend.items()
        ]


@strawberry.type
class NationalMutation:
    @strawberry.mutation(
        description="Start a simulation of a synthetic population under every tenant (or a "
        "reform against its baseline); answers at once with the job (national role)."
    )
    def start_simulation(self, info: strawberry.Info, input: SimulationInput) -> SimulationJob:
        who = _national(info)
        return SimulationJob.of(_start_simulation(info, who, input))
