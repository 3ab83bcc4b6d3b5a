"""Excel in and out (openpyxl): the import template, reading a filled-in sheet, and the
case list as a workbook.

**Import.** One row per household: the application date, the applicant, a spouse, up to
three children, the household's income and spending. Every row is read and checked (the model's own validation, and the duplicate
check by ID number) and every problem is reported with its row and column. Nothing is
half-imported: the sheet goes in whole, in one transaction, or not at all.

**Export.** The worklist as shown (its view, filter, search and order) as an XLSX file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from core import clock, sheets
from core.api.limits import MAX_BODY_BYTES
from core.cases.views import WorkItem
from core.errors import BangfuError, bad_input
from core.model import parse_household
from core.web import forms
from core.web.labels import code_label
from core.xlsx_limits import Limits, check_xlsx

MAX_ROWS = 1000
MAX_BYTES = MAX_BODY_BYTES  #: what the server accepts in one request
#: what a sheet may hold before it is read: the households, the two header rows and room
#: for rows left empty or only formatted; the template's columns and as many spare
LIMITS = Limits(
    rows=MAX_ROWS + 200,
    cells=(MAX_ROWS + 200) * 2 * 40,
    what_zh="导入表格",
    what_en="sheet",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"", "否", "无", "n", "no", "false", "0"}


@dataclass(frozen=True)
class Column:
    header: str  #: the Chinese header of the template
    en: str
    path: str  #: the household input it fills, e.g. "members.0.name"
    kind: str = "text"  #: text | yes_no | choice
    choices: tuple[tuple[str, str], ...] = ()  #: (Chinese, code)


EMPLOYMENT = (
    ("在职", "EMPLOYED"),
    ("灵活就业", "FLEXIBLE"),
    ("失业", "UNEMPLOYED"),
    ("下岗", "LAID_OFF"),
    ("退休", "RETIRED"),
    ("在校学生", "STUDENT"),
    ("无劳动能力", "UNABLE_TO_WORK"),
    ("未填", "NONE"),
)

#: (Chinese, code) of the education stages, as the household form lists them
EDUCATION = tuple((zh, code) for code, zh, _ in forms.EDUCATION)
#: the members of a row, by slot of the template: (path prefix, relation, Chinese)
SLOTS = (
    ("members.0.", "APPLICANT", "申请人"),
    ("members.1.", "SPOUSE", "配偶"),
    ("members.2.", "CHILD", "子女1"),
    ("members.3.", "CHILD", "子女2"),
    ("members.4.", "CHILD", "子女3"),
)
CHILDREN = 3


def _child_columns(k: int) -> tuple[Column, ...]:
    slot = f"members.{k + 1}."
    return (
        Column(f"子女{k}姓名", f"child {k}'s name", slot + "name"),
        Column(f"子女{k}身份证号", f"child {k}'s resident ID", slot + "idNumber"),
        Column(f"子女{k}年龄", f"child {k}'s age", slot + "age"),
        Column(
            f"子女{k}在读阶段",
            f"child {k}'s education stage",
            slot + "educationStage",
            "choice",
            EDUCATION,
        ),
    )


COLUMNS = (
    Column("申请日期", "application date", "on", "date"),
    Column("申请人姓名", "applicant's name", "members.0.name"),
    Column("申请人身份证号", "applicant's resident ID", "members.0.idNumber"),
    Column("申请人年龄", "applicant's age", "members.0.age"),
    Column("申请人月收入(元)", "applicant's monthly income", "members.0.monthlyIncome"),
    Column(
        "申请人就业状况", "applicant's employment", "members.0.employment", "choice", EMPLOYMENT
    ),
    Column("申请人有劳动能力", "able to work", "members.0.ableToWork", "yes_no"),
    Column("申请人患重病", "serious illness", "members.0.seriousIllness", "yes_no"),
    Column("申请人残疾", "disabled", "members.0.disabled", "yes_no"),
    Column("配偶姓名", "spouse's name", "members.1.name"),
    Column("配偶身份证号", "spouse's resident ID", "members.1.idNumber"),
    Column("配偶年龄", "spouse's age", "members.1.age"),
    Column("配偶月收入(元)", "spouse's monthly income", "members.1.monthlyIncome"),
    *(c for k in range(1, CHILDREN + 1) for c in _child_columns(k)),
    Column("其他年收入(元)", "other yearly income", "otherAnnualIncome"),
    Column("年自付医疗费用(元)", "yearly out-of-pocket medical", "annualMedicalOutOfPocket"),
    Column("医疗费用在医保目录内", "within the catalogue", "medicalInInsuranceCatalog", "yes_no"),
    Column("享受城镇低保", "receives 低保", "dibaoRecipient", "yes_no"),
    Column("有住房", "has housing", "hasHousing", "yes_no"),
    Column("年房租支出(元)", "yearly rent", "annualExpenses.rent"),
    Column("年生活支出(元)", "yearly living costs", "annualExpenses.living"),
    Column("年医疗支出(元)", "yearly medical costs", "annualExpenses.medical"),
    Column("年教育支出(元)", "yearly education costs", "annualExpenses.education"),
    Column("年其他支出(元)", "yearly other costs", "annualExpenses.other"),
    Column("紧急", "urgent", "urgent", "yes_no"),
)
EXAMPLE = (
    "2026-11-02",
    "李秀芳", "", "45", "0", "无劳动能力", "否", "是", "否",
    "南红涛", "", "47", "2000",
    "南小雨", "", "16", "普通高中", "", "", "", "", "", "", "", "",
    "", "", "是", "否", "是",
    "800", "12000", "6000", "12000", "", "否",
)  # fmt: skip
DEFAULTS = {"medicalInInsuranceCatalog": True, "hasHousing": True}


def template() -> bytes:
    """The import template: headers in Chinese (English in the second row) and one
    example household (Gansu's worked example), to be replaced."""
    book = Workbook()
    sheet = book.active
    sheet.title = "家庭信息"
    sheet.append([c.header for c in COLUMNS])
    sheet.append([c.en for c in COLUMNS])
    sheet.append(list(EXAMPLE))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="595959")
    for i, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(12, len(c.header) * 2)
    notes = book.create_sheet("填写说明")
    notes.append(["每行一户;第二行为英文说明,导入时跳过。是/否 列填“是”或“否”。"])
    notes.append(["申请日期为纸质申请表上的日期(如 2026-11-02),不能晚于今天;不填则为导入当天。"])
    notes.append(["配偶、子女没有的留空;子女最多3名,更多成员请建档后在档案页补录。"])
    notes.append(["就业状况可填:" + "、".join(zh for zh, _ in EMPLOYMENT)])
    notes.append(["在读阶段可填:" + "、".join(zh for zh, _ in EDUCATION)])
    notes.append(["整表校验通过后一次性导入;任何一行有误,整表不导入。"])
    return _save(book)


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Row:
    number: int  #: the row's number in the sheet (as Excel shows it)
    household: dict[str, Any]
    urgent: bool
    id_numbers: list[str]
    problems: list[str] = field(default_factory=list)
    on: date | None = None  #: the application date on the paper (None: the day it is imported)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):  # a date cell (Excel keeps dates as date and time)
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_sheet(content: bytes) -> list[Row]:
    """Every household row of an uploaded sheet, with its problems (none found: empty).

    :raises BangfuError: ``BAD_INPUT`` when the file is no readable XLSX or its headers
        are not the template's
    """
    if len(content) > MAX_BYTES:
        raise bad_input(
            f"the file is larger than {MAX_BYTES // 1024} KiB: import it in parts",
            "文件过大,请分批导入",
        )
    check_xlsx(content, LIMITS)  # measured as a stream first: refused at the limit
    try:
        return _read_book(load_workbook(io.BytesIO(content), read_only=True, data_only=True))
    except BangfuError:
        raise
    except Exception as exc:  # a zip, XML or cell fault of a file that is no workbook
        raise bad_input(
            f"the file is not an Excel workbook (.xlsx): {type(exc).__name__}",
            "文件不是 Excel 工作簿(.xlsx),请使用导入模板",
        ) from None


