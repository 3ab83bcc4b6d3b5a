"""A tenant plugin that raises fails that tenant's request with PLUGIN_ERROR; every other
tenant keeps serving, and the plugin's traceback goes to the log, not to the client."""

from __future__ import annotations

import json
import logging

import pytest
from litestar.testing import TestClient

import plugins.national
from core.api.app import create_app
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from tests.api.conftest import AS_OF, EVALUATE, GraphQLClient, ill_household, only_error


class FaultyProvince:
    """A province whose eligibility rule has a bug."""

    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo(
            code="faulty", name="故障省", level=TenantLevel.PROVINCE, parent="national"
        )

    @hookimpl
    def bangfu_eligibility(self, household, parameters):
        raise ZeroDivisionError("internal detail of the faulty plugin")


@pytest.fixture(scope="module")
def gql():
    registry = load_registry(
        plugins=[("national", plugins.national), ("faulty", FaultyProvince())],
        use_entry_points=False,
    )
    assert set(registry.tenants) == {"national", "faulty"}, registry.problems
    with TestClient(create_app(registry)) as client:
        yield GraphQLClient(client)


def test_the_faulty_tenant_answers_plugin_error(gql, caplog):
    with caplog.at_level(logging.ERROR, logger="bangfu.api"):
        answer = gql(EVALUATE, tenant="faulty", household=ill_household(), asOf=AS_OF)
    error = only_error(answer)
    assert error["extensions"]["code"] == "PLUGIN_ERROR"
    assert error["extensions"]["details"]["tenant"] == "faulty"
    assert error["extensions"]["details"]["hook"] == "bangfu_eligibility"
    assert "faulty" in error["message"]
    assert "internal detail" not in json.dumps(answer)
    logged = [r for r in caplog.records if r.exc_info]
    assert any(isinstance(r.exc_info[1], ZeroDivisionError) for r in logged)


def test_national_still_evaluates(gql):
    answer = gql(EVALUATE, tenant="national", household=ill_household(), asOf=AS_OF)
    assert "errors" not in answer
    assert answer["data"]["evaluate"]["tenant"] == "national"


def test_compare_including_the_faulty_tenant_answers_for_the_others(gql, caplog):
    """compare never fails as a whole: the faulty tenant carries its own error (partial
    results), the others answer."""
    query = (
        "query($h: HouseholdInput!, $t: [String!]) "
        '{ compare(household: $h, tenants: $t, asOf: "2026-06-01") { tenant eligible } }'
    )
    with caplog.at_level(logging.ERROR, logger="bangfu.api"):
        answer = gql(query, h=ill_household(), t=["faulty", "national"])
    assert [e["tenant"] for e in answer["data"]["compare"]] == ["national"]
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "PLUGIN_ERROR"
    assert error["extensions"]["details"]["tenant"] == "faulty"
    assert error["path"] == ["compare"]
    assert "internal detail" not in json.dumps(answer)
    aliased = gql(
        "query($h: HouseholdInput!) { mine: compare(household: $h) { tenant } }",
        h=ill_household(),
    )
    assert aliased["data"]["mine"] == [] and aliased["errors"][0]["path"] == ["mine"]


def test_the_faulty_tenant_is_still_listed_and_its_parameters_served(gql):
    codes = [t["code"] for t in gql("{ tenants { code } }")["data"]["tenants"]]
    assert codes == ["national", "faulty"]
    params = gql('{ parameters(tenant: "faulty", asOf: "2026-06-01") { name definedBy } }')
    assert params["data"]["parameters"]
    assert {p["definedBy"] for p in params["data"]["parameters"]} == {"national"}
