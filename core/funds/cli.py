"""``bangfu payments ...`` and ``bangfu funds ...``: the ledger from the command line.

The commands act as a named person of the tenant (``--user``; role ``admin`` unless
``--role`` says otherwise), through the same service as GraphQL and the staff pages, so
that every check applies: four eyes (the run is approved by someone other than who
started it), 量入为出, publication before the bank. The date is the server's.

    bangfu payments run --tenant hebei --period 2026-12 [--source government]
    bangfu payments approve --tenant hebei --run 3 --user li.approver
    bangfu payments publish --tenant hebei --run 3 --out 公示.xlsx
    bangfu payments send --tenant hebei --run 3 --out bank.csv    (or .xlsx)
    bangfu payments import --tenant hebei --file result.csv
    bangfu payments reissue|recover --tenant hebei --payment 17
    bangfu payments reconcile --tenant hebei --year 2026
    bangfu funds receipt --tenant hebei --year 2026 --source government --amount 1000000.00 --document 冀财社〔2026〕12号
    bangfu funds balance --tenant hebei --year 2026
    bangfu funds report --tenant hebei --year 2026 --out report.xlsx
    bangfu funds audit --tenant hebei --year 2026 --out audit.xlsx
    bangfu funds account set --tenant hebei --case 12 [--account 6222...] [--bank 工商银行]
    bangfu funds account show|remove --tenant hebei --case 12
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.auth.principal import Principal
from core.errors import BangfuError
from core.settings import database_url

payments_app = typer.Typer(help="Payments and payment runs (清册).", no_args_is_help=True)
funds_app = typer.Typer(help="The assistance funds ledger (帮扶资金台账).", no_args_is_help=True)
account_app = typer.Typer(
    help="Payees' bank accounts (一卡通): set, show (masked), remove.", no_args_is_help=True
)
funds_app.add_typer(account_app, name="account")
console = Console()

Tenant = Annotated[str, typer.Option(help="tenant code")]
User = Annotated[str | None, typer.Option(help="who acts (default cli@<tenant>)")]
Role = Annotated[str, typer.Option(help="the acting person's role")]
Database = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL; default $BANGFU_DATABASE_URL or ./bangfu.db"
    ),
]


@contextmanager
def _service(database: str | None) -> Iterator[Any]:
    from core.db.session import session_factory
    from core.funds.service import FundsService
    from core.registry import load_registry

    registry = load_registry()
    with session_factory(database_url(database))() as session:
        try:
            yield FundsService(session, registry)
        except BangfuError as exc:
            console.print(f"[red]{exc.code}[/] {exc.zh}\n{exc.en}")
            raise typer.Exit(code=1) from None


def _who(tenant: str, user: str | None, role: str) -> Principal:
    return Principal(user=user or f"cli@{tenant}", tenant=tenant, role=role)


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    console.print(f"wrote [bold]{path}[/] ({len(content):,} bytes)")


@payments_app.command("run")
def run(
    tenant: Tenant,
    period: Annotated[str, typer.Option(help="a month (2026-12) or a year (2026)")],
    source: Annotated[str, typer.Option(help="the fund paying")] = "government",
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Propose the payments of a period to every filed case with a recurring entitlement
    (idempotent: a second run adds only what is missing)."""
    with _service(database) as service, _progress() as progress:
        task = progress.add_task(f"清册 {tenant} {period}", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = service.run(_who(tenant, user, role), period, source, step)
    from core.money import format_yuan

    console.print(
        f"run {result.run.id} ({tenant} {period}, {source}): {result.created:,} new payment(s), "
        f"{result.total:,} in the run, {format_yuan(result.total_fen)} yuan; "
        "waiting for approval by someone else (四眼原则)"
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@payments_app.command("approve")
def approve(
    tenant: Tenant,
    run: Annotated[int, typer.Option(help="the run to approve")],
    user: Annotated[str, typer.Option(help="the approver (not who started the run)")],
    role: Role = "approver",
    database: Database = None,
) -> None:
    """Approve every proposed payment of a run (refused below zero: 量入为出)."""
    with _service(database) as service:
        n = service.approve_run(_who(tenant, user, role), run)
    console.print(f"approved {n:,} payment(s) of run {run}")


@payments_app.command("publish")
def publish(
    tenant: Tenant,
    run: Annotated[int, typer.Option(help="the run to publish")],
    out: Annotated[Path | None, typer.Option(help="write the list (.csv or .xlsx)")] = None,
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Publish a run's list (公示): names masked."""
    with _service(database) as service:
        rows = service.publish(_who(tenant, user, role), run)
    console.print(f"run {run} published: {len(rows):,} line(s)")
    if out:
        _write(out, _public_file(rows, out.suffix.lower() == ".xlsx"))


def _public_file(rows: list[dict[str, Any]], xlsx: bool) -> bytes:
    from core.sheets import csv_bytes, said, xlsx_bytes

    header = ["序号 no.", "姓名 name", "帮扶项目 programme", "期间 period", "金额(元) amount"]
    lines = [
        [r["payment"], said(r["name"]), r["programme"], r["period"], r["amount"]] for r in rows
    ]
    return xlsx_bytes("公示", [header, *lines]) if xlsx else csv_bytes([header, *lines])


@payments_app.command("send")
def send(
    tenant: Tenant,
    run: Annotated[int, typer.Option(help="the published run")],
    out: Annotated[Path, typer.Option(help="the bank file (.csv or .xlsx)")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Send a published run's approved payments to the bank: write the bank file."""
    from core.funds import bank

    with _service(database) as service:
        rows = service.send_to_bank(_who(tenant, user, role), run)
    _write(out, bank.to_xlsx(rows) if out.suffix.lower() == ".xlsx" else bank.to_csv(rows))


@payments_app.command("import")
def import_result(
    tenant: Tenant,
    file: Annotated[Path, typer.Option(help="the bank's result file (.csv or .xlsx)")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Import the bank's result file: paid, or returned (退票). All or nothing."""
    from core.funds import bank

    with _service(database) as service:
        counts = service.import_bank_result(
            _who(tenant, user, role), bank.read_result(file.read_bytes(), file.name)
        )
    console.print(f"paid {counts['paid']:,}, returned {counts['returned']:,}")


def _after_return(action: str) -> Callable[..., None]:
    def command(
        tenant: Tenant,
        payment: Annotated[int, typer.Option(help="the returned payment")],
        user: User = None,
        role: Role = "admin",
        database: Database = None,
    ) -> None:
        with _service(database) as service:
            getattr(service, action)(_who(tenant, user, role), payment)
        console.print(f"payment {payment}: {action}")

    return command


payments_app.command("reissue", help="补发: send a returned payment again.")(
    _after_return("reissue")
)
payments_app.command("recover", help="追回: a returned payment is not paid.")(
    _after_return("recover")
)


@payments_app.command("reconcile")
def reconcile(
    tenant: Tenant,
    year: Annotated[int, typer.Option(help="the year")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Every payment in one state, the ledger checked payment by payment, totals to the fen."""
    from core.funds.payments import STATES
    from core.money import format_yuan

    with _service(database) as service:
        result = service.reconcile(_who(tenant, user, role), year)
    table = Table(title=f"{tenant} {year} 对账 reconciliation")
    for column in ("状态 state", "笔数 payments", "金额(元) yuan"):
        table.add_column(column)
    for state, (n, fen) in sorted(result.by_state.items()):
        table.add_row(f"{STATES[state][0]} {state}", f"{n:,}", format_yuan(fen))
    console.print(table)
    if result.balanced:
        console.print("[green]balanced to the fen (账实相符)[/]")
        return
    for line in [*result.problems, *map(str, result.unbalanced_journals)]:
        console.print(f"[red]{line}[/]")
    if result.mismatched_payments:
        console.print(
            f"[red]payments not matching the ledger: {result.mismatched_payments[:20]}[/]"
        )
    raise typer.Exit(code=1)


@funds_app.command("receipt")
def receipt(
    tenant: Tenant,
    year: Annotated[int, typer.Option(help="the fund's year")],
    source: Annotated[str, typer.Option(help="government, union_budget, donation, song_wennuan")],
    amount: Annotated[str, typer.Option(help="yuan, e.g. 1000000.00")],
    document: Annotated[str, typer.Option(help="the document reference (文号/凭证号)")],
    received_on: Annotated[str | None, typer.Option("--received-on", help="YYYY-MM-DD")] = None,
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Record money received into a fund."""
    from core.money import to_fen

    try:
        fen = to_fen(Decimal(amount))
        on = date.fromisoformat(received_on) if received_on else None
    except (InvalidOperation, ValueError):
        console.print("[red]BAD_INPUT[/] 金额或日期格式有误 / the amount or date is malformed")
        raise typer.Exit(code=2) from None
    with _service(database) as service:
        journal = service.record_receipt(_who(tenant, user, role), year, source, fen, document, on)
    console.print(f"receipt recorded: journal {journal}")


@funds_app.command("balance")
def balance(
    tenant: Tenant,
    year: Annotated[int, typer.Option(help="the year")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """The balances of every fund of the year, derived from the entries."""
    from core.funds.ledger import SOURCES
    from core.money import format_yuan

    with _service(database) as service:
        funds = service.balances(_who(tenant, user, role), year)
    table = Table(title=f"{tenant} {year} 资金余额 balances (yuan)")
    for column in (
        "来源 source",
        "收入 raised",
        "支出 spent",
        "可用 available",
        "专户 bank",
        "应付 payable",
    ):
        table.add_column(column, justify="right")
    for f in funds:
        table.add_row(
            SOURCES[f.source][0],
            *(format_yuan(v) for v in (f.raised, f.spent, f.available, f.bank, f.payable)),
        )
    console.print(table)


@funds_app.command("report")
def report(
    tenant: Tenant,
    year: Annotated[int, typer.Option(help="the year")],
    out: Annotated[Path, typer.Option(help="the workbook to write (.xlsx)")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """The annual fund report (raised, used by programme, balance) as XLSX."""
    with _service(database) as service:
        content = service_report_xlsx(service, _who(tenant, user, role), year)
    _write(out, content)


@funds_app.command("audit")
def audit(
    tenant: Tenant,
    year: Annotated[int, typer.Option(help="the year")],
    out: Annotated[Path, typer.Option(help="the file to write (.xlsx or .csv)")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """The internal audit export: every entry of the year, with actor and time."""
    from core.funds import reports

    with _service(database) as service:
        rows = service.audit(_who(tenant, user, role), year)
    if out.suffix.lower() == ".xlsx":
        _write(
            out,
            reports.audit_csv(rows) if out.suffix.lower() == ".csv" else reports.audit_xlsx(rows),
        )
        return
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[k for k, _ in reports.AUDIT_COLUMNS])
    writer.writeheader()
    writer.writerows(rows)
    _write(out, ("\ufeff" + text.getvalue()).encode())


def service_report_xlsx(service: Any, who: Principal, year: int) -> bytes:
    from core.funds import reports

    report = service.annual_report(who, year)
    tenant = service.registry.get(who.tenant)
    return reports.report_xlsx(report, {p.code: p.name for p in tenant.programmes})


CaseNumber = Annotated[str, typer.Option("--case", help="the file's number (档案编号)")]


@account_app.command("set")
def account_set(
    tenant: Tenant,
    case: CaseNumber,
    account: Annotated[
        str,
        typer.Option(
            prompt="一卡通账号 bank account",
            help="10 to 30 digits (spaces and dashes dropped); asked for when not given, "
            "so that it stays out of the shell's history",
        ),
    ],
    bank: Annotated[str | None, typer.Option(help="the bank's name (开户银行)")] = None,
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Record (or replace) a file's bank account; it is kept sealed and shown masked."""
    with _service(database) as service:
        masked = service.set_payee_account(_who(tenant, user, role), case, account, bank)
    console.print(f"档案 {case} 一卡通账号已登记 / account recorded: {masked}")


@account_app.command("show")
def account_show(
    tenant: Tenant,
    case: CaseNumber,
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """A file's bank account, masked (never in full: only the bank file carries it)."""
    with _service(database) as service:
        masked = service.payee_account(_who(tenant, user, role), case)
    if masked is None:
        console.print(f"档案 {case} 未登记一卡通账号 / no account recorded")
        raise typer.Exit(code=1)
    console.print(masked)


@account_app.command("remove")
def account_remove(
    tenant: Tenant,
    case: CaseNumber,
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Remove a file's bank account (closed, or recorded on the wrong file)."""
    with _service(database) as service:
        masked = service.remove_payee_account(_who(tenant, user, role), case)
    console.print(f"档案 {case} 一卡通账号已删除 / account removed: {masked}")