def _read_book(book: Any) -> list[Row]:
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [_cell_text(v) for v in next(rows, ())]
    positions = {}
    for c in COLUMNS:
        if c.header not in headers:
            raise bad_input(
                f"the sheet has no column '{c.header}' ({c.en}): use the import template",
                f"表格缺少“{c.header}”列,请使用导入模板",
            )
        positions[c.path] = headers.index(c.header)
    found: list[Row] = []
    for number, values in enumerate(rows, start=2):
        cells = [_cell_text(v) for v in values]
        if number == 2 and cells and cells[0] == COLUMNS[0].en:
            continue  # the template's English row
        if not any(cells):
            continue
        if len(found) >= MAX_ROWS:
            raise bad_input(
                f"a sheet has at most {MAX_ROWS} households", f"每次最多导入{MAX_ROWS}户"
            )
        found.append(_read_row(number, cells, positions))
    book.close()
    if not found:
        raise bad_input("the sheet has no household rows", "表格中没有家庭信息")
    return found


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _read_date(text: str) -> date | None:
    """A date typed as 2026-11-02, 2026/11/2 or 2026年11月2日 (None when it is none)."""
    found = _DATE.fullmatch(text)
    if not found:
        return None
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


ECHO_CHARS = 40  #: a refused cell is quoted back this far, not in full


