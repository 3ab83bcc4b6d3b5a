"""Discovering tenant plugins and stacking them into tenants.

Plugins are found through the ``bangfu.tenants`` entry-point group (the bundled ones are
registered the same way, in ``pyproject.toml``); the entry-point name is the tenant code.
Each plugin is checked on its own (its hooks against :mod:`core.hookspecs`, its parameter
files, its programmes), then stacked with its ancestors into a :class:`Tenant` with a
plugin manager of its own: national -> province -> city, most specific answering first.

A plugin that fails to load, or whose chain is broken, becomes a :class:`LoadProblem`
naming the plugin, what went wrong and what to do; every other tenant keeps serving.

``BANGFU_TENANTS=hebei,gansu`` loads only the named tenants (and their ancestors).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs, settings
from core.errors import closest, not_found
from core.hookcalls import HookCall
from core.hookspecs import PROJECT
from core.model import TenantLevel
from core.parameters import (
    ParameterDefinition,
    ParameterFileError,
    Parameters,
    ParameterTable,
    load_parameter_folder,
    merge_chain,
)
from core.plugin import CODE_PATTERN, COLOUR_PATTERN, Branding, TenantInfo
from core.rules import Population, Programme, UtilityRule

ENTRY_POINT_GROUP = "bangfu.tenants"
ONLY_ENV = settings.env_name("tenants")
NATIONAL = "national"
NATIONAL_PROGRAMMES = {
    "living_relief",
    "medical_relief",
    "education_grant",
    "public_rental_housing",
}

log = logging.getLogger("bangfu.registry")


def make_plugin_manager() -> pluggy.PluginManager:
    """A fresh manager with the hook contract: never a module global, so tests and tenants
    never share registrations."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


@dataclass(frozen=True)
class LoadProblem:
    """A plugin or tenant that could not be loaded, and why."""

    plugin: str
    reason: str


@dataclass
class PluginRecord:
    """One plugin, loaded and checked on its own: a level of some tenant's stack."""

    name: str
    plugin: Any
    info: TenantInfo
    version: str
    parameters: list[ParameterDefinition]
    programmes: list[Programme]
    utilities: list[UtilityRule]
    case_folder: Path | None
    parameter_folder: Path | None
    populations: list[Population] = field(default_factory=list)


@dataclass
class Tenant:
    """A tenant ready to evaluate: its stack of plugins and everything merged from them."""

    info: TenantInfo
    stack: list[PluginRecord]  #: root (national) first, the tenant's own plugin last
    pm: pluggy.PluginManager
    parameter_table: ParameterTable
    programmes: list[Programme]
    utilities: list[UtilityRule]
    branding: Branding
    ruleset: str  #: identity of the rule set: plugin versions and parameter files, hashed
    #: every population of the stack (a child's added to, or declared replacing, its
    #: parents'), root first
    populations: list[Population] = field(default_factory=list)
    _calls: dict[str, HookCall] = field(default_factory=dict, repr=False, compare=False)
    _ranked: list[tuple[int, Population]] | None = field(default=None, repr=False, compare=False)
    _version_pairs: tuple[tuple[str, str], ...] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def call(self, hook: str) -> HookCall:
        """The hook ``hook`` of this tenant's stack, as the evaluation calls it (see
        :mod:`core.hookcalls`); the stack is fixed once loaded, so this is built once."""
        found = self._calls.get(hook)
        if found is None:
            found = self._calls[hook] = HookCall(self.pm, hook)
        return found

    def ranked_populations(self) -> list[tuple[int, Population]]:
        """The populations with their place in the stack, the strongest file first (highest
        rank, then the most specific plugin): the order an evaluation gives its reasons in."""
        if self._ranked is None:
            self._ranked = sorted(
                enumerate(self.populations),
                key=lambda o: (-o[1].rank if o[1].opens_file else 1, -o[0]),
            )
        return self._ranked

    @property
    def version(self) -> str:
        return self.stack[-1].version

    @property
    def chain(self) -> list[str]:
        return [r.info.code for r in self.stack]

    @property
    def plugin_versions(self) -> dict[str, str]:
        return {r.info.code: r.version for r in self.stack}

    @property
    def plugin_version_pairs(self) -> tuple[tuple[str, str], ...]:
        """``plugin_versions`` as pairs, as every evaluation carries them (built once)."""
        if self._version_pairs is None:
            self._version_pairs = tuple(self.plugin_versions.items())
        return self._version_pairs

    def parameters(self, on: date) -> Parameters:
        return Parameters(self.parameter_table, on)

    def case_folders(self) -> list[tuple[str, Path]]:
        return [(r.info.code, r.case_folder) for r in self.stack if r.case_folder]


