"""Bounds on what one request may ask, and the caches that keep honest requests cheap.

The API is public and anonymous for published policy, so a single request must not be
able to keep a worker busy: the body is at most 256 KiB, the query text at most 16 KiB
(parsing costs about 0.3 ms a KiB, whatever the text) and 2,000 tokens, 10 levels deep and
15 aliases wide; ``compare`` and ``statistics`` take at most 50 tenants, and an operation
asks for ``compare`` once (15 aliased ones of 50 tenants each were 750 evaluations, a fifth
of a second of a worker, for one anonymous request of 5 KiB); ``cases`` at most 200 files a
page. A household has at most 30 members (``core.model``).

No string a request carries (in its variables or written in the query) is longer than
10,000 characters or holds a character no field of the contract needs: control characters
other than tab and line breaks (PostgreSQL refuses NUL in text outright), bidirectional
overrides, embeddings and isolates (text that displays other than it reads), lone
surrogates. Variables nest at most 16 levels (a household needs 5). These are refused with
``BAD_INPUT`` naming the variable before any resolver runs, so no comment, status filter or
case id can carry them to the database or the audit log.

GraphQL's own validation costs time in the square of the fields of a selection set (its
rule that overlapping fields can be merged compares every pair): one anonymous 10 KB query
with 490 copies of one field took a second of CPU. So the fields are counted right after
parsing, before any validation: at most 40 in one selection set and 200 in an operation,
fragments counted wherever they are spread (:func:`cost_problem`). An answer larger than
4 MiB is not sent (:data:`MAX_RESPONSE_BYTES`): the caller is told to ask for less.

Parsing and validating the same query text again and again is the main fixed cost of a
GraphQL request (over a millisecond, more than most evaluations), so both are cached: bounded LRU
caches shared by every request of the worker. The depth and alias rules are made **once**,
here: strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` make a new rule class
each time they are constructed, and as per-request factories they would defeat the
validation cache, whose key includes the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    parse,
    specified_rules,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

from core.errors import bad_input

MAX_BODY_BYTES = 256 * 1024
MAX_QUERY_CHARS = 16 * 1024  #: an honest query is a few KiB at most
MAX_TOKENS = 2000
MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TENANTS = 50
MAX_PAGE = 200
MAX_COMPARES = 1  #: ``compare`` fields per operation (each evaluates up to 50 tenants)
CACHE_SIZE = 256  #: distinct query texts remembered per worker
MAX_STRING_CHARS = 10_000  #: any one string of a request (a comment is the longest use)
MAX_INPUT_DEPTH = 16  #: nesting of the variables (a household needs 5)
#: Fields of one selection set, fragments spread in (the contract's widest type,
#: ``Evaluation``, has 12 fields).
MAX_SELECTION_FIELDS = 40
#: Fields of a whole operation, every fragment spread counted each time it is spread (a
#: case with its evaluation and history, every field, is under 100).
MAX_FIELDS = 200
#: Root fields that introspect the schema (GraphiQL's documentation explorer, code
#: generators, GraphQL clients): their selections are counted against
#: :data:`MAX_INTROSPECTION_FIELDS`, not :data:`MAX_FIELDS`. Judged by the fields asked
#: for, never by an operation's or a fragment's name.
INTROSPECTION_ROOTS = frozenset({"__schema", "__type", "__typename"})
#: Fields under the introspection roots of one operation, fragments counted each time they
#: are spread (graphql-core's full introspection query has about 220; GraphiQL's, with
#: descriptions and deprecations, about as many). Their depth is not limited otherwise.
MAX_INTROSPECTION_FIELDS = 1000
#: The encoded answer (a page of 200 case files with their histories is under 2 MiB).
MAX_RESPONSE_BYTES = 4 * 1024 * 1024

#: Characters no field of the contract needs: C0 controls but tab, line feed and carriage
#: return; DEL and C1 controls; bidirectional embeddings, overrides and isolates; lone
#: surrogates (which cannot even be encoded as UTF-8).
UNWANTED_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def string_problem(text: str) -> tuple[str, str] | None:
    """Why the string may not enter, in English and Chinese; None when it may."""
    if len(text) > MAX_STRING_CHARS:
        return (
            f"a string of {len(text)} characters; at most {MAX_STRING_CHARS}",
            f"长度为 {len(text)} 个字符,最多 {MAX_STRING_CHARS} 个",
        )
    found = UNWANTED_CHARACTERS.search(text)
    if found:
        code = f"U+{ord(found.group()):04X}"
        return (f"the character {code}, which no field accepts", f"含有不允许的字符 {code}")
    return None


class StringLiteralRule(ValidationRule):
    """A string written in the query obeys the same rule as one sent in the variables."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        problem = string_problem(node.value)
        if problem:
            self.report_error(GraphQLError(f"the query holds {problem[0]}", node))