def _echo(text: str) -> str:
    """A cell quoted back in a problem: its beginning only (a 20,000-character cell is
    not repeated to the person who typed it)."""
    return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}…({len(text)}字)"


def _read_row(number: int, cells: list[str], positions: dict[str, int]) -> Row:
    data: dict[str, Any] = dict(DEFAULTS)
    slots: dict[str, dict[str, Any]] = {prefix: {} for prefix, _, _ in SLOTS}
    problems = []
    urgent = False
    on = None
    for c in COLUMNS:
        at = positions[c.path]
        text = cells[at] if at < len(cells) else ""
        value: Any = text
        if c.kind == "yes_no":
            if text.lower() in YES:
                value = True
            elif text.lower() in NO:
                value = DEFAULTS.get(c.path, False) if not text else False
            else:
                problems.append(f"“{c.header}”应填“是”或“否”,不是“{_echo(text)}”")
                continue
        elif c.kind == "choice":
            if not text:
                continue
            codes = dict(c.choices)
            if text not in codes:
                problems.append(f"“{c.header}”不能是“{_echo(text)}”,可填:{'、'.join(codes)}")
                continue
            value = codes[text]
        elif c.kind == "date":
            if not text:
                continue
            on = _read_date(text)
            if on is None:
                problems.append(f"“{c.header}”应为日期,如 2026-11-02,不是“{_echo(text)}”")
            elif on > clock.today():
                problems.append(f"“{c.header}”{on}晚于今天,请填写纸质申请表上的日期")
            continue
        elif not text:
            continue
        if c.path == "urgent":
            urgent = bool(value)
        elif c.path.startswith("members."):
            prefix, _, key = c.path.rpartition(".")
            slots[prefix + "."][key] = value
        elif c.path.startswith("annualExpenses."):
            data.setdefault("annualExpenses", {})[c.path.split(".")[1]] = value
        else:
            data[c.path] = value
    members, shown_as = [], []
    for prefix, relation, label in SLOTS:
        member = slots[prefix]
        if relation == "APPLICANT" or any(
            member.get(k) for k in ("name", "idNumber", "age", "monthlyIncome")
        ):
            members.append({"relation": relation, **member})
            shown_as.append(label)
    data["members"] = members
    ids = [str(m["idNumber"]).strip().upper() for m in members if m.get("idNumber")]
    row = Row(number, data, urgent, ids, problems, on)
    try:
        parse_household(data)
    except BangfuError as exc:
        for p in exc.details.get("problems") or [{"field": "", "problemZh": exc.zh}]:
            said = p.get("problemZh") or p["problem"]
            row.problems.append(f"{_header_of(str(p['field']), shown_as)}:{said}")
    return row


