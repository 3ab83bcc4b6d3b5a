"""Fixtures for the staff pages: the app in-process, a browser that keeps its cookies and
fills in the form token, and staff tokens of a fresh test database."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from litestar.testing import TestClient

from core.auth.tokens import issue_token
from core.db.request import STATE_KEY
from core.db.session import session_factory

ROLES = ("caseworker", "reviewer", "approver", "admin")
TENANTS = ("hebei", "gansu", "demo_city")
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def check_page(response):
    """What every answer of the staff pages must be: never a server fault, never a trace."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return response


class Browser:
    """One member of staff's browser: cookies kept between requests, forms sent with the
    form token of the page they came from, redirects not followed (they are checked)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.form_token = ""

    def get(self, path: str, **params: Any):
        response = check_page(self.client.get(path, params=params, follow_redirects=False))
        found = _FORM_TOKEN.search(response.text)
        if found:
            self.form_token = unescape(found.group(1))
        return response

    def post(self, path: str, data: dict[str, Any], form_token: bool = True):
        if form_token:
            assert self.form_token, "load a page with a form first"
            data = {"csrf": self.form_token, **data}
        response = self.client.post(path, data=data, follow_redirects=False)
        check_page(response)
        found = _FORM_TOKEN.search(response.text)
        if found:
            self.form_token = unescape(found.group(1))
        return response

    def forget(self) -> None:
        """A fresh browser: no cookies, no form token."""
        self.client.cookies.clear()
        self.form_token = ""

    def sign_in(self, tenant: str, token: str):
        self.forget()
        self.get(f"/staff/{tenant}")
        response = self.post(f"/staff/{tenant}/sign-in", {"token": token})
        assert response.status_code == 303, response.text
        self.get(response.headers["location"])  # as a browser would, with the new form token
        return response


@pytest.fixture(scope="session")
def web_client(app):
    """A client of its own over the shared app: its own cookie jar, like a browser."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def browser(web_client) -> Browser:
    b = Browser(web_client)
    b.forget()
    yield b
    b.forget()


@pytest.fixture
def tokens(app, api_registry, database_url) -> dict[tuple[str, str], str]:
    """``tokens[tenant, role]``: a staff token of the test database (user ``role.tenant``)."""
    app.state[STATE_KEY] = database_url
    known = set(api_registry.tenants)
    with session_factory(database_url)() as session:
        issued = {
            (tenant, role): issue_token(session, tenant, role, f"{role}.{tenant}", known)
            for tenant in TENANTS
            for role in ROLES
        }
        issued["national", "national"] = issue_token(
            session, "national", "national", "acftu", known
        )
    yield issued
    app.state[STATE_KEY] = None


def household_form(
    name: str = "张三",
    monthly_income: str = "2000",
    out_of_pocket: str = "30000",
    seriously_ill: bool = True,
    **extra: str,
) -> dict[str, str]:
    """The household form filled in for one applicant (by default the H1 household:
    seriously ill, 30,000 out of pocket on an income of 24,000)."""
    form = {
        "members.0.name": name,
        "members.0.relation": "APPLICANT",
        "members.0.age": "45",
        "members.0.monthlyIncome": monthly_income,
        "members.0.employment": "EMPLOYED",
        "members.0.ableToWork": "on",
        "members.0.hasMedicalInsurance": "on",
        "members.0.hasPensionInsurance": "on",
        "annualMedicalOutOfPocket": out_of_pocket,
        "medicalInInsuranceCatalog": "on",
        "hasHousing": "on",
    }
    if seriously_ill:
        form["members.0.seriousIllness"] = "on"
    form.update(extra)
    return form
