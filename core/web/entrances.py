"""``/``: where a person who opens the server's address can go.

The staff pages of each region served, the national comparison, and the GraphQL API,
each with a line on who it is for. Nothing here needs signing in, and nothing is read
but the registry.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from core.web.pages import page
from core.web.presenters import brand_of, staff_tenants


@get("/", sync_to_thread=False)
def entrances(request: Request) -> Template:
    """The server's front page: its three entrances."""
    registry = request.app.state.registry
    brands = [brand_of(t) for t in staff_tenants(registry)]
    return page(request, "entrances.html", None, tenants=brands)