def _header_of(path: str, shown_as: Sequence[str] = ()) -> str:
    """The template column a model problem is about (``members.1.age`` -> 配偶年龄; the
    members of a row are numbered without the slots left empty: ``shown_as``)."""
    parts = path.split(".")
    if parts[0] == "members" and len(parts) > 1 and parts[1].isdigit():
        index = int(parts[1])
        label = shown_as[index] if index < len(shown_as) else f"第{index + 1}名成员"
        slot = next((p for p, _, zh in SLOTS if zh == label), None)
        if slot and len(parts) > 2:
            for c in COLUMNS:
                if c.path == slot + parts[2]:
                    return c.header
        return label
    for c in COLUMNS:
        if path == c.path or path.startswith(c.path + "."):
            return c.header
    return path or "家庭"


def check_duplicates(rows: Sequence[Row], open_here: dict[str, list[str]], elsewhere: set[str]):
    """Mark rows whose ID number repeats in the sheet, is open in this tenant (the file's
    number is named) or is open in another tenant (nothing about that file is named)."""
    seen: dict[str, int] = {}
    for row in rows:
        for number in row.id_numbers:
            if number in seen:
                row.problems.append(f"身份证号与第{seen[number]}行重复")
            seen.setdefault(number, row.number)
            if open_here.get(number):
                files = "、".join(f"#{i}" for i in open_here[number])
                row.problems.append(f"该身份证号在本地区已有在办档案 {files}")
            if number in elsewhere:
                row.problems.append("该身份证号在其他地区已有在办档案,请联系上级工会核实")


# --------------------------------------------------------------------------- export
EXPORT_HEADERS = (
    ("编号", "no."),
    ("申请人", "applicant"),
    ("状态", "status"),
    ("建档日期", "opened"),
    ("经办人", "opened by"),
    ("认定结果", "assessment"),
    ("类别", "category"),
    ("下一期限", "next deadline"),
    ("期限暂定", "provisional"),
    ("紧急", "urgent"),
)


def export(items: Sequence[WorkItem], title: str, total: int | None = None) -> bytes:
    """The lines as an XLSX workbook: Chinese headers, English beneath, one row a file.
    ``total``: how many lines the list has; when more than ``items``, a last row says the
    sheet holds only the first of them."""
    book = Workbook()
    sheet = book.active
    sheet.title = "档案列表"
    sheet.append([zh for zh, _ in EXPORT_HEADERS])
    sheet.append([en for _, en in EXPORT_HEADERS])
    fill = PatternFill("solid", fgColor="DDDDDD")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for i in items:
        sheet.append(
            sheets.row(
                sheet,
                [
                    int(i.id),
                    i.applicant,
                    i.status_zh,
                    i.opened_on,
                    i.opened_by,
                    "符合" if i.eligible else "不符合",
                    code_label("category", i.category)[0] if i.category else "",
                    i.due_on,
                    "是" if i.due_provisional else "",
                    "是" if i.urgent else "",
                ],
            )
        )
    if total is not None and total > len(items):
        sheet.append(
            [
                f"本表只含前{len(items)}件(共{total}件),请按状态或姓名缩小范围后分别导出 "
                f"(the first {len(items)} of {total} files only)"
            ]
        )
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJ", (8, 14, 16, 12, 18, 10, 12, 12, 8, 6), strict=True):
        sheet.column_dimensions[letter].width = width
    book.properties.title = title
    return _save(book)
