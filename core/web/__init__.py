"""Staff pages: local staff work their tenant's case files in tenant-branded web pages.

Server-rendered HTML (Jinja, autoescaped) under ``/staff``, next to the GraphQL API and
on the same services: the pages sign in with the same bearer tokens, open and move files
through :class:`core.cases.service.CaseService` and evaluate with
:func:`core.evaluation.evaluate`, so every rule, role and refusal is the API's.

The application mounts :func:`staff_pages` and :func:`staff_templates`
(:mod:`core.api.app`); nothing here runs for a GraphQL request.
"""

from __future__ import annotations

from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core.calendar import calendar_warning
from core.web.labels import zh
from core.web.presenters import grouped, money, period
from core.web.routes import staff_pages

TEMPLATES = Path(__file__).parent / "templates"


def _filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["money"] = money
    engine.engine.filters["period"] = period
    engine.engine.filters["zh"] = zh
    engine.engine.filters["grouped"] = grouped
    # the calendar warning every page shows, read from the server's clock at each render
    engine.engine.globals["calendar_warning"] = calendar_warning
    engine.engine.trim_blocks = True
    engine.engine.lstrip_blocks = True


def staff_templates() -> TemplateConfig[JinjaTemplateEngine]:
    """The pages' templates: Jinja with autoescaping on (litestar's default for Jinja)."""
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_filters)


__all__ = ["staff_pages", "staff_templates"]
