"""The funds from the command line, and the files: the bank file out (CSV and XLSX), the
bank's result file in (CSV and XLSX), the annual report and the audit export as XLSX."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from core.cli import app
from core.funds import bank
from tests.funds.conftest import clone_filed, file_case, give_accounts

runner = CliRunner()


def bangfu(url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--database-url", url])
    assert result.exit_code == code, result.output
    return result.output


def test_a_year_from_the_command_line(database_url, cases, session, tmp_path):
    first = file_case(cases)
    clone_filed(session, first, 2)
    give_accounts(session)
    session.close()
    url = database_url
    bangfu(
        url,
        "funds",
        "receipt",
        "--tenant",
        "hebei",
        "--year",
        "2026",
        "--source",
        "government",
        "--amount",
        "2500.00",
        "--document",
        "冀财社〔2026〕12号",
        "--received-on",
        "2026-01-15",
    )
    out = bangfu(url, "payments", "run", "--tenant", "hebei", "--period", "2026")
    assert "3 new payment(s)" in out and "2370.00" in out
    assert "0 new payment(s)" in bangfu(
        url, "payments", "run", "--tenant", "hebei", "--period", "2026"
    )
    # four eyes: the user who ran it may not approve it
    refused = bangfu(
        url, "payments", "approve", "--tenant", "hebei", "--run", "1", "--user", "cli@hebei", code=1
    )
    assert "FORBIDDEN" in refused
    bangfu(url, "payments", "approve", "--tenant", "hebei", "--run", "1", "--user", "li.approver")
    refused = bangfu(
        url,
        "payments",
        "send",
        "--tenant",
        "hebei",
        "--run",
        "1",
        "--out",
        str(tmp_path / "bank.csv"),
        code=1,
    )
    assert "先公示" in refused
    public = tmp_path / "公示.xlsx"
    bangfu(url, "payments", "publish", "--tenant", "hebei", "--run", "1", "--out", str(public))
    names = [row[1] for row in load_workbook(public).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["张*"] * 3
    bangfu(
        url,
        "payments",
        "send",
        "--tenant",
        "hebei",
        "--run",
        "1",
        "--out",
        str(tmp_path / "bank.xlsx"),
    )
    sent = list(load_workbook(tmp_path / "bank.xlsx").active.iter_rows(values_only=True))
    assert sent[0][0].startswith("付款编号") and [r[2] for r in sent[1:]] == ["张三"] * 3
    # the bank answers in a workbook: two paid, one returned
    answer = Workbook()
    answer.active.append(["付款编号", "结果", "说明", "金额"])
    for i, r in enumerate(sent[1:]):
        paid = "退票" if i == 0 else "成功"
        answer.active.append([r[0], paid, "账户已销户" if i == 0 else "", r[7]])
    answer.save(tmp_path / "result.xlsx")
    out = bangfu(
        url, "payments", "import", "--tenant", "hebei", "--file", str(tmp_path / "result.xlsx")
    )
    assert "paid 2, returned 1" in out
    bangfu(url, "payments", "recover", "--tenant", "hebei", "--payment", str(sent[1][0]))
    out = bangfu(url, "payments", "reconcile", "--tenant", "hebei", "--year", "2026")
    assert "balanced to the fen" in out
    report = tmp_path / "report.xlsx"
    bangfu(url, "funds", "report", "--tenant", "hebei", "--year", "2026", "--out", str(report))
    cells = {
        row[0]: row[1]
        for row in load_workbook(report).active.iter_rows(values_only=True)
        if row and row[0]
    }
    assert cells["财政拨款 government allocation"] == 2500.00
    assert cells["生活救助 living relief"] == 1580.00  # two paid; the returned one recovered
    assert cells["三、结余 balance"] == 920.00
    audit = tmp_path / "audit.xlsx"
    bangfu(url, "funds", "audit", "--tenant", "hebei", "--year", "2026", "--out", str(audit))
    rows = list(load_workbook(audit).active.iter_rows(values_only=True))
    kinds = {r[8] for r in rows[1:]}
    assert kinds == {"receipt", "approval", "sending", "return", "recovery"}
    assert {r[14] for r in rows[1:]} == {"cli@hebei", "li.approver"}


def test_bank_files_read_back():
    rows = [
        {
            "payment": 7,
            "case": 3,
            "name": "张三",
            "idNumber": "130102********0011",
            "account": "6222021234567890123",
            "programme": "living_relief",
            "period": "2026",
            "amount": "790.00",
            "sending": 1,
        }
    ]
    text = bank.to_csv(rows).decode("utf-8-sig")
    assert (
        text.splitlines()[1]
        == "7,3,张三,130102********0011,6222021234567890123,living_relief,2026,790.00,1"
    )
    sheet = load_workbook(io.BytesIO(bank.to_xlsx(rows))).worksheets[0]
    assert [c.value for c in sheet[2]][:3] == [7, 3, "张三"]
    answer = "payment,result,note\n7,paid,\n8,退票,卡号错误\n".encode("gb18030")
    assert bank.read_result(answer) == [
        ("7", "paid", "", None),
        ("8", "returned", "卡号错误", None),
    ]
