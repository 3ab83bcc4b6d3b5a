"""``bangfu roster ...``: rosters of the verification sources from the command line.

    bangfu roster import --tenant hebei --source dibao_roster --file 低保名册.xlsx \
        --as-of 2026-10-31 --reference 冀民函〔2026〕88号 [--user li.approver]
    bangfu roster list --tenant hebei
    bangfu roster purge --tenant hebei
    bangfu roster worklist --tenant hebei

The commands act as a named person of the tenant (``--user``; role ``admin`` unless
``--role`` says otherwise) through the same service as GraphQL and the staff pages. An
import compares every open file with the rosters in force as soon as the roster is in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.auth.principal import Principal
from core.errors import BangfuError
from core.money import format_yuan
from core.settings import database_url

roster_app = typer.Typer(
    help="Rosters of the verification sources (核对名册).", no_args_is_help=True
)
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
EFFECT_ZH = {"ends": "将终止", "falls": "将减少", "rises": "将增加", "same": "不变"}


@contextmanager
def _service(database: str | None) -> Iterator[Any]:
    from core.db.session import session_factory
    from core.registry import load_registry
    from core.verification.service import VerificationService

    registry = load_registry()
    with session_factory(database_url(database))() as session:
        try:
            yield VerificationService(session, registry)
        except BangfuError as exc:
            console.print(f"[red]{exc.code}[/] {exc.zh}\n{exc.en}")
            raise typer.Exit(code=1) from None


def _who(tenant: str, user: str | None, role: str) -> Principal:
    return Principal(user=user or f"cli@{tenant}", tenant=tenant, role=role)


@roster_app.command("import")
def roster_import(
    tenant: Tenant,
    source: Annotated[str, typer.Option(help="the source's code, e.g. dibao_roster")],
    file: Annotated[Path, typer.Option(help="the roster: .csv or .xlsx, first row the headings")],
    as_of: Annotated[str, typer.Option("--as-of", help="the date the roster describes")],
    reference: Annotated[str, typer.Option(help="the document it came with (文号)")],
    user: User = None,
    role: Role = "admin",
    database: Database = None,
) -> None:
    """Import a roster (IDs hashed on the way in) and compare every open file with it."""
    try:
        on = date.fromisoformat(as_of)
    except ValueError:
        console.print(f"[red]--as-of {as_of!r} 不是日期 / is not a date (YYYY-MM-DD)[/]")
        raise typer.Exit(code=2) from None
    with _service(database) as service:
        done = service.import_roster(_who(tenant, user, role), source, str(file), on, reference)
    i, c = done.imported, done.compared
    console.print(
        f"名册已导入:{i.rows}行(来源 {i.source},{i.as_of},保存至 {i.keep_until});"
        f"比对在办档案{c.files}份,{c.with_differences}份有差异,共{c.differences}项\n"
        f"roster imported: {i.rows} rows; {c.files} open files compared, "
        f"{c.with_differences} with differences ({c.differences})"
    )


@roster_app.command("purge")
def roster_purge(
    tenant: Tenant, user: User = None, role: Role = "admin", database: Database = None
) -> None:
    """Delete the rows of rosters kept past verification.roster_retention_days."""
    with _service(database) as service:
        purged = service.purge(_who(tenant, user, role))
    console.print(f"已删除{purged}份过期名册的明细 / rows of {purged} expired rosters deleted")


@roster_app.command("list")
def roster_list(
    tenant: Tenant, user: User = None, role: Role = "admin", database: Database = None
) -> None:
    """The rosters received, newest first."""
    with _service(database) as service:
        rosters = service.rosters(_who(tenant, user, role))
        table = Table(
            "编号 id",
            "来源 source",
            "日期 as of",
            "文号 reference",
            "行数 rows",
            "保存至 kept until",
        )
        for r in rosters:
            kept = f"已删除 purged {r.purged_on}" if r.purged_on else str(r.keep_until)
            table.add_row(str(r.id), r.source, str(r.as_of), r.reference, str(r.rows), kept)
    console.print(table)


@roster_app.command("worklist")
def roster_worklist(
    tenant: Tenant, user: User = None, role: Role = "admin", database: Database = None
) -> None:
    """Files with differences waiting, the money at stake first."""
    with _service(database) as service:
        items = service.worklist(_who(tenant, user, role))
    table = Table(
        "档案 file", "申请人 applicant", "影响 effect", "每年涉及金额 a year", "差异 differences"
    )
    for item in items:
        table.add_row(
            str(item.case_number),
            item.applicant,
            EFFECT_ZH.get(item.effect, item.effect),
            format_yuan(item.at_stake),
            str(item.differences),
        )
    console.print(table)
