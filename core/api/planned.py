"""Planned execution: the common policy queries answered without graphql-core's executor.

Why: graphql-core completes every field of a result through generic machinery (resolve
info, path, type checks, per-item list completion). For an ``evaluate`` query that asks for
the whole ``Evaluation`` this cost about twice as much as the evaluation itself. Clients
send the same few query texts again and again, so for each (parsed, validated, cached)
document we make a plan once: which resolver to call with which arguments, and for each
selected field which attribute to read and how to serialize it. Executing the plan is a
few dictionary and attribute look-ups per field.

What is planned, and nothing else (everything else goes to graphql-core, unchanged):

* a query (never a mutation) whose operation selects exactly one root field among
  :data:`PLANNED_ROOT_FIELDS` (published policy: no case data, no access rules);
* no fragments, no directives, no field selected twice under one response key;
* every field below the root a plain attribute of an object type (no resolver, no
  permission or other field extension, no interface or union).

The plan must answer exactly what graphql-core would. It reads variables and arguments
with graphql-core's own functions and serializes with the schema's own scalars and enums;
an error raised by the root resolver becomes the same located error. Anything the plan
did not foresee (a null where the schema says non-null, an unexpected type, a resolver
touching more than ``info.context``) abandons the plan for that request, and graphql-core
executes it from the start. ``tests/api/test_planned.py`` compares both on many queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.execution import ExecutionContext

from core.api.inputs import to_household

#: Root fields of published policy: pure functions of their arguments and the registry.
PLANNED_ROOT_FIELDS = frozenset({"evaluate", "compare", "tenants", "tenant", "parameters"})
HOUSEHOLD_INPUT = "HouseholdInput"
MAX_COERCION_ERRORS = 50  # as graphql-core's executor
MAX_NOTES = 16  #: plans remembered per document (one per operation name asked for)
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class Unplannable(Exception):
    """The document has a shape the planner leaves to graphql-core."""


class Surprise(Exception):
    """A value the plan did not foresee: graphql-core executes the request instead."""


Complete = Callable[[Any], Any]


@dataclass(frozen=True)
class Plan:
    """How to answer one operation of one document."""

    operation: OperationDefinitionNode
    field_node: FieldNode
    field_def: GraphQLField
    response_key: str
    resolver: Any  #: strawberry's StrawberryResolver of the root field
    python_names: dict[str, str]  #: GraphQL argument name -> resolver parameter
    households: frozenset[str]  #: GraphQL arguments that are a HouseholdInput
    complete: Complete
    nullable: bool


class PlannedInfo:
    """The ``info`` a planned resolver gets: its context, and nothing else.

    Policy resolvers only read ``info.context``; if one ever reads more, the request
    goes to graphql-core rather than failing.
    """

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context

    def __getattr__(self, name: str) -> Any:
        raise Surprise(f"a planned resolver read info.{name}")


# --------------------------------------------------------------------------- planning
def planning_allowed(schema: Any) -> bool:
    """Whether the schema leaves every field to its resolver alone (no resolve-time
    extensions, directives or exception handlers that a plan would bypass)."""
    for extension in schema.extensions:
        if not isinstance(extension, type) or (
            extension.resolve is not SchemaExtension.resolve  # type: ignore[attr-defined]
        ):
            return False
    return not schema.directives and not schema.exception_handlers


def make_plan(schema: Any, document: Any, operation_name: str | None) -> Plan | None:
    """The plan for the operation, or None when graphql-core should execute it."""
    if not planning_allowed(schema):
        return None
    try:
        return _plan(schema, document, operation_name)
    except Unplannable:
        return None


def plan_of(schema: Any, notes: dict[Any, Any], operation_name: str | None) -> Plan | None:
    """The document's plan for the operation, made on first use (``notes`` belong to the
    cached document, so each operation is planned once)."""
    key = ("plan", operation_name)
    if key in notes:
        return notes[key]
    plan = make_plan(schema, notes["document"], operation_name)
    if len(notes) < MAX_NOTES:  # operation names come from clients: remember a few only
        notes[key] = plan
    return plan


def run_planned(context: ExecutionContext, notes: dict[Any, Any]) -> None:
    """Inside strawberry's pipeline: answer by the plan, if there is one, by setting
    ``context.result``, which strawberry then uses instead of executing."""
    plan = plan_of(context.schema, notes, context.operation_name)
    if plan is None:
        return
    result = execute_plan(
        plan,
        context.schema._schema,
        context.variables,
        context.context,
        context.root_value,  # type: ignore[attr-defined]
    )
    if result is not None:
        context.result = result


def _plan(schema: Any, document: Any, operation_name: str | None) -> Plan:
    graphql_schema: GraphQLSchema = schema._schema
    operations = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            raise Unplannable("fragments")
        if isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    if operation_name is None:
        if len(operations) != 1:
            raise Unplannable("which operation")
        operation = operations[0]
    else:
        named = [o for o in operations if o.name and o.name.value == operation_name]
        if len(named) != 1:
            raise Unplannable("which operation")
        operation = named[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise Unplannable("not a plain query")
    if any(v.directives for v in operation.variable_definitions or ()):
        raise Unplannable("directives")
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        raise Unplannable("one root field")
    node = selections[0]
    name = node.name.value
    if name not in PLANNED_ROOT_FIELDS or node.directives:
        raise Unplannable("root field")
    query_type = graphql_schema.query_type
    assert query_type is not None
    field_def = query_type.fields[name]
    definition = field_def.extensions.get(_BACKREF)
    resolver = getattr(definition, "base_resolver", None)
    if resolver is None or definition.extensions or definition.is_async:
        raise Unplannable("root resolver")
    if resolver.parent_parameter or resolver.root_parameter:
        raise Unplannable("a resolver that reads its parent")
    python_names, households = {}, set()
    converter = schema.config.name_converter
    for argument in definition.arguments:
        graphql_name = converter.from_argument(argument)
        python_names[graphql_name] = argument.python_name
        named_type = get_named_type(field_def.args[graphql_name].type)
        if named_type.name == HOUSEHOLD_INPUT:
            households.add(graphql_name)
        elif not is_leaf_type(named_type):
            raise Unplannable("input objects other than households")
    return Plan(
        operation=operation,
        field_node=node,
        field_def=field_def,
        response_key=node.alias.value if node.alias else name,
        resolver=resolver,
        python_names=python_names,
        households=frozenset(households),
        complete=_completer(field_def.type, node.selection_set),
        nullable=not isinstance(field_def.type, GraphQLNonNull),
    )


def _completer(type_: Any, selection_set: SelectionSetNode | None) -> Complete:
    """A function from a resolved value to its JSON form, for this type and selection."""
    if isinstance(type_, GraphQLNonNull):
        inner = _completer(type_.of_type, selection_set)

        def non_null(value: Any) -> Any:
            if value is None:
                raise Surprise("null for a non-null field")
            return inner(value)

        return non_null
    if isinstance(type_, GraphQLList):
        item = _completer(type_.of_type, selection_set)

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, (list, tuple)):
                raise Surprise("not a list")
            return [item(v) for v in value]

        return listed
    if is_leaf_type(type_):
        coerce = type_.coerce_output_value

        def leaf(value: Any) -> Any:
            if value is None:
                return None
            try:
                coerced = coerce(value)
            except Exception as exc:
                raise Surprise("a value the type refuses") from exc
            if coerced is None:
                raise Surprise("a value the type refuses")
            return coerced

        return leaf
    if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None:
        return _object_completer(type_, selection_set)
    raise Unplannable("interfaces and unions")


def _object_completer(type_: GraphQLObjectType, selection_set: SelectionSetNode | None) -> Complete:
    if selection_set is None:
        raise Unplannable("object without selection")
    fields: list[tuple[str, Callable[[Any], Any] | None, Complete | str]] = []
    keys = set()
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
            raise Unplannable("fragments, directives or arguments below the root")
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        if key in keys:
            raise Unplannable("a response key selected twice")
        keys.add(key)
        if name == "__typename":
            fields.append((key, None, type_.name))
            continue
        if name.startswith("__"):
            raise Unplannable("introspection")
        definition = type_.fields[name].extensions.get(_BACKREF)
        if definition is None or not definition.is_basic_field:
            raise Unplannable("a field with a resolver or an extension")
        read = attrgetter(definition.python_name)
        fields.append((key, read, _completer(type_.fields[name].type, selection.selection_set)))

    def complete_object(value: Any) -> Any:
        if value is None:
            return None
        out = {}
        for key, read, complete in fields:
            if read is None:
                out[key] = complete
                continue
            try:
                attribute = read(value)
            except AttributeError as exc:
                raise Surprise("a missing attribute") from exc
            out[key] = complete(attribute)  # type: ignore[operator]
        return out

    return complete_object


# --------------------------------------------------------------------------- executing
def execute_plan(
    plan: Plan,
    graphql_schema: GraphQLSchema,
    raw_variables: dict[str, Any] | None,
    context_value: Any,
    root_value: Any = None,
) -> ExecutionResult | None:
    """The result of the planned operation, or None to let graphql-core execute it."""
    variables = get_variable_values(
        graphql_schema,
        plan.operation.variable_definitions or (),
        raw_variables or {},
        max_errors=MAX_COERCION_ERRORS,
    )
    if isinstance(variables, list):
        return ExecutionResult(data=None, errors=variables)
    key, node = plan.response_key, plan.field_node
    try:
        arguments = get_argument_values(plan.field_def, node, variables)
        kwargs = {}
        for name, value in arguments.items():
            kwargs[plan.python_names[name]] = (
                to_household(value) if name in plan.households and value is not None else value
            )
        resolver = plan.resolver
        if resolver.info_parameter:
            kwargs[resolver.info_parameter.name] = PlannedInfo(context_value)
        source = (root_value,) if resolver.self_parameter else ()
        value = resolver(*source, **kwargs)
        return ExecutionResult(data={key: plan.complete(value)}, errors=None)
    except Surprise:
        return None
    except Exception as exc:
        error = located_error(exc, [node], [key])
        return ExecutionResult(data={key: None} if plan.nullable else None, errors=[error])
