"""Formula injection: a person's text is text in every export, CSV and XLSX alike (the
bank file, the published list, the worklist, the annual report and the audit export,
the national tables). The treasurer and the bank open these in Excel or WPS."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from core import sheets
from core.funds import bank, reports
from tests.funds.conftest import clone_filed, file_case, give_accounts
from tests.funds.test_cli_and_files import bangfu

NAMES = ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)")


def _xlsx_cells(content: bytes) -> list[list]:
    """Every cell of the first sheet, (value, type) as a spreadsheet reads them."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[(c.value, c.data_type) for c in line] for line in sheet.iter_rows()]


def _csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _assert_text(content_csv: bytes | None, content_xlsx: bytes | None, texts) -> None:
    for text in texts:
        if content_xlsx is not None:
            cells = [c for line in _xlsx_cells(content_xlsx) for c in line]
            assert (text, "s") in cells, (text, cells)
            assert not [c for c in cells if c[1] == "f"]  # no formula anywhere
        if content_csv is not None:
            cells = [c for line in _csv_cells(content_csv) for c in line]
            assert "'" + text in cells and text not in cells, (text, cells)


@pytest.mark.parametrize("name", NAMES)
def test_the_bank_file_writes_names_as_text(name):
    rows = [
        {
            "payment": 7,
            "case": 3,
            "name": name,
            "idNumber": "130102********0011",
            "account": "6222021234567890123",
            "programme": "living_relief",
            "period": "2026",
            "amount": "790.00",
            "sending": 1,
        }
    ]
    _assert_text(bank.to_csv(rows), bank.to_xlsx(rows), [name])
    # an amount the software wrote stays a number a spreadsheet can add up
    assert _csv_cells(bank.to_csv([{**rows[0], "amount": "-790.00"}]))[1][7] == "-790.00"


def test_the_helper_keeps_numbers_and_dates():
    content = sheets.xlsx_bytes("t", [["名称", 1, date(2026, 1, 2)], ["=1+1", 2.5, None]])
    cells = _xlsx_cells(content)
    assert cells[0][1] == (1, "n") and cells[1][0] == ("=1+1", "s")
    assert sheets.csv_text(sheets.said("-1")) == "'-1" and sheets.csv_text("-1.00") == "-1.00"
    assert sheets.csv_text("\t=1") == "'\t=1" and sheets.csv_text("张三") == "张三"


def test_the_worklist_export_writes_names_as_text():
    from core.web.excel import export

    items = [
        SimpleNamespace(
            id=str(i),
            applicant=name,
            status_zh="已建档",
            opened_on=date(2026, 9, 24),
            opened_by="=cmd|' /C calc'!A0",
            eligible=True,
            category=None,
            due_on=None,
            due_provisional=False,
            urgent=False,
        )
        for i, name in enumerate(NAMES, 1)
    ]
    _assert_text(None, export(items, "档案"), [*NAMES, "=cmd|' /C calc'!A0"])


def test_the_reports_write_documents_and_notes_as_text():
    row = {key: "" for key, _ in reports.AUDIT_COLUMNS}
    row.update(document="@SUM(A1)", memo='=HYPERLINK("http://x")', amount="-5.00", id=1)
    _assert_text(None, reports.audit_xlsx([row]), ["@SUM(A1)", '=HYPERLINK("http://x")'])
    _assert_text(reports.audit_csv([row]), None, ["@SUM(A1)", '=HYPERLINK("http://x")'])
    assert _csv_cells(reports.audit_csv([row]))[1][7] == "-5.00"


def test_the_national_tables_write_text_as_text():
    from core.simulation import tables

    table = tables.DataTable(
        "t", "表", "table", (("地区", "tenant"), ("金额", "amount")), [["=1+1", 5], ["@x", 6]]
    )
    _assert_text(tables.to_csv(table), tables.to_xlsx(table), ["=1+1", "@x"])


def test_bank_file_and_published_list_of_a_member_named_as_a_formula(
    database_url, cases, session, tmp_path
):
    """The whole way: a filed member named ``=HYPERLINK(…)``; the published list (masked:
    ``=******…``, a damaged workbook when written as a formula) and the bank file, in CSV
    and XLSX, carry it as text."""
    name = NAMES[0]
    household = {
        "members": [{**_ill_applicant(), "name": name}],
        "annualMedicalOutOfPocket": "30000",
    }
    first = file_case(cases, household)
    clone_filed(session, first, 1)
    give_accounts(session)
    session.close()
    url = database_url
    bangfu(
        url, "funds", "receipt", "--tenant", "hebei", "--year", "2026", "--source",
        "government", "--amount", "2000.00", "--document", "+冀财社1号",
    )  # fmt: skip
    bangfu(url, "payments", "run", "--tenant", "hebei", "--period", "2026")
    bangfu(url, "payments", "approve", "--tenant", "hebei", "--run", "1", "--user", "li")
    masked = "=" + "*" * (len(name) - 1)
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"公示.{suffix}"
        bangfu(url, "payments", "publish", "--tenant", "hebei", "--run", "1", "--out", str(out))
        content = out.read_bytes()
        if suffix == "xlsx":
            _assert_text(None, content, [masked])
        else:
            _assert_text(content, None, [masked])
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"bank.{suffix}"
        bangfu(url, "payments", "send", "--tenant", "hebei", "--run", "1", "--out", str(out))
        content = out.read_bytes()
        if suffix == "xlsx":
            _assert_text(None, content, [name])
        else:
            _assert_text(content, None, [name])


def _ill_applicant() -> dict:
    from tests.casefile_samples import ILL

    return dict(ILL["members"][0])
