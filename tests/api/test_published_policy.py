"""Tenants, parameters, evaluate and compare over HTTP: published policy, open to anyone."""

from __future__ import annotations

import re
from datetime import date

from core import clock
from tests.api.conftest import AS_OF, EVALUATE, EVALUATION_FIELDS, ill_household, member, need

TENANT_FIELDS = "code name level parent branding { displayName primaryColor logoUrl locale }"
MONEY = re.compile(r"^\d+\.\d{2}$")


def test_tenants_lists_every_loaded_tenant_national_first(gql, api_registry):
    data = gql(f"{{ tenants {{ {TENANT_FIELDS} }} }}")["data"]["tenants"]
    assert [t["code"] for t in data] == [t.code for t in api_registry.ordered()]
    national = data[0]
    assert national["code"] == "national"
    assert national["level"] == "NATIONAL"
    assert national["parent"] is None
    assert national["branding"]["displayName"]
    assert re.match(r"^#[0-9a-fA-F]{6}$", national["branding"]["primaryColor"])
    assert national["branding"]["locale"]


def test_tenant_by_code_and_null_for_an_unknown_code(gql):
    data = gql(
        '{ a: tenant(code: "national") { code level } b: tenant(code: "atlantis") { code } }'
    )
    assert data["data"] == {"a": {"code": "national", "level": "NATIONAL"}, "b": None}


def test_a_city_names_its_parent(gql, api_registry):
    need(api_registry, "demo_city")
    data = gql('{ tenant(code: "demo_city") { level parent } }')["data"]["tenant"]
    assert data == {"level": "CITY", "parent": "hebei"}


PARAMETERS = "query($t: String!, $on: Date) { parameters(tenant: $t, asOf: $on) { name value unit effectiveFrom source definedBy } }"


def test_parameters_of_national_are_sorted_cited_and_dated(gql):
    params = gql(PARAMETERS, t="national", on=AS_OF)["data"]["parameters"]
    names = [p["name"] for p in params]
    assert names == sorted(names)
    assert "dibao.standard_monthly" in names
    for p in params:
        assert p["source"].strip()
        assert p["definedBy"] == "national"
        assert date.fromisoformat(p["effectiveFrom"]) <= date.fromisoformat(AS_OF)
    line = next(p for p in params if p["name"] == "dibao.standard_monthly")
    assert MONEY.match(line["value"])  # money as a string with two decimals


def test_parameters_default_to_today(gql):
    today = gql('{ parameters(tenant: "national") { name } }')["data"]["parameters"]
    assert today == [
        {"name": p["name"]}
        for p in gql(PARAMETERS, t="national", on=clock.today().isoformat())["data"]["parameters"]
    ]


def test_parameters_before_any_value_took_effect_are_left_out(gql):
    assert gql(PARAMETERS, t="national", on="1900-01-01")["data"]["parameters"] == []


def test_defined_by_follows_inheritance(gql, api_registry):
    need(api_registry, "demo_city", "hebei")
    params = {p["name"]: p for p in gql(PARAMETERS, t="demo_city", on=AS_OF)["data"]["parameters"]}
    chain = api_registry.get("demo_city").chain
    assert {p["definedBy"] for p in params.values()} <= set(chain)
    for name, p in params.items():  # the API says what the registry resolves
        resolved = api_registry.get("demo_city").parameter_table.resolve(
            name, date.fromisoformat(AS_OF)
        )
        assert p["definedBy"] == resolved.defined_by, name
    inherited = [p for p in params.values() if p["definedBy"] != "demo_city"]
    assert inherited, "demo_city inherits at least one figure from hebei or national"


def test_parameters_of_an_unknown_tenant_are_not_found(gql):
    answer = gql(PARAMETERS, t="atlantis", on=AS_OF)
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_evaluate_under_national_rules(gql):
    answer = gql(EVALUATE, tenant="national", household=ill_household(), asOf=AS_OF)
    assert "errors" not in answer, answer
    e = answer["data"]["evaluate"]
    assert e["tenant"] == "national"
    assert e["asOf"] == AS_OF
    assert "sudden_expense" in e["groups"]
    for field in ("annualIncome", "annualExpenses", "gap"):
        assert MONEY.match(e["budget"][field]), e["budget"]
    assert e["budget"]["annualIncome"] == "24000.00"
    for entitlement in e["entitlements"]:
        assert entitlement["amount"] is None or MONEY.match(entitlement["amount"])
        assert entitlement["period"] in {"ONCE", "MONTHLY", "YEARLY"}


def test_evaluate_defaults_to_the_servers_today(gql, monkeypatch):
    e = gql(EVALUATE, tenant="national", household=ill_household())["data"]["evaluate"]
    assert e["asOf"] == clock.today().isoformat() == "2026-11-20"  # the suite's pinned day
    monkeypatch.setenv("BANGFU_TODAY", "2026-03-02")
    e = gql(EVALUATE, tenant="national", household=ill_household())["data"]["evaluate"]
    assert e["asOf"] == "2026-03-02"


