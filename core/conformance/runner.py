"""``bangfu check``: run the kit and print a summary per tenant."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from core.conformance.cases import CaseFileError, ConformanceCase, cases_for, check_case
from core.conformance.invariants import INVARIANTS
from core.conformance.scenarios import run_scenario
from core.registry import Registry, Tenant, load_registry


@dataclass
class TenantReport:
    tenant: str
    passed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_tenant(registry: Registry, tenant: Tenant) -> TenantReport:
    report = TenantReport(tenant.code)
    try:
        cases = cases_for(tenant)
    except CaseFileError as exc:
        report.failures.append(f"case file: {exc}")
        cases = []
    for case in cases:
        if isinstance(case, ConformanceCase):
            problems = check_case(case, tenant)
        else:
            problems = run_scenario(case, tenant).problems
        if problems:
            report.failures.append(f"case {case.name!r} ({case.path.name}): " + "; ".join(problems))
        else:
            report.passed += 1
    for invariant in INVARIANTS:
        try:
            problems = invariant.check(tenant)
        except Exception as exc:
            problems = [f"raised {type(exc).__name__}: {exc}"]
        if problems:
            report.failures.append(f"invariant {invariant.name}: " + "; ".join(problems[:3]))
        else:
            report.passed += 1
    return report


def run_kit(codes: list[str] | None, console: Console) -> bool:
    """Check the named tenants (default: all); print a table; True when all pass."""
    registry = load_registry()
    ok = True
    for problem in registry.problems:
        console.print(f"[red]load problem[/] {problem.plugin}: {problem.reason}")
        ok = False
    unknown = [c for c in codes or [] if c not in registry.tenants]
    if unknown:
        known = ", ".join(registry.tenants)
        console.print(f"[red]unknown tenant(s): {', '.join(unknown)}[/] (known: {known})")
        return False
    tenants = [registry.get(c) for c in codes] if codes else registry.ordered()
    table = Table(title="Conformance")
    for column in ("tenant", "chain", "passed", "failed", "result"):
        table.add_column(column)
    reports = [check_tenant(registry, t) for t in tenants]
    for t, r in zip(tenants, reports, strict=True):
        table.add_row(
            t.code,
            " > ".join(t.chain),
            str(r.passed),
            str(len(r.failures)),
            "[green]ok[/]" if r.ok else "[red]FAIL[/]",
        )
    console.print(table)
    for r in reports:
        for failure in r.failures:
            console.print(f"[red]{r.tenant}[/]: {failure}")
        ok = ok and r.ok
    return ok
