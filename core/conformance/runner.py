"""``bangfu check``: run the kit and print a summary per tenant."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.conformance.cases import CaseFileError, ConformanceCase, cases_for, check_case
from core.conformance.invariants import INVARIANTS
from core.conformance.scenarios import run_scenario
from core.registry import Registry, Tenant, load_registry


@dataclass
class TenantReport:
    tenant: str
    passed: int = 0
    failures: list[str] = field(default_factory=list)
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
    for case in cases:
        try:  # a plugin's exception fails this case, not the run
            if isinstance(case, ConformanceCase):
                problems = check_case(case, tenant, report.faults)
            else:
                problems = run_scenario(case, tenant).problems
        except Exception as exc:
            report.faults.append(exc)
            problems = [f"raised {type(exc).__name__}: {exc}"]
        if problems:
            report.failures.append(f"case {case.name!r} ({case.path.name}): " + "; ".join(problems))
        else:
            report.passed += 1
    for invariant in INVARIANTS:
        try:
            problems = invariant.check(tenant)
        except Exception as exc:
            report.faults.append(exc)
            problems = [f"raised {type(exc).__name__}: {exc}"]
        if problems:
            report.failures.append(f"invariant {invariant.name}: " + "; ".join(problems[:3]))
        else:
            report.passed += 1
    return report


def fault_lines(tenant: str, faults: list[BaseException]) -> list[str]:
    """One line per hook that raised: the exception, and the plugin's file and line (the
    innermost frame outside the framework), e.g. ``hook bangfu_programmes: ZeroDivisionError:
    division by zero (at /src/my_city/__init__.py:42)``."""
    seen: dict[str, str] = {}
    for fault in faults:
        cause = fault.__cause__ or fault
        details = getattr(fault, "details", None) or {}
        hook = str(details.get("hook") or "evaluation")
        if hook in seen:
            continue
        where = _plugin_frame(cause)
        seen[hook] = f"{tenant}: hook {hook}: {type(cause).__name__}: {cause}" + (
            f" (at {where})" if where else ""
        )
    return list(seen.values())


_FRAMEWORK = Path(__file__).resolve().parents[1]  # the core package


def _plugin_frame(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    outside = [f for f in frames if not Path(f.filename).resolve().is_relative_to(_FRAMEWORK)]
    frame = (outside or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame is not None else None


def run_kit(codes: list[str] | None, console: Console, verbose: bool = False) -> bool:
    """Check the named tenants (default: all); print a table; True when all pass.
    ``verbose``: also name each plugin fault, once per hook (exception, file and line)."""
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
        if verbose:
            for line in fault_lines(r.tenant, r.faults):
                console.print(Text("plugin fault ", style="red") + Text(line), highlight=False)
        ok = ok and r.ok
    return ok
