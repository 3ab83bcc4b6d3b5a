"""An uploaded XLSX is measured before it is read: an upload costs what its limits allow.

A workbook of 114 KiB can hold a row of a million cells, or three million rows; reading
it with openpyxl (even in read-only mode) before counting cost seconds of CPU and
hundreds of MB. :func:`check_xlsx` looks first at each worksheet's declared dimension
(``<dimension ref="A1:H1001"/>``), then streams the worksheet's XML out of the zip in
chunks, counting rows and cells as it goes, and refuses as soon as a limit is passed:
the cost of a refusal is the cost of reading up to the limit, never the whole file.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from core.errors import BangfuError, bad_input

CHUNK = 1 << 20
#: a row or cell element, with or without a namespace prefix
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_TAIL = 32  #: bytes kept from one chunk to the next, so no tag is cut in two
#: XML bytes per cell allowed (a cell of the template is 20 to 60 bytes; long text lives
#: in the shared strings): beyond this, the sheet holds more than cells
BYTES_PER_CELL = 2_000


@dataclass(frozen=True)
class Limits:
    rows: int  #: rows of a sheet, header included
    cells: int  #: cells of a sheet
    what_zh: str  #: what the file is, in Chinese ("导入表格")
    what_en: str


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _refuse(limits: Limits, en: str, zh: str) -> BangfuError:
    return bad_input(f"the {limits.what_en} {en}", f"{limits.what_zh}{zh}")


def check_xlsx(content: bytes, limits: Limits) -> None:
    """Refuse (``BAD_INPUT``, Chinese first) a workbook whose worksheets declare or hold
    more rows or cells than ``limits``, as soon as that is seen. A file that is no zip
    passes through: the reader says what is wrong with it."""
    try:
        book = zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        return
    with book:
        for member in book.infolist():
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(book, member, limits)
            elif name == "xl/sharedStrings.xml":  # read whole by openpyxl, even read-only
                _check_strings(book, member, limits)


def _check_sheet(book: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    rows = cells = size = 0
    tail = b""
    first = True
    try:
        stream = book.open(member)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError):
        return
    with stream:
        while chunk := _read(stream):
            if first:
                _check_dimension(chunk, limits)
                first = False
            size += len(chunk)
            window = tail + chunk
            # count only tags that begin in this chunk's own bytes (not in the carried tail)
            rows += sum(1 for m in _ROW.finditer(window) if m.start() >= len(tail))
            cells += sum(1 for m in _CELL.finditer(window) if m.start() >= len(tail))
            tail = window[-_TAIL:]
            if rows > limits.rows:
                raise _refuse(
                    limits,
                    f"has more than {limits.rows} rows: import it in parts",
                    f"超过{limits.rows}行,请分批导入",
                )
            if cells > limits.cells or size > limits.cells * BYTES_PER_CELL:
                raise _refuse(
                    limits,
                    f"has more than {limits.cells} cells: use the template's columns only",
                    f"超过{limits.cells}个单元格,请只填写模板中的列",
                )


_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def _check_strings(book: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    """The shared strings (every text of every sheet, read in full before any row): no
    more of them than cells, and no more bytes than cells allow."""
    strings = size = 0
    tail = b""
    try:
        stream = book.open(member)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError):
        return
    with stream:
        while chunk := _read(stream):
            size += len(chunk)
            window = tail + chunk
            strings += sum(1 for m in _STRING.finditer(window) if m.start() >= len(tail))
            tail = window[-_TAIL:]
            if strings > limits.cells or size > limits.cells * BYTES_PER_CELL:
                raise _refuse(
                    limits,
                    f"holds more text than {limits.cells} cells may",
                    f"中的文字超过{limits.cells}个单元格的上限,请分批导入",
                )


def _read(stream: Any) -> bytes:
    try:
        return bytes(stream.read(CHUNK))
    except (zipfile.BadZipFile, OSError, EOFError):
        return b""  # a damaged part: the reader refuses it


def _check_dimension(head: bytes, limits: Limits) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    first_col, first_row, last_col, last_row = found.groups()
    if last_col is None:  # one cell: "A1"
        last_col, last_row = first_col, first_row
    if not last_col or not last_row:
        return
    first = _column_number(first_col) if first_col else 1
    top = int(first_row) if first_row else 1
    rows = int(last_row) - top + 1
    columns = _column_number(last_col) - first + 1
    if rows > limits.rows:
        raise _refuse(
            limits,
            f"declares {rows} rows, more than {limits.rows}: import it in parts",
            f"声明有{rows}行,超过{limits.rows}行,请分批导入",
        )
    if rows * columns > limits.cells:
        raise _refuse(
            limits,
            f"declares {rows} × {columns} cells, more than {limits.cells}",
            f"声明有{rows}行×{columns}列,超过{limits.cells}个单元格,请只填写模板中的列",
        )
