"""``bangfu simulate`` and ``bangfu replay``: the simulation from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from core import clock
from core.errors import BangfuError
from core.money import format_yuan


def _day(text: str | None, console: Any) -> date | None:
    if text is None:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        console.print(
            f"[red]--as-of {text!r} is not a date (YYYY-MM-DD) / 日期格式应为 YYYY-MM-DD[/]"
        )
        return None


def _refused(exc: BangfuError, console: Any) -> int:
    console.print(f"[red]{exc.en}[/]\n[red]{exc.zh}[/]")
    return 2


def replay_command(
    url: str,
    tenant: str,
    reform_path: str,
    as_of: str | None,
    fail_on_change: bool,
    as_json: bool,
    console: Any,
) -> int:
    from rich.table import Table

    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.registry import load_registry
    from core.simulation.caseload import replay
    from core.simulation.reforms import Reform

    on = _day(as_of, console)
    if on is None:
        return 2
    try:
        reform = Reform.load(reform_path)
        registry = load_registry()
        upgrade(url)
        with session_factory(url)() as session:
            result = replay(session, registry, tenant, reform, on)
    except BangfuError as exc:
        return _refused(exc, console)
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(
            f"重放 replay of [bold]{result.tenant}[/]'s open files under "
            f"[bold]{result.reform}[/] as of {on} (rule set {result.ruleset} -> "
            f"{result.reform_ruleset})"
        )
        console.print(
            f"{result.files} open files / 在办档案; [bold]{result.changed}[/] would get another "
            f"determination / 认定结果将改变; eligibility gained {result.gaining_eligibility}, "
            f"lost {result.losing_eligibility}"
        )
        table = Table(title="programmes that move / 受影响的项目")
        for column in (
            "programme 项目",
            "gaining 新增",
            "losing 失去",
            "amount changed 金额变化",
            "change 金额变化 (yuan/period)",
        ):
            table.add_column(column)
        for m in result.programmes.values():
            table.add_row(
                m.code,
                str(m.gaining),
                str(m.losing),
                str(m.amount_changed),
                format_yuan(m.cost_change),
            )
        console.print(table)
        moved = result.procedure
        if moved is not None:
            console.print(
                f"程序解读 procedure readings: {moved.files} open files; deadlines change for "
                f"{moved.deadlines_changed} / 期限改变; steps opened 可办理 "
                f"{dict(sorted(moved.opened.items()))}, closed 不可办理 "
                f"{dict(sorted(moved.closed.items()))} on {on}"
            )
    procedure_moved = result.procedure is not None and (
        result.procedure.deadlines_changed or result.procedure.opened or result.procedure.closed
    )
    if fail_on_change and (result.changed or procedure_moved):
        console.print(f"[red]{result.changed} open file(s) would change: failing as asked[/]")
        return 1
    return 0


def simulate_command(
    population: str | None,
    households: int,
    seed: int,
    as_of: str | None,
    scheduler: str | None,
    chunk: int,
    as_json: bool,
    console: Any,
    caseload: str | None = None,
    database: str | None = None,
) -> int:
    from pathlib import Path

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table

    from core.registry import load_registry
    from core.simulation.population import row_count, stream_population
    from core.simulation.simulate import simulate_chunks
    from core.simulation.synthetic import synthetic_population

    on = _day(as_of, console)
    if on is None:
        return 2
    registry = load_registry()
    tenants = registry.ordered()
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar:
            if caseload:
                from core.db.session import session_factory
                from core.settings import database_url
                from core.simulation.caseload import caseload_population

                with session_factory(database or database_url())() as session:
                    pop = caseload_population(session, registry.get(caseload))
                task = bar.add_task("open files", total=pop.size)
                chunks = pop.chunks(chunk)
                source = f"open files of {caseload} (facts only, no personal data)"
            elif population:
                rows = row_count(population)
                task = bar.add_task(f"reading {Path(population).name}", total=rows)
                chunks = stream_population(population, chunk, lambda n: bar.advance(task, n))
                source = Path(population).name
            else:
                pop = synthetic_population(households, seed)
                task = bar.add_task("households", total=pop.size)
                chunks = pop.chunks(chunk)
                source = f"synthetic, seed {seed}, {households} households (illustrative)"
            advance = None if population and not caseload else (lambda n: bar.advance(task, n))
            if scheduler:
                from core.simulation.distributed import simulate_on_cluster

                result = simulate_on_cluster(scheduler, tenants, chunks, on, advance, source)
            else:
                result = simulate_chunks(tenants, chunks, on, advance, source)
    except BangfuError as exc:
        return _refused(exc, console)
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return 0
    table = Table(title=f"Simulation 模拟 as of {on}: {source}")
    for column in (
        "tenant 地区",
        "households 户数",
        "eligible 符合条件",
        "covered 受助户",
        "people covered 受助人数",
        "fund cash 帮扶资金现金 (yuan)",
        "fund in kind 实物购物券 (yuan)",
        "tax expenditure 税收扣减 (yuan)",
        "waived fees 费用减免 (yuan)",
        "rule set",
    ):
        table.add_column(column)
    for t in result.tenants:
        table.add_row(
            f"{t.name} ({t.tenant})",
            str(t.households),
            str(t.eligible_households),
            str(t.covered_households),
            str(t.covered_people),
            *(
                format_yuan(t.by_form[form])
                for form in ("FUND_CASH", "FUND_IN_KIND", "TAX_RELIEF", "FEE_WAIVER")
            ),
            t.ruleset,
        )
    console.print(table)
    return 0
