"""The files exchanged with the bank (一卡通代发): the payment file out, the result file in.

Out: one line per payment waiting for the bank, as CSV (UTF-8 with a byte-order mark, so
that spreadsheet programs read the Chinese) or XLSX (openpyxl). In: the bank's answer per
payment, CSV or XLSX, with a header line; the columns are found by name, in Chinese or
English:

=============  ==================  ===========================================
column         names accepted      values
=============  ==================  ===========================================
payment        付款编号, payment    the payment number of the file sent
result         结果, result         成功/paid/已发放, or 退票/returned/失败
amount         金额, amount         the amount the bank paid (yuan); required when paid
note           说明, note           the bank's reason (optional)
=============  ==================  ===========================================
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from core.errors import BangfuError, bad_input
from core.sheets import csv_bytes, said, xlsx_bytes
from core.xlsx_limits import Limits, check_xlsx

#: (key, Chinese header, English header) of the payment file.
COLUMNS = (
    ("payment", "付款编号", "payment"),
    ("case", "档案编号", "case"),
    ("name", "收款人", "payee"),
    ("idNumber", "身份证号(脱敏)", "ID number (masked)"),
    ("account", "一卡通账号", "bank account"),
    ("programme", "帮扶项目", "programme"),
    ("period", "期间", "period"),
    ("amount", "金额(元)", "amount (yuan)"),
    ("sending", "发送次数", "sending"),
)
PAID_WORDS = {"paid", "成功", "已发放", "ok"}
RETURNED_WORDS = {"returned", "退票", "失败", "failed"}
MAX_LINES = 200_000


def _header() -> list[str]:
    return [f"{zh} {en}" for _, zh, en in COLUMNS]


#: The columns whose text came from a person (see :mod:`core.sheets`).
SAID = frozenset({"name", "account"})


def _lines(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [
        _header(),
        *([said(r[key]) if key in SAID else r[key] for key, _, _ in COLUMNS] for r in rows),
    ]


def to_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """The payment file as CSV: a person's text never a formula (:mod:`core.sheets`)."""
    return csv_bytes(_lines(rows))


def to_xlsx(rows: Sequence[dict[str, Any]], title: str = "代发清单") -> bytes:
    """The payment file as XLSX: every text a string cell (:mod:`core.sheets`)."""
    return xlsx_bytes(title, _lines(rows))


#: what a result file may hold before it is read: its lines and a header, a few columns
LIMITS = Limits(
    rows=MAX_LINES + 1, cells=(MAX_LINES + 1) * 16, what_zh="回盘文件", what_en="result file"
)


def _too_long() -> BangfuError:
    return bad_input(f"the result file has more than {MAX_LINES} lines", "回盘文件行数过多")


def _table(content: bytes, filename: str) -> list[list[str]]:
    """The file's lines, read as a stream and refused as soon as it has too many."""
    if filename.lower().endswith(".xlsx"):
        check_xlsx(content, LIMITS)
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise bad_input(
                f"the result file is not a readable XLSX workbook ({type(exc).__name__})",
                "回盘文件不是可读取的XLSX工作簿",
            ) from None
        table: list[list[str]] = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            if len(table) > MAX_LINES:
                raise _too_long()
            table.append(["" if v is None else str(v) for v in row])
        return table

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise bad_input(
                "the result file is neither UTF-8 nor GB18030 text", "回盘文件编码无法识别"
            ) from None
    lines: list[list[str]] = []
    for line in csv.reader(io.StringIO(text)):
        if any(cell.strip() for cell in line):
            if len(lines) > MAX_LINES:
                raise _too_long()
            lines.append(line)
    return lines


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for i, cell in enumerate(header):
        words = cell.strip().lower().split()
        if any(n in words or cell.strip().lower().startswith(n) for n in names):
            return i
    return None


def read_result(
    content: bytes, filename: str = "result.csv"
) -> list[tuple[str, str, str, str | None]]:
    """(payment, "paid" or "returned", note, amount paid as written or None) per line of
    the bank's result file."""
    table = _table(content, filename)
    if not table:
        raise bad_input("the result file is empty", "回盘文件为空")
    header, lines = table[0], table[1:]
    payment = _column(header, ("付款编号", "payment"))
    result = _column(header, ("结果", "result"))
    note = _column(header, ("说明", "note"))
    amount = _column(header, ("金额", "amount"))
    if payment is None or result is None:
        raise bad_input(
            "the result file needs the columns 付款编号/payment and 结果/result",
            "回盘文件须有“付款编号”和“结果”两列",
        )
    out = []
    for line in lines:
        cells = [*line, "", "", ""]
        word = cells[result].strip().lower()
        outcome = "paid" if word in PAID_WORDS else "returned" if word in RETURNED_WORDS else word
        paid = cells[amount].strip() if amount is not None else ""
        out.append(
            (
                cells[payment].strip(),
                outcome,
                cells[note].strip() if note is not None else "",
                paid or None,
            )
        )
    return out