@dataclass
class Registry:
    tenants: dict[str, Tenant] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    records: dict[str, PluginRecord] = field(default_factory=dict)

    def get(self, code: str) -> Tenant:
        tenant = self.tenants.get(code)
        if tenant is None:
            known = ", ".join(self.tenants) or "none"
            raise not_found(
                f"unknown tenant {code!r} (known: {known})",
                f"没有地区 {code}",
                tenant=code,
            )
        return tenant

    def ordered(self) -> list[Tenant]:
        """Every tenant in a stable order: national, then each province followed by its
        cities, alphabetically at each level."""
        return sorted(self.tenants.values(), key=lambda t: t.chain)

    def regional(self) -> list[Tenant]:
        """Province and city tenants, in the stable order of :meth:`ordered`."""
        return [t for t in self.ordered() if t.info.level is not TenantLevel.NATIONAL]


# --------------------------------------------------------------------------- loading
def _problem(problems: list[LoadProblem], plugin: str, reason: str) -> None:
    log.error("tenant plugin %s not loaded: %s", plugin, reason)
    problems.append(LoadProblem(plugin, reason))


def _ask(plugin: Any, name: str, hook: str) -> Any:
    """Call one declaration hook of one plugin alone (a fresh, single-plugin manager)."""
    pm = make_plugin_manager()
    pm.register(plugin, name=name)
    result = getattr(pm.hook, hook)()
    if isinstance(result, list):  # non-firstresult hooks: one answer per plugin, here one
        return result[0] if result else None
    return result


_UNKNOWN_HOOK = re.compile(r"unknown hook '([^']+)'")
#: every hook a plugin may implement (core/hookspecs.py)
HOOK_NAMES = tuple(n for n in dir(hookspecs) if n.startswith("bangfu_"))


def _describe_plugin_error(name: str, exc: BaseException) -> str:
    text = str(exc)
    if "unknown hook" in text or ("hook" in text and "spec" in text):
        found = _UNKNOWN_HOOK.search(text)
        meant = closest(found.group(1), HOOK_NAMES) if found else None
        hint = f"; did you mean {meant!r}?" if meant else "."
        return (
            f"{text}{hint} Check the hook name against core/hookspecs.py "
            "(every hook starts with 'bangfu_')"
        )
    return f"{type(exc).__name__}: {text}"


