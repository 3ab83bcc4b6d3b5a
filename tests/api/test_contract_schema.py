"""The served schema contains every type, field, argument and enum value of the public
contract (``shared/spec/contract.graphql``), with the same types and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    print_ast,
)
from graphql.utilities import ast_from_value

from core import model
from core.api import enums
from core.api.schema import schema as served_schema

CONTRACT = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "contract.graphql"


@pytest.fixture(scope="module")
def contract() -> GraphQLSchema:
    if not CONTRACT.is_file():
        pytest.skip(f"the contract is not at {CONTRACT}")
    return build_schema(CONTRACT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served() -> GraphQLSchema:
    # what clients see: the printed SDL, rebuilt, so the test reads no strawberry internals
    return build_schema(served_schema.as_str())


def contract_types(contract: GraphQLSchema):
    return [t for name, t in contract.type_map.items() if not name.startswith("__")]


def default_of(value, type_) -> str | None:
    node = ast_from_value(value, type_) if value is not None else None
    return print_ast(node) if node is not None else None


def test_every_contract_type_is_served_with_the_same_kind(contract, served):
    for expected in contract_types(contract):
        actual = served.type_map.get(expected.name)
        assert actual is not None, f"type {expected.name} is missing"
        assert type(actual) is type(expected), f"{expected.name} is a {type(actual).__name__}"


def test_every_field_and_argument_is_served_with_its_type(contract, served):
    for expected in contract_types(contract):
        if not isinstance(expected, (GraphQLObjectType, GraphQLInputObjectType)):
            continue
        actual = served.type_map[expected.name]
        for name, field in expected.fields.items():
            where = f"{expected.name}.{name}"
            assert name in actual.fields, f"{where} is missing"
            assert str(actual.fields[name].type) == str(field.type), where
            if isinstance(expected, GraphQLInputObjectType):
                assert default_of(actual.fields[name].default_value, field.type) == default_of(
                    field.default_value, field.type
                ), f"default of {where}"
                continue
            for arg_name, arg in field.args.items():
                arg_where = f"{where}({arg_name})"
                assert arg_name in actual.fields[name].args, f"{arg_where} is missing"
                served_arg = actual.fields[name].args[arg_name]
                assert str(served_arg.type) == str(arg.type), arg_where
                assert default_of(served_arg.default_value, arg.type) == default_of(
                    arg.default_value, arg.type
                ), f"default of {arg_where}"
            extra_required = [
                a
                for a, served_arg in actual.fields[name].args.items()
                if a not in field.args and "!" in str(served_arg.type)
            ]
            assert not extra_required, f"{where} requires arguments the contract lacks"


def test_every_enum_value_is_served(contract, served):
    for expected in contract_types(contract):
        if isinstance(expected, GraphQLEnumType):
            assert set(served.type_map[expected.name].values) == set(expected.values)


def test_the_scalars_are_served(contract, served):
    for expected in contract_types(contract):
        if isinstance(expected, GraphQLScalarType):
            assert isinstance(served.type_map[expected.name], GraphQLScalarType)


@pytest.mark.parametrize(
    "name", ["Relation", "Employment", "EducationStage", "PayPeriod", "TenantLevel"]
)
def test_api_enums_mirror_the_case_model(name):
    api, core = getattr(enums, name), getattr(model, name)
    assert [(m.name, m.value) for m in api] == [(m.name, m.value) for m in core]
