"""The product's app without :class:`core.observe.Observed` (no request metrics, no request
log line, no request id): the baseline of ``bench_observe``. Not part of the product."""

from __future__ import annotations

from typing import Any

import core.api.app as app_module


class _Passthrough:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def create_app() -> Any:
    app_module.Observed = _Passthrough  # type: ignore[misc]
    return app_module.create_app()
