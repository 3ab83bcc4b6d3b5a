"""The tables of the national dashboard, and each as CSV or XLSX (openpyxl).

Every table the dashboard shows is built here once, as a :class:`DataTable` (bilingual
column titles, rows of plain values): the page renders it, and the download gives exactly
the same rows. Money is yuan as ``Decimal`` with two decimals (exact; in XLSX a number
formatted ``0.00``); a suppressed count is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.money import to_yuan
from core.simulation.caseload import TrendPoint
from core.simulation.reforms import ReformResult
from core.simulation.simulate import SimulationResult, TenantTotals

GROUP_NAMES = {
    "dibao_underemployed": "低保家庭有劳动能力未充分就业",
    "below_dibao_uncovered": "低保边缘或未参保",
    "sudden_expense": "突发重病或灾害致困",
    "migrant_worker": "长期在城市就业的农民工",
    "restructuring_laid_off": "化解过剩产能中的下岗职工",
}


@dataclass(frozen=True)
class DataTable:
    key: str
    title_zh: str
    title_en: str
    columns: tuple[tuple[str, str], ...]  #: (中文, English)
    rows: list[list[Any]]
    note: str = ""

    def header(self) -> list[str]:
        return [f"{zh} {en}" for zh, en in self.columns]


def _yuan(fen: int) -> Decimal:
    return to_yuan(fen)


def coverage_table(result: SimulationResult) -> DataTable:
    return DataTable(
        "coverage",
        "各地区覆盖面与年度支出",
        "Coverage and yearly cost by tenant",
        (
            ("地区", "tenant"),
            ("代码", "code"),
            ("户数", "households"),
            ("人数", "people"),
            ("符合条件户数", "eligible households"),
            ("受助户数", "covered households"),
            ("受助人数", "covered people"),
            ("年度支出(元)", "yearly cost (yuan)"),
            ("说明", "note"),
            ("规则集", "rule set"),
            ("插件版本", "plugin versions"),
        ),
        [
            [
                t.name,
                t.tenant,
                t.households,
                t.people,
                t.eligible_households,
                t.covered_households,
                t.covered_people,
                _yuan(t.yearly_cost),
                coverage_note(t),
                t.ruleset,
                "; ".join(f"{k} {v}" for k, v in t.plugin_versions.items()),
            ]
            for t in result.tenants
        ],
        note=f"{result.source}; 计算日期 as of {result.on.isoformat()}",
    )


def provisional_parameters(t: TenantTotals) -> list[str]:
    """The provisional (暂定) parameter values the tenant's figures rest on."""
    return sorted(name for name, v in t.parameters.items() if v[4])


def coverage_note(t: TenantTotals) -> str:
    """Why a tenant's figures are what they are, when a reader would ask: they rest on a
    provisional value, or it grants no programme with an amount (so nobody is covered and
    nothing is spent, whoever is eligible)."""
    notes = []
    if not t.programmes:
        notes.append(
            "本地区规则未设定发放金额的帮扶项目(以分类施策、帮扶措施为主),故受助户数与年度支出为0;"
            f"符合条件户数为{t.eligible_households:,}"
            " / no programme with an amount: nobody is covered and nothing is spent here"
        )
    provisional = provisional_parameters(t)
    if provisional or t.provisional:
        names = "、".join(provisional) or "部分参数"
        notes.append(
            f"暂定:支出依据暂定参数值({names}),正式公布后可能变化"
            " / provisional: rests on provisional parameter values"
        )
    return ";".join(notes)


def programme_table(result: SimulationResult) -> DataTable:
    rows = []
    for t in result.tenants:
        for p in t.programmes.values():
            rows.append(
                [
                    t.name,
                    p.code,
                    p.name,
                    p.period,
                    p.households,
                    p.people,
                    _yuan(p.yearly_cost),
                    p.basis,
                ]
            )
    return DataTable(
        "programmes",
        "各项目年度支出",
        "Yearly cost per programme",
        (
            ("地区", "tenant"),
            ("项目代码", "programme"),
            ("项目", "name"),
            ("发放周期", "period"),
            ("受助户数", "households"),
            ("受助人数", "people"),
            ("年度支出(元)", "yearly cost (yuan)"),
            ("依据", "basis"),
        ),
        rows,
    )


def group_table(result: SimulationResult) -> DataTable:
    rows = []
    for t in result.tenants:
        for g in t.groups.values():
            rows.append(
                [
                    t.name,
                    g.code,
                    GROUP_NAMES.get(g.code, g.code),
                    g.households,
                    g.people,
                    g.covered_households,
                    _yuan(g.total_cost),
                ]
            )
    return DataTable(
        "groups",
        "按全国帮扶对象类别",
        "By national target group",
        (
            ("地区", "tenant"),
            ("类别代码", "group"),
            ("类别", "name"),
            ("户数", "households"),
            ("人数", "people"),
            ("受助户数", "covered households"),
            ("年度支出(元)", "yearly cost (yuan)"),
        ),
        rows,
    )