def load_plugin(name: str, plugin: Any, version: str) -> PluginRecord:
    """Check one plugin on its own and read its declarations. Raises on any problem."""
    if isinstance(plugin, type):
        raise TypeError(
            f"{name} is registered as a class; plugins are modules or instances. "
            "Have you forgotten the '()'?"
        )
    pm = make_plugin_manager()
    pm.register(plugin, name=name)
    pm.check_pending()  # a misspelled hook fails loudly here
    info = pm.hook.bangfu_tenant()
    if not isinstance(info, TenantInfo):
        raise TypeError("bangfu_tenant must return a core.plugin.TenantInfo")
    if not CODE_PATTERN.match(info.code):
        raise ValueError(f"tenant code {info.code!r} must be lower-case letters, digits, '_'")
    if info.code != name:
        raise ValueError(
            f"the entry point is named {name!r} but the plugin says it is tenant "
            f"{info.code!r}; name the entry point after the tenant code"
        )
    if (info.parent is None) != (info.level is TenantLevel.NATIONAL):
        raise ValueError("only the NATIONAL level has no parent; every other tenant needs one")
    folder = _ask(plugin, name, "bangfu_parameter_folder")
    parameters = load_parameter_folder(Path(folder), info.code) if folder else []
    programmes = list(_ask(plugin, name, "bangfu_programmes") or [])
    utilities = list(_ask(plugin, name, "bangfu_utility_discounts") or [])
    populations = list(_ask(plugin, name, "bangfu_populations") or [])
    for pop in populations:
        if not isinstance(pop, Population):
            raise TypeError(
                f"bangfu_populations returned {type(pop).__name__}; "
                "it must return core.plugin.Population objects"
            )
        if not callable(pop.test):
            raise TypeError(f"population {pop.code!r}: test must be a function")
    for u in utilities:
        if not isinstance(u, UtilityRule):
            raise TypeError(
                f"bangfu_utility_discounts returned {type(u).__name__}; "
                "it must return core.plugin.UtilityRule objects"
            )
    for p in programmes:
        if not isinstance(p, Programme):
            raise TypeError(
                f"bangfu_programmes returned {type(p).__name__}; "
                "it must return core.plugin.Programme objects"
            )
        if not callable(p.compute):
            raise TypeError(f"programme {p.code!r}: compute must be a function")
        if "." in p.code and not p.code.startswith(f"{info.code}."):
            raise ValueError(
                f"programme {p.code!r}: a tenant's own programme is named '{info.code}.<code>'"
            )
        if "." not in p.code and p.code not in NATIONAL_PROGRAMMES:
            raise ValueError(
                f"programme {p.code!r} is not in the national vocabulary; "
                f"name it '{info.code}.{p.code}'"
            )
    branding = pm.hook.bangfu_branding()
    if branding is not None and not COLOUR_PATTERN.match(branding.primary_color):
        raise ValueError(f"branding colour {branding.primary_color!r} is not '#rrggbb'")
    cases = _ask(plugin, name, "bangfu_case_folder")
    return PluginRecord(
        name=name,
        plugin=plugin,
        info=info,
        version=version,
        parameters=parameters,
        programmes=programmes,
        utilities=utilities,
        case_folder=Path(cases) if cases else None,
        parameter_folder=Path(folder) if folder else None,
        populations=populations,
    )


def _merge_keyed(
    kind: str, stack: list[PluginRecord], attr: str, key: str
) -> tuple[list, list[str]]:
    merged: dict[str, tuple[str, Any]] = {}
    problems = []
    for record in stack:
        for item in getattr(record, attr):
            k = getattr(item, key)
            earlier = merged.get(k)
            if earlier and not item.replaces:
                problems.append(
                    f"{kind} {k}: {record.info.code} offers it again although "
                    f"{earlier[0]} already does; set replaces=True in {record.info.code} "
                    "if the replacement is intended"
                )
                continue
            if item.replaces and not earlier:
                problems.append(
                    f"{kind} {k}: {record.info.code} says replaces=True but no parent offers it"
                )
            merged[k] = (record.info.code, item)
    return [item for _, item in merged.values()], problems


def _ruleset(stack: list[PluginRecord]) -> str:
    digest = hashlib.sha256()
    for r in stack:
        digest.update(f"{r.info.code}={r.version};".encode())
        for d in sorted(r.parameters, key=lambda d: d.name):
            digest.update(d.name.encode())
            digest.update(d.path.read_bytes())
    return digest.hexdigest()[:16]


def build_tenant(stack: list[PluginRecord]) -> Tenant:
    """Stack checked plugins (root first) into a tenant; raises ValueError on clashes."""
    code = stack[-1].info.code
    table, problems = merge_chain(code, [(r.info.code, r.parameters) for r in stack])
    programmes, more = _merge_keyed("programme", stack, "programmes", "code")
    problems += more
    utilities, more = _merge_keyed("utility discount", stack, "utilities", "utility")
    problems += more
    populations, more = _merge_keyed("population", stack, "populations", "code")
    problems += more
    known = {p.code for p in populations}
    for item in [*programmes, *utilities]:
        wanted = getattr(item, "population", None)
        if wanted is not None and wanted not in known:
            what = getattr(item, "code", None) or getattr(item, "utility", "?")
            problems.append(
                f"{what} serves population {wanted!r}, which no plugin of {code}'s chain "
                f"declares (declared: {', '.join(sorted(known)) or 'none'})"
            )
    if problems:
        raise ValueError("; ".join(problems))
    pm = make_plugin_manager()
    for record in stack:  # pluggy calls the last registered first: the city answers first
        pm.register(record.plugin, name=record.info.code)
    branding = pm.hook.bangfu_branding() or Branding(display_name=stack[-1].info.name)
    return Tenant(
        info=stack[-1].info,
        stack=stack,
        pm=pm,
        parameter_table=table,
        programmes=programmes,
        utilities=utilities,
        branding=branding,
        ruleset=_ruleset(stack),
        populations=populations,
    )


