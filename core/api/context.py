"""What every resolver receives as ``info.context``.

One :class:`BangfuContext` is made per request, cheaply: it only points at objects that
live as long as the worker (the registry, loaded once at start-up). The persistence and
access-control layers add their own per-request attributes here:

``registry``   the tenants, loaded once per worker (:class:`core.registry.Registry`)
``principal``  who is asking (from the bearer token); ``None`` for anonymous requests
``db``         the database session of this request; ``None`` until persistence lands
``request``    the Litestar request (set by strawberry's controller)
``response``   the Litestar sub-response, for headers (set by strawberry's controller)
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from strawberry.litestar import BaseContext

from core.registry import Registry


class BangfuContext(BaseContext, kw_only=True):
    registry: Registry
    principal: Any = None
    db: Any = None


async def context_for(request: Request, response: NamedDependency[Response]) -> BangfuContext:
    """The context of one request (a Litestar dependency: ``request`` is Litestar's own,
    ``response`` the sub-response of :mod:`core.api.view`)."""
    return BangfuContext(registry=request.app.state.registry, request=request, response=response)
