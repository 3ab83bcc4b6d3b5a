"""What every resolver receives as ``info.context``.

One :class:`BangfuContext` is made per request, cheaply: it only points at objects that
live as long as the worker (the registry, loaded once at start-up). The persistence and
access-control layers add their own per-request attributes here:

``registry``   the tenants, loaded once per worker (:class:`core.registry.Registry`)
``principal``  who is asking (from the bearer token, read when a case resolver first
               needs it); ``None`` for anonymous requests
``db``         the request's :class:`core.db.request.RequestDatabase`: a session opened on
               first use, closed when the response is done
``request``    the Litestar request (set by strawberry's controller)
``response``   the Litestar sub-response, for headers (set by strawberry's controller)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from strawberry.litestar import BaseContext

from core.db.request import RequestDatabase
from core.registry import Registry


class BangfuContext(BaseContext, kw_only=True):
    registry: Registry
    principal: Any = None
    db: Any = None
    #: errors of a field that still answers (a tenant of ``compare`` whose rules failed),
    #: added to the response's errors after execution
    partial_errors: Any = None


async def context_for(
    request: Request, response: NamedDependency[Response]
) -> AsyncIterator[BangfuContext]:
    """The context of one request, entered by the handlers of :mod:`core.api.view` around
    the whole request (``response`` is strawberry's sub-response); its session closes
    after. It must stay cheap: most requests never touch the database."""
    db = RequestDatabase.for_request(request)
    try:
        yield BangfuContext(
            registry=request.app.state.registry, request=request, response=response, db=db
        )
    finally:
        db.close()