def test_amounts_are_accepted_as_strings_or_numbers(gql):
    as_text = gql(EVALUATE, tenant="national", household=ill_household(), asOf=AS_OF)
    as_number = ill_household()
    as_number["members"][0]["monthlyIncome"] = 2000
    as_number["annualMedicalOutOfPocket"] = 30000.0
    assert gql(EVALUATE, tenant="national", household=as_number, asOf=AS_OF) == as_text


def test_explicit_nulls_take_the_contract_defaults(gql):
    plain = {"members": [member()]}
    nulls = {
        "members": [member(monthlyIncome=None, employment=None, idNumber=None)],
        "otherAnnualIncome": None,
        "annualExpenses": None,
    }
    assert gql(EVALUATE, tenant="national", household=nulls, asOf=AS_OF) == gql(
        EVALUATE, tenant="national", household=plain, asOf=AS_OF
    )


def test_evaluate_with_literals_in_the_query(gql):
    query = (
        '{ evaluate(tenant: "national", asOf: "2026-06-01", household: {members: '
        '[{name: "张伟", relation: APPLICANT, monthlyIncome: "2000", seriousIllness: true}], '
        "annualMedicalOutOfPocket: 30000}) { budget { annualIncome } groups } }"
    )
    e = gql(query)["data"]["evaluate"]
    assert e["budget"]["annualIncome"] == "24000.00"
    assert "sudden_expense" in e["groups"]


def test_a_hebei_entitlement_carries_its_amount_and_explanation(gql, api_registry):
    need(api_registry, "hebei")
    e = gql(EVALUATE, tenant="hebei", household=ill_household(), asOf=AS_OF)["data"]["evaluate"]
    assert e["eligible"] is True
    medical = next(x for x in e["entitlements"] if x["programme"] == "medical_relief")
    assert MONEY.match(medical["amount"])
    assert medical["explanation"] and medical["basis"]


COMPARE = f"query($h: HouseholdInput!, $t: [String!], $on: Date) {{ compare(household: $h, tenants: $t, asOf: $on) {{ {EVALUATION_FIELDS} }} }}"


def test_compare_without_tenants_covers_every_province_and_city_in_order(gql, api_registry):
    result = gql(COMPARE, h=ill_household(), on=AS_OF)["data"]["compare"]
    assert [e["tenant"] for e in result] == [t.code for t in api_registry.regional()]
    assert "national" not in [e["tenant"] for e in result]


def test_compare_keeps_the_order_given(gql, api_registry):
    codes = ["national", *[t.code for t in api_registry.regional()][::-1]]
    result = gql(COMPARE, h=ill_household(), t=codes, on=AS_OF)["data"]["compare"]
    assert [e["tenant"] for e in result] == codes


def test_compare_agrees_with_evaluate(gql):
    alone = gql(EVALUATE, tenant="national", household=ill_household(), asOf=AS_OF)["data"][
        "evaluate"
    ]
    compared = gql(COMPARE, h=ill_household(), t=["national"], on=AS_OF)["data"]["compare"]
    assert compared == [alone]


def test_compare_with_an_unknown_tenant_is_not_found(gql):
    answer = gql(COMPARE, h=ill_household(), t=["national", "atlantis"], on=AS_OF)
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "atlantis" in error["message"]
    assert answer["data"] is None


def test_health_names_the_tenants_and_problems(http, api_registry):
    body = http.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["tenants"] == [t.code for t in api_registry.ordered()]
    assert body["problems"] == [
        {"plugin": p.plugin, "reason": p.reason} for p in api_registry.problems
    ]


def test_graphiql_is_served_to_a_browser(http):
    page = http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_queries_may_also_come_by_get(http):
    answer = http.get("/graphql", params={"query": '{ tenant(code: "national") { code } }'})
    assert answer.json() == {"data": {"tenant": {"code": "national"}}}


def test_compare_agrees_with_evaluate_under_every_tenant(api_registry):
    """compare builds the household's facts once and each tenant completes its own copy:
    every answer, explanations included, is that tenant's evaluate, whatever came before."""
    from core.api.policy import compare
    from core.evaluation import evaluate
    from core.model import parse_household

    codes = [t.code for t in api_registry.ordered()]
    household = parse_household(ill_household())
    on = date.fromisoformat(AS_OF)
    for order in (codes, codes[::-1]):
        compared = compare(api_registry, household, order, on)
        alone = [evaluate(api_registry.get(c), household, on) for c in order]
        assert compared == alone
        assert any(e.entitlements and e.entitlements[0].explanation for e in compared)
