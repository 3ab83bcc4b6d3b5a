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

**The input, checked once.** A household used to be walked five times before a rule ran:
the request limits (:func:`core.api.limits.check_variables`), graphql-core's nesting check
and coercion, the removal of nulls, then the case model. A plan now carries, per variable,
one walk made for its type (:func:`_input_coercer`) that does what the first four do
(GraphQL's input coercion with the schema's own scalars and enums and its defaults, the
string limits, nulls left out) and hands the household to the case model, the one real
validation. It only *vouches* for ordinary input: anything else (a value of the wrong
type, a null where one is not allowed, an undeclared variable, a string the limits refuse,
a household the model refuses) makes it give up, and the request takes the old way,
which reports the exact error it always did.

**Explanations when asked for.** The plan knows which fields are selected; the resolvers
ask :func:`explanations_selected` and the engine builds explanations only if an
``Entitlement.explanation`` is selected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, overload

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
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
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import (
    VariableValues,
    VariableValueSource,
    get_argument_values,
    get_variable_values,
)
from graphql.pyutils import Undefined
from graphql.type import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.execution import ExecutionContext

from core.api.inputs import to_household
from core.api.limits import string_problem
from core.errors import BangfuError
from core.model import parse_household

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


class Slow(Exception):
    """Input the one-walk check does not vouch for: graphql-core coerces it instead."""


Complete = Callable[[Any], Any]
Coerce = Callable[[Any], Any]  #: raises Slow
#: (name, the variable's signature, its walk, whether it must be given)
VariablePlan = tuple[str, Any, Coerce, bool]


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
    #: (object type, field) pairs the operation selects, anywhere below the root
    selected: frozenset[tuple[str, str]] = frozenset()
    #: the one-walk check of every declared variable; None: graphql-core coerces them
    variables: tuple[VariablePlan, ...] | None = None


class PlannedInfo:
    """The ``info`` a planned resolver gets: its context and what the query selects.

    Policy resolvers only read ``info.context`` (and, through
    :func:`explanations_selected`, ``selected``); if one ever reads more, the request goes
    to graphql-core rather than failing.
    """

    __slots__ = ("context", "may_wait", "selected")

    def __init__(
        self,
        context: Any,
        selected: frozenset[tuple[str, str]] = frozenset(),
        may_wait: bool = False,
    ) -> None:
        self.context = context
        self.selected = selected
        #: the resolver may answer with a future (an evaluation waiting for its batch)
        self.may_wait = may_wait

    def __getattr__(self, name: str) -> Any:
        raise Surprise(f"a planned resolver read info.{name}")


def may_wait(info: Any) -> bool:
    """Whether the resolver may answer with a future: a planned request in the event loop
    (:func:`core.api.view.answer_directly`) awaits it; graphql-core's way never does."""
    return type(info) is PlannedInfo and info.may_wait


class Pending:
    """A planned answer whose root value is still to come: an evaluation waiting for the
    others of its batch (:mod:`core.api.together`)."""

    __slots__ = ("lifted", "plan", "value")

    def __init__(self, plan: Plan, value: Awaitable[Any]) -> None:
        self.plan = plan
        self.value = value
        #: the query's literals were lifted into variables (:mod:`core.api.literals`)
        self.lifted = False

    async def result(self) -> ExecutionResult | None:
        """The result, as :func:`execute_plan` would give it; None for graphql-core."""
        plan = self.plan
        try:
            value = await self.value
            return ExecutionResult(data={plan.response_key: plan.complete(value)}, errors=None)
        except Surprise:
            return None
        except Exception as exc:
            return _failed(plan, exc)


def _failed(plan: Plan, exc: Exception) -> ExecutionResult:
    """The root field's error, located as graphql-core locates it."""
    key = plan.response_key
    error = located_error(exc, [plan.field_node], [key])
    return ExecutionResult(data={key: None} if plan.nullable else None, errors=[error])


def explanations_selected(info: Any) -> bool:
    """Whether the query selects ``Entitlement.explanation`` anywhere below this field.

    A plan knows it exactly. On graphql-core's way the selection is read with its
    fragments (whatever their ``@skip``/``@include``: a skipped explanation is built for
    nothing, never missing).
    """
    if isinstance(info, PlannedInfo):
        return ("Entitlement", "explanation") in info.selected
    pending = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        if getattr(selection, "name", None) == "explanation":
            return True
        pending.extend(getattr(selection, "selections", None) or ())
    return False


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
        context.root_value,
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
    selected: set[tuple[str, str]] = set()
    return Plan(
        operation=operation,
        field_node=node,
        field_def=field_def,
        response_key=node.alias.value if node.alias else name,
        resolver=resolver,
        python_names=python_names,
        households=frozenset(households),
        complete=_completer(field_def.type, node.selection_set, selected),
        nullable=not isinstance(field_def.type, GraphQLNonNull),
        selected=frozenset(selected),
        variables=_variable_plans(graphql_schema, operation),
    )


