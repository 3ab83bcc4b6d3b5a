"""Planned execution answers exactly what graphql-core's executor answers.

Every query below runs twice, through the served schema (planned where the plan applies)
and through the same schema with planning switched off; data and errors must be equal.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry
from graphql import GraphQLNonNull, parse
from graphql.execution.values import get_variable_values

from core.api.context import BangfuContext
from core.api.inputs import to_household
from core.api.limits import prepare
from core.api.planned import Plan, fast_variables, make_plan
from core.api.schema import build_schema, schema
from tests.api.conftest import (
    AS_OF,
    EVALUATE,
    EVALUATION_FIELDS,
    ill_household,
    member,
    only_error,
)

UNPLANNED = build_schema(planned=False)

HOUSEHOLDS = {
    "ill": ill_household(),
    "dibao family": {
        "members": [
            member(age=45, employment="UNEMPLOYED", ableToWork=True, monthlyIncome="300"),
            member(name="李娜", relation="SPOUSE", age=44, disabled=True),
            member(
                name="张小明",
                relation="CHILD",
                age=16,
                educationStage="HIGH_SCHOOL",
                newlyAdmitted=True,
                employment="STUDENT",
            ),
        ],
        "dibaoRecipient": True,
        "dibaoContinuousMonths": 24,
        "dibaoMonthlySubsidyPerCapita": "300",
        "housingAreaM2": "30",
        "annualExpenses": {"rent": "6000", "medical": 12000, "education": "3000.5"},
    },
    "migrant": {
        "members": [member(age=30, monthlyIncome="1200", hasPensionInsurance=False)],
        "migrantWorker": True,
        "yearsInCity": 5,
        "hasHousing": False,
        "disasterLoss": True,
    },
    "laid off": {
        "members": [member(age=50, employment="LAID_OFF", ableToWork=True)],
        "laidOffInRestructuring": True,
        "reemploymentCertificate": True,
        "selfEmployed": True,
        "threeNo": True,
    },
    "negative": {"members": [member(monthlyIncome="-1")]},
    "no applicant": {"members": [member(relation="CHILD")]},
    "not a number": {"members": [member(monthlyIncome="NaN")]},
    "bad enum": {"members": [member(relation="COUSIN")]},
    "nulls": {"members": [member(monthlyIncome=None, idNumber=None)], "annualExpenses": None},
}


def run(target, query: str, variables: dict[str, Any] | None, registry) -> dict[str, Any]:
    context = BangfuContext(registry=registry)
    result = asyncio.run(target.execute(query, variable_values=variables, context_value=context))
    return {
        "data": result.data,
        "errors": [e.formatted for e in result.errors or []],
    }


def assert_same(query: str, variables: dict[str, Any] | None, registry) -> dict[str, Any]:
    planned = run(schema, query, variables, registry)
    assert planned == run(UNPLANNED, query, variables, registry)
    return planned


@pytest.mark.parametrize("household", list(HOUSEHOLDS))
def test_evaluate_is_the_same_for_every_tenant(household, api_registry):
    for tenant in [*api_registry.tenants, "atlantis"]:
        variables = {"tenant": tenant, "household": HOUSEHOLDS[household], "asOf": AS_OF}
        assert_same(EVALUATE, variables, api_registry)


def test_evaluate_with_literals_aliases_and_typenames(api_registry):
    query = (
        '{ answer: evaluate(tenant: "hebei", asOf: "2026-06-01", household: {members: '
        '[{name: "张伟", relation: APPLICANT, monthlyIncome: "2000", seriousIllness: true}], '
        "annualMedicalOutOfPocket: 30000}) { __typename who: tenant eligible "
        "money: entitlements { __typename amount period why: explanation } "
        "budget { gap __typename } } }"
    )
    answer = assert_same(query, None, api_registry)
    assert answer["data"]["answer"]["__typename"] == "Evaluation"


def test_compare_is_the_same(api_registry):
    query = f'query($h: HouseholdInput!, $t: [String!]) {{ compare(household: $h, tenants: $t, asOf: "{AS_OF}") {{ {EVALUATION_FIELDS} }} }}'
    for name, household in HOUSEHOLDS.items():
        assert_same(query, {"h": household}, api_registry)
        assert_same(query, {"h": household, "t": ["national", *api_registry.tenants]}, api_registry)
        assert_same(query, {"h": household, "t": ["atlantis"]}, api_registry), name
        assert_same(query, {"h": household, "t": ["national"] * 51}, api_registry)


@pytest.mark.parametrize(
    "query",
    [
        "{ tenants { code name level parent branding { displayName primaryColor logoUrl locale } } }",
        '{ tenant(code: "hebei") { code level parent } }',
        '{ tenant(code: "atlantis") { code } }',
        '{ parameters(tenant: "demo_city", asOf: "2026-06-01") { name value unit effectiveFrom source definedBy } }',
        '{ parameters(tenant: "national") { name value } }',
        '{ parameters(tenant: "atlantis") { name } }',
        '{ parameters(tenant: "national", asOf: "1900-01-01") { name } }',
    ],
)
def test_published_policy_is_the_same(query, api_registry):
    assert_same(query, None, api_registry)


@pytest.mark.parametrize(
    "variables",
    [
        {},  # a required variable missing
        {"tenant": "national", "household": "not an object"},
        {"tenant": 42, "household": ill_household()},
        {"tenant": "national", "household": ill_household(), "asOf": "yesterday"},
    ],
)
def test_variable_errors_are_the_same(variables, api_registry):
    answer = assert_same(EVALUATE, variables, api_registry)
    assert answer["errors"]


def test_the_common_queries_are_planned():
    for query in [
        EVALUATE,
        "{ tenants { code } }",
        'query Named { tenant(code: "x") { code } }',
        "query($h: HouseholdInput!) { compare(household: $h) { tenant } }",
    ]:
        assert isinstance(plan_of(query), Plan), query


@pytest.mark.parametrize(
    "query",
    [
        '{ tenants { code } tenant(code: "national") { code } }',  # two root fields
        "{ tenants { ...T } } fragment T on Tenant { code }",
        "{ tenants { ... on Tenant { code } } }",
        "{ tenants { code @include(if: true) } }",
        "{ tenants @skip(if: false) { code } }",
        "{ tenants { code code } }",
        "{ tenants { a: code a: name } }",
        '{ case(id: "1") { id } }',
        "{ __typename }",
        '{ __type(name: "Tenant") { name } }',
        'mutation { transition(caseId: "1", action: "x", expectedVersion: 1) { id } }',
    ],
)
def test_other_shapes_go_to_graphql_core(query, api_registry):
    assert plan_of(query) is None
    assert_same(query, None, api_registry)


def test_a_field_with_a_permission_is_never_planned():
    class Nobody(strawberry.BasePermission):
        message = "no"

        def has_permission(self, source, info, **kwargs) -> bool:
            return False

    @strawberry.type
    class Query:
        @strawberry.field(permission_classes=[Nobody])
        def tenants(self) -> list[str]:
            return ["secret"]

    guarded = strawberry.Schema(query=Query)
    assert make_plan(guarded, parse("{ tenants }"), None) is None


def plan_of(query: str):
    document = prepare(schema._schema, query, ()).document
    operation = next((d.name.value for d in document.definitions if getattr(d, "name", None)), None)
    return make_plan(schema, document, operation)


def test_http_answers_planned_queries_directly_and_the_same(gql, monkeypatch, api_registry):
    from strawberry.http import GraphQLRequestData

    from core.api import view

    variables = {"tenant": "hebei", "household": ill_household(), "asOf": AS_OF}
    request = GraphQLRequestData(
        query=EVALUATE, variables=variables, operation_name=None, extensions=None
    )
    direct = view.answer_directly(request, BangfuContext(registry=api_registry), None)
    assert direct is not None and direct.errors is None
    over_http = gql(EVALUATE, **variables)
    assert (
        over_http["data"]
        == direct.data
        == run(UNPLANNED, EVALUATE, variables, api_registry)["data"]
    )

    def refuse(*args, **kwargs):
        raise AssertionError("a planned query went through strawberry's pipeline")

    monkeypatch.setattr(schema, "execute", refuse)
    assert gql(EVALUATE, **variables)["data"] == over_http["data"]
    error = gql(EVALUATE, **{**variables, "tenant": "atlantis"})["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"  # shaped on the direct way too


# --------------------------------------------------------------------------- one walk
def _plan(query: str = EVALUATE):
    plan = plan_of(query)
    assert plan is not None
    return plan


def _old_way(plan, variables):
    """The household as graphql-core's coercion, then the case model, make it."""
    coerced = get_variable_values(schema._schema, plan.operation.variable_definitions, variables)
    assert not isinstance(coerced, list), coerced
    return to_household(coerced.coerced["household"]), coerced.coerced


