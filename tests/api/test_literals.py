"""Queries with literals written in the text (as in GraphiQL) are answered by the cached
plan of their shape (core.api.literals), byte for byte as their variable form and as the
text itself, taken the usual way without any cache."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core import observe
from core.api import lane, limits, literals, view
from core.api.schema import schema
from tests.api.conftest import AS_OF, EVALUATION_FIELDS

ENUM_FIELDS = frozenset({"relation", "employment", "educationStage"})


class Enum(str):
    """A value written as an enum name, bare."""


def literal(value: Any, key: str | None = None) -> str:
    """A Python value as a GraphQL literal (enums bare, strings with JSON's escapes, which
    are GraphQL's too)."""
    if isinstance(value, Enum) or (key in ENUM_FIELDS and isinstance(value, str)):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, str):  # some with \uXXXX escapes, some as they are
        return json.dumps(value, ensure_ascii=len(value) % 2 == 0)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, key) for v in value) + "]"
    return "{" + ", ".join(f"{k}: {literal(v, k)}" for k, v in value.items()) + "}"


class Raw:
    """A literal written exactly so (a number with its digits, a block string)."""

    def __init__(self, text: str, variable: Any) -> None:
        self.text, self.variable = text, variable


def variable(value: Any) -> Any:
    """The same value as a client sends it in the variables."""
    if isinstance(value, Raw):
        return value.variable
    if isinstance(value, list):
        return [variable(v) for v in value]
    if isinstance(value, dict):
        return {k: variable(v) for k, v in value.items()}
    return value


def inline(tenant: str, household: dict[str, Any], fields: str = EVALUATION_FIELDS) -> str:
    return (
        f"{{ evaluate(tenant: {literal(tenant)}, household: {literal(household)}, "
        f'asOf: "{AS_OF}") {{ {fields} }} }}'
    )


VARIABLE_FORM = (
    "query($t: String!, $h: HouseholdInput!, $d: Date) "
    f"{{ evaluate(tenant: $t, household: $h, asOf: $d) {{ {EVALUATION_FIELDS} }} }}"
)


def household(n: int) -> dict[str, Any]:
    """The n-th of many distinct households: every literal type, strings with escapes."""
    names = ["张伟", 'O"Brien \\ 王', "李娜/小", "=SUM(A1)", "\u00e9\u5f20"]
    incomes: list[Any] = [
        str(800 + n),
        Raw(f"{900 + n}.50", f"{900 + n}.50"),
        Raw(str(700 + n), str(700 + n)),
        f"{n}.05",
    ]
    members: list[dict[str, Any]] = [
        {
            "name": names[n % len(names)],
            "relation": "APPLICANT",
            "age": 30 + n % 40,
            "monthlyIncome": incomes[n % len(incomes)],
            "seriousIllness": n % 3 == 0,
            "employment": ["NONE", "UNEMPLOYED", "EMPLOYED"][n % 3],
            "idNumber": None,
        }
    ]
    if n % 2:
        members.append(
            {
                "name": f"孩子{n}",
                "relation": "CHILD",
                "age": 6 + n % 12,
                "educationStage": ["COMPULSORY", "HIGH_SCHOOL", "UNDERGRADUATE"][n % 3],
            }
        )
    return {
        "members": members,
        "annualMedicalOutOfPocket": str(1000 * (n % 40)),
        "dibaoRecipient": n % 5 == 0,
        "annualExpenses": {"rent": str(100 * (n % 7)), "education": "0"} if n % 4 else None,
    }


