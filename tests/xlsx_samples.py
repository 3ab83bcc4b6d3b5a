"""Workbooks of hostile shapes, written straight as XML into a zip (openpyxl would take
seconds to write them): one row of a million cells, three million rows, a dimension that
lies. Used by the tests of upload limits and by ``tests/benchmarks/bench_uploads.py``."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def column_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook(rows: Iterable[bytes], dimension: str | None = None) -> bytes:
    """An XLSX whose one sheet holds ``rows`` (each a ``<row>`` element's XML)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def wide_row(cells: int = 1_000_000) -> bytes:
    """A workbook whose first row has ``cells`` numeric cells (no dimension declared)."""

    def rows() -> Iterable[bytes]:
        yield b'<row r="1">'
        chunk = []
        for _ in range(cells):
            chunk.append(b"<c><v>1</v></c>")
            if len(chunk) == 10_000:
                yield b"".join(chunk)
                chunk = []
        yield b"".join(chunk) + b"</row>"

    return workbook(rows())


def long_sheet(rows: int = 3_000_000, header: Iterable[str] = ("付款编号", "结果")) -> bytes:
    """A workbook of a header and ``rows`` one-cell rows (no dimension declared)."""
    names = list(header)

    def lines() -> Iterable[bytes]:
        cells = "".join(
            f'<c r="{column_letters(i)}1" t="inlineStr"><is><t>{n}</t></is></c>'
            for i, n in enumerate(names, start=1)
        )
        yield f'<row r="1">{cells}</row>'.encode()
        chunk = []
        for _ in range(rows):
            chunk.append(b"<row><c><v>1</v></c></row>")
            if len(chunk) == 10_000:
                yield b"".join(chunk)
                chunk = []
        yield b"".join(chunk)

    return workbook(lines())
