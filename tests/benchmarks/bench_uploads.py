"""``uploads``: what an upload over its limits costs before it is refused (issue 20, 8).

The finding: a 114 KiB XLSX with one row of 1,000,000 cells cost about 10 s of CPU before
the 1,000-row limit refused it, and a 196 KB bank result file of 3,000,000 rows 27 s and
840 MB. Both are now measured as streams first (:mod:`core.xlsx_limits`) and refused at
the limit. Measured in CPU time of this process, in the same run:

* reading a valid 1,000-row import sheet (the unit every figure is compared with);
* the refusal of the million-cell row (the import) and of the 3,000,000-row result file
  (the bank), through today's readers;
* the same two files read the former way (openpyxl in read-only mode, every row, then
  the limit), which the readers' own code still allows: ``excel._read_book`` on the
  workbook, and the bank table built row by row as before.

Target: each refusal costs under a tenth of the former way.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from core.errors import BangfuError
from core.funds import bank
from core.web import excel
from tests.benchmarks import row
from tests.xlsx_samples import long_sheet, wide_row


def _cpu(action: Callable[[], Any], refused: bool) -> float:
    """CPU seconds of ``action`` (which must refuse with BAD_INPUT when ``refused``)."""
    start = time.process_time()
    try:
        action()
    except BangfuError as exc:
        if not refused or exc.code != "BAD_INPUT":
            raise
    else:
        if refused:
            raise AssertionError("the file was not refused")
    return time.process_time() - start


def valid_sheet(rows: int = 1000) -> bytes:
    """The import template with ``rows`` households (its worked example, repeated)."""
    book = load_workbook(io.BytesIO(excel.template()))
    sheet = book.worksheets[0]
    for _ in range(rows - 1):
        sheet.append(list(excel.EXAMPLE))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _former_import(content: bytes) -> None:
    excel._read_book(load_workbook(io.BytesIO(content), read_only=True, data_only=True))


def _former_bank(content: bytes) -> None:
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    table = [
        ["" if v is None else str(v) for v in line]
        for line in book.worksheets[0].iter_rows(values_only=True)
    ]
    if len(table) > bank.MAX_LINES:
        raise bank._too_long()


def run() -> list[dict[str, Any]]:
    sheet = valid_sheet()
    wide, tall = wide_row(1_000_000), long_sheet(3_000_000)
    assert len(sheet) <= excel.MAX_BYTES and len(wide) <= excel.MAX_BYTES
    valid = min(_cpu(lambda: excel.read_sheet(sheet), refused=False) for _ in range(3))
    wide_now = min(_cpu(lambda: excel.read_sheet(wide), refused=True) for _ in range(3))
    tall_now = min(
        _cpu(lambda: bank.read_result(tall, "回盘.xlsx"), refused=True) for _ in range(3)
    )
    wide_before = _cpu(lambda: _former_import(wide), refused=True)
    tall_before = _cpu(lambda: _former_bank(tall), refused=True)
    unit = f"valid 1,000-row sheet read: {valid * 1000:.0f} ms CPU"
    return [
        row("valid 1,000-row import sheet: read", round(valid * 1000, 1), "ms", note=unit),
        row(
            f"1,000,000-cell row ({len(wide) // 1024} KiB): refused",
            round(wide_now * 1000, 1),
            "ms",
            baseline=round(wide_before * 1000, 1),
            target="<= 0.1x the former read",
            met=wide_now <= 0.1 * wide_before,
            note=f"{wide_now / valid:.2f}x the valid sheet now, "
            f"{wide_before / valid:.1f}x the former way",
        ),
        row(
            f"3,000,000-row bank result ({len(tall) // 1024} KiB): refused",
            round(tall_now * 1000, 1),
            "ms",
            baseline=round(tall_before * 1000, 1),
            target="<= 0.1x the former read",
            met=tall_now <= 0.1 * tall_before,
            note=f"{tall_now / valid:.2f}x the valid sheet now, "
            f"{tall_before / valid:.1f}x the former way",
        ),
    ]
