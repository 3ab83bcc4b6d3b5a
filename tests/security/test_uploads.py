"""Inputs cost what their limits allow, and say no clearly (issue 20, findings 7-8 and
the smaller ones): spreadsheets and bank result files are measured as streams and refused
at their limit before openpyxl reads them, ID numbers are masked in the forms people
write them in, money is written with ASCII digits, and a refused cell is not echoed in
full."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.api.scalars import parse_amount
from core.errors import BangfuError
from core.funds import bank
from core.logmask import mask_ids
from core.model import parse_household
from core.web import excel
from tests.casefile_samples import ILL
from tests.xlsx_samples import long_sheet, wide_row, workbook

ID = "110105197512262325"


@pytest.fixture(scope="module")
def million_cell_row() -> bytes:
    return wide_row(1_000_000)


@pytest.fixture(scope="module")
def three_million_rows() -> bytes:
    return long_sheet(3_000_000)


def unread(monkeypatch, module) -> None:
    """openpyxl is never asked to open the file in ``module``."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl was asked to read a file over the limits")

    monkeypatch.setattr(module, "load_workbook", refuse)


def test_a_row_of_a_million_cells_is_refused_before_it_is_read(monkeypatch, million_cell_row):
    assert len(million_cell_row) < excel.MAX_BYTES  # small enough to be uploaded
    unread(monkeypatch, excel)
    with pytest.raises(BangfuError) as refused:
        excel.read_sheet(million_cell_row)
    assert refused.value.code == "BAD_INPUT"
    assert refused.value.zh.startswith("导入表格超过") and "单元格" in refused.value.zh


def test_a_bank_file_of_three_million_rows_is_refused_before_it_is_read(
    monkeypatch, three_million_rows
):
    unread(monkeypatch, bank)
    with pytest.raises(BangfuError) as refused:
        bank.read_result(three_million_rows, "回盘.xlsx")
    assert refused.value.zh == f"回盘文件超过{bank.MAX_LINES + 1}行,请分批导入"


def test_a_declared_dimension_over_the_limits_is_refused_first(monkeypatch):
    unread(monkeypatch, excel)
    lying = workbook([b'<row r="1"><c><v>1</v></c></row>'], dimension="A1:AZ900000")
    with pytest.raises(BangfuError) as refused:
        excel.read_sheet(lying)
    assert "声明有900000行" in refused.value.zh


def test_sheets_within_the_limits_still_read():
    [row] = excel.read_sheet(excel.template())
    assert row.household["members"][0]["name"] == excel.EXAMPLE[1]
    short = long_sheet(3)
    assert bank.read_result(short, "回盘.xlsx") == [("1", "", "", None)] * 3
    csv = "付款编号,结果,金额\n" + "P1,成功,790.00\n" * 3
    assert bank.read_result(csv.encode(), "回盘.csv") == [("P1", "paid", "", "790.00")] * 3
    too_long = "付款编号,结果\n" + "P1,成功\n" * (bank.MAX_LINES + 1)
    with pytest.raises(BangfuError, match="回盘文件行数过多"):
        bank.read_result(too_long.encode(), "回盘.csv")


def test_a_refused_cell_is_quoted_back_short():
    book = load_workbook(io.BytesIO(excel.template()))
    sheet = book.worksheets[0]
    ill = next(c.column for c in sheet[1] if c.value == "申请人患重病")
    sheet.cell(3, ill).value = "否" * 20_000
    out = io.BytesIO()
    book.save(out)
    [row] = excel.read_sheet(out.getvalue())
    [problem] = [p for p in row.problems if "申请人患重病" in p]
    assert len(problem) < 120 and "(20000字)" in problem


@pytest.mark.parametrize(
    "written",
    [
        "110105 19751226 2325",
        "110105-19751226-2325",
        "110105-1975-1226-2325",
        "ID110105197512262325abc",
        "１１０１０５１９７５１２２６２３２５",
        "110105 19751226 232X",
    ],
)
def test_id_numbers_are_masked_in_the_forms_people_write_them(written):
    masked = mask_ids(f"备注:{written}。")
    digits = [ch for ch in masked if ch.isdigit()]
    assert len(digits) <= 4, masked  # the last four at most
    assert masked.startswith("备注:") and masked.endswith("。")


@pytest.mark.parametrize("amount", ["١٠٠", "１００", "100.٠٠"])
def test_money_is_written_with_ascii_digits(amount):
    with pytest.raises(BangfuError) as refused:
        parse_amount(amount)
    assert "半角阿拉伯数字" in refused.value.zh
    member = {**ILL["members"][0], "monthlyIncome": amount}
    with pytest.raises(BangfuError) as refused:
        parse_household({**ILL, "members": [member]})
    assert "半角阿拉伯数字" in str(refused.value.details)
    assert parse_amount("100") == 100


def test_shared_strings_past_the_limits_are_refused_before_they_are_read(monkeypatch):
    import zipfile

    unread(monkeypatch, excel)
    small = workbook([b'<row r="1"><c t="s"><v>0</v></c></row>'])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            bomb.writestr(item, source.read(item))
        with bomb.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for _ in range(200):
                strings.write(b"<si><t>x</t></si>" * 1000)
            strings.write(b"</sst>")
    with pytest.raises(BangfuError) as refused:
        excel.read_sheet(out.getvalue())
    assert "文字超过" in refused.value.zh
