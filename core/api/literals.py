"""Queries with the household written in the text, answered by the plan of their shape.

People write values into the query itself, as in GraphiQL::

    { evaluate(tenant: "hebei", household: {members: [{age: 40}]}) { eligible } }

Every household makes a new text, and the cache of parsed and validated queries
(:func:`core.api.limits.prepare`) is keyed by the text: past its 256 entries each such
request was parsed, validated and planned anew, 4-5 ms of CPU against well under one with
variables. Here such a query is parsed once (the cheap part) and its root field's
literal arguments are *lifted* into variables::

    query($__lit0: String!, $__lit1: HouseholdInput!)
    { evaluate(tenant: $__lit0, household: $__lit1) { eligible } }

That text, the query's *shape*, is the same for every household; it is validated and
planned once and cached like any other, and the literals travel as its variables.

A literal is lifted only when the variable's coercion is certain to give what the
literal's would: each value is read along its argument's type, by the rules GraphQL
gives literals (an enum is a name, not a string; an ``Int`` is never ``1.0``; an amount
keeps the digits it was written with), and anything else (a variable inside, a
duplicate field, an unknown field, a type this reading does not know) leaves the query
as it is. Only what the plan's own one-walk check vouches for is answered by the shape;
whatever it does not (and any answer with an error, whose locations name the text the
client sent) goes the usual way with the text as sent, so every answer is byte for byte
what it always was. ``tests/api/test_literals.py`` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValueNode,
    parse,
)
from graphql.type import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString

from core.api.limits import CACHE_SIZE, MAX_QUERY_CHARS, MAX_TOKENS
from core.api.planned import PLANNED_ROOT_FIELDS

PREFIX = "__lit"  #: the lifted variables' names (a client's own never start with __)


class Unliftable(Exception):
    """A literal whose variable form might not mean the same: the query is left as sent."""


@dataclass(frozen=True)
class Lifted:
    """A query's shape and the values its literals had."""

    shape: str
    variables: dict[str, Any]


@lru_cache(maxsize=CACHE_SIZE)
def lift(schema: GraphQLSchema, query: str) -> Lifted | None:
    """The shape of a planned-looking query with literal arguments, and their values as
    variables; None when there is nothing to lift or it cannot be lifted faithfully.

    Remembered by text, as :func:`core.api.limits.prepare` is, so a text sent again is not
    parsed again (the values are read, never changed, by those who use them)."""
    if len(query) > MAX_QUERY_CHARS or "(" not in query:
        return None
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
        return _lift(schema, query, document)
    except (GraphQLError, Unliftable, RecursionError):
        return None


def _lift(schema: GraphQLSchema, query: str, document: Any) -> Lifted | None:
    if len(document.definitions) != 1:
        return None  # fragments or several operations: as sent
    operation = document.definitions[0]
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation is not OperationType.QUERY
        or operation.variable_definitions
        or operation.directives
    ):
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    query_type = schema.query_type
    if node.name.value not in PLANNED_ROOT_FIELDS or node.directives or query_type is None:
        return None
    field_def = query_type.fields.get(node.name.value)
    if field_def is None or not node.arguments:
        return None
    declared, variables, pieces, at = [], {}, [], 0
    for index, argument in enumerate(node.arguments):
        argument_def = field_def.args.get(argument.name.value)
        if argument_def is None:
            return None  # validation tells the client
        name = f"{PREFIX}{index}"
        variables[name] = _raw(argument.value, argument_def.type)
        declared.append(f"${name}: {argument_def.type}")
        loc = argument.value.loc
        if loc is None:  # pragma: no cover - parse always locates
            return None
        pieces += [query[at : loc.start], f"${name}"]
        at = loc.end
    pieces.append(query[at:])
    # the declarations go right before the selection set: after the name, if any
    start = operation.selection_set.loc.start  # type: ignore[union-attr]
    written = query[operation.loc.start] != "{"  # type: ignore[union-attr]
    declarations = f"{'' if written else 'query'}({', '.join(declared)})"
    pieces[0] = pieces[0][:start] + declarations + pieces[0][start:]
    return Lifted("".join(pieces), variables)


def _raw(node: ValueNode, type_: Any) -> Any:
    """The JSON value whose variable coercion gives what the literal's does, by the rules
    of GraphQL literals for this type; raises :class:`Unliftable` otherwise."""
    if isinstance(type_, GraphQLNonNull):
        if isinstance(node, NullValueNode):
            raise Unliftable
        return _raw(node, type_.of_type)
    if isinstance(node, NullValueNode):
        return None
    if isinstance(type_, GraphQLList):
        if isinstance(node, ListValueNode):
            return [_raw(item, type_.of_type) for item in node.values]
        return [_raw(node, type_.of_type)]  # one value for a list of one, both ways
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(node, ObjectValueNode) or type_.is_one_of:
            raise Unliftable
        out: dict[str, Any] = {}
        for field_node in node.fields:
            key = field_node.name.value
            field_ = type_.fields.get(key)
            if field_ is None or key in out:
                raise Unliftable
            out[key] = _raw(field_node.value, field_.type)
        return out
    if isinstance(type_, GraphQLEnumType):
        if isinstance(node, EnumValueNode):
            return node.value
        raise Unliftable
    if type_ is GraphQLString:
        if isinstance(node, StringValueNode):
            return node.value
        raise Unliftable
    if type_ is GraphQLID:
        if isinstance(node, (StringValueNode, IntValueNode)):
            return node.value  # an ID is a string, written either way
        raise Unliftable
    if type_ is GraphQLInt:
        if isinstance(node, IntValueNode):
            return int(node.value)
        raise Unliftable
    if type_ is GraphQLBoolean:
        if isinstance(node, BooleanValueNode):
            return node.value
        raise Unliftable
    if isinstance(type_, GraphQLScalarType) and type_.name == "Decimal":
        # the digits as written ("1600.50", not the float 1600.5): parse_amount_literal
        # reads the literal's text, and parse_amount reads a string the same way
        if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
            return node.value
        raise Unliftable
    if isinstance(type_, GraphQLScalarType) and type_.name == "Date":
        if isinstance(node, StringValueNode):
            return node.value
        raise Unliftable
    raise Unliftable  # a type this reading does not know