VALID = ["ill", "dibao family", "migrant", "laid off", "nulls"]


@pytest.mark.parametrize("household", VALID)
def test_one_walk_gives_what_graphql_core_and_the_model_give(household):
    plan = _plan()
    variables = {"tenant": "hebei", "household": HOUSEHOLDS[household], "asOf": AS_OF}
    fast = fast_variables(plan, variables)
    assert fast is not None, "an ordinary household must take the one walk"
    expected, coerced = _old_way(plan, variables)
    assert fast.coerced["household"] == expected
    assert fast.coerced["asOf"] == coerced["asOf"]
    assert fast.coerced["tenant"] == coerced["tenant"]
    assert set(fast.sources) == {"tenant", "household", "asOf"}


def test_one_walk_leaves_an_absent_nullable_variable_out():
    plan = _plan()
    fast = fast_variables(plan, {"tenant": "hebei", "household": ill_household()})
    assert fast is not None and "asOf" not in fast.coerced


@pytest.mark.parametrize(
    "variables",
    [
        {"tenant": "hebei", "household": HOUSEHOLDS["negative"]},  # the model refuses
        {"tenant": "hebei", "household": HOUSEHOLDS["no applicant"]},
        {"tenant": "hebei", "household": HOUSEHOLDS["not a number"]},  # the scalar refuses
        {"tenant": "hebei", "household": HOUSEHOLDS["bad enum"]},
        {"tenant": "hebei", "household": {"members": member()}},  # a list of one
        {"tenant": "hebei", "household": {"members": [member(age=52.0)]}},  # Int as float
        {"tenant": "hebei", "household": {"members": [member(surname="张")]}},
        {"tenant": "hebei", "household": {"members": [member(name=None)]}},
        {"tenant": "hebei\x00", "household": ill_household()},  # the limits refuse
        {"tenant": "hebei", "household": {"members": [member(name="x" * 10_001)]}},
        {"tenant": "hebei", "household": ill_household(), "extra": "\u202e"},  # undeclared
        {"household": ill_household()},  # a required variable missing
        {"tenant": 42, "household": ill_household()},
    ],
)
def test_one_walk_vouches_for_nothing_unusual(variables, api_registry):
    assert fast_variables(_plan(), variables) is None
    assert_same(EVALUATE, variables, api_registry)  # and the old way answers as before


