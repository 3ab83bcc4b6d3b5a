"""The ``bangfu`` command (see ``shared/spec/CONTRACT.md``, Commands)."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import database_url

app = typer.Typer(
    help="Bangfu 帮扶: tenant rules, cases and the GraphQL API.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for staff and national users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
user_app = typer.Typer(help="Staff accounts for the staff pages.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
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
) -> None:
    """Migrate the database, load demo data when empty, and serve GraphQL and the staff pages."""
    from core.api.server import serve as run_server

    run_server(host=host, port=port, workers=workers, database=database_url(database), demo=demo)


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
    for column in ("code", "name", "level", "parent", "chain", "versions", "rule set"):
        table.add_column(column)
    for t in registry.ordered():
        table.add_row(
            t.code,
            t.info.name,
            t.info.level.value,
            t.info.parent or "-",
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
    database: DatabaseUrl = None,
) -> None:
    """Print a new bearer token (only its hash is stored)."""
    from core.auth.tokens import create_token
    from core.errors import BangfuError

    try:
        token = create_token(database_url(database), tenant=tenant, role=role, user=user)
    except BangfuError as exc:  # a wrong tenant, role or name: one line, no traceback
        typer.echo(f"bangfu token create: {exc.zh} / {exc.en}", err=True)
        raise typer.Exit(code=2) from None
    print(token)


@token_app.command("revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(help="the token to revoke (bf_...)")],
    database: DatabaseUrl = None,
) -> None:
    """Revoke a token: every later request with it is refused."""
    from core.auth.tokens import revoke_token
    from core.db.session import session_factory

    with session_factory(database_url(database))() as session:
        if not revoke_token(session, token):
            console.print("[red]no active token matches[/]")
            raise typer.Exit(code=1)
    console.print("token revoked")


@user_app.command("create")
def user_create(
    tenant: Annotated[str, typer.Option(help="tenant code, e.g. hebei")],
    role: Annotated[str, typer.Option(help="caseworker, reviewer, approver, chairman, admin")],
    user: Annotated[str, typer.Option(help="the user name to sign in with")],
    name: Annotated[str, typer.Option(help="the person's name, for the header")] = "",
    totp: Annotated[bool, typer.Option(help="ask for a one-time code (TOTP) too")] = False,
    password: Annotated[
        str | None,
        typer.Option(
            help="the password (default: asked for, not echoed)", envvar="BANGFU_PASSWORD"
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
