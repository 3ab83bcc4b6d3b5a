"""``bangfu check``: run the kit and print a summary per tenant."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.conformance.cases import (
    CaseFileError,
    ConformanceCase,
    cases_for,
    check_case,
    programme_codes,
)
from core.conformance.invariants import INVARIANTS
from core.conformance.scenarios import run_scenario
from core.errors import PLUGIN_ERROR
from core.faults import cause_of, describe_cause, location
from core.registry import Registry, Tenant, load_registry


@dataclass
class TenantReport:
    tenant: str
    passed: list[str] = field(default_factory=list)  #: the checks that passed, named
    failures: list[str] = field(default_factory=list)
    #: the failures a plugin fault caused (also in ``failures``)
    faulted: list[str] = field(default_factory=list)
    faults: list[BaseException] = field(default_factory=list)  #: what plugins raised

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
    known = programme_codes(registry)
    for case in cases:
        faults = len(report.faults)
        try:  # a plugin's exception fails this case, not the run
            if isinstance(case, ConformanceCase):
                problems = check_case(case, tenant, report.faults, known)
            else:
                problems = run_scenario(case, tenant).problems
        except Exception as exc:
            report.faults.append(exc)
            problems = [f"raised {type(exc).__name__}: {exc}"]
        _record(report, f"case {case.name!r} ({case.path.name})", problems, faults)
    for invariant in INVARIANTS:
        faults = len(report.faults)
        try:
            problems = invariant.check(tenant)
        except Exception as exc:
            report.faults.append(exc)
            problems = [f"raised {type(exc).__name__}: {exc}"]
        _record(report, f"invariant {invariant.name}", problems[:3], faults)
    return report


def _record(report: TenantReport, what: str, problems: list[str], faults_before: int) -> None:
    if not problems:
        report.passed.append(what)
        return
    line = f"{what}: " + "; ".join(problems)
    report.failures.append(line)
    if len(report.faults) > faults_before or any(PLUGIN_ERROR in p for p in problems):
        report.faulted.append(line)


def fault_lines(tenant: Tenant, faults: list[BaseException]) -> list[str]:
    """One line per fault (the same cause in the same rule is one fault, however many
    checks it failed): where it happened, the cause, and the plugin's own file and line,
    e.g. ``programme x.coal: TypeError: ... (at /src/my_city/__init__.py:42, in _coal)``."""
    seen: dict[tuple[str, str, str | None], str] = {}
    for fault in faults:
        details = getattr(fault, "details", None) or {}
        where = str(details.get("hook") or "evaluation")
        at = location(fault, tenant)
        key = (where, type(cause_of(fault)).__name__, at)  # not the message: it may hold a date
        if key not in seen:
            seen[key] = f"{where}: {describe_cause(fault)}" + (f" (at {at})" if at else "")
    return list(seen.values())


def run_kit(codes: list[str] | None, console: Console, verbose: bool = False) -> bool:
    """Check the named tenants (default: all); print a table; True when all pass.

    Each plugin fault is printed once, with its cause and the plugin's file and line, and
    the failures it caused are counted, not repeated; ``verbose`` lists every failure one
    by one, and every check that passed."""
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
            str(len(r.passed)),
            str(len(r.failures)),
            "[green]ok[/]" if r.ok else "[red]FAIL[/]",
        )
    console.print(table)
    for t, r in zip(tenants, reports, strict=True):
        for line in fault_lines(t, r.faults):
            console.print(Text(f"{r.tenant}: plugin fault in ", style="red") + Text(line))
        shown = r.failures if verbose else [f for f in r.failures if f not in r.faulted]
        for failure in shown:
            console.print(Text(f"{r.tenant}: ", style="red") + Text(failure))
        if r.faulted and not verbose:
            console.print(
                Text(f"{r.tenant}: ", style="red")
                + Text(
                    f"{len(r.faulted)} checks failed on the plugin fault(s) above "
                    "(bangfu check -v lists each)"
                )
            )
        if verbose:
            for name in r.passed:
                console.print(Text(f"{r.tenant}: ", style="green") + Text(f"passed {name}"))
        ok = ok and r.ok
    return ok