def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def load_registry(
    only: Iterable[str] | None = None,
    plugins: Iterable[tuple[str, Any]] = (),
    use_entry_points: bool = True,
) -> Registry:
    """Discover, check and stack every tenant.

    :param only: tenant codes to load (with their ancestors); default: ``$BANGFU_TENANTS``
        when set, else every discovered tenant.
    :param plugins: extra ``(name, plugin)`` pairs registered as if discovered (tests,
        embedding applications).
    :param use_entry_points: False to load only ``plugins``.
    """
    if only is None and settings.get("tenants"):
        only = [c.strip() for c in settings.get("tenants").split(",") if c.strip()]
    wanted = set(only) if only is not None else None
    registry = Registry()
    # name -> (entry point or plugin, version, whether it is an entry point to load): told
    # apart by where it came from, not by type (a library that brings in the
    # importlib_metadata backport hands out entry points of another class)
    sources: dict[str, tuple[Any, str, bool]] = {}
    if use_entry_points:
        for name, ep in _entry_points().items():
            version = ep.dist.version if ep.dist else "unknown"
            sources[name] = (ep, version, True)
    for name, plugin in plugins:
        sources[name] = (plugin, getattr(plugin, "__version__", "local"), False)

    def load(name: str) -> PluginRecord | None:
        if name in registry.records:
            return registry.records[name]
        if name not in sources:
            return None
        loader, version, is_entry_point = sources[name]
        try:
            plugin = loader.load() if is_entry_point else loader
            version = getattr(plugin, "__version__", None) or version
            record = load_plugin(name, plugin, version)
        except (ParameterFileError, pluggy.PluginValidationError) as exc:
            _problem(registry.problems, name, _describe_plugin_error(name, exc))
            return None
        except Exception as exc:
            _problem(registry.problems, name, _describe_plugin_error(name, exc))
            return None
        registry.records[name] = record
        return record

    names = sorted(sources) if wanted is None else sorted(wanted)
    for name in names:
        if name not in sources:
            _problem(registry.problems, name, f"no plugin named {name!r} in '{ENTRY_POINT_GROUP}'")
            continue
        record = load(name)
        if record is None:
            continue
        stack = [record]
        seen = {record.info.code}
        broken = None
        while stack[0].info.parent is not None:
            parent_code = stack[0].info.parent
            if parent_code in seen:
                broken = f"its chain of parents loops back to {parent_code!r}"
                break
            parent = load(parent_code)
            if parent is None:
                why = next(
                    (p.reason for p in registry.problems if p.plugin == parent_code),
                    "no such tenant was discovered",
                )
                broken = f"its parent {parent_code!r} is not available ({why})"
                break
            seen.add(parent_code)
            stack.insert(0, parent)
        if broken is None and stack[0].info.code != NATIONAL:
            broken = f"its chain ends at {stack[0].info.code!r} instead of 'national'"
        if broken:
            _problem(registry.problems, name, broken)
            continue
        try:
            registry.tenants[record.info.code] = build_tenant(stack)
        except Exception as exc:
            _problem(registry.problems, name, str(exc))
    return registry


def plugin_module_folder(module: ModuleType, folder: str) -> Path:
    """``<package folder>/<folder>``: where a plugin keeps its parameters or cases."""
    return Path(module.__file__).parent / folder  # type: ignore[arg-type]
