"""Sources of comparison: what a tenant compares its households' declarations with.

A plugin declares its sources with the hook ``bangfu_verification_sources``
(:mod:`core.hookspecs`); a tenant has the sources of its whole stack, a child's added to
its parents' (one with a parent's code must say ``replaces=True``). Each source says
which roster fields it gives, under which column headings its files carry them, the
clause that has the union compare with it, and how its rosters arrive (an adapter: files
by default, see :mod:`core.verification.adapters`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import bad_input, closest
from core.verification.facts import FACTS, ID_FIELD, ROSTER_FIELDS

if TYPE_CHECKING:
    from core.registry import Tenant
    from core.verification.adapters import RosterAdapter

HOOK = "bangfu_verification_sources"


@dataclass(frozen=True)
class VerificationSource:
    """A register the union compares declarations with (民政低保名册, 社保参保记录 ...).

    ``headings`` maps each roster field it gives (:data:`core.verification.facts.ROSTER_FIELDS`,
    and ``id_number``) to the column headings its files may use for it; the first row of
    a file names the columns, in any order.
    """

    code: str  #: e.g. "dibao_roster"
    zh: str  #: e.g. "民政部门低保名册"
    en: str
    authority: str  #: who keeps it, e.g. "民政部门"
    headings: Mapping[str, tuple[str, ...]]
    basis: str  #: the clause that has the union compare with it
    adapter: RosterAdapter | None = None  #: None: rosters arrive as files (CSV, XLSX)
    replaces: bool = False  #: replaces a parent's source of the same code
    fields: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        unknown = set(self.headings) - set(ROSTER_FIELDS) - {ID_FIELD}
        if unknown:
            raise ValueError(
                f"source {self.code}: unknown roster fields {sorted(unknown)}; "
                f"known: {', '.join([ID_FIELD, *ROSTER_FIELDS])}"
            )
        if ID_FIELD not in self.headings:
            raise ValueError(f"source {self.code}: the headings must name the {ID_FIELD} column")
        headings = {k: tuple(v) for k, v in self.headings.items()}
        object.__setattr__(self, "headings", headings)
        object.__setattr__(self, "fields", tuple(f for f in ROSTER_FIELDS if f in headings))

    @property
    def facts(self) -> tuple[str, ...]:
        """The declared facts its rosters are compared with."""
        return tuple(code for code, fact in FACTS.items() if fact.needs in self.fields)


_cache: dict[tuple[str, str], dict[str, VerificationSource]] = {}


def sources_of(tenant: Tenant) -> dict[str, VerificationSource]:
    """The tenant's sources by code: its stack's, root first, a child's added (or, declared,
    replacing a parent's). A source declared twice without ``replaces`` is an error naming
    both plugins."""
    key = (tenant.code, tenant.ruleset)
    found = _cache.get(key)
    if found is not None:
        return found
    from core.registry import _ask

    merged: dict[str, tuple[str, VerificationSource]] = {}
    for record in tenant.stack:
        answer: Any = _ask(record.plugin, record.info.code, HOOK) or []
        for source in answer:
            if not isinstance(source, VerificationSource):
                raise TypeError(
                    f"{record.info.code}: {HOOK} returned {type(source).__name__}; "
                    "return a list of core.verification.sources.VerificationSource"
                )
            earlier = merged.get(source.code)
            if earlier and not source.replaces:
                raise ValueError(
                    f"verification source {source.code}: {record.info.code} declares it again "
                    f"although {earlier[0]} already does; set replaces=True if intended"
                )
            merged[source.code] = (record.info.code, source)
    found = _cache[key] = {code: source for code, (_, source) in merged.items()}
    return found


def source_of(tenant: Tenant, code: str) -> VerificationSource:
    """The tenant's source ``code``, or ``BAD_INPUT`` naming the ones it has."""
    sources = sources_of(tenant)
    source = sources.get(code)
    if source is None:
        near = closest(code, sources)
        hint = f" (did you mean {near}?)" if near else ""
        raise bad_input(
            f"{tenant.code} has no verification source {code!r}{hint}; it has: "
            f"{', '.join(sorted(sources)) or 'none'}",
            f"本地区没有核对来源“{code}”;现有:{'、'.join(sorted(sources)) or '无'}",
            source=code,
        )
    return source
