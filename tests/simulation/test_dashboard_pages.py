"""The national dashboard over HTTP (in process): sign-in with a national token only,
tables and charts on the page, every table downloadable as CSV and XLSX with the page's
rows, a bad reform refused on the page, trends suppressed as statistics."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from litestar.testing import TestClient

from core.auth.tokens import issue_token
from core.cases.service import CaseService
from core.db.request import STATE_KEY
from core.db.session import session_factory
from tests.casefile_samples import ILL, staff

FORM_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture
def site(app, api_registry, database_url):
    app.state[STATE_KEY] = database_url
    with session_factory(database_url)() as session:
        known = set(api_registry.tenants)
        tokens = {
            "national": issue_token(session, "national", "national", "acftu", known),
            "hebei": issue_token(session, "hebei", "admin", "admin.hebei", known),
        }
        service = CaseService(session, api_registry)
        for _ in range(6):
            service.open_case(staff("hebei", "caseworker"), "hebei", ILL)
        service.open_case(staff("gansu", "caseworker"), "gansu", ILL)
        session.commit()
    with TestClient(app) as client:
        yield client, tokens
    app.state[STATE_KEY] = None


def sign_in(client, token):
    page = client.get("/national/")
    assert page.status_code == 200 and "登录" in page.text
    csrf = unescape(FORM_TOKEN.search(page.text).group(1))
    return client.post(
        "/national/sign-in", data={"csrf": csrf, "token": token}, follow_redirects=False
    )


def test_only_a_national_token_signs_in(site):
    client, tokens = site
    assert client.get("/national/dashboard", follow_redirects=False).status_code == 303
    refused = sign_in(client, tokens["hebei"])
    assert refused.status_code == 401 and "不能登录" in refused.text
    assert client.get("/national/download/coverage", follow_redirects=False).status_code == 303
    assert sign_in(client, tokens["national"]).status_code == 303
    page = client.get("/national/dashboard")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    for chart in ("cost", "coverage", "trend", "targets"):
        assert f'data-chart="{chart}"' in page.text
    assert "全国对比" in page.text and "河北省" in page.text


def test_a_form_from_another_site_signs_nobody_in(site):
    client, tokens = site
    page = client.get("/national/")
    csrf = unescape(FORM_TOKEN.search(page.text).group(1))
    foreign = client.post(
        "/national/sign-in",
        data={"csrf": csrf, "token": tokens["national"]},
        headers={"origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403 and "bangfu_national=" not in foreign.headers.get(
        "set-cookie", ""
    )
    no_token = client.post(
        "/national/sign-in", data={"token": tokens["national"]}, follow_redirects=False
    )
    assert no_token.status_code == 403
    assert client.get("/national/dashboard", follow_redirects=False).status_code == 303


def test_every_table_downloads_with_the_rows_shown(site, api_registry):
    client, tokens = site
    sign_in(client, tokens["national"])
    page = client.get("/national/dashboard").text
    keys = re.findall(r'data-table="([a-z_]+)"', page)
    assert {"coverage", "programmes", "groups", "parameters", "trend"} <= set(keys)
    for key in keys:
        body = client.get(f"/national/download/{key}", params={"format": "csv"})
        assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
        shown = re.search(rf'data-table="{key}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
        assert len(rows) - 1 == shown.count("<tr>"), key
        book = client.get(f"/national/download/{key}", params={"format": "xlsx"})
        assert book.status_code == 200 and book.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(
        io.BytesIO(client.get("/national/download/coverage?format=xlsx").content)
    ).active
    values = [c.value for c in sheet[sheet.max_row]]
    assert values[1] == api_registry.ordered()[-1].code
    assert client.get("/national/download/nothing?format=csv").status_code == 404


def test_trend_counts_are_suppressed_as_statistics(site):
    client, tokens = site
    sign_in(client, tokens["national"])
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/national/download/trend?format=csv").content.decode("utf-8-sig")
            )
        )
    )
    today = {r[1]: r for r in rows[1:] if r[2] == max(x[2] for x in rows[1:])}
    assert today["hebei"][3] == "6"  # six open files: shown
    assert today["gansu"][3] == ""  # one open file: suppressed, as statistics does
    targets = list(
        csv.reader(
            io.StringIO(
                client.get("/national/download/targets?format=csv").content.decode("utf-8-sig")
            )
        )
    )
    gansu = [r for r in targets[1:] if r[1] == "gansu"]
    assert [r[3] for r in gansu] == ["30.00", "60.00"]  # 002: 30% by 2018, 60% by 2019
    assert all(r[5] == "" and r[7] == "" for r in gansu)  # no files on the baseline: suppressed
    assert all("002" in r[9] for r in gansu)  # cited


def test_a_reform_shows_its_deltas_and_a_bad_one_is_refused(site):
    client, tokens = site
    sign_in(client, tokens["national"])
    page = client.get("/national/dashboard", params={"tenant": "hebei", "off": "medical_relief"})
    assert page.status_code == 200
    assert 'data-chart="deciles"' in page.text and 'data-figure="cost-change"' in page.text
    assert re.search(r'data-figure="cost-change">-\d', page.text)
    book = client.get(
        "/national/download/reform_deciles",
        params={"format": "csv", "tenant": "hebei", "off": "medical_relief"},
    )
    assert book.status_code == 200 and len(book.content.decode("utf-8-sig").splitlines()) == 11
    bad = client.get(
        "/national/dashboard",
        params={"tenant": "hebei", "parameter": "dibao.standard_monthly", "value": "lots"},
    )
    assert bad.status_code == 400 and "新取值“lots”不能用于参数 dibao.standard_monthly" in bad.text


def test_the_page_says_how_to_reproduce_it_in_python(site, registry):
    """The snippet on the page, run as it stands, gives the figures the page shows."""
    client, tokens = site
    sign_in(client, tokens["national"])
    page = client.get(
        "/national/dashboard",
        params={"tenant": "hebei", "parameter": "dibao.standard_monthly", "value": "900"},
    )
    code = unescape(
        re.search(r"<pre class=\"code\" data-reproduce>(.*?)</pre>", page.text, re.S).group(1)
    )
    scope: dict = {}
    exec(compile(code, "<dashboard>", "exec"), scope)
    shown = re.search(r'data-figure="cost-change">(-?[\d.,]+)', page.text).group(1)
    from core.money import format_yuan

    assert format_yuan(scope["deltas"].cost_change) == shown.replace(",", "")
    assert scope["result"].tenant("hebei").yearly_cost > 0
