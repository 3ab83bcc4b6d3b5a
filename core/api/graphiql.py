"""GraphiQL with its scripts and styles served by us, so it works on an intranet.

Strawberry's GraphiQL page loads React, GraphiQL, its explorer plugin and js-cookie from a
public CDN. The same files, at the same versions, come from the npm registry at build time
(``assets/package.json``, installed by ``make venv`` into ``assets/node_modules``, never
committed); :func:`local_graphiql_html` points the page at ``/graphql-assets/...`` and
:func:`graphiql_assets` serves exactly those files. Where the assets are not installed the
page says so instead of staying blank.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from core import settings

ASSETS_ENV = settings.env_name("assets_dir")
PREFIX = "/graphql-assets"
#: the files the page loads: URL path under PREFIX -> (npm package, file in it)
FILES = {
    "react/react.production.min.js": ("react", "umd/react.production.min.js"),
    "react-dom/react-dom.production.min.js": ("react-dom", "umd/react-dom.production.min.js"),
    "js-cookie/js.cookie.min.js": ("js-cookie", "dist/js.cookie.min.js"),
    "graphiql/graphiql.min.css": ("graphiql", "graphiql.min.css"),
    "graphiql/graphiql.min.js": ("graphiql", "graphiql.min.js"),
    "plugin-explorer/style.css": ("@graphiql/plugin-explorer", "dist/style.css"),
    "plugin-explorer/index.umd.js": ("@graphiql/plugin-explorer", "dist/index.umd.js"),
}
#: the CDN addresses of strawberry's page -> ours
_CDN = {
    r"https://unpkg\.com/react@[^/]+/umd/react\.production\.min\.js": "react/react.production.min.js",
    r"https://unpkg\.com/react-dom@[^/]+/umd/react-dom\.production\.min\.js": (
        "react-dom/react-dom.production.min.js"
    ),
    r"https://unpkg\.com/js-cookie@[^/]+/dist/js\.cookie\.min\.js": "js-cookie/js.cookie.min.js",
    r"https://unpkg\.com/graphiql@[^/]+/graphiql\.min\.css": "graphiql/graphiql.min.css",
    r"https://unpkg\.com/graphiql@[^/]+/graphiql\.min\.js": "graphiql/graphiql.min.js",
    r"https://unpkg\.com/@graphiql/plugin-explorer@[^/]+/dist/style\.css": (
        "plugin-explorer/style.css"
    ),
    r"https://unpkg\.com/@graphiql/plugin-explorer@[^/]+/dist/index\.umd\.js": (
        "plugin-explorer/index.umd.js"
    ),
}
_MISSING = (
    '<div id="graphiql">GraphiQL 的脚本未安装(make venv 会用 npm 安装)。'
    "GraphiQL's scripts are not installed: run <code>make venv</code> (npm). "
    "The API itself answers at this address.</div>"
)


def assets_dir() -> Path:
    """Where ``npm install`` put the packages: ``$BANGFU_ASSETS_DIR`` or ``assets/``."""
    configured = settings.get("assets_dir")
    base = Path(configured) if configured else Path(__file__).resolve().parents[2] / "assets"
    return base / "node_modules"


def installed() -> bool:
    folder = assets_dir()
    return all((folder / pkg / name).is_file() for pkg, name in FILES.values())


def local_graphiql_html(html: str) -> str:
    """Strawberry's GraphiQL page with every CDN address replaced by ours (and the
    integrity and cross-origin attributes, which are for the CDN, dropped)."""
    for pattern, local in _CDN.items():
        html = re.sub(pattern, f"{PREFIX}/{local}", html)
    html = re.sub(r'\s+integrity="[^"]*"', "", html)
    html = re.sub(r"\s+crossorigin(?=[\s>])", "", html)
    if "unpkg.com" in html or "cdn" in html.lower():  # pragma: no cover - a new strawberry
        raise RuntimeError("GraphiQL still loads from a CDN: update core/api/graphiql.py")
    if not installed():
        html = html.replace(
            '<div id="graphiql" class="graphiql-container">Loading...</div>', _MISSING
        )
    return html


@cache
def _read(path: str) -> bytes:
    package, name = FILES[path]
    return (assets_dir() / package / name).read_bytes()


@get(f"{PREFIX}/{{package:str}}/{{name:str}}", cache_control=CacheControlHeader(max_age=86400))
async def graphiql_assets(package: FromPath[str], name: FromPath[str]) -> Response[bytes]:
    """One of GraphiQL's files (and nothing else from ``node_modules``)."""
    path = f"{package}/{name}"
    if path not in FILES:
        raise NotFoundException()
    try:
        content = _read(path)
    except OSError:
        raise NotFoundException() from None
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return Response(content, media_type=media)
