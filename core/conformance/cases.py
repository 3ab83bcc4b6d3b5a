"""Conformance cases: a household, a tenant, a date, and what the rules must give.

A case file is YAML, one case or a list of them::

    - name: H1 seriously ill, out-of-pocket 30,000, income 24,000
      tenant: hebei            # a code, a list of codes, or "*" for every tenant
      asOf: 2026-06-01
      household:               # as the GraphQL HouseholdInput (camelCase)
        members:
          - {name: 张三, relation: APPLICANT, seriousIllness: true}
        otherAnnualIncome: "24000"
        annualMedicalOutOfPocket: "30000"
      expected:
        eligible: true
        category: tekun
        reasons: [a]                       # must include these
        groups: [sudden_expense]           # must include these
        measures: [medical_mutual_aid]     # must include these
        entitlements:                      # programme: amount ("2400.00", or null in kind)
          medical_relief: {amount: "2400.00", period: ONCE}
        absent: [living_relief]            # programmes that must not be granted
        utilityDiscounts: {water: {quantity: "3.00", unit: m3, period: MONTHLY}}
        checklist: {housing: false}
        budget: {gap: "6800.00"}
        error: BAD_INPUT                   # instead of the above: the evaluation must refuse

Each plugin's cases live in the folder its ``bangfu_case_folder`` hook names; the national
baseline's cases with ``tenant: "*"`` run for every tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from core.conformance.scenarios import Scenario, ScenarioError, parse_scenario
from core.errors import PLUGIN_ERROR, BangfuError, closest
from core.evaluation import Evaluation, evaluate
from core.labels import NATIONAL
from core.model import parse_household
from core.registry import Registry, Tenant

EXPECTED_KEYS = {
    "eligible",
    "category",
    "reasons",
    "groups",
    "measures",
    "entitlements",
    "absent",
    "utilityDiscounts",
    "checklist",
    "budget",
    "provisional",
    "error",
}
EVERY_TENANT = "*"


class CaseFileError(ValueError):
    """A case file that cannot be read; the message names the file and the case."""


@dataclass(frozen=True)
class ConformanceCase:
    name: str
    tenants: tuple[str, ...]  #: codes, or ("*",) for every tenant
    as_of: date
    household: dict[str, Any]
    expected: dict[str, Any]
    path: Path
    plugin: str  #: the plugin that ships the case
    tags: tuple[str, ...] = field(default=())

    def applies_to(self, tenant: str) -> bool:
        return EVERY_TENANT in self.tenants or tenant in self.tenants


def load_case_file(path: Path, plugin: str) -> list[ConformanceCase | Scenario]:
    """Evaluation cases and workflow scenarios (items with ``steps``) of one file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{path}: not valid YAML ({exc})") from None
    items = data if isinstance(data, list) else [data]
    cases: list[ConformanceCase | Scenario] = []
    for i, item in enumerate(items):
        where = f"{path} case {i + 1}"
        if not isinstance(item, dict):
            raise CaseFileError(f"{where}: expected a mapping")
        if "steps" in item:
            try:
                cases.append(parse_scenario(item, path, plugin, where))
            except ScenarioError as exc:
                raise CaseFileError(str(exc)) from None
            continue
        missing = {"name", "tenant", "asOf", "household", "expected"} - set(item)
        if missing:
            raise CaseFileError(f"{where}: missing {', '.join(sorted(missing))}")
        unknown = set(item) - {"name", "tenant", "asOf", "household", "expected", "tags"}
        if unknown:
            raise CaseFileError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        expected = item["expected"] or {}
        if not isinstance(expected, dict) or not expected:
            raise CaseFileError(
                f"{where} ({item['name']}): 'expected' checks nothing; say what the "
                "evaluation must give (eligible, entitlements, absent, error ...)"
            )
        if "entitlements" in expected and not expected["entitlements"]:
            raise CaseFileError(
                f"{where} ({item['name']}): an empty 'entitlements:' map checks nothing; list "
                "each programme with its amount, or name the programmes that must not be "
                "granted under 'absent:'"
            )
        bad = set(expected) - EXPECTED_KEYS
        if bad:
            raise CaseFileError(f"{where} ({item['name']}): unknown expectations {sorted(bad)}")
        if not isinstance(item["asOf"], date):
            raise CaseFileError(f"{where}: asOf must be a date (YYYY-MM-DD)")
        tenants = item["tenant"]
        tenants = tuple(tenants) if isinstance(tenants, list) else (str(tenants),)
        cases.append(
            ConformanceCase(
                name=str(item["name"]),
                tenants=tenants,
                as_of=item["asOf"],
                household=item["household"],
                expected=expected,
                path=path,
                plugin=plugin,
                tags=tuple(item.get("tags", ())),
            )
        )
    return cases


def _load_folders(folders: list[tuple[str, Path]]) -> list[ConformanceCase | Scenario]:
    found: list[ConformanceCase | Scenario] = []
    for code, folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*.yaml")):
                found.extend(load_case_file(path, code))
    return found


def load_cases(registry: Registry) -> list[ConformanceCase | Scenario]:
    """Every case and scenario shipped by every loaded plugin."""
    return _load_folders(
        [(code, r.case_folder) for code, r in sorted(registry.records.items()) if r.case_folder]
    )


def cases_for(tenant: Tenant) -> list[ConformanceCase | Scenario]:
    """The cases and scenarios of the tenant's chain that apply to the tenant."""
    return [c for c in _load_folders(tenant.case_folders()) if _applies(c, tenant)]


#: The tag of a workflow scenario that child tenants do not re-run (say why in its name).
PARENT_ONLY = "parent-only"