def test_limits_still_refuse_planned_queries_over_http(gql):
    bad = {"tenant": "hebei", "household": {"members": [member(name="张\x00伟")]}}
    error = only_error(gql(EVALUATE, **bad))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "$household.members[0].name" in error["message"]
    extra = gql(EVALUATE, tenant="hebei", household=ill_household(), junk="\x07")
    assert only_error(extra)["extensions"]["code"] == "BAD_INPUT"


# --------------------------------------------------------------------------- explanations
LEAN = (
    "query($t: String!, $h: HouseholdInput!) { evaluate(tenant: $t, household: $h,"
    f' asOf: "{AS_OF}") {{ eligible entitlements {{ programme amount }} }} }}'
)
WITH_FRAGMENT = (
    "query($t: String!, $h: HouseholdInput!) { evaluate(tenant: $t, household: $h,"
    f' asOf: "{AS_OF}") {{ eligible entitlements {{ ...E }} }} }}'
    " fragment E on Entitlement { programme amount explanation }"
)
COMPARE_LEAN = (
    'query($h: HouseholdInput!) { compare(household: $h, tenants: ["hebei"],'
    f' asOf: "{AS_OF}") {{ tenant entitlements {{ amount }} }} }}'
)
COMPARE_FULL = (
    'query($h: HouseholdInput!) { compare(household: $h, tenants: ["hebei"],'
    f' asOf: "{AS_OF}") {{ tenant entitlements {{ amount explanation }} }} }}'
)


@pytest.mark.parametrize(
    ("query", "explained"),
    [
        (EVALUATE, True),
        (LEAN, False),
        (WITH_FRAGMENT, True),  # graphql-core's way reads fragments too
        (COMPARE_LEAN, False),
        (COMPARE_FULL, True),
    ],
)
def test_explanations_are_built_only_when_selected(query, explained, monkeypatch, api_registry):
    from core import evaluation

    asked: list[bool] = []

    class Spy(evaluation._Run):  # every evaluation, single or compared, starts a run
        def __init__(self, tenant, household, on, explain, *rest):
            asked.append(explain)
            super().__init__(tenant, household, on, explain, *rest)

    monkeypatch.setattr(evaluation, "_Run", Spy)
    variables = {"t": "hebei", "h": ill_household()}
    if query == EVALUATE:
        variables = {"tenant": "hebei", "household": ill_household()}
    answer = assert_same(query, variables, api_registry)  # planned and graphql-core alike
    assert not answer["errors"]
    assert asked and set(asked) == {explained}


def test_a_lean_query_answers_what_the_full_one_does(api_registry):
    variables = {"t": "hebei", "h": ill_household()}
    lean = run(schema, LEAN, variables, api_registry)["data"]["evaluate"]
    full = run(
        schema,
        EVALUATE,
        {"tenant": "hebei", "household": ill_household(), "asOf": AS_OF},
        api_registry,
    )
    full = full["data"]["evaluate"]
    assert lean["eligible"] == full["eligible"]
    assert lean["entitlements"] == [
        {"programme": e["programme"], "amount": e["amount"]} for e in full["entitlements"]
    ]
    assert all(e["explanation"] for e in full["entitlements"])


def test_one_walk_follows_graphql_for_defaults_and_nulls():
    from graphql import GraphQLInputField, GraphQLInputObjectType, GraphQLInt

    from core.api.planned import Slow, _object_coercer

    part = GraphQLInputObjectType(
        "Part",
        {
            "a": GraphQLInputField(GraphQLNonNull(GraphQLInt), default_value=3),
            "b": GraphQLInputField(GraphQLInt),
            "c": GraphQLInputField(GraphQLNonNull(GraphQLInt)),
        },
    )
    walk = _object_coercer(part)
    assert walk({"c": 1}) == {"a": 3, "c": 1}  # the default, as graphql-core fills it
    assert walk({"a": 5, "b": None, "c": 1}) == {"a": 5, "c": 1}  # a null left out
    for refused in ({"a": None, "c": 1}, {}, {"c": None}, {"c": True}, {"c": 1, "d": 2}):
        with pytest.raises(Slow):  # graphql-core refuses each: the old way reports it
            walk(refused)