def parameter_table(result: SimulationResult) -> DataTable:
    rows = []
    for t in result.tenants:
        for name, (value, by, since, source, provisional) in sorted(t.parameters.items()):
            rows.append(
                [t.name, name, str(value), "暂定" if provisional else "", by, since, source]
            )
    return DataTable(
        "parameters",
        "计算所用参数",
        "Parameter values used",
        (
            ("地区", "tenant"),
            ("参数", "parameter"),
            ("取值", "value"),
            ("暂定", "provisional"),
            ("制定者", "set by"),
            ("生效日期", "in force from"),
            ("依据", "source"),
        ),
        rows,
    )


def reform_programme_table(r: ReformResult) -> DataTable:
    return DataTable(
        "reform_programmes",
        "改革前后各项目支出",
        "Cost per programme, baseline and reform",
        (
            ("项目代码", "programme"),
            ("项目", "name"),
            ("现行受助户数", "baseline households"),
            ("改革后受助户数", "reform households"),
            ("现行年度支出(元)", "baseline cost (yuan)"),
            ("改革后年度支出(元)", "reform cost (yuan)"),
            ("变化(元)", "change (yuan)"),
        ),
        [
            [c, n, bh, rh, _yuan(bc), _yuan(rc), _yuan(rc - bc)]
            for c, n, bh, rh, bc, rc in r.programme_changes()
        ],
        note=f"{r.reform}: {r.tenant}, 规则集 {r.baseline.ruleset} → {r.reformed.ruleset}",
    )


def reform_decile_table(r: ReformResult) -> DataTable:
    return DataTable(
        "reform_deciles",
        "按人均收入十等分的受益与受损户",
        "Winners and losers by decile of income per person",
        (
            ("十等分组", "decile"),
            ("户数", "households"),
            ("受益户", "winners"),
            ("受损户", "losers"),
            ("受益金额(元/年)", "gained (yuan/year)"),
            ("受损金额(元/年)", "lost (yuan/year)"),
            ("净变化(元/年)", "net (yuan/year)"),
        ),
        [
            [
                d.decile,
                d.households,
                d.winners,
                d.losers,
                _yuan(d.gain),
                _yuan(d.loss),
                _yuan(d.net),
            ]
            for d in r.deciles
        ],
    )


def trend_table(trend: dict[str, list[TrendPoint]], names: dict[str, str]) -> DataTable:
    rows = []
    for code, points in trend.items():
        for p in points:
            rows.append(
                [names.get(code, code), code, p.on, p.open_cases, p.filed_cases, p.exited_cases]
            )
    return DataTable(
        "trend",
        "各地区档案数变化(少于5件不显示)",
        "Caseload over time (counts below 5 suppressed)",
        (
            ("地区", "tenant"),
            ("代码", "code"),
            ("日期", "date"),
            ("在办", "open"),
            ("已建档", "filed"),
            ("已退出", "exited"),
        ),
        rows,
    )


def target_table(progress: list[Any], names: dict[str, str]) -> DataTable:
    """Targets (``core.targets.TargetProgress``, already suppressed as statistics)."""
    rows = []
    for t in progress:
        met = None if t.met is None else ("是 yes" if t.met else "否 no")
        rows.append(
            [
                names.get(t.tenant, t.tenant),
                t.tenant,
                t.due,
                t.required_percent,
                t.baseline,
                t.baseline_files,
                t.exited_files,
                t.percent,
                met,
                t.source,
            ]
        )
    return DataTable(
        "targets",
        "脱困目标完成情况(少于5件不显示)",
        "Exits against targets (counts below 5 suppressed)",
        (
            ("地区", "tenant"),
            ("代码", "code"),
            ("截止日期", "due"),
            ("要求比例(%)", "required (%)"),
            ("基准日期", "baseline"),
            ("基准档案数", "baseline files"),
            ("已退出", "exited"),
            ("完成比例(%)", "reached (%)"),
            ("是否达标", "met"),
            ("依据", "source"),
        ),
        rows,
    )


# --------------------------------------------------------------------------- files
def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: DataTable) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese; no
    text read as a formula (:mod:`core.sheets`)."""
    from core.sheets import csv_bytes

    return csv_bytes([table.header(), *([_cell(v) for v in line] for line in table.rows)])


def to_xlsx(table: DataTable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core import sheets

    book = Workbook()
    sheet = book.active
    sheet.title = table.key[:31]
    sheet.append(sheets.row(sheet, [f"{table.title_zh} {table.title_en}"]))
    sheet["A1"].font = Font(bold=True)
    if table.note:
        sheet.append(sheets.row(sheet, [table.note]))
    sheet.append(sheets.row(sheet, table.header()))
    for line in table.rows:
        sheet.append(sheets.row(sheet, line))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    return sheets.saved(book)