def _completer(
    type_: Any, selection_set: SelectionSetNode | None, selected: set[tuple[str, str]]
) -> Complete:
    """A function from a resolved value to its JSON form, for this type and selection
    (noting in ``selected`` each object field the selection asks for)."""
    if isinstance(type_, GraphQLNonNull) and is_leaf_type(type_.of_type):
        return _leaf_completer(type_.of_type, non_null=True)  # one call per value, not two
    if isinstance(type_, GraphQLNonNull):
        inner = _completer(type_.of_type, selection_set, selected)

        def non_null(value: Any) -> Any:
            if value is None:
                raise Surprise("null for a non-null field")
            return inner(value)

        return non_null
    if isinstance(type_, GraphQLList):
        item = _completer(type_.of_type, selection_set, selected)

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, (list, tuple)):
                raise Surprise("not a list")
            return [item(v) for v in value]

        return listed
    if is_leaf_type(type_):
        return _leaf_completer(type_, non_null=False)
    if isinstance(type_, GraphQLObjectType) and type_.is_type_of is None:
        return _object_completer(type_, selection_set, selected)
    raise Unplannable("interfaces and unions")


def _leaf_completer(type_: Any, non_null: bool) -> Complete:
    """A scalar or enum value serialized by the schema's own type; a null is a surprise
    where the schema says non-null."""
    coerce = type_.coerce_output_value
    # graphql-core's String and Boolean return a str, a bool, unchanged: no call for them
    same = str if type_ is GraphQLString else bool if type_ is GraphQLBoolean else None

    def leaf(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Surprise("null for a non-null field")
            return None
        if type(value) is same:
            return value
        try:
            coerced = coerce(value)
        except Exception as exc:
            raise Surprise("a value the type refuses") from exc
        if coerced is None:
            raise Surprise("a value the type refuses")
        return coerced

    return leaf


def _object_completer(
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    selected: set[tuple[str, str]],
) -> Complete:
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
        selected.add((type_.name, name))
        read = attrgetter(definition.python_name)
        field_type = type_.fields[name].type
        fields.append((key, read, _completer(field_type, selection.selection_set, selected)))

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


# --------------------------------------------------------------------------- input
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _variable_plans(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Any:
    """The one-walk check of each variable the operation declares, or None when one of
    them is of a kind left to graphql-core (a default value, an unforeseen type)."""
    plans = []
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            return None
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError):
            return None
        coerce = _input_coercer(signature.type)
        if coerce is None:
            return None
        required = isinstance(signature.type, GraphQLNonNull)
        plans.append((signature.name, signature, coerce, required))
    return tuple(plans)


def _input_coercer(type_: Any, household: bool = False) -> Coerce | None:
    """What graphql-core's ``coerce_input_value`` does for this type, for the input it
    accepts, with the request limits' string check; raises :class:`Slow` for anything
    else. A household's walk leaves out nulls (as :func:`core.api.inputs._given` does) and
    ends in the case model. None for types this walk does not know."""
    if isinstance(type_, GraphQLNonNull):
        inner = _input_coercer(type_.of_type, household)
        if inner is None:
            return None

        def non_null(value: Any) -> Any:
            if value is None:
                raise Slow
            return inner(value)

        return non_null
    if isinstance(type_, GraphQLList):
        item = _input_coercer(type_.of_type, household)
        if item is None:
            return None

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is not list:  # a lone value as a list of one: the old way
                raise Slow
            return [item(v) for v in value]

        return listed
    if isinstance(type_, GraphQLInputObjectType):
        if type_.is_one_of:
            return None
        if type_.name == HOUSEHOLD_INPUT and not household:
            walk = _object_coercer(type_)
            if walk is None:
                return None

            def validated(value: Any) -> Any:
                if value is None:
                    return None
                try:
                    return parse_household(walk(value))
                except BangfuError:
                    raise Slow from None  # the old way reports it, word for word

            return validated
        return _object_coercer(type_) if household else None
    return _leaf_coercer(type_)


def _object_coercer(type_: GraphQLInputObjectType) -> Coerce | None:
    """A household part: its given fields, its defaults, its nulls left out."""
    fields: dict[str, tuple[str, Coerce]] = {}
    defaults: list[tuple[str, str, Any]] = []
    required = []  #: non-null without a default: must be given
    non_null = set()  #: may not be given as null, default or not
    for name, field_ in type_.fields.items():
        coerce = _input_coercer(field_.type, household=True)
        if coerce is None:
            return None
        out = field_.out_name or name
        fields[name] = (out, coerce)
        if isinstance(field_.type, GraphQLNonNull):
            non_null.add(name)
        default = coerce_default_value(field_)
        if default is not Undefined:
            if default is not None:  # a null default is left out, as _given does
                defaults.append((name, out, default))
        elif isinstance(field_.type, GraphQLNonNull):
            required.append(name)

    def complete_input(value: Any) -> Any:
        if type(value) is not dict:
            raise Slow
        out = {}
        for key, given in value.items():
            found = fields.get(key)
            if found is None:
                raise Slow
            if given is None:
                if key in non_null:
                    raise Slow
                continue
            out[found[0]] = found[1](given)
        for name, key, default in defaults:
            if name not in value:
                out[key] = default
        for name in required:
            if name not in value:
                raise Slow
        return out

    return complete_input


def _leaf_coercer(type_: Any) -> Coerce | None:
    if type_ is GraphQLString:

        def string(value: Any) -> Any:
            if type(value) is not str or string_problem(value) is not None:
                raise Slow
            return value

        return string
    if type_ is GraphQLInt:

        def integer(value: Any) -> Any:
            if type(value) is not int or not _INT_MIN <= value <= _INT_MAX:
                raise Slow
            return value

        return integer
    if type_ is GraphQLBoolean:

        def boolean(value: Any) -> Any:
            if type(value) is not bool:
                raise Slow
            return value

        return boolean
    if isinstance(type_, GraphQLEnumType) or (
        isinstance(type_, GraphQLScalarType) and type_.name in ("Decimal", "Date")
    ):
        # an enum name, an amount, a date: their own parser (no character the limits
        # refuse can pass any of them)
        parse = type_.coerce_input_value

        def parsed(value: Any) -> Any:
            if value is None:
                return None
            try:
                result = parse(value)
            except Exception:
                raise Slow from None
            if result is None or result is Undefined:
                raise Slow
            return result

        return parsed
    return None


def fast_variables(plan: Plan, raw: dict[str, Any] | None) -> VariableValues | None:
    """The request's variables, checked in one walk each (with the household validated
    by the case model); None when the walk does not vouch for them and graphql-core must
    coerce them (and the request limits check them) the old way.

    Vouching means: graphql-core would coerce them to these same values, and
    :func:`core.api.limits.check_variables` would let them pass."""
    if plan.variables is None:
        return None
    raw = raw or {}
    if len(raw) > len(plan.variables):
        return None  # an undeclared variable: the limits look at it
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    seen = 0
    try:
        for name, signature, coerce, required in plan.variables:
            value = raw.get(name, Undefined)
            if value is Undefined:
                if required:
                    return None
                sources[name] = VariableValueSource(signature)
                continue
            seen += 1
            sources[name] = VariableValueSource(signature, value)
            coerced[name] = coerce(value)
    except Slow:
        return None
    if seen != len(raw):
        return None
    return VariableValues(sources, coerced)


# --------------------------------------------------------------------------- executing
@overload
def execute_plan(
    plan: Plan,
    graphql_schema: GraphQLSchema,
    raw_variables: dict[str, Any] | None,
    context_value: Any,
    root_value: Any = None,
    variables: VariableValues | None = None,
    waits: Literal[False] = False,
) -> ExecutionResult | None: ...
@overload
def execute_plan(
    plan: Plan,
    graphql_schema: GraphQLSchema,
    raw_variables: dict[str, Any] | None,
    context_value: Any,
    root_value: Any = None,
    variables: VariableValues | None = None,
    waits: bool = False,
) -> ExecutionResult | Pending | None: ...
def execute_plan(
    plan: Plan,
    graphql_schema: GraphQLSchema,
    raw_variables: dict[str, Any] | None,
    context_value: Any,
    root_value: Any = None,
    variables: VariableValues | None = None,
    waits: bool = False,
) -> ExecutionResult | Pending | None:
    """The result of the planned operation, or None to let graphql-core execute it.

    ``variables``: already checked by :func:`fast_variables`; otherwise they are checked
    here, in one walk when it vouches for them, else by graphql-core. ``waits``: the
    caller awaits a :class:`Pending` answer (see :func:`may_wait`)."""
    if variables is None:
        variables = fast_variables(plan, raw_variables)
    if variables is None:
        coerced = get_variable_values(
            graphql_schema,
            plan.operation.variable_definitions or (),
            raw_variables or {},
            max_errors=MAX_COERCION_ERRORS,
        )
        if isinstance(coerced, list):
            return ExecutionResult(data=None, errors=coerced)
        variables = coerced
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
            kwargs[resolver.info_parameter.name] = PlannedInfo(context_value, plan.selected, waits)
        source = (root_value,) if resolver.self_parameter else ()
        value = resolver(*source, **kwargs)
        if waits and isinstance(value, asyncio.Future):
            return Pending(plan, value)
        return ExecutionResult(data={key: plan.complete(value)}, errors=None)
    except Surprise:
        return None
    except Exception as exc:
        return _failed(plan, exc)
