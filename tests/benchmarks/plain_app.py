"""The HTTP benchmark's baselines: a hello-JSON route, and the same evaluation behind a
plain Litestar JSON route.

``POST /hello`` reads the request body and answers ``{"hello": "world"}``: the most this
stack (uvicorn, httptools, uvloop, Litestar, msgspec) can serve on these cores, the
physical limit a GraphQL request is measured against.

Not part of the product (it lives with the benchmarks): ``POST /evaluate`` with
``{"tenant": ..., "asOf": ..., "household": {...}}`` parses the household with
:func:`core.model.parse_household`, runs :func:`core.evaluation.evaluate` and answers the
same fields, in the same camelCase JSON, as the benchmark's GraphQL ``evaluate`` query
selects. Whatever the GraphQL endpoint costs beyond this route is the GraphQL layer.

Served the same way as the product::

    uvicorn tests.benchmarks.plain_app:create_app --factory --workers 2
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.datastructures import State

from core.errors import BangfuError
from core.evaluation import Evaluation, evaluate
from core.model import parse_household
from core.registry import Registry, load_registry


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def as_json(e: Evaluation) -> dict[str, Any]:
    """The evaluation as the GraphQL query of the benchmark returns it."""
    return {
        "tenant": e.tenant,
        "asOf": e.as_of.isoformat(),
        "provisional": e.provisional,
        "eligible": e.eligible,
        "category": e.category,
        "groups": list(e.groups),
        "measures": list(e.measures),
        "reasons": [{"code": r.code, "label": r.label, "basis": r.basis} for r in e.reasons],
        "entitlements": [
            {
                "programme": x.programme,
                "name": x.name,
                "amount": _money(x.amount),
                "period": x.period.value,
                "basis": x.basis,
                "explanation": list(x.explanation),
            }
            for x in e.entitlements
        ],
        "utilityDiscounts": [
            {
                "utility": u.utility,
                "quantity": _money(u.quantity),
                "unit": u.unit,
                "period": u.period.value,
                "basis": u.basis,
            }
            for u in e.utility_discounts
        ],
        "checklist": [{"code": c.code, "label": c.label, "met": c.met} for c in e.checklist],
        "budget": {
            "annualIncome": _money(e.budget.annual_income),
            "annualExpenses": _money(e.budget.annual_expenses),
            "gap": _money(e.budget.gap),
        },
    }


def _json(body: Any, status: int = 200) -> Response[bytes]:
    return Response(msgspec.json.encode(body), status_code=status, media_type=MediaType.JSON)


@post("/evaluate", sync_to_thread=False)
async def evaluate_route(request: Request, state: State) -> Response[bytes]:
    try:
        data = msgspec.json.decode(await request.body())
        registry: Registry = state.registry
        tenant = registry.get(data["tenant"])
        household = parse_household(data["household"])
        on = date.fromisoformat(data["asOf"]) if data.get("asOf") else date.today()
        return _json({"evaluate": as_json(evaluate(tenant, household, on))})
    except BangfuError as exc:
        return _json({"error": str(exc)}, 400)
    except (msgspec.DecodeError, KeyError, TypeError, ValueError) as exc:
        return _json({"error": f"bad request: {exc}"}, 400)


_HELLO = msgspec.json.encode({"hello": "world"})


@post("/hello", sync_to_thread=False)
async def hello(request: Request) -> Response[bytes]:
    await request.body()  # as much of the request as any POST route must read
    return Response(_HELLO, status_code=200, media_type=MediaType.JSON)


@get("/healthz", sync_to_thread=False, cache=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(registry: Registry | None = None) -> Litestar:
    return Litestar(
        route_handlers=[evaluate_route, hello, healthz],
        state=State({"registry": registry or load_registry()}),
        openapi_config=None,
        debug=False,
    )