def post(client, query: str, variables: dict[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    response = client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    return response.content


def uncached(client, monkeypatch, query: str) -> bytes:
    """The text itself, taken the usual way: strawberry's pipeline, no plan, no shape."""
    with monkeypatch.context() as m:
        m.setattr(view, "_DIRECT", False)
        m.setattr(lane, "_plain", lambda scope: False)
        return post(client, query)


@pytest.fixture
def fresh():
    limits.prepare.cache_clear()
    literals.lift.cache_clear()
    observe.graphql_operation.cache_clear()
    yield
    limits.prepare.cache_clear()
    literals.lift.cache_clear()


def test_many_households_written_inline_share_one_cached_shape(http, monkeypatch, fresh):
    count = 320  # more than the 256 texts the cache keeps
    inline_answers = [post(http, inline("hebei", household(n))) for n in range(count)]
    # every one was answered by the one shape: no text of its own was parsed and kept
    assert limits.prepare.cache_info().currsize == 1
    assert limits.prepare.cache_info().misses == 1
    # and the log line names its operation by the shape too: one text parsed for it
    assert observe.graphql_operation.cache_info().currsize == 1
    assert (
        observe.graphql_operation(literals.lift(schema._schema, inline("hebei", ONE)).shape, None)
        == "evaluate"
    )
    for n, answer in enumerate(inline_answers):
        assert b'"errors"' not in answer, answer
        by_variables = post(
            http, VARIABLE_FORM, {"t": "hebei", "h": variable(household(n)), "d": AS_OF}
        )
        assert answer == by_variables, n
    assert len(set(inline_answers)) > 50  # the households do differ in their answers
    for n in range(0, count, 40):  # and the text, the long way, uncached
        assert inline_answers[n] == uncached(http, monkeypatch, inline("hebei", household(n)))


LEAN = "eligible entitlements { programme amount }"
FULL_MEMBER = {
    "name": "张伟",
    "relation": "CHILD",
    "age": 9,
    "monthlyIncome": "0",
    "employment": "STUDENT",
    "ableToWork": False,
    "seriousIllness": False,
    "disabled": False,
    "educationStage": "COMPULSORY",
    "publicSchool": True,
    "newlyAdmitted": False,
    "hasMedicalInsurance": True,
    "hasPensionInsurance": True,
    "idNumber": None,
}
ONE = {"members": [{"name": "张伟", "relation": Enum("APPLICANT"), "age": 40}]}


def one(**fields: Any) -> str:
    return literal({"members": [{"name": "张伟", "relation": Enum("APPLICANT"), **fields}]})


EDGES = {
    "block string": '{ evaluate(tenant: "hebei", household: {members: [{name: """张 "伟" \\n""", '
    f"relation: APPLICANT}}]}}) {{ {LEAN} }} }}",
    "unicode escape": f'{{ evaluate(tenant: "h\\u0065bei", household: {one(age=3)}) {{ {LEAN} }} }}',
    "enum as a string": '{ evaluate(tenant: "hebei", household: {members: [{name: "x", '
    f'relation: "APPLICANT"}}]}}) {{ {LEAN} }} }}',
    "unknown enum": '{ evaluate(tenant: "hebei", household: {members: [{name: "x", '
    f"relation: KING}}]}}) {{ {LEAN} }} }}",
    "Int as 40.0": f'{{ evaluate(tenant: "hebei", household: {one(age=Raw("40.0", 40.0))}) '
    f"{{ {LEAN} }} }}",
    "Int too large": f'{{ evaluate(tenant: "hebei", household: {one(age=2**40)}) {{ {LEAN} }} }}',
    "string for Int": f'{{ evaluate(tenant: "hebei", household: {one(age="40")}) {{ {LEAN} }} }}',
    "null name": f'{{ evaluate(tenant: "hebei", household: {one(name=None)}) {{ {LEAN} }} }}',
    "null household": f'{{ evaluate(tenant: "hebei", household: null) {{ {LEAN} }} }}',
    "null asOf": f'{{ evaluate(tenant: "hebei", household: {one()}, asOf: null) {{ {LEAN} }} }}',
    "tenant as a number": f"{{ evaluate(tenant: 5, household: {one()}) {{ {LEAN} }} }}",
    "unknown tenant": f'{{ evaluate(tenant: "nowhere", household: {one()}) {{ {LEAN} }} }}',
    "unknown tenant, on its own line": "query Named {\n  evaluate(\n    tenant: "
    f'"nowhere", household: {one()}) {{ {LEAN} }}\n}}',
    "member refused by the model": f'{{ evaluate(tenant: "hebei", household: {one(age=-3)}) '
    f"{{ {LEAN} }} }}",
    "no members": f'{{ evaluate(tenant: "hebei", household: {{members: []}}) {{ {LEAN} }} }}',
    "31 members": '{ evaluate(tenant: "hebei", household: {members: ['
    + ", ".join(['{name: "x", relation: CHILD}'] * 31)
    + f"]}}) {{ {LEAN} }} }}",
    "duplicate field": '{ evaluate(tenant: "hebei", household: {members: [{name: "x", '
    f'name: "y", relation: APPLICANT}}]}}) {{ {LEAN} }} }}',
    "unknown field": f'{{ evaluate(tenant: "hebei", household: {one(wings=2)}) {{ {LEAN} }} }}',
    "duplicate argument": f'{{ evaluate(tenant: "hebei", tenant: "gansu", household: {one()}) '
    f"{{ {LEAN} }} }}",
    "unknown argument": f'{{ evaluate(tenant: "hebei", household: {one()}, x: 1) {{ {LEAN} }} }}',
    "undeclared variable": f"{{ evaluate(tenant: $t, household: {one()}) {{ {LEAN} }} }}",
    "control character": f'{{ evaluate(tenant: "hebei", household: {one()}) {{ {LEAN} }} }}'.replace(
        "张伟", "张\\u0000伟"
    ),
    "bidi override": f'{{ evaluate(tenant: "hebei", household: {one()}) {{ {LEAN} }} }}'.replace(
        "张伟", "张\\u202e伟"
    ),
    "overlong string": f'{{ evaluate(tenant: "hebei", household: {one(name="长" * 10_001)}) '
    "{ eligible } }",
    "amount with its digits": f'{{ evaluate(tenant: "gansu", household: '
    f"{one(monthlyIncome=Raw('1600.50', None))}) {{ {EVALUATION_FIELDS} }} }}",
    "amount in exponent form": f'{{ evaluate(tenant: "gansu", household: '
    f"{one(monthlyIncome=Raw('1.6e3', None))}) {{ {LEAN} }} }}",
    "amount as words": f'{{ evaluate(tenant: "gansu", household: {one(monthlyIncome="many")}) '
    f"{{ {LEAN} }} }}",
    "amount full-width": f'{{ evaluate(tenant: "gansu", household: {one(monthlyIncome="１６")}) '
    f"{{ {LEAN} }} }}",
    "bad date": f'{{ evaluate(tenant: "hebei", household: {one()}, asOf: "2026-13-01") '
    f"{{ {LEAN} }} }}",
    "date as a number": f'{{ evaluate(tenant: "hebei", household: {one()}, asOf: 20260601) '
    f"{{ {LEAN} }} }}",
    "alias": f'{{ e: evaluate(tenant: "hebei", household: {one(age=50)}) {{ ok: eligible }} }}',
    "two aliased roots": f'{{ a: evaluate(tenant: "hebei", household: {one()}) {{ eligible }} '
    f'b: evaluate(tenant: "gansu", household: {one()}) {{ eligible }} }}',
    "fragment": f'{{ ...F }} fragment F on Query {{ evaluate(tenant: "hebei", household: {one()}) '
    f"{{ {LEAN} }} }}",
    "inline fragment": f'{{ ... on Query {{ evaluate(tenant: "hebei", household: {one()}) '
    f"{{ {LEAN} }} }} }}",
    "directive on the root": f'{{ evaluate(tenant: "hebei", household: {one()}) @include(if: '
    f"false) {{ {LEAN} }} }}",
    "directive below": f'{{ evaluate(tenant: "hebei", household: {one()}) {{ eligible '
    "entitlements @skip(if: true) { amount } } }",
    "directive on the operation": f'query Q @skip(if: true) {{ evaluate(tenant: "hebei", '
    f"household: {one()}) {{ {LEAN} }} }}",
    "comment with parentheses": f'# evaluate(tenant: "gansu")\n{{ evaluate(tenant: "hebei", '
    f"household: {one()}) {{ {LEAN} }} # ( )\n}}",
    "named query keyword": f'query {{ evaluate(tenant: "hebei", household: {one()}) '
    f"{{ {LEAN} }} }}",
    "a mutation": 'mutation { openCase(tenant: "hebei") { id } }',
    "compare, a list": f'{{ compare(household: {one()}, tenants: ["hebei", "gansu"]) '
    "{ tenant eligible } }",
    "compare, one value for a list": f'{{ compare(household: {one()}, tenants: "gansu") '
    "{ tenant eligible } }",
    "compare, null tenants": f"{{ compare(household: {one()}, tenants: null) {{ tenant }} }}",
    "compare twice": f'{{ a: compare(household: {one()}, tenants: ["hebei"]) {{ tenant }} '
    f'b: compare(household: {one()}, tenants: ["gansu"]) {{ tenant }} }}',
    "parameters": '{ parameters(tenant: "hebei", asOf: "2026-01-01") { name value } }',
    "tenant": '{ tenant(code: "gansu") { code name level parent } }',
    "tenant null": '{ tenant(code: "nowhere") { code } }',
    "nested expenses": f'{{ evaluate(tenant: "hebei", household: {{members: [{{name: "x", '
    'relation: APPLICANT, age: 50}], annualExpenses: {rent: "2000", medical: 300.25}, '
    f"otherAnnualIncome: 0}}) {{ {EVALUATION_FIELDS} }} }}",
    "empty object for expenses": f'{{ evaluate(tenant: "hebei", household: {{members: '
    f'[{{name: "x", relation: APPLICANT}}], annualExpenses: {{}}}}) {{ {LEAN} }} }}',
    "syntax error": '{ evaluate(tenant: "hebei" household: { }',
    "syntax error after the arguments": f'{{ evaluate(tenant: "hebei", household: {one()}) '
    "{ eligible ",
    "over the token limit in the literals": f"{{ compare(household: {one()}, tenants: ["
    + ", ".join(['"a"'] * 2100)
    + "]) { tenant } }",
    "over the token limit in comments after": f'{{ evaluate(tenant: "hebei", household: '
    f"{one()}) {{ eligible }} }}" + " #\n" * 1990,
    "over the token limit, the shape within it": '{ evaluate(tenant: "hebei", household: '
    + literal({"members": [{**FULL_MEMBER, "relation": "APPLICANT"}] + [FULL_MEMBER] * 29})
    + ") { eligible } }"
    + " #\n" * 700,
    "just within the token limit": f'{{ evaluate(tenant: "hebei", household: '
    f"{one()}) {{ eligible }} }}" + " #\n" * 1950,
    "comment between the arguments and the selection": f'{{ evaluate(tenant: "hebei", '
    f"household: {one()}) # )\n {{ {LEAN} }} }}",
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_answer_as_the_text_taken_the_usual_way(http, monkeypatch, fresh, name):
    query = EDGES[name]
    assert post(http, query) == uncached(http, monkeypatch, query)


def test_the_shape_is_a_valid_query_of_variables():
    lifted = literals.lift(
        schema._schema,
        'query Q { e: evaluate(tenant: "hebei", household: ' + one(age=4) + ") { eligible } }",
    )
    assert lifted is not None
    assert lifted.shape == (
        "query Q ($__lit0: String!, $__lit1: HouseholdInput!)"
        "{ e: evaluate(tenant: $__lit0, household: $__lit1) { eligible } }"
    )
    assert lifted.variables == {
        "__lit0": "hebei",
        "__lit1": {"members": [{"name": "张伟", "relation": "APPLICANT", "age": 4}]},
    }
    for unliftable in ("{ tenants { code } }", EDGES["enum as a string"], EDGES["fragment"]):
        assert literals.lift(schema._schema, unliftable) is None


READER_CASES = {
    **EDGES,
    **{f"household {n}": inline("hebei", household(n)) for n in range(40)},
    "numbers": '{ evaluate(tenant: "hebei", household: {members: [{name: "x", age: -0, '
    "monthlyIncome: 1.5e-3, relation: APPLICANT}], annualMedicalOutOfPocket: 0.25}) "
    "{ eligible } }",
    "a number touching a name": '{ evaluate(tenant: "hebei", household: {members: [{age: 1x}]}) '
    "{ eligible } }",
    "a leading zero": '{ evaluate(tenant: "hebei", household: {members: [{age: 012}]}) '
    "{ eligible } }",
    "tabs, a byte-order mark and commas": '\ufeff{\tevaluate(tenant:"hebei",,household:'
    '{members:[{name:"x",relation:APPLICANT}]}){eligible}}',
    "comments inside the value": '{ evaluate(tenant: "hebei" # the province\n, household: '
    '{members: [ # one\n{name: "x", relation: APPLICANT}]} # done\n) { eligible } }',
    "empty arguments": "{ evaluate() { eligible } }",
    "every escape": '{ evaluate(tenant: "hebei", household: {members: [{name: '
    r'"a\n\t\/\b\f\r\"\\\u00e9\u4E2D", relation: APPLICANT}]}) { eligible } }',
    "empty string": '{ evaluate(tenant: "", household: {members: []}) { eligible } }',
    "a tab inside a string": '{ evaluate(tenant: "heb\tei", household: {members: []}) '
    "{ eligible } }",
}


@pytest.mark.parametrize("name", sorted(READER_CASES))
def test_the_quick_reader_reads_as_graphql_core_or_leaves_it_to_it(name):
    """What the regular-expression reader takes, it reads as graphql-core's parser does
    (the same values, places and token count); what it does not, it says so."""
    query = READER_CASES[name]
    try:
        quick = literals.read_head(query)
    except literals.Unreadable:
        quick = "unreadable"
    try:
        slow = literals._read_head_slowly(query)
    except (literals.GraphQLError, literals.Unliftable):
        slow = "error"
    if quick == "unreadable":
        return  # graphql-core reads it (or refuses it) on its own
    if slow == "error":  # only for its length: the lift counts it over the limit
        assert quick is not None and quick.tokens > limits.MAX_TOKENS, name
        assert literals.lift(schema._schema, query) is None
        return
    assert quick == slow


def test_the_quick_reader_takes_the_plain_texts():
    for n in range(40):
        assert literals.read_head(inline("hebei", household(n) | {"members": []})) is not None
    with pytest.raises(literals.Unreadable):
        literals.read_head(EDGES["block string"])
