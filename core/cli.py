"""The ``bangfu`` command (see ``shared/spec/CONTRACT.md``, Commands)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.funds.cli import funds_app, payments_app
from core.settings import database_url, env_name
from core.verification.cli import roster_app

app = typer.Typer(
    help="Bangfu 帮扶: tenant rules, cases and the GraphQL API.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for staff and national users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
session_app = typer.Typer(help="Staff-page sessions.", no_args_is_help=True)
app.add_typer(token_app, name="token")
user_app = typer.Typer(help="Staff accounts for the staff pages.", no_args_is_help=True)
app.add_typer(user_app, name="user")
audit_app = typer.Typer(help="Checks of the recorded history.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(session_app, name="session")
app.add_typer(payments_app, name="payments")
app.add_typer(funds_app, name="funds")
app.add_typer(roster_app, name="roster")
console = Console()


@app.callback()
def _fresh_console() -> None:
    """Each run prints at the width its environment gives now (``$COLUMNS`` included), not
    the width of whoever imported this module first."""
    global console
    console = Console()


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL; default $BANGFU_DATABASE_URL or ./bangfu.db"
    ),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    database: DatabaseUrl = None,
    demo: Annotated[bool, typer.Option(help="load demo data when the database is empty")] = True,
    local_demo: Annotated[
        bool,
        typer.Option(
            "--local-demo",
            help="without $BANGFU_ID_HASH_KEY, make (once) and use a random key file next to "
            "the database: for a local demonstration only (make run)",
        ),
    ] = False,
) -> None:
    """Migrate the database, load demo data when empty, and serve GraphQL and the staff pages.

    Needs $BANGFU_ID_HASH_KEY (or $BANGFU_ID_HASH_KEY_FILE) unless --local-demo."""
    from core.api.server import NotConfigured
    from core.api.server import serve as run_server
    from core.api.workers import PortUnavailable

    try:
        run_server(
            host=host,
            port=port,
            workers=workers,
            database=database_url(database),
            demo=demo,
            local_demo=local_demo,
        )
    except (NotConfigured, PortUnavailable) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(code=2) from None


@db_app.command("upgrade")
def db_upgrade(database: DatabaseUrl = None) -> None:
    """Apply the Alembic migrations up to the newest."""
    from core.db.migrate import upgrade

    url = database_url(database)
    upgrade(url)
    console.print(f"database at [bold]{_safe_url(url)}[/] is up to date")


@app.command()
def tenants() -> None:
    """List the discovered tenants, their parents, plugin versions and load problems."""
    from core.registry import load_registry

    registry = load_registry()
    table = Table(title="Tenants")
    # the codes are what an author types next: never cut, whatever the terminal's width
    longest = max((len(t.code) for t in registry.ordered()), default=4)
    for column in ("code", "parent"):
        table.add_column(column, no_wrap=True, min_width=longest)
    for column in ("name", "level", "chain", "versions", "rule set"):
        table.add_column(column, overflow="fold")
    for t in registry.ordered():
        table.add_row(
            t.code,
            t.info.parent or "-",
            t.info.name,
            t.info.level.value,
            " > ".join(t.chain),
            ", ".join(f"{k} {v}" for k, v in t.plugin_versions.items()),
            t.ruleset,
        )
    console.print(table)
    if registry.problems:
        problems = Table(title="Load problems", style="red")
        problems.add_column("plugin")
        problems.add_column("reason")
        for p in registry.problems:
            problems.add_row(p.plugin, p.reason)
        console.print(problems)
        raise typer.Exit(code=1)


@app.command()
def check(
    tenant_codes: Annotated[list[str] | None, typer.Argument(metavar="[TENANT]...")] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="name each plugin fault: exception, plugin file and line"
        ),
    ] = False,
) -> None:
    """Run the conformance kit: shared cases and invariants, and each tenant's own cases."""
    from core.conformance.runner import run_kit

    ok = run_kit(tenant_codes or None, console, verbose=verbose)
    raise typer.Exit(code=0 if ok else 1)


