"""How a roster arrives: an adapter yields its rows, one mapping of roster fields a person.

The bundled adapter reads files (:class:`FileAdapter`: CSV in UTF-8 or GB18030, or XLSX
read row by row with openpyxl's ``read_only`` mode, never the whole sheet in memory).
A plugin whose region offers a service instead supplies its own adapter on the source;
:class:`HttpAdapter` shows how one looks: it asks a service for the roster as JSON lines.

Either yields :class:`RawRow`: the row's number in the file (or answer), for error
messages, and the cells by roster field, as text, before any checking: the import
(:mod:`core.verification.roster`) checks and converts every one.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.errors import bad_input


@dataclass(frozen=True)
class RawRow:
    line: int  #: the row's number in the file (the heading row is 1)
    cells: dict[str, str]  #: roster field -> the cell's text


class RosterAdapter(Protocol):
    """What a source's rosters are read with. ``where`` is what the operator named (a file
    path, a service's query ...); ``headings`` the source's column headings by field."""

    def rows(self, where: str, headings: Mapping[str, tuple[str, ...]]) -> Iterator[RawRow]: ...


def _columns(first: list[str], headings: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Roster field -> column index, from the heading row; a required field without its
    column is refused, naming the headings accepted."""
    named = {str(h or "").strip().lstrip("\ufeff"): i for i, h in enumerate(first)}
    found: dict[str, int] = {}
    missing = []
    for field, names in headings.items():
        index = next((named[n] for n in names if n in named), None)
        if index is None:
            missing.append(f"{field} ({' / '.join(names)})")
        else:
            found[field] = index
    if missing:
        raise bad_input(
            f"the first row lacks the columns {', '.join(missing)}",
            f"第一行缺少以下列:{'、'.join(missing)}",
        )
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # a date cell
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _mapped(
    rows: Iterator[list[object]], headings: Mapping[str, tuple[str, ...]]
) -> Iterator[RawRow]:
    first = next(rows, None)
    if first is None:
        raise bad_input("the file is empty", "文件为空")
    columns = _columns([_text(c) for c in first], headings)
    for line, row in enumerate(rows, start=2):
        cells = {f: _text(row[i]) if i < len(row) else "" for f, i in columns.items()}
        if any(cells.values()):
            yield RawRow(line, cells)


class FileAdapter:
    """Rosters as files: ``.csv`` (UTF-8, with or without BOM, or GB18030 as Excel and WPS
    save it in China) or ``.xlsx`` (the first sheet), read as a stream."""

    def rows(self, where: str, headings: Mapping[str, tuple[str, ...]]) -> Iterator[RawRow]:
        path = Path(where)
        if not path.is_file():
            raise bad_input(f"no file {where}", f"找不到文件 {where}")
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            yield from self._xlsx(path, headings)
        elif suffix == ".csv":
            yield from self._csv(path, headings)
        else:
            raise bad_input(
                f"a roster is a .csv or .xlsx file, not {suffix or 'a file without suffix'}",
                "名册应为 .csv 或 .xlsx 文件",
            )

    def _csv(self, path: Path, headings: Mapping[str, tuple[str, ...]]) -> Iterator[RawRow]:
        with path.open("rb") as raw:
            head = raw.read(65536)
        encoding = "utf-8-sig"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut at the end of the sample
                encoding = "gb18030"
        with path.open(encoding=encoding, newline="") as text:
            yield from _mapped((list(r) for r in csv.reader(text)), headings)

    def _xlsx(self, path: Path, headings: Mapping[str, tuple[str, ...]]) -> Iterator[RawRow]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a damaged or disguised file: say so, change nothing
            raise bad_input(
                f"{path.name} is not a readable .xlsx file ({type(exc).__name__})",
                f"{path.name} 不是可读取的 .xlsx 文件",
            ) from None
        try:
            sheet = book.worksheets[0]
            yield from _mapped((list(r) for r in sheet.iter_rows(values_only=True)), headings)
        finally:
            book.close()


class HttpAdapter:
    """An example of a service adapter: ``GET {base_url}{where}`` answers the roster as JSON
    lines, one object a person with the source's field names as keys
    (``{"id_number": "...", "dibao_since": "2024-03-01", "dibao_subsidy": "650"}``).

    A region's real service will differ (authentication, paging, its own field names):
    write an adapter like this one and put it on the source (``adapter=``).
    """

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def rows(self, where: str, headings: Mapping[str, tuple[str, ...]]) -> Iterator[RawRow]:
        url = f"{self.base_url}/{where.lstrip('/')}"
        try:
            answer = urllib.request.urlopen(url, timeout=self.timeout)
        except OSError as exc:
            raise bad_input(
                f"the roster service at {url} did not answer ({exc})",
                f"名册服务 {url} 无应答",
            ) from None
        with answer:
            for line, raw in enumerate(io.TextIOWrapper(answer, encoding="utf-8"), start=1):
                if not raw.strip():
                    continue
                try:
                    item = json.loads(raw)
                except ValueError:
                    raise bad_input(
                        f"line {line} of the service's answer is not JSON",
                        f"名册服务应答第{line}行不是JSON",
                    ) from None
                if not isinstance(item, dict):
                    raise bad_input(
                        f"line {line} of the service's answer is not an object",
                        f"名册服务应答第{line}行格式不对",
                    )
                yield RawRow(line, {f: _text(item.get(f)) for f in headings})
