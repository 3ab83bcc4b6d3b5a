"""Sources and roster imports: declared by the tenants, read as a stream, ID numbers hashed
on the way in and never kept in clear, refused whole when a row is bad, kept as long as the
tenant says; a service adapter tested against a local fake service."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from core.cases.privacy import hash_id_number
from core.errors import BAD_INPUT, FORBIDDEN, BangfuError
from core.verification.adapters import HttpAdapter
from core.verification.models import Roster, RosterRow
from core.verification.roster import import_roster, purge_expired
from core.verification.sources import VerificationSource, source_of, sources_of
from core.verification.standard import DIBAO_ROSTER
from tests.casefile_samples import D, staff
from tests.verification.conftest import ADMIN, LOW_DIBAO, SOCIAL, people, person, write_csv


def test_the_bundled_tenants_declare_the_dibao_roster_and_social_security(registry):
    for code in ("hebei", "gansu", "demo_city"):  # demo_city inherits Hebei's
        sources = sources_of(registry.get(code))
        assert set(sources) == {"dibao_roster", "social_security"}
    assert sources_of(registry.get("national")) == {}
    dibao = sources_of(registry.get("hebei"))["dibao_roster"]
    assert dibao.facts == ("dibao_status", "dibao_months", "dibao_subsidy")
    assert "002" in dibao.basis
    with pytest.raises(BangfuError) as info:
        source_of(registry.get("hebei"), "dibao_rooster")
    assert "dibao_roster" in info.value.en and "核对来源" in info.value.zh


def test_a_source_must_name_its_id_column_and_known_fields():
    with pytest.raises(ValueError, match="id_number"):
        VerificationSource("x", "x", "x", "x", {"dibao_since": ("a",)}, basis="b")
    with pytest.raises(ValueError, match="vehicles"):
        VerificationSource("x", "x", "x", "x", {"id_number": ("a",), "vehicles": ("b",)}, "b")


def test_a_roster_is_imported_hashed_and_never_in_clear(verification, session, tmp_path):
    numbers = list(people(50))
    path = write_csv(
        tmp_path / "低保名册.csv",
        LOW_DIBAO,
        [(n, "2024-03-01", "650") for n in numbers[:25]]
        + [(n, "2025年1月5日", "480.50") for n in numbers[25:]],
    )
    done = verification.import_roster(
        ADMIN, "dibao_roster", str(path), D("2026-10-31"), "冀民函〔2026〕88号"
    )
    assert done.imported.rows == 50
    assert done.imported.keep_until == D("2026-10-31") + timedelta(200)
    rows = session.execute(
        select(RosterRow.id_hash, RosterRow.dibao_since, RosterRow.dibao_subsidy)
    ).all()
    assert {r.id_hash for r in rows} == {hash_id_number(n) for n in numbers}
    assert (hash_id_number(numbers[30]), date(2025, 1, 5), 48050) in [tuple(r) for r in rows]
    # no column of any verification table holds a number in clear
    for table in ("verification_rows", "verification_rosters"):
        for row in session.execute(text(f"select * from {table}")):
            assert not any(numbers[0] in str(v) or numbers[30] in str(v) for v in row)


def test_a_roster_with_a_bad_row_is_refused_whole_in_chinese_first(verification, session, tmp_path):
    good = list(people(3))
    wrong_check = good[2][:-1] + ("0" if good[2][-1] != "0" else "1")
    path = write_csv(
        tmp_path / "r.csv",
        LOW_DIBAO,
        [
            (good[0], "2024-03-01", "650"),
            (wrong_check, "2024-03-01", "650"),
            (good[1], "2024-02-30", "650"),
            (good[0], "2024-03-01", "650"),
        ],
    )
    with pytest.raises(BangfuError) as info:
        verification.import_roster(ADMIN, "dibao_roster", str(path), D("2026-10-31"), "冀民函1号")
    error = info.value
    assert error.code == BAD_INPUT
    assert error.message.startswith("名册未导入")
    assert "第3行" in error.zh and "校验位" in error.zh  # the heading row is 1
    assert "第4行" in error.zh and "没有 2024-02-30 这一天" in error.zh
    assert "第5行" in error.zh and "两次" in error.zh
    assert error.details["badRows"] == 3
    assert session.scalar(select(func.count()).select_from(Roster)) == 0
    assert session.scalar(select(func.count()).select_from(RosterRow)) == 0


def test_missing_columns_and_foreign_files_are_named(verification, tmp_path):
    path = write_csv(tmp_path / "r.csv", ("姓名", "身份证号"), [("张三", person(1))])
    with pytest.raises(BangfuError) as info:
        verification.import_roster(ADMIN, "dibao_roster", str(path), D("2026-10-31"), "1号")
    assert "纳入低保时间" in info.value.zh
    fake = tmp_path / "r.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a workbook")
    with pytest.raises(BangfuError, match="xlsx"):
        verification.import_roster(ADMIN, "dibao_roster", str(fake), D("2026-10-31"), "1号")


def test_an_xlsx_roster_is_read_as_a_stream(verification, session, tmp_path):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(SOCIAL))
    numbers = list(people(20))
    for k, n in enumerate(numbers):
        sheet.append([n, "是" if k % 2 else "否", "否", 3000 + k])
    path = tmp_path / "社保.xlsx"
    book.save(path)
    done = verification.import_roster(ADMIN, "social_security", str(path), D("2026-10-31"), "函")
    assert done.imported.rows == 20
    row = session.execute(
        select(RosterRow).where(RosterRow.id_hash == hash_id_number(numbers[3]))
    ).scalar_one()
    assert (row.pension_insured, row.unemployment_insured, row.contribution_base) == (
        True,
        False,
        300300,
    )


def test_who_may_import(verification, tmp_path):
    path = write_csv(tmp_path / "r.csv", LOW_DIBAO, [(person(1), "2024-03-01", "650")])
    for who in (staff("hebei", "caseworker"), staff("national", "national")):
        with pytest.raises(BangfuError) as info:
            verification.import_roster(who, "dibao_roster", str(path), D("2026-10-31"), "1号")
        assert info.value.code == FORBIDDEN


def test_rows_are_kept_only_as_long_as_the_tenant_says(verification, session, registry, tmp_path):
    path = write_csv(tmp_path / "r.csv", LOW_DIBAO, [(person(1), "2024-03-01", "650")])
    old = verification.import_roster(ADMIN, "dibao_roster", str(path), D("2026-01-31"), "旧函")
    assert old.imported.keep_until == D("2026-08-19")  # 200 days after its date
    # the next import (on 2026-11-20, after keep_until) purges the old roster's rows
    verification.import_roster(ADMIN, "dibao_roster", str(path), D("2026-10-31"), "新函")
    rosters = {r.reference: r for r in session.scalars(select(Roster))}
    assert rosters["旧函"].purged_on == D("2026-11-20")
    assert rosters["新函"].purged_on is None
    left = session.scalars(select(RosterRow.roster_id)).all()
    assert left == [rosters["新函"].id]
    assert purge_expired(session, "hebei", D("2026-11-20")) == 0


def test_a_roster_from_a_service_through_an_adapter(session, registry):
    numbers = list(people(3))
    lines = [
        json.dumps({"id_number": n, "dibao_since": "2023-05-01", "dibao_subsidy": "700"})
        for n in numbers
    ]
    asked = []

    class Roster(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = ("\n".join(lines) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Roster)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from dataclasses import replace

        adapter = HttpAdapter(f"http://127.0.0.1:{server.server_port}/api")
        source = replace(DIBAO_ROSTER, adapter=adapter)
        from core.db.session import scope_to_tenant

        scope_to_tenant(session, "hebei")
        done = import_roster(
            session,
            registry.get("hebei"),
            source,
            "dibao?county=130102",
            D("2026-10-31"),
            "接口 2026-10-31",
            "admin@hebei",
            D("2026-11-20"),
        )
    finally:
        server.shutdown()
    assert asked == ["/api/dibao?county=130102"]
    assert done.rows == 3
    subsidies = session.scalars(select(RosterRow.dibao_subsidy)).all()
    assert subsidies == [70000] * 3


def test_a_service_that_does_not_answer_is_a_clear_error(session, registry):
    from dataclasses import replace

    from core.db.session import scope_to_tenant

    scope_to_tenant(session, "hebei")
    source = replace(DIBAO_ROSTER, adapter=HttpAdapter("http://127.0.0.1:9", timeout=2))
    with pytest.raises(BangfuError) as info:
        import_roster(
            session, registry.get("hebei"), source, "x", D("2026-10-31"), "1", "a", D("2026-11-20")
        )
    assert "无应答" in info.value.zh
    assert session.scalar(select(func.count()).select_from(Roster)) == 0


def test_the_cli_imports_a_roster(database_url, tmp_path, monkeypatch):
    from core.cli import app

    path = write_csv(tmp_path / "r.csv", LOW_DIBAO, [(n, "2024-03-01", "650") for n in people(4)])
    result = CliRunner().invoke(
        app,
        [
            "roster",
            "import",
            "--tenant",
            "hebei",
            "--source",
            "dibao_roster",
            "--file",
            str(path),
            "--as-of",
            "2026-10-31",
            "--reference",
            "冀民函〔2026〕88号",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "名册已导入:4行" in result.output
    bad = CliRunner().invoke(
        app,
        [
            "roster",
            "import",
            "--tenant",
            "hebei",
            "--source",
            "vehicles",
            "--file",
            str(path),
            "--as-of",
            "2026-10-31",
            "--reference",
            "1",
            "--database-url",
            database_url,
        ],
    )
    assert bad.exit_code == 1 and "核对来源" in bad.output
    listed = CliRunner().invoke(
        app,
        ["roster", "list", "--tenant", "hebei", "--database-url", database_url],
        env={"COLUMNS": "200"},  # a terminal wide enough for the reference on one line
    )
    assert listed.exit_code == 0 and "冀民函〔2026〕88号" in listed.output
    purged = CliRunner().invoke(
        app, ["roster", "purge", "--tenant", "hebei", "--database-url", database_url]
    )
    assert purged.exit_code == 0 and "已删除0份" in purged.output


@pytest.mark.slow
def test_a_roster_of_100000_rows_is_imported_streamed_and_hashed(
    verification, cases, session, tmp_path
):
    from tests.casefile_samples import ILL
    from tests.verification.test_comparison import with_id

    listed = list(people(2, start=500))  # two people the roster lists
    as_declared = with_id(ILL, listed[0], monthlyIncome="3500")
    more_than_declared = with_id(ILL, listed[1])  # declares 2,000 a month
    for household in (as_declared, more_than_declared):
        cases.open_case(staff("hebei", "caseworker"), "hebei", household, on=D("2026-11-02"))
    numbers = people(100_000)
    path = write_csv(tmp_path / "big.csv", SOCIAL, ((n, "是", "否", "3500") for n in numbers))
    done = verification.import_roster(ADMIN, "social_security", str(path), D("2026-10-31"), "大")
    assert done.imported.rows == 100_000
    assert session.scalar(select(func.count()).select_from(RosterRow)) == 100_000
    # every open file compared as the roster arrived: the wage of the second differs
    assert (done.compared.files, done.compared.with_differences) == (2, 1)
    last = person(99_999 % 1000, date(1960, 1, 1) + timedelta(99))
    assert (
        session.scalar(select(func.count()).where(RosterRow.id_hash == hash_id_number(last))) == 1
    )
