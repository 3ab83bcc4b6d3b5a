"""Spreadsheet files (CSV and XLSX) that open safely in Excel and WPS: every export's cells.

A cell whose text came from a person (a name, a document reference, a note) is never read
as a formula by the treasurer's or the bank's spreadsheet program (formula injection,
CWE-1236): a member named ``=HYPERLINK("http://…")``, ``+1``, ``-1`` or ``@SUM(A1)`` stays
that text.

* XLSX: every text value is written as a string cell (never a formula, whatever its first
  character); numbers, decimals and dates stay numbers and dates.
* CSV: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a line break gets a
  leading ``'`` (OWASP's advice; Excel and WPS then show text). A number the software wrote
  itself as text (an amount such as ``-790.00``) is left as it is, unless it is marked as
  a person's text with :func:`said` (a member named ``-1`` is still text).

Every export (bank files, the published list, the worklist, the reports, the national
tables) writes its cells through here: :func:`csv_bytes`, :func:`row` for an openpyxl
sheet, :func:`xlsx_bytes` for a plain table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell

#: What a spreadsheet program may read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class Said(str):
    """Text that came from a person (see :func:`said`): always neutralised."""


def said(value: Any) -> Said:
    """Mark ``value`` as a person's text: a CSV writes ``-1`` as ``'-1``."""
    return Said("" if value is None else value)


def csv_text(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading ``'``."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if not isinstance(value, Said) and _NUMBER.fullmatch(value):
        return value  # an amount the software wrote: -790.00
    return "'" + value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """The rows as CSV, UTF-8 with a byte-order mark (so that Excel and WPS read the
    Chinese), every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in rows:
        writer.writerow([csv_text(v) for v in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def row(sheet: Any, values: Sequence[Any]) -> list[Any]:
    """``values`` for ``sheet.append``: every text a string cell (never a formula)."""
    write_only = not hasattr(sheet, "cell")
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=str(value)) if write_only else Cell(sheet)
            if not write_only:
                cell.value = str(value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


def xlsx_bytes(title: str, rows: Iterable[Sequence[Any]]) -> bytes:
    """The rows as one sheet ``title`` of an XLSX workbook (written as it streams)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for values in rows:
        sheet.append(row(sheet, values))
    return saved(book)


def saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