def _root_fields(
    selection_set: Any, name: str, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> int:
    """How many times an operation's root selects the field ``name``, fragments included."""
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += selection.name.value == name
        elif isinstance(selection, InlineFragmentNode):
            count += _root_fields(selection.selection_set, name, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.name.value not in seen:
                seen.add(fragment.name.value)
                count += _root_fields(fragment.selection_set, name, fragments, seen)
    return count


class CompareOnceRule(ValidationRule):
    """An operation asks for ``compare`` at most :data:`MAX_COMPARES` times."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        fragments = {
            d.name.value: d
            for d in self.context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        count = _root_fields(node.selection_set, "compare", fragments, set())
        if count > MAX_COMPARES:
            self.report_error(
                GraphQLError(
                    f"the operation asks for compare {count} times; at most {MAX_COMPARES}"
                    " (send one request per household)",
                    node,
                )
            )


#: strawberry's QueryDepthLimiter and MaxAliasesLimiter rules, made once, and ours.
LIMIT_RULES = (
    depth_rule(MAX_DEPTH, None),
    alias_rule(MAX_ALIASES),
    StringLiteralRule,
    CompareOnceRule,
)
#: every rule a served request is validated with: GraphQL's own, then the limits
SERVED_RULES = (*specified_rules, *LIMIT_RULES)


@dataclass
class PreparedQuery:
    """A query text parsed and validated once, and what later steps learn about it."""

    document: DocumentNode
    problems: list[GraphQLError]  #: what validation found; empty when valid
    notes: dict[Any, Any] = field(default_factory=dict)  #: e.g. execution plans


@lru_cache(maxsize=CACHE_SIZE)
def prepare(schema: Any, query: str, rules: tuple) -> PreparedQuery:
    """The parsed document of a query text and what validating it found, remembered.

    Keyed by the text (hashing a string is cheap) rather than by the document, whose hash
    walks the whole syntax tree on every request. A syntax error or a query over the
    token limit raises, and is not remembered; so does a text over :data:`MAX_QUERY_CHARS`,
    before any parsing. A document with an empty selection set (``{}``, which graphql-core
    3.3 parses) is refused without validating it: strawberry's depth rule fails on it.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise GraphQLError(f"the query text has {len(query)} characters; at most {MAX_QUERY_CHARS}")
    document = parse(query, max_tokens=MAX_TOKENS)
    empty = empty_selection(document)
    if empty is not None:
        problem = GraphQLError("a selection set ({ }) must select at least one field", empty)
        return PreparedQuery(document, [problem], notes={"document": document})
    too_costly = cost_problem(document)
    if too_costly is not None:  # before validation, whose cost it bounds
        return PreparedQuery(document, [too_costly], notes={"document": document})
    return PreparedQuery(
        document, validate_document(schema, document, rules), notes={"document": document}
    )


def cost_problem(document: DocumentNode) -> GraphQLError | None:
    """Too many fields in one selection set or in one operation, fragments spread in:
    counted in one pass over the document (each fragment's count is remembered), before
    graphql-core validates anything. None when the document is within the limits."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    #: fragment name -> (fields at its own level, fields in total); None while counting
    counted: dict[str, tuple[int, int] | None] = {}
    worst: list[tuple[int, Any]] = []  # (fields, node) of the widest selection set

    def selection(selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(fields at this level, fields below and at this level), spreads included."""
        if selection_set is None:
            return 0, 0
        level = total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                level += 1
                total += 1 + selection(node.selection_set)[1]
            elif isinstance(node, InlineFragmentNode):
                inner_level, inner_total = selection(node.selection_set)
                level += inner_level
                total += inner_total
            elif isinstance(node, FragmentSpreadNode):
                inner_level, inner_total = fragment(node.name.value)
                level += inner_level
                total += inner_total
            if level > MAX_SELECTION_FIELDS or total > MAX_FIELDS:
                break  # no need to count further: refused
        if level > MAX_SELECTION_FIELDS and not worst:
            worst.append((level, selection_set))
        return level, total

    def fragment(name: str) -> tuple[int, int]:
        if name in counted:
            return counted[name] or (0, 0)  # None: a cycle, which validation reports
        definition = fragments.get(name)
        if definition is None:
            return 0, 0  # unknown: validation reports it
        counted[name] = None
        counted[name] = selection(definition.selection_set)
        return counted[name] or (0, 0)

    def refused(en: str, zh: str, node: Any, limit: int) -> GraphQLError:
        return GraphQLError(en, node, original_error=bad_input(en, zh, limit=limit))

    def too_wide() -> GraphQLError:
        return refused(
            f"a selection set asks for more than {MAX_SELECTION_FIELDS} fields (fragments "
            "counted where they are spread); ask for fewer",
            f"一个选择集最多 {MAX_SELECTION_FIELDS} 个字段(片段按展开处计算),请减少字段",
            worst[0][1],
            MAX_SELECTION_FIELDS,
        )

    def root(selection_set: SelectionSetNode, seen: frozenset[str]) -> tuple[int, int, int]:
        """(fields at the root, fields outside introspection, fields under the
        introspection roots) of an operation's root selection set, fragments spread
        there included."""
        level = outside = introspective = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                level += 1
                below = 1 + selection(node.selection_set)[1]
                if node.name.value in INTROSPECTION_ROOTS:
                    introspective += below
                else:
                    outside += below
                continue
            if isinstance(node, InlineFragmentNode):
                inner = root(node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode):
                definition = fragments.get(node.name.value)
                if definition is None or node.name.value in seen:
                    continue  # unknown or a cycle: validation reports it
                inner = root(definition.selection_set, seen | {node.name.value})
            else:
                continue
            level, outside, introspective = (
                level + inner[0],
                outside + inner[1],
                introspective + inner[2],
            )
            if outside > MAX_FIELDS or introspective > MAX_INTROSPECTION_FIELDS:
                break  # refused: no need to count further
        if level > MAX_SELECTION_FIELDS and not worst:
            worst.append((level, selection_set))
        return level, outside, introspective

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            _, total, introspective = root(definition.selection_set, frozenset())
            if worst:
                return too_wide()
            if introspective > MAX_INTROSPECTION_FIELDS:
                return refused(
                    f"the operation asks for more than {MAX_INTROSPECTION_FIELDS} fields of "
                    "the schema's introspection (fragments counted each time they are spread)",
                    f"一次请求最多查询 {MAX_INTROSPECTION_FIELDS} 个模式自省字段(片段按每次展开计算)",
                    definition,
                    MAX_INTROSPECTION_FIELDS,
                )
            if total > MAX_FIELDS:
                return refused(
                    f"the operation asks for more than {MAX_FIELDS} fields (fragments counted "
                    "each time they are spread); split it into smaller queries",
                    f"一次请求最多 {MAX_FIELDS} 个字段(片段按每次展开计算),请拆分为多个请求",
                    definition,
                    MAX_FIELDS,
                )
    for name in fragments:  # a fragment no operation spreads is still validated
        fragment(name)
        if worst:
            return too_wide()
    return None


def introspection_only(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation asked for selects introspection root fields only
    (:data:`INTROSPECTION_ROOTS`, judged by the fields, never by a name): its answer is
    the same for everyone, whoever asks, as long as the schema is."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def only(selection_set: SelectionSetNode, seen: frozenset[str]) -> bool:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                if node.name.value not in INTROSPECTION_ROOTS:
                    return False
            elif isinstance(node, InlineFragmentNode):
                if not only(node.selection_set, seen):
                    return False
            elif isinstance(node, FragmentSpreadNode):
                found = fragments.get(node.name.value)
                if found is None or node.name.value in seen:
                    return False
                if not only(found.selection_set, seen | {node.name.value}):
                    return False
        return True

    return only(operations[0].selection_set, frozenset())


def empty_selection(document: DocumentNode) -> SelectionSetNode | None:
    """The first selection set of the document that selects nothing, if any."""
    pending = [getattr(d, "selection_set", None) for d in document.definitions]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        if not selection_set.selections:
            return selection_set
        pending.extend(getattr(s, "selection_set", None) for s in selection_set.selections)
    return None


class RequestLimits(SchemaExtension):
    """Strawberry's MaxTokensLimiter, QueryDepthLimiter, MaxAliasesLimiter, ParserCache and
    ValidationCache, as one extension.

    The same token limit and validation rules, and a cache of parsed and validated query
    texts. One set of hooks per request instead of five, and one cache lookup by query
    text, make the fixed cost of a request several times smaller than with the five
    extensions (measured: 100 us less on a trivial query, more on larger documents).
    """

    prepared: PreparedQuery  #: this request's query, as cached (set while parsing)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = (*context.validation_rules, *LIMIT_RULES)
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        self.prepared = prepare(context.schema._schema, context.query, context.validation_rules)
        context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        self.execution_context.pre_execution_errors = list(self.prepared.problems)
        yield


def check_tenant_list(codes: list[str] | None, argument: str = "tenants") -> None:
    """Refuse a list of tenant codes longer than :data:`MAX_TENANTS`."""
    if codes is not None and len(codes) > MAX_TENANTS:
        raise bad_input(
            f"{argument} lists {len(codes)} tenants; at most {MAX_TENANTS} per request",
            f"{argument} 最多 {MAX_TENANTS} 个地区,本次为 {len(codes)} 个",
            argument=argument,
            limit=MAX_TENANTS,
        )


def check_page(first: int | None) -> int:
    """The page size of ``cases``: 0 to :data:`MAX_PAGE`, 50 when not given."""
    if first is None:
        return 50
    if first < 0 or first > MAX_PAGE:
        raise bad_input(
            f"first must be between 0 and {MAX_PAGE}, not {first}",
            f"first 须在 0 到 {MAX_PAGE} 之间,本次为 {first}",
            argument="first",
            limit=MAX_PAGE,
        )
    return first


def _input_problem(value: Any, path: str, depth: int) -> tuple[str, str, str] | None:
    """(where, why in English, in Chinese) for the first string or nesting the limits
    refuse in ``value``; None when there is none."""
    kind = type(value)
    if kind is str:
        problem = string_problem(value)
        return (path, *problem) if problem else None
    if kind is dict or kind is list:
        if depth >= MAX_INPUT_DEPTH:
            return (
                path,
                f"values nested deeper than {MAX_INPUT_DEPTH} levels",
                f"嵌套超过 {MAX_INPUT_DEPTH} 层",
            )
        # (name, value) of an object, (index, value) of a list: JSON, so names are strings
        items: Iterable[tuple[Any, Any]] = value.items() if kind is dict else enumerate(value)
        for key, item in items:
            if kind is dict:
                problem = string_problem(key)
                if problem:
                    return path, f"a field name with {problem[0]}", f"字段名{problem[1]}"
                where = f"{path}.{key}"
            else:
                where = f"{path}[{key}]"
            found = _input_problem(item, where, depth + 1)
            if found:
                return found
    return None


def check_variables(variables: dict[str, Any] | None) -> None:
    """Refuse variables holding a string or a nesting the limits do not allow.

    Checked for every request before it runs (a couple of microseconds for a household).
    :raises BangfuError: ``BAD_INPUT`` naming the variable, e.g. ``$comment``.
    """
    if not variables:
        return
    found = _input_problem(variables, "$", 0)
    if found:
        where, en, zh = found
        where = where.replace("$.", "$", 1)
        raise bad_input(f"the variable {where} holds {en}", f"变量 {where} {zh}", field=where)
