"""The national union's first day with the dashboard: password accounts like staff, figures
that say when they rest on a provisional (暂定) value and why a region covers nobody, a
reform form that names each parameter with its value today and refuses what it cannot
use, and amounts with thousands separators."""

from __future__ import annotations

import re
from html import unescape

import pytest
from litestar.testing import TestClient

from core.auth.accounts import create_user
from core.db.request import STATE_KEY
from core.db.session import session_factory
from core.errors import BangfuError
from tests.simulation.test_dashboard_pages import FORM_TOKEN

PASSWORD = "national-union-password"


@pytest.fixture
def site(app, api_registry, database_url):
    app.state[STATE_KEY] = database_url
    known = set(api_registry.tenants)
    with session_factory(database_url)() as session:
        create_user(session, "national", "chen.acftu", "national", PASSWORD, known)
        create_user(session, "hebei", "zhang.hebei", "admin", PASSWORD, known)
    with TestClient(app) as client:
        yield client
    app.state[STATE_KEY] = None


def password_sign_in(client, user: str, password: str = PASSWORD):
    page = client.get("/national/")
    csrf = unescape(FORM_TOKEN.search(page.text).group(1))
    return client.post(
        "/national/password-sign-in",
        data={"csrf": csrf, "username": user, "password": password},
        follow_redirects=False,
    )


def test_the_national_union_signs_in_with_a_password_account(site):
    client = site
    door = client.get("/national/").text
    assert door.index('action="/national/password-sign-in"') < door.index("用令牌登录")
    assert password_sign_in(client, "chen.acftu", "wrong password!").status_code == 401
    assert password_sign_in(client, "zhang.hebei").status_code == 401  # a region's admin
    answer = password_sign_in(client, "chen.acftu")
    assert answer.status_code == 303 and answer.headers["location"] == "/national/dashboard"
    page = client.get("/national/dashboard")
    assert page.status_code == 200 and "chen.acftu" in page.text


def test_national_accounts_are_for_the_national_role_only(database_url, api_registry):
    known = set(api_registry.tenants)
    with session_factory(database_url)() as session:
        for tenant, role in (
            ("national", "admin"),
            ("national", "caseworker"),
            ("hebei", "national"),
        ):
            with pytest.raises(BangfuError) as refused:
                create_user(session, tenant, "someone", role, PASSWORD, known)
            assert "全国总工会" in refused.value.zh


def test_gansu_says_why_it_covers_nobody_and_counts_have_separators(site):
    client = site
    password_sign_in(client, "chen.acftu")
    page = client.get("/national/dashboard").text
    table = re.search(r'data-table="coverage">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    gansu = next(row for row in table.split("<tr>") if "gansu" in row)
    assert "未设定发放金额的帮扶项目" in gansu and "受助户数与年度支出为0" in gansu
    hebei = next(row for row in table.split("<tr>") if ">hebei<" in row)
    cells = re.findall(r"<td>(.*?)</td>", hebei)
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", cells[2])  # households: 210,124
    assert re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", cells[7])  # yearly cost in yuan
    assert "未设定" not in hebei


def test_a_cost_resting_on_a_provisional_value_says_so(site, api_registry, monkeypatch):
    from core.simulation.reforms import Reform, reformed_tenant
    from core.simulation.simulate import simulate
    from core.simulation.synthetic import synthetic_population
    from core.web import national

    draft = Reform(
        "draft",
        {
            "dibao.standard_monthly": {
                "description": "城市低保标准(征求意见稿)",
                "type": "money",
                "unit": "yuan/month",
                "values": {
                    "2020-01-01": {"value": 900, "source": "征求意见稿", "provisional": True}
                },
            }
        },
    )
    hebei = reformed_tenant(api_registry.get("hebei"), draft, api_registry)
    monkeypatch.setattr(
        national,
        "baseline",
        lambda registry, on: simulate([hebei], synthetic_population(2_000, 7), on, source="test"),
    )
    client = site
    password_sign_in(client, "chen.acftu")
    page = client.get("/national/dashboard").text
    coverage = re.search(r'data-table="coverage">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    assert "暂定:支出依据暂定参数值(dibao.standard_monthly)" in coverage
    parameters = re.search(r'data-table="parameters">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    row = next(r for r in parameters.split("<tr>") if "dibao.standard_monthly" in r)
    assert "<td>暂定</td>" in row


def test_the_reform_form_names_each_parameter_with_its_value_today(site):
    client = site
    password_sign_in(client, "chen.acftu")
    page = client.get("/national/dashboard", params={"tenant": "hebei"}).text
    option = re.search(r'<option value="dibao.standard_monthly"[^>]*>([^<]*)</option>', page)
    assert option and "现值" in option.group(1) and re.search(r"现值 \d", option.group(1))


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ({"value": "900"}, "请选择要调整的参数"),
        ({"parameter": "dibao.standard_monthly"}, "请填写参数 dibao.standard_monthly"),
        ({"parameter": "dibao.standard_monthly", "value": "九百"}, "应为金额(元),如 900"),
        ({"parameter": "dibao.no_such", "value": "1"}, "没有参数 dibao.no_such"),
    ],
)
def test_a_reform_that_cannot_be_run_is_refused_beside_the_form(site, asked, said):
    client = site
    password_sign_in(client, "chen.acftu")
    page = client.get("/national/dashboard", params={"tenant": "hebei", **asked})
    assert page.status_code == 400
    refused = re.search(r"data-reform-refused>(.*?)</div>", page.text, re.S)
    assert refused and said in unescape(refused.group(1)), page.text[:300]
    assert 'data-figure="cost-change"' not in page.text  # nothing was simulated
