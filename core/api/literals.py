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
    Source,
    StringValueNode,
    TokenKind,
    ValueNode,
    VariableNode,
)
from graphql.language.lexer import Lexer
from graphql.language.parser import Parser
from graphql.type import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString

from core.api.limits import CACHE_SIZE, MAX_QUERY_CHARS, MAX_TOKENS
from core.api.literal_reader import Argument, Head, Unreadable, Value, read_head
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

    Only the text up to the root field's arguments is parsed: the rest (the selection,
    the same for every household) stays as written, and the shape's validation and plan
    judge it, once. Its tokens are counted (once per text of it) so that a query over the
    token limit is refused as always. Remembered by text, as
    :func:`core.api.limits.prepare` is (the values are read, never changed, by those who
    use them)."""
    if len(query) > MAX_QUERY_CHARS or "(" not in query:
        return None
    try:
        return _lift(schema, query)
    except (GraphQLError, Unliftable, RecursionError):
        return None


def _lift(schema: GraphQLSchema, query: str) -> Lifted | None:
    try:
        head = read_head(query)
    except Unreadable:  # an escape, a block string...: graphql-core reads it
        head = _read_head_slowly(query)
    if head is None:
        return None
    query_type = schema.query_type
    if head.field not in PLANNED_ROOT_FIELDS or query_type is None:
        return None
    field_def = query_type.fields.get(head.field)
    if field_def is None:
        return None
    # every token counted once: over the limit only if the text is
    if head.tokens + _tokens(query[head.split :]) > MAX_TOKENS:
        return None
    declared, variables, pieces, at = [], {}, [], 0
    for index, argument in enumerate(head.arguments):
        argument_def = field_def.args.get(argument.name)
        if argument_def is None:
            return None  # validation tells the client
        key = f"{PREFIX}{index}"
        variables[key] = _raw(argument.value, argument_def.type)
        declared.append(f"${key}: {argument_def.type}")
        pieces += [query[at : argument.start], f"${key}"]
        at = argument.end
    pieces.append(query[at:])
    # the declarations go right before the operation's selection set
    declarations = f"{'' if head.written else 'query'}({', '.join(declared)})"
    pieces[0] = pieces[0][: head.opening] + declarations + pieces[0][head.opening :]
    return Lifted("".join(pieces), variables)


def _read_head_slowly(query: str) -> Head | None:
    """:func:`core.api.literal_reader.read_head`, by graphql-core's parser: every text
    GraphQL allows (the fast reader takes the plain ones only)."""
    parser = Parser(Source(query), max_tokens=MAX_TOKENS)
    parser.expect_token(TokenKind.SOF)
    token = parser._lexer.token
    written = token.kind is TokenKind.NAME and token.value == "query"
    if written:
        parser.advance_lexer()
        if parser.peek(TokenKind.NAME):
            parser.parse_name()  # the operation's name
    elif token.kind is not TokenKind.BRACE_L:
        return None  # a mutation, a fragment first, ...: as sent
    opening = parser._lexer.token
    if opening.kind is not TokenKind.BRACE_L:
        return None  # variables declared, directives: as sent
    parser.advance_lexer()
    name = parser.parse_name()
    if parser.expect_optional_token(TokenKind.COLON):
        name = parser.parse_name()  # the first was an alias
    if name.value not in PLANNED_ROOT_FIELDS or not parser.peek(TokenKind.PAREN_L):
        return None
    arguments = []
    for node in parser.parse_arguments(False) or ():
        loc = node.value.loc
        if loc is None:
            return None
        arguments.append(Argument(node.name.value, _value(node.value), loc.start, loc.end))
    closing = parser._lexer.last_token  # the closing parenthesis
    # the parser has counted the token after it too, and the comments before that one
    tokens = parser.token_count - _tokens(query[closing.end : parser._lexer.token.end])
    return Head(written, opening.start, name.value, tuple(arguments), closing.end, tokens)


def _value(node: ValueNode) -> Value:
    """A graphql-core value node as the reader's ``(kind, payload)``."""
    if isinstance(node, ListValueNode):
        return ("list", [_value(item) for item in node.values])
    if isinstance(node, ObjectValueNode):
        return ("object", [(f.name.value, _value(f.value)) for f in node.fields])
    if isinstance(node, NullValueNode):
        return ("null", None)
    if isinstance(node, VariableNode):
        return ("variable", node.name.value)
    kind = _KINDS.get(type(node))
    if kind is None:
        raise Unliftable
    scalar: Any = node
    return (kind, scalar.value)


_KINDS: dict[type, str] = {
    StringValueNode: "string",
    IntValueNode: "int",
    FloatValueNode: "float",
    EnumValueNode: "enum",
    BooleanValueNode: "boolean",
}


@lru_cache(maxsize=CACHE_SIZE)
def _tokens(text: str) -> int:
    """The tokens of a piece of query text, comments included (as the parser counts)."""
    lexer = Lexer(Source(text))
    while lexer.advance().kind is not TokenKind.EOF:
        pass
    count, token = 0, lexer.token.prev
    while token is not None and token.kind is not TokenKind.SOF:
        count += 1
        token = token.prev
    return count


def _raw(value: Value, type_: Any) -> Any:
    """The JSON value whose variable coercion gives what the literal's does, by the rules
    of GraphQL literals for this type; raises :class:`Unliftable` otherwise."""
    kind, payload = value
    if isinstance(type_, GraphQLNonNull):
        if kind == "null":
            raise Unliftable
        return _raw(value, type_.of_type)
    if kind == "null":
        return None
    if isinstance(type_, GraphQLList):
        if kind == "list":
            return [_raw(item, type_.of_type) for item in payload]
        return [_raw(value, type_.of_type)]  # one value for a list of one, both ways
    if isinstance(type_, GraphQLInputObjectType):
        if kind != "object" or type_.is_one_of:
            raise Unliftable
        out: dict[str, Any] = {}
        for key, field_value in payload:
            field_ = type_.fields.get(key)
            if field_ is None or key in out:
                raise Unliftable
            out[key] = _raw(field_value, field_.type)
        return out
    if kind not in _READ_AS.get(_scalar_name(type_), ()):
        raise Unliftable  # a type this reading does not know, or a literal it refuses
    if kind == "int" and type_ is GraphQLInt:
        return int(payload)
    return payload


def _scalar_name(type_: Any) -> str | None:
    if isinstance(type_, GraphQLEnumType):
        return "enum"
    if isinstance(type_, GraphQLScalarType):
        return type_.name
    return None


#: The literals each type reads by the rules GraphQL gives them, passed on as written: an
#: enum is a name, not a string; an ID a string written either way; an ``Int`` is never
#: ``1.0``; an amount (Decimal) keeps the digits it was written with, as
#: parse_amount_literal reads a literal's text and parse_amount a string the same way.
_READ_AS: dict[str | None, tuple[str, ...]] = {
    "enum": ("enum",),
    GraphQLString.name: ("string",),
    GraphQLID.name: ("string", "int"),
    GraphQLInt.name: ("int",),
    GraphQLBoolean.name: ("boolean",),
    "Decimal": ("string", "int", "float"),
    "Date": ("string",),
}