def _applies(case: ConformanceCase | Scenario, tenant: Tenant) -> bool:
    """A case applies to the tenants it names; a workflow scenario also to their children
    (a child that inherits its parent's procedure re-runs the parent's scenarios; one with
    its own procedure is not walked through the parent's steps)."""
    if case.applies_to(tenant.code):
        return True
    if not isinstance(case, Scenario) or len(tenant.chain) < 2 or PARENT_ONLY in case.tags:
        return False
    ancestors = [code for code in tenant.chain[:-1] if case.applies_to(code)]
    return bool(ancestors) and _same_procedure(tenant, ancestors[-1])


def _same_procedure(tenant: Tenant, ancestor: str) -> bool:
    """Whether ``tenant`` declares no procedure of its own below ``ancestor``."""
    own = [r for r in tenant.stack[tenant.chain.index(ancestor) + 1 :]]
    return not any(hasattr(r.plugin, "bangfu_procedure") for r in own)


def _yuan(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def programme_codes(registry: Registry) -> set[str]:
    """Every programme code a case may name: the national vocabulary's and every loaded
    tenant's own."""
    codes = set(NATIONAL["programme"])
    for tenant in registry.tenants.values():
        codes.update(p.code for p in tenant.programmes)
    return codes


def unknown_programmes(expected: dict[str, Any], known: set[str]) -> list[str]:
    """A case naming a programme nobody offers under ``entitlements:`` or ``absent:`` (a
    misspelling would pass silently, or fail as "not granted"): each, with the code it
    was most likely meant to be."""
    named = [*(expected.get("entitlements") or {}), *(expected.get("absent") or [])]
    problems = []
    for code in dict.fromkeys(str(c) for c in named):
        if code not in known:
            meant = closest(code, known)
            problems.append(
                f"unknown programme {code!r}: no tenant offers it and the national vocabulary "
                "has no such code" + (f"; did you mean {meant!r}?" if meant else "")
            )
    return problems


def check_case(
    case: ConformanceCase,
    tenant: Tenant,
    faults: list[BaseException] | None = None,
    known: set[str] | None = None,
) -> list[str]:
    """Run one case under one tenant; return what did not match (empty when it passes).

    A plugin that raises fails this case only; the exception is added to ``faults`` when
    given (``bangfu check`` names it, with the plugin's file and line). ``known``: the
    programme codes a case may name (:func:`programme_codes`); another is refused."""
    expected = case.expected
    if known is not None:
        unknown = unknown_programmes(expected, known)
        if unknown:
            return unknown
    try:
        household = parse_household(case.household)
        result = evaluate(tenant, household, case.as_of)
    except BangfuError as exc:
        if expected.get("error") == exc.code:
            return []
        if faults is not None and exc.code == PLUGIN_ERROR:
            faults.append(exc)
        return [f"refused with {exc.code}: {exc.en}"]
    except Exception as exc:  # a fault outside the evaluation's own wrapping
        if faults is not None:
            faults.append(exc)
        return [f"raised {type(exc).__name__}: {exc}"]
    if "error" in expected:
        return [f"expected a {expected['error']} refusal, but the household was evaluated"]
    return compare(expected, result)


def compare(expected: dict[str, Any], result: Evaluation) -> list[str]:
    problems: list[str] = []

    def want(cond: bool, message: str) -> None:
        if not cond:
            problems.append(message)

    if "eligible" in expected:
        want(
            result.eligible == expected["eligible"],
            f"eligible: {result.eligible}, expected {expected['eligible']}",
        )
    if "category" in expected:
        want(
            result.category == expected["category"],
            f"category: {result.category}, expected {expected['category']}",
        )
    if "provisional" in expected:
        want(result.provisional == expected["provisional"], f"provisional: {result.provisional}")
    for key, got in (
        ("reasons", {r.code for r in result.reasons}),
        ("groups", set(result.groups)),
        ("measures", set(result.measures)),
    ):
        for code in expected.get(key, []):
            want(code in got, f"{key}: {code} missing (got {sorted(got)})")
    for programme, spec in (expected.get("entitlements") or {}).items():
        e = result.entitlement(programme)
        if e is None:
            problems.append(f"entitlement {programme} not granted")
            continue
        spec = spec if isinstance(spec, dict) else {"amount": spec}
        if "amount" in spec:
            want(
                e.amount == _yuan(spec["amount"]),
                f"{programme}: amount {e.amount}, expected {_yuan(spec['amount'])}",
            )
        if "period" in spec:
            want(
                e.period.value == spec["period"],
                f"{programme}: period {e.period.value}, expected {spec['period']}",
            )
    for programme in expected.get("absent", []):
        want(result.entitlement(programme) is None, f"{programme} granted but expected absent")
    discounts = {u.utility: u for u in result.utility_discounts}
    for utility, spec in (expected.get("utilityDiscounts") or {}).items():
        u = discounts.get(utility)
        if u is None:
            problems.append(f"utility discount {utility} missing")
            continue
        if "quantity" in spec:
            want(u.quantity == _yuan(spec["quantity"]), f"{utility}: quantity {u.quantity}")
        if "unit" in spec:
            want(u.unit == spec["unit"], f"{utility}: unit {u.unit}")
        if "period" in spec:
            want(u.period.value == spec["period"], f"{utility}: period {u.period.value}")
    checklist = {c.code: c.met for c in result.checklist}
    for code, met in (expected.get("checklist") or {}).items():
        want(checklist.get(code) == met, f"checklist {code}: {checklist.get(code)}, expected {met}")
    for key, value in (expected.get("budget") or {}).items():
        attr = {"annualIncome": "annual_income", "annualExpenses": "annual_expenses"}.get(key, key)
        got = getattr(result.budget, attr)
        want(got == _yuan(value), f"budget {key}: {got}, expected {_yuan(value)}")
    return problems