@token_app.command("create")
def token_create(
    tenant: Annotated[str, typer.Option(help="tenant code, or 'national'")],
    role: Annotated[
        str, typer.Option(help="caseworker, reviewer, approver, chairman, national, admin")
    ],
    user: Annotated[str, typer.Option(help="the person's user name")],
    days: Annotated[int, typer.Option(help="days until the token expires")] = 90,
    database: DatabaseUrl = None,
) -> None:
    """Print a new bearer token (only its hash is stored); it expires after --days."""
    from core.auth.tokens import create_token
    from core.errors import BangfuError

    try:
        token = create_token(database_url(database), tenant=tenant, role=role, user=user, days=days)
    except BangfuError as exc:  # a wrong tenant, role or name: one line, no traceback
        typer.echo(f"bangfu token create: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(code=2) from None
    print(token)


@token_app.command("list")
def token_list(
    tenant: Annotated[str | None, typer.Option(help="only this tenant's tokens")] = None,
    user: Annotated[str | None, typer.Option(help="only this user's tokens")] = None,
    database: DatabaseUrl = None,
) -> None:
    """List tokens without their secrets: number, tenant, role, user, dates, state."""
    from core.auth.tokens import list_tokens
    from core.db.migrate import upgrade
    from core.db.session import session_factory

    url = database_url(database)
    upgrade(url)
    with session_factory(url)() as session:
        listed = list_tokens(session, tenant, user)
    table = Table(title="Tokens 令牌")
    for column in ("id", "tenant", "role", "user", "created", "expires", "revoked", "state"):
        table.add_column(column)

    def when(moment):
        return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"

    for t in listed:
        table.add_row(
            str(t.id),
            t.tenant,
            t.role,
            t.user,
            when(t.created),
            when(t.expires),
            when(t.revoked),
            t.state(),
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token: Annotated[
        str | None, typer.Argument(help="the token to revoke (bf_...), if you have it")
    ] = None,
    token_id: Annotated[
        list[int] | None, typer.Option("--id", help="the token's number (bangfu token list)")
    ] = None,
    user: Annotated[str | None, typer.Option(help="revoke every token of this user")] = None,
    database: DatabaseUrl = None,
) -> None:
    """Revoke tokens by number, by user or by secret: every later request with them is
    refused, and the staff-page sessions opened with them end."""
    from core.auth.tokens import revoke_token, revoke_tokens
    from core.db.session import session_factory

    if sum(x is not None and x != [] for x in (token, token_id, user)) != 1:
        console.print("[red]give one of: a token, --id N (repeatable), --user NAME[/]")
        raise typer.Exit(code=2)
    with session_factory(database_url(database))() as session:
        if token is not None:
            revoked = [1] if revoke_token(session, token) else []
        elif token_id:
            revoked = revoke_tokens(session, ids=list(token_id))
        else:
            revoked = revoke_tokens(session, user=user)
    if not revoked:
        console.print("[red]no active token matches[/]")
        raise typer.Exit(code=1)
    console.print(f"{len(revoked)} token(s) revoked" + (f": {revoked}" if token is None else ""))


@session_app.command("end")
def session_end(
    tenant: Annotated[str, typer.Option(help="the user's tenant code")],
    user: Annotated[str, typer.Option(help="the user whose sessions end")],
    database: DatabaseUrl = None,
) -> None:
    """Sign a user out everywhere: every live staff-page session of theirs ends now."""
    from core.auth.sessions import end_sessions_of
    from core.db.session import session_factory

    with session_factory(database_url(database))() as session:
        ended = end_sessions_of(session, tenant, user.strip())
    console.print(f"{ended} session(s) ended")


@user_app.command("create")
def user_create(
    tenant: Annotated[str, typer.Option(help="tenant code, e.g. hebei")],
    role: Annotated[
        str,
        typer.Option(
            help="caseworker, reviewer, approver, chairman, admin; national for --tenant national"
        ),
    ],
    user: Annotated[str, typer.Option(help="the user name to sign in with")],
    name: Annotated[str, typer.Option(help="the person's name, for the header")] = "",
    totp: Annotated[bool, typer.Option(help="ask for a one-time code (TOTP) too")] = False,
    password: Annotated[
        str | None,
        typer.Option(
            help="the password (default: asked for, not echoed)", envvar=env_name("password")
        ),
    ] = None,
    database: DatabaseUrl = None,
) -> None:
    """Create a staff account; prints the TOTP secret and its otpauth address with --totp."""
    import pyotp

    from core.auth.accounts import create_user
    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.errors import BangfuError
    from core.registry import load_registry

    url = database_url(database)
    upgrade(url)
    if password is None:
        password = typer.prompt("password 密码", hide_input=True, confirmation_prompt=True)
    known = set(load_registry().tenants)
    try:
        with session_factory(url)() as session:
            secret = create_user(
                session, tenant, user, role, password, known, totp=totp, display_name=name
            )
    except BangfuError as exc:
        console.print(f"[red]{exc.zh}[/] {exc.en}")
        raise typer.Exit(code=1) from None
    console.print(f"user {user} ({role}) created in {tenant}")
    if secret:
        print(secret)
        print(pyotp.TOTP(secret).provisioning_uri(name=f"{user}@{tenant}", issuer_name="Bangfu"))


@user_app.command("disable")
def user_disable(
    tenant: Annotated[str, typer.Option(help="tenant code")],
    user: Annotated[str, typer.Option(help="the user name")],
    database: DatabaseUrl = None,
) -> None:
    """Disable a staff account: it never signs in again."""
    from core.auth.accounts import disable_user
    from core.db.session import session_factory

    with session_factory(database_url(database))() as session:
        if not disable_user(session, tenant, user):
            console.print("[red]no active account of that name[/]")
            raise typer.Exit(code=1)
    console.print(f"user {user} of {tenant} disabled")


@app.command()
def review(
    tenant: Annotated[str, typer.Option(help="tenant code")],
    as_of: Annotated[str, typer.Option("--as-of", help="review date, YYYY-MM-DD")],
    database: DatabaseUrl = None,
) -> None:
    """Re-review every open file under the rules in force on the date."""
    from core.review import run_review_command

    try:
        on = date.fromisoformat(as_of)
    except ValueError:
        console.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/]")
        raise typer.Exit(code=2) from None
    run_review_command(database_url(database), tenant, on, console)


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[
        list[str] | None, typer.Option("--tenant", help="tenant code (default: every tenant)")
    ] = None,
    database: DatabaseUrl = None,
) -> None:
    """Check the hash chain of every file's history; name the first broken link."""
    from core.db.chain import verify_tenants
    from core.db.session import session_factory
    from core.evidence.documents import verify_documents
    from core.registry import load_registry

    codes = tenant or sorted(load_registry().tenants)
    with session_factory(database_url(database))() as session:
        checked, broken = verify_tenants(session, codes)
        if broken is None:  # the chain holds: now the documents it vouches for
            documents, problem = verify_documents(session, codes)
    if broken is not None:
        console.print(f"[red]history changed after entry: {broken.describe()}[/]")
        console.print(f"[red]历史记录被改动:{broken.describe_zh()}[/]")
        raise typer.Exit(code=1)
    if problem is not None:
        console.print(f"[red]evidence document changed or missing: {problem.describe()}[/]")
        console.print(f"[red]证明材料被改动或缺失:{problem.describe_zh()}[/]")
        raise typer.Exit(code=1)
    console.print(f"{checked} events of {', '.join(codes)}: every chain holds / 全部记录完整")
    if documents:
        console.print(f"{documents} evidence documents as recorded / 证明材料与记录一致")


