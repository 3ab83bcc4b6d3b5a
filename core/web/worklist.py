"""The worklist page's address: what it asks for, read from the query string (so a list
can be bookmarked), and the links of its tabs, column heads and pages.

The list itself is the case service's (:meth:`core.cases.service.CaseService.worklist`):
views, filter, search, order, counts and pages are done by the database. What is typed in
the search box is an ID number when it looks like one (found through its keyed hash),
else the beginning of a member's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from core.cases.worklist import (
    MAX_LINES,
    PAGE,
    SORT_CODES,
    SORTS,
    VIEW_CODES,
    VIEWS,
    WorklistQuery,
)

__all__ = ["PAGE", "SORTS", "VIEWS", "Query", "looks_like_id_number"]

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def looks_like_id_number(text: str) -> bool:
    return bool(_ID_NUMBER.match(text.strip()))


@dataclass(frozen=True)
class Query:
    """What the worklist was asked for (from the address: bookmarkable)."""

    view: str = "mine"
    status: str = ""
    q: str = ""
    sort: str = "due"
    desc: bool = False
    page: int = 0

    @classmethod
    def read(cls, params: dict[str, Any]) -> Query:
        def one(key: str) -> str:
            value = params.get(key)
            return value.strip()[:64] if isinstance(value, str) else ""

        view = one("view") if one("view") in VIEW_CODES else "mine"
        sort = one("sort") if one("sort") in SORT_CODES else "due"
        page = one("page")
        return cls(
            view=view,
            status=one("status"),
            q=one("q"),
            sort=sort,
            desc=one("order") == "desc",
            page=int(page) if page.isdigit() and len(page) < 6 else 0,
        )

    @property
    def by_id_number(self) -> bool:
        return bool(self.q) and looks_like_id_number(self.q)

    def asked(self, whole: bool = False) -> WorklistQuery:
        """The case service's query for this page, or (``whole``) for every line of the
        list from the first, as many as an answer holds (the export)."""
        return WorklistQuery(
            view=self.view,
            status=self.status,
            name="" if self.by_id_number else self.q,
            id_number=self.q if self.by_id_number else "",
            sort=self.sort,
            desc=self.desc,
            offset=0 if whole else self.page * PAGE,
            limit=MAX_LINES if whole else PAGE,
        )

    def link(self, **changed: Any) -> str:
        """The query string of this list with some parameters changed."""
        values = {
            "view": self.view,
            "status": self.status,
            "q": self.q,
            "sort": self.sort,
            "order": "desc" if self.desc else "asc",
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changed.items()})
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", "0")})
