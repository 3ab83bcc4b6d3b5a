"""A tenant plugin that raises while a file is opened or moved fails that request with
PLUGIN_ERROR and writes nothing; other tenants keep working in the same server and the
same session. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from core.api.app import create_app
from core.auth.tokens import issue_token
from core.cases.service import CaseService
from core.db.request import STATE_KEY
from core.db.session import session_factory
from core.errors import PLUGIN_ERROR, BangfuError
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from tests.casefile_samples import ILL, D, staff
from tests.security.conftest import MOVE, OPEN, READ, Caller, row_counts


class FaultyCity:
    """A city under Hebei (Hebei's procedure) whose eligibility rule breaks on demand."""

    broken = False

    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo(code="faulty_city", name="故障市", level=TenantLevel.CITY, parent="hebei")

    @hookimpl
    def bangfu_eligibility(self, household, parameters):
        if FaultyCity.broken:
            raise ZeroDivisionError("internal detail of the faulty plugin")
        return None  # Hebei's test


@pytest.fixture(scope="module")
def faulty_registry():
    registry = load_registry(plugins=[("faulty_city", FaultyCity())])
    assert "faulty_city" in registry.tenants, registry.problems
    return registry


def refused(code, fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def test_a_faulty_plugin_opens_and_moves_nothing(database_url, faulty_registry):
    cw, rv = staff("faulty_city", "caseworker"), staff("faulty_city", "reviewer")
    with session_factory(database_url)() as session:
        service = CaseService(session, faulty_registry, today=lambda: D("2026-11-20"))
        case = service.open_case(cw, "faulty_city", ILL, on=D("2026-09-30"))
        before = row_counts(database_url)
        FaultyCity.broken = True
        try:
            error = refused(PLUGIN_ERROR, service.open_case, cw, "faulty_city", ILL)
            assert error.details == {"tenant": "faulty_city", "hook": "bangfu_eligibility"}
            refused(PLUGIN_ERROR, service.transition, rv, case.id, "review", 1, D("2026-10-08"))
            assert row_counts(database_url) == before
            # the same session serves another tenant straight after
            hebei = service.open_case(staff("hebei", "caseworker"), "hebei", ILL)
            assert hebei.version == 1
        finally:
            FaultyCity.broken = False
        assert service.get_case(rv, case.id).version == 1
        moved = service.transition(rv, case.id, "review", 1, D("2026-10-08"))
        assert moved.version == 2


def test_over_graphql_the_faulty_tenant_fails_alone(database_url, faulty_registry):
    with session_factory(database_url)() as session:
        tokens = {
            (t, r): issue_token(session, t, r, f"{r}.{t}", set(faulty_registry.tenants))
            for t in ("faulty_city", "hebei")
            for r in ("caseworker", "reviewer")
        }
    app = create_app(faulty_registry)
    app.state[STATE_KEY] = database_url
    with TestClient(app) as http:
        faulty = Caller(http, tokens["faulty_city", "caseworker"])
        reviewer = Caller(http, tokens["faulty_city", "reviewer"])
        hebei = Caller(http, tokens["hebei", "caseworker"])
        case = faulty.ok(OPEN, tenant="faulty_city", h=ILL, on="2026-09-30")
        before = row_counts(database_url)
        FaultyCity.broken = True
        try:
            for answer in (
                faulty(OPEN, tenant="faulty_city", h=ILL, on="2026-09-30"),
                reviewer(MOVE, id=case["id"], action="review", v=1, on="2026-10-08"),
            ):
                [error] = answer["errors"]
                assert error["extensions"]["code"] == "PLUGIN_ERROR"
                assert error["extensions"]["details"]["tenant"] == "faulty_city"
                assert "internal detail" not in json.dumps(answer)
            assert row_counts(database_url) == before
            assert hebei.ok(OPEN, tenant="hebei", h=ILL, on="2026-09-30")["version"] == 1
            assert http.get("/healthz").json()["status"] == "ok"
        finally:
            FaultyCity.broken = False
        assert reviewer.ok(READ, id=case["id"])["version"] == 1
