"""The HTTP endpoint at ``/graphql``: GraphiQL in a browser (GET), queries by POST (or GET).

Strawberry's Litestar controller does the GraphQL work; this subclass makes the edges keep
the contract's promises:

* a body that is not JSON, not an object, or not UTF-8 is a 400 with a GraphQL-style
  ``BAD_INPUT`` error in JSON (strawberry would answer plain text, or fail with a 500 on
  a body such as ``"text"`` or ``[[[[...]]]]``);
* a body over :data:`core.api.limits.MAX_BODY_BYTES` is a 413, in the same form;
* variables holding an over-long string, a control character or too deep a nesting are a
  ``BAD_INPUT`` error naming the variable (:func:`core.api.limits.check_variables`), before
  anything runs (a planned query's variables are checked in the same walk that coerces
  them, :func:`core.api.planned.fast_variables`; when that walk does not vouch for them,
  the limits and graphql-core check them as for any other query);
* anything unexpected is a 500 with a generic ``INTERNAL`` error, the trace in the log;
* JSON is read and written with msgspec, and the sub-response is made in the event loop
  rather than in a worker thread (strawberry's default), to keep requests cheap.

The context (:func:`core.api.context.context_for`, an async generator: it closes the
request's database session when the answer is made) plays the part of strawberry's
``context_getter``, but the handlers enter it themselves: resolving the controller's
dependencies through Litestar's injection (response, context, root value, with their
signature models and clean-up group) cost about a tenth of a whole evaluate request.

Plain anonymous planned queries (a JSON POST without credentials) mostly never reach the
controller: :mod:`core.api.lane` answers them first, through :func:`answer_planned`,
:func:`response_body` and :func:`within_limit`, the functions the controller uses too.

The contract has no subscriptions, so there is no WebSocket endpoint.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import anyio
import msgspec
from cross_web import HTTPException as StrawberryHTTPException
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from litestar import MediaType, Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_200_OK, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Dependencies, ExceptionHandlersMap
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.types import HTTPMethod
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from core.api import introspection, limits, literals, together
from core.api.context import context_for
from core.api.errors import INTERNAL_EN, INTERNAL_ZH, contract_error, error_body
from core.api.graphiql import local_graphiql_html
from core.api.limits import SERVED_RULES, check_variables, prepare
from core.api.planned import Pending, execute_plan, fast_variables, plan_of
from core.api.schema import ServedRequest, schema
from core.errors import BAD_INPUT, FORBIDDEN, INTERNAL, NOT_FOUND, UNAUTHENTICATED, BangfuError
from core.observe import graphql_answered, note_of

log = logging.getLogger("bangfu.api")

PATH = "/graphql"
_JSON = "application/json"
#: an executed request: graphql-core's result (the planned way) or strawberry's
Answer = GraphQLExecutionResult | ExecutionResult

#: HTTP refusals (before GraphQL runs) and the contract code each is reported with.
_CODE_BY_STATUS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}

_REASONS_ZH = {
    400: "请求有误",
    404: "未找到",
    405: "不支持该请求方法,请用 GET 或 POST",
    413: "请求体过大",
    415: "请求格式不受支持,请使用 application/json",
}


def http_error(status: int, reason: str) -> Response[bytes]:
    """A refusal made before GraphQL ran, in the shape of a GraphQL response."""
    code = _CODE_BY_STATUS.get(status, BAD_INPUT if status < 500 else INTERNAL)
    if code == INTERNAL:
        body = error_body(INTERNAL, INTERNAL_EN, INTERNAL_ZH)
    else:
        body = error_body(code, reason, _REASONS_ZH.get(status, "请求有误"))
    return Response(msgspec.json.encode(body), status_code=status, media_type=MediaType.JSON)


def two_authorizations() -> Response[bytes]:
    """A request with more than one ``Authorization`` header: which would be meant?"""
    body = error_body(
        UNAUTHENTICATED,
        "the request has more than one Authorization header; send exactly one",
        "请求含有多个 Authorization 请求头,只能有一个",
    )
    return Response(
        msgspec.json.encode(body),
        status_code=401,
        media_type=MediaType.JSON,
        headers={"Cache-Control": "no-store"},
    )


def litestar_refusal(_: Request, exc: HTTPException) -> Response[bytes]:
    """A Litestar refusal (413 body too large, 405 method ...) as a GraphQL-style error."""
    return http_error(exc.status_code, exc.detail)


def _unexpected(request: Request, exc: Exception) -> Response[bytes]:
    log.error("unexpected error serving %s %s", request.method, request.url.path, exc_info=exc)
    return http_error(HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


_request_context = asynccontextmanager(context_for)

#: The shortcut skips strawberry's per-request pipeline, so it is only taken while that
#: pipeline does nothing but what the shortcut does itself (limits, caches, the plan).
_DIRECT = tuple(schema.extensions) == (ServedRequest,)


def request_data_of(data: dict[str, Any]) -> GraphQLRequestData:
    """The GraphQL request a JSON object asks for; its members of the wrong type are a 400."""
    query, variables = data.get("query"), data.get("variables")
    operation, extensions = data.get("operationName"), data.get("extensions")
    if not isinstance(query, (str, type(None))):
        raise StrawberryHTTPException(400, "'query' must be a string")
    if not isinstance(variables, (dict, type(None))):
        raise StrawberryHTTPException(400, "'variables' must be an object")
    if not isinstance(operation, (str, type(None))):
        raise StrawberryHTTPException(400, "'operationName' must be a string")
    if not isinstance(extensions, (dict, type(None))):
        raise StrawberryHTTPException(400, "'extensions' must be an object")
    return GraphQLRequestData(
        query=query, variables=variables, operation_name=operation, extensions=extensions
    )


def response_body(result: Answer) -> GraphQLHTTPResponse:
    """The JSON answer to an executed request: data, and errors in the contract's shape.

    The schema has shaped every error already (BangfuSchema.process_errors); this is the
    safety net for any path that might not pass there."""
    if result.errors:
        result.errors = [contract_error(e) for e in result.errors]
    return process_result(result)


def within_limit(content: bytes) -> bytes:
    """The encoded answer, unless it is larger than
    :data:`core.api.limits.MAX_RESPONSE_BYTES`: then a ``BAD_INPUT`` error asking for less
    (and nothing of the data)."""
    size = len(content)
    if size <= limits.MAX_RESPONSE_BYTES:
        return content
    log.warning("an answer of %d bytes was not sent (limit %d)", size, limits.MAX_RESPONSE_BYTES)
    return msgspec.json.encode(
        error_body(
            BAD_INPUT,
            f"the answer would be {size} bytes, more than {limits.MAX_RESPONSE_BYTES}: "
            "ask for fewer fields or a smaller page (first)",
            f"应答将有 {size} 字节,超过上限 {limits.MAX_RESPONSE_BYTES}:"
            "请减少字段或缩小分页(first)",
            limit=limits.MAX_RESPONSE_BYTES,
        )
    )


def refusal(variables: dict[str, Any] | None) -> ExecutionResult | None:
    """The ``BAD_INPUT`` answer to variables the request limits refuse; None if they pass."""
    try:
        check_variables(variables)
    except BangfuError as refused:
        return ExecutionResult(
            data=None, errors=[GraphQLError(refused.message, original_error=refused)]
        )
    return None


def answer_directly(
    request_data: GraphQLRequestData, context: Any, root_value: Any, waits: bool = False
) -> Answer | Pending | None:
    """The answer to an already prepared, valid, planned query, without strawberry's
    per-request machinery (execution context, extension hooks); None for anything else,
    which then takes the normal way and gets the same answer, only slower.

    The variables are checked once: by the plan's walk, which includes the request
    limits; only when it does not vouch for them are the limits checked apart (and a
    refusal answered here, exactly as on the normal way).

    ``waits``: the caller awaits a :class:`~core.api.planned.Pending` answer, an
    evaluation waiting for the others of its batch (see :func:`answer_planned`)."""
    if not _DIRECT or not request_data.query:
        return None
    query, raw = request_data.query, request_data.variables
    lifted = None if raw else literals.lift(schema._schema, query)
    if lifted is not None:
        query, raw = lifted.shape, lifted.variables
    try:
        prepared = prepare(schema._schema, query, SERVED_RULES)
    except GraphQLError:
        return None  # a syntax error or too many tokens: the normal way reports it
    if prepared.problems:
        return None
    plan = plan_of(schema, prepared.notes, request_data.operation_name)
    if plan is None:
        return None
    variables = fast_variables(plan, raw)
    if variables is None:
        if lifted is not None:
            return None  # the text as sent, the usual way: its own errors, word for word
        refused = refusal(raw)
        if refused is not None:
            return refused
    result = execute_plan(plan, schema._schema, raw, context, root_value, variables, waits)
    if lifted is not None:
        if result is None or isinstance(result, Pending):
            if result is not None:
                result.lifted = True
            return result
        if result.errors:
            return None  # located in the text as sent: the usual way answers it
        return result
    if type(result) is GraphQLExecutionResult and result.errors:
        schema.process_errors(result.errors)
    return result


async def answer_planned(
    request_data: GraphQLRequestData, context: Any, root_value: Any
) -> Answer | None:
    """:func:`answer_directly`, in the event loop: an ``evaluate`` waits for the others
    handed in at the same moment and is evaluated with them (:mod:`core.api.together`)."""
    answer = answer_directly(request_data, context, root_value, together.batching())
    if isinstance(answer, Pending):
        waited = await answer.result()
        if waited is not None and waited.errors and answer.lifted:
            return None  # a query with literals: its errors are the usual way's
        if waited is not None and waited.errors:
            schema.process_errors(waited.errors)
        return waited
    return answer


def _works_in_database(context: Any) -> bool:
    """An authenticated request: case work, with blocking database calls.

    On SQLite too: a write waits for the one write lock (up to the busy timeout, 10 s),
    and in the event loop that wait held up every published-policy query of the worker
    (they stalled 9.8 s while another process wrote). Anonymous queries read no database
    and stay in the loop."""
    db = getattr(context, "db", None)
    return bool(db is not None and db.authorization)


_Base = make_graphql_controller(schema, path=PATH, graphql_ide="graphiql")


class GraphQLEndpoint(_Base):  # type: ignore[valid-type,misc]
    """``/graphql`` with JSON errors everywhere, msgspec for JSON, and no per-request
    dependency injection: each handler makes the sub-response and the context itself."""

    dependencies: ClassVar[Dependencies] = {}
    websocket_endpoint = None  # no subscriptions in the contract

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL with its scripts from this server, not from a CDN."""
        return local_graphiql_html(super().graphql_ide_html)

    exception_handlers: ClassVar[ExceptionHandlersMap] = {
        HTTPException: litestar_refusal,
        Exception: _unexpected,
    }

    @get(raises=[ValidationException, NotFoundException])
    async def handle_http_get(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """GraphiQL for a browser; a query (never a mutation) in the URL otherwise."""
        return await self._answer(request)

    @post(status_code=HTTP_200_OK)
    async def handle_http_post(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await self._answer(request)

    async def _answer(self, request: Request[Any, Any, Any]) -> Response[Any]:
        authorizations = [v for k, v in request.scope["headers"] if k == b"authorization"]
        # two headers, or two values joined with a comma (as proxies and clients merge
        # repeated headers; no token has a comma)
        if len(authorizations) > 1 or (authorizations and b"," in authorizations[0]):
            return two_authorizations()
        sub_response: Response[Any] = Response({})  # where resolvers may set headers
        # an answer may carry personal data (a case file; an evaluation of the household a
        # caller typed in): no browser or proxy keeps it
        sub_response.headers["Cache-Control"] = "no-store"
        # strawberry's own hand-over (see its handle_http_post): read by get_sub_response
        # before this request yields to the event loop
        self.temporal_response = sub_response
        async with _request_context(request, sub_response) as context:
            return await self.execute_request(request, context=context, root_value=None)

    def create_response(self, response_data: Any, sub_response: Response[bytes]) -> Response[bytes]:
        """The answer, within :func:`within_limit`."""
        response = super().create_response(response_data, sub_response)
        response.content = within_limit(response.content)
        return response

    def decode_json(self, data: str | bytes) -> object:
        return msgspec.json.decode(data)

    def encode_json(self, data: object) -> bytes:
        return msgspec.json.encode(data)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """A query in the URL: ``variables`` and ``extensions`` are JSON objects there."""
        try:
            return super().parse_query_params(params)
        except StrawberryHTTPException:
            raise StrawberryHTTPException(
                400, "the 'variables' and 'extensions' parameters must be JSON objects"
            ) from None

    def parse_json(self, data: str | bytes) -> Any:
        """A JSON object (or a list, for batches, which strawberry then refuses)."""
        try:
            value = self.decode_json(data)
        except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
            raise StrawberryHTTPException(400, "the request body is not valid JSON") from None
        if not isinstance(value, (dict, list)):
            raise StrawberryHTTPException(
                400, "the request must be a JSON object with 'query' and 'variables'"
            )
        return value

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | Any:
        """The usual case, a POST of JSON, read directly; everything else as strawberry does."""
        litestar_request = request.request
        if litestar_request.method != "POST" or litestar_request.content_type[0] != _JSON:
            return await super().parse_http_body(request)
        data = self.parse_json(await litestar_request.body())
        if isinstance(data, list):
            return await super().parse_http_body(request)  # batches: strawberry refuses them
        return request_data_of(data)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> Any:
        """A planned query is answered here, an introspection from this worker's kept
        answers when it can be; anything else by strawberry's pipeline (and the request's
        operation and outcome noted for its log line, :mod:`core.observe`)."""
        result = await self._execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        scope = getattr(request, "scope", None)
        if scope is not None:
            graphql_answered(scope, request_data.query, request_data.operation_name, result)
            db = getattr(context, "db", None)
            principal = db.known_principal() if db is not None else None
            note = note_of(scope)
            if note is not None and principal is not None:
                note.tenant = getattr(principal, "tenant", None)
        return result

    async def _execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> Any:
        answer = await answer_planned(request_data, context, root_value)
        if answer is not None:
            return answer
        key, kept = introspection.kept_answer(request_data)  # key: an introspection
        if kept is not None:
            return kept
        refused = refusal(request_data.variables)
        if refused is not None:
            return refused
        if key is None and _works_in_database(context):
            # Case work makes several blocking database calls; in the event loop
            # they would hold up every other request of this worker. A thread of its own
            # keeps evaluations flowing meanwhile. The request's session is used by that
            # thread alone, and closed after it finishes.
            return await anyio.to_thread.run_sync(
                self._execute_blocking, request_adapter.method, context, root_value, request_data
            )
        answer = await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=request_data,
        )
        if key is not None:
            introspection.keep(key, answer)
        return answer

    def _execute_blocking(
        self, method: HTTPMethod, context: Any, root_value: Any, request_data: GraphQLRequestData
    ) -> ExecutionResult:
        """What strawberry's ``execute_single`` does, synchronously, in a worker thread.

        Every resolver and the schema's extension are synchronous, so graphql-core runs
        the operation without an event loop; the thread used to start one of its own
        (``asyncio.run``: a selector, a socket pair and their teardown) for every case
        request. The same operation types are allowed, and the same refusals made."""
        allowed = OperationType.from_http(method)
        if not self.allow_queries_via_get and method == "GET":
            allowed = allowed - {OperationType.QUERY}
        try:
            return self.schema.execute_sync(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as e:
            raise StrawberryHTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            raise StrawberryHTTPException(400, e.as_http_error_reason(method)) from e
        except MissingQueryError as e:
            raise StrawberryHTTPException(400, "No GraphQL query found in the request") from e

    async def execute_request(
        self, request: Request[Any, Any, Any], context: Any, root_value: Any
    ) -> Response[Any]:
        try:
            return await self.run(request, context=context, root_value=root_value)
        except StrawberryHTTPException as exc:
            return http_error(exc.status_code, exc.reason)

    async def process_result(
        self, request: Request[Any, Any, Any], result: Answer
    ) -> GraphQLHTTPResponse:
        return response_body(result)


def graphql_controller() -> type[GraphQLController]:
    return GraphQLEndpoint