@app.command()
def demo(
    files: Annotated[int, typer.Option("--files", help="how many files to add", min=1)],
    tenant: Annotated[str, typer.Option(help="tenant code")] = "hebei",
    database: DatabaseUrl = None,
) -> None:
    """Add a province's caseload of realistic files (scale tests, benchmarks): 50% filed,
    15% exited, 10% rejected, 25% open, about four steps with their records a file."""
    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.demo_caseload import load_caseload
    from core.registry import load_registry

    url = database_url(database)
    upgrade(url)

    def progress(done: int, seconds: float) -> None:
        console.print(f"{done:,} / {files:,} files, {seconds:.0f} s ({done / seconds:,.0f}/s)")

    with session_factory(url)() as session:
        loaded = load_caseload(session, load_registry(), tenant, files, progress)
    console.print(
        f"{loaded.files:,} files, {loaded.events:,} steps in {loaded.seconds:.1f} s "
        f"({', '.join(f'{k} {n:,}' for k, n in sorted(loaded.kinds.items()))}) / "
        f"已建 {loaded.files:,} 份档案"
    )


calendar_app = typer.Typer(help="The statutory holiday calendar.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("load")
def calendar_load(
    schedule: Annotated[
        Path, typer.Argument(help="YEAR.yaml written from the State Council notice")
    ],
) -> None:
    """Check a year's holidays and make-up days against the notice's form and put the file
    into the calendar folder ($BANGFU_CALENDARS); restart the servers to use it."""
    from core.calendar import CalendarFileError, calendar_folder, load_notice_file

    try:
        loaded, target = load_notice_file(schedule)
    except CalendarFileError as exc:
        console.print(f"[red]日历文件有误 / the calendar file is wrong: {exc}[/]")
        raise typer.Exit(code=1) from None
    console.print(
        f"{loaded.year}: {len(loaded.holidays)} 天假期 holidays, {len(loaded.workdays)} 天调休上班 "
        f"make-up working days ({loaded.source}) -> {target}\n"
        f"请重启服务使其生效 / restart the servers to use it "
        f"(systemctl restart bangfu bangfu-jobs); calendar folder {calendar_folder()}"
    )


@calendar_app.command("status")
def calendar_status() -> None:
    """The years whose schedule is known, and the warning the pages show, if any."""
    from core.calendar import calendar_warning, load_calendar

    calendar = load_calendar()  # the folder as it is now
    years = calendar.known_years()
    console.print(f"known years 已知年份: {years[0]}-{years[-1]}" if years else "no year known")
    warning = calendar_warning(calendar=calendar)
    if warning is None:
        console.print("no warning / 无提醒")
        return
    console.print(f"[yellow]{warning.zh}\n{warning.en}[/]")
    raise typer.Exit(code=3)


jobs_app = typer.Typer(
    help="Long work run by workers: simulations, payment runs.", no_args_is_help=True
)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("worker")
def jobs_worker(
    concurrency: Annotated[
        int, typer.Option(help="jobs run at once by this worker (PostgreSQL)", min=1)
    ] = 1,
    database: DatabaseUrl = None,
) -> None:
    """Run queued jobs until stopped (SIGTERM lets the running job finish). On PostgreSQL
    run one on every host with cores to spare; a job whose worker dies is tried again."""
    from core.jobs import worker
    from core.settings import SettingsError

    try:
        worker.run(database_url(database), concurrency)
    except (SettingsError, worker.NotReady) as exc:
        console.print(f"[red]bangfu jobs worker will not start: {exc}[/]")
        raise typer.Exit(code=2) from None


@jobs_app.command("list")
def jobs_list(
    tenant: Annotated[str, typer.Option(help="whose jobs (national: the simulations)")],
    database: DatabaseUrl = None,
) -> None:
    """The newest jobs of a tenant: status, progress, attempts and the worker that has it."""
    from core.jobs.store import recent

    table = Table(title=f"Jobs of {tenant}")
    for column in ("id", "kind", "owner", "status", "done", "attempts", "worker", "error"):
        table.add_column(column)
    for job in recent(database_url(database), tenant):
        table.add_row(
            job.id,
            job.kind,
            job.owner,
            job.status,
            f"{job.done}/{job.total}",
            str(job.attempts),
            job.worker or "",
            job.error_zh or "",
        )
    console.print(table)


@app.command("backup")
def backup_command(
    into: Annotated[Path, typer.Option("--into", help="the folder the backup file is written to")],
    keep: Annotated[
        int | None, typer.Option(help="keep only the newest N backups in that folder")
    ] = None,
    database: DatabaseUrl = None,
) -> None:
    """Back up the whole database (PostgreSQL: pg_dump; run as the owner) into one file."""
    from core.backup import BackupError, backup

    try:
        path = backup(database_url(database), into, keep)
    except BackupError as exc:
        console.print(f"[red]{exc.zh} / {exc.en}[/]")
        raise typer.Exit(code=1) from None
    console.print(f"备份完成 / backed up to {path}")


@app.command("restore")
def restore_command(
    backup_file: Annotated[Path, typer.Argument(help="a file made by bangfu backup")],
    database: DatabaseUrl = None,
) -> None:
    """Restore a backup into an empty database, all of it or nothing; then run
    `bangfu audit verify` and `bangfu payments reconcile` against it."""
    from core.backup import BackupError, restore

    try:
        restore(backup_file, database_url(database))
    except BackupError as exc:
        console.print(f"[red]{exc.zh} / {exc.en}[/]")
        raise typer.Exit(code=1) from None
    console.print(f"恢复完成 / restored {backup_file}")


@app.command()
def replay(
    tenant: Annotated[str, typer.Option(help="tenant code")],
    reform: Annotated[str, typer.Option(help="reform YAML file (parameter overrides, programmes)")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date, YYYY-MM-DD; default today")
    ] = None,
    fail_on_change: Annotated[
        bool, typer.Option(help="exit 1 when any open file would get another determination")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    database: DatabaseUrl = None,
) -> None:
    """Replay the tenant's open files under a reform: how many would change, which programmes move."""
    from core.simulation.commands import replay_command

    code = replay_command(
        database_url(database), tenant, reform, as_of, fail_on_change, as_json, console
    )
    raise typer.Exit(code=code)


@app.command()
def simulate(
    population: Annotated[
        str | None, typer.Option(help="population file (.csv or .parquet); default synthetic")
    ] = None,
    households: Annotated[int, typer.Option(help="synthetic households")] = 100_000,
    seed: Annotated[int, typer.Option(help="synthetic seed")] = 2026,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date, YYYY-MM-DD; default today")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786) to run on")
    ] = None,
    chunk: Annotated[int, typer.Option(help="households per chunk")] = 250_000,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    caseload: Annotated[
        str | None,
        typer.Option(help="use this tenant's open files as the population (facts only)"),
    ] = None,
    database: DatabaseUrl = None,
) -> None:
    """Simulate a population under every tenant: coverage and yearly cost per programme."""
    from core.simulation.commands import simulate_command

    raise typer.Exit(
        code=simulate_command(
            population,
            households,
            seed,
            as_of,
            scheduler,
            chunk,
            as_json,
            console,
            caseload=caseload,
            database=database_url(database) if caseload else None,
        )
    )


@app.command("new-tenant")
def new_tenant(
    code: Annotated[str, typer.Argument(help="the new tenant's code, e.g. 'shijiazhuang'")],
    name: Annotated[str, typer.Option(help="official name, e.g. 石家庄市")],
    parent: Annotated[str, typer.Option(help="parent tenant code")] = "national",
    level: Annotated[str, typer.Option(help="PROVINCE or CITY")] = "PROVINCE",
    into: Annotated[str, typer.Option(help="folder to create the package in")] = ".",
) -> None:
    """Scaffold a tenant plugin package (pyproject, hooks, parameters, cases)."""
    from core.scaffold import scaffold_tenant

    path = scaffold_tenant(code=code, name=name, parent=parent, level=level, into=into)
    console.print(f"created [bold]{path}[/]; install it with: pip install -e {path}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
