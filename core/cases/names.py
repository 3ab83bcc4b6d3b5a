"""Names for the worklist: the applicant's, shown and sorted by, and every member's as the
search compares them (``member_names``, migration 0015).

A search finds the files with a member whose name begins with the text typed, compared
after NFKC normalisation and case folding (full-width letters, upper and lower case are
one): through the (tenant, name) index, so that it is complete at any size.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from core.model import Household

#: the longest name key kept (names are at most 50 characters; folding may lengthen them)
KEY_LENGTH = 100


def name_key(name: str) -> str:
    """A name, or the beginning of one, as the search compares it."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()[:KEY_LENGTH]


def prefix_range(text: str) -> tuple[str, str] | None:
    """The keys that begin with ``text``: ``low <= key < high`` (code-point order), or None
    when ``text`` holds nothing to search for."""
    low = name_key(text)
    if not low:
        return None
    last = ord(low[-1])
    if last >= 0x10FFFF:  # pragma: no cover - no name ends its search text with U+10FFFF
        return low, low + "\U0010ffff"
    return low, low[:-1] + chr(last + 1)


def _members(household: Household | Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, relation) of each member, of a parsed household or of one as stored."""
    if isinstance(household, Household):
        return [(m.name, str(m.relation.value)) for m in household.members]
    return [
        (str(m.get("name") or ""), str(m.get("relation") or ""))
        for m in household.get("members") or ()
    ]


def applicant_name(household: Household | Mapping[str, Any]) -> str:
    """The applicant's name ("" when the household names none)."""
    return next((n for n, relation in _members(household) if relation == "APPLICANT"), "")


def member_keys(household: Household | Mapping[str, Any]) -> list[tuple[int, str]]:
    """(member index, name key) of every member with a name."""
    return [(i, name_key(n)) for i, (n, _) in enumerate(_members(household)) if name_key(n)]
