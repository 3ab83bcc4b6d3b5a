"""Parameters as dated data: the figures of a policy, each with the date and the clause.

A plugin ships a folder of small YAML files, one parameter a file; the path names the
parameter (``parameters/dibao/standard_monthly.yaml`` is ``dibao.standard_monthly``)::

    description: 低保标准, the local minimum living guarantee per person per month
    type: money            # money | rate | number | integer | schedule | text | boolean
    unit: yuan/person/month
    overrides: false       # true when this plugin deliberately replaces a parent's value
    values:
      2025-01-01:
        value: 780
        source: "illustrative: no seed gives the figure"
      2026-01-01:
        value: 800
        source: "illustrative: ..."
        provisional: true  # published as a draft; evaluations reading it say so

A tenant resolves a parameter at a date through its chain (city -> province -> national):
the most specific level holding a value in force on that date answers, and
:attr:`ResolvedParameter.defined_by` names it. A parameter with no value is an error naming
tenant, parameter and date (:class:`core.errors.MissingParameter`), never a zero.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from core.errors import MissingParameter, closest
from core.money import to_basis_points, to_fen
from core.schedules import BracketSchedule

TYPES = ("money", "rate", "number", "integer", "schedule", "text", "boolean")
FILE_KEYS = {"description", "type", "unit", "overrides", "values", "reference"}
VALUE_KEYS = {"value", "source", "provisional", "note"}


class ParameterFileError(ValueError):
    """A parameter file that cannot be loaded; the message names the file and the fix."""


@dataclass(frozen=True)
class DatedValue:
    effective_from: date
    value: Any  #: as written, normalised (Decimal, int, str, bool or schedule data)
    native: Any  #: what rules compute with: fen, basis points, int, BracketSchedule ...
    source: str
    provisional: bool = False


@dataclass(frozen=True)
class ParameterDefinition:
    """One parameter as one plugin defines it: its whole timeline."""

    name: str
    type: str
    unit: str | None
    description: str
    overrides: bool
    values: tuple[DatedValue, ...]
    defined_by: str  #: tenant code of the plugin that ships the file
    path: Path

    def at(self, on: date) -> DatedValue | None:
        starts = [v.effective_from for v in self.values]
        i = bisect.bisect_right(starts, on) - 1
        return self.values[i] if i >= 0 else None


@dataclass(frozen=True)
class ResolvedParameter:
    """A parameter's value in force for a tenant on a date (the contract's ``Parameter``)."""

    name: str
    type: str
    unit: str | None
    description: str
    value: Any
    native: Any
    effective_from: date
    source: str
    defined_by: str
    provisional: bool

    def json_value(self) -> Any:
        """The value as JSON: money and rates as strings, schedules as mappings."""
        if isinstance(self.native, BracketSchedule):
            return self.native.to_data()
        if isinstance(self.value, Decimal):
            return f"{self.value:.2f}" if self.type == "money" else str(self.value)
        return self.value

    def describe(self) -> str:
        """One line for an explanation: value, who set it, since when, on what authority."""
        shown = self.native.kind if isinstance(self.native, BracketSchedule) else self.json_value()
        unit = f" {self.unit}" if self.unit and self.type != "schedule" else ""
        flag = ", provisional" if self.provisional else ""
        return (
            f"{self.name} = {shown}{unit} (set by {self.defined_by}, in force from "
            f"{self.effective_from.isoformat()}{flag}; source: {self.source})"
        )

    def describe_zh(self) -> str:
        """The line in Chinese, as an explanation shows it (made once per resolved value:
        the table keeps its resolved values, and every explanation that read it shows it)."""
        return self._line_zh

    @cached_property
    def explanation_line(self) -> str:
        """The line an amount's explanation shows for this value: "参数 " and
        :meth:`describe_zh` (made once per resolved value, as that line)."""
        return f"参数 {self._line_zh}"

    @cached_property
    def _line_zh(self) -> str:
        shown = self.native.kind if isinstance(self.native, BracketSchedule) else self.json_value()
        unit = f" {self.unit}" if self.unit and self.type != "schedule" else ""
        flag = ",暂定" if self.provisional else ""
        return (
            f"{self.name} = {shown}{unit}(由 {self.defined_by} 设定,自 "
            f"{self.effective_from.isoformat()} 起施行{flag};依据:{self.source})"
        )


def _normalise(kind: str, raw: Any) -> tuple[Any, Any]:
    """(value as written, native form) for a value of ``kind``; raises ValueError."""
    if kind in ("money", "rate", "number"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
            raise ValueError(f"expected a number, got {raw!r}")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not value.is_finite() or value < 0:
            raise ValueError(f"expected a finite number >= 0, got {raw!r}")
        if kind == "money":
            return value.quantize(Decimal("0.01")), to_fen(value)
        if kind == "rate":
            if value > 1:
                raise ValueError(f"a rate is a fraction between 0 and 1, got {raw!r}")
            return value, to_basis_points(value)
        return value, value
    if kind == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(f"expected a whole number >= 0, got {raw!r}")
        return raw, raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false, got {raw!r}")
        return raw, raw
    if kind == "text":
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"expected a non-empty text, got {raw!r}")
        return raw, raw
    schedule = BracketSchedule.from_data(raw)
    return schedule.to_data(), schedule


def value_problem(kind: str, raw: Any) -> str | None:
    """What is wrong with ``raw`` as a value of a parameter of type ``kind`` (None: it is
    a good one), as a parameter file would be told."""
    try:
        _normalise(kind, raw)
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc)
    return None


class _DatesAsText(yaml.SafeLoader):
    """The safe loader, reading dates as text: a day that does not exist (2024-02-30) is
    then reported with its file and key instead of failing inside the YAML parser."""


_DatesAsText.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _date_key(key: Any) -> date | None:
    if isinstance(key, date):
        return key
    try:
        return date.fromisoformat(str(key)) if len(str(key)) == 10 else None
    except ValueError:
        return None


def load_parameter_file(path: Path, root: Path, tenant: str) -> ParameterDefinition:
    """Load and check one parameter file. The error names the file and what to fix."""
    name = ".".join(path.relative_to(root).with_suffix("").parts)

    def fail(problem: str) -> ParameterFileError:
        return ParameterFileError(f"{tenant}: parameter file {path}: {problem}")

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DatesAsText)
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise fail("expected a mapping with description, type, unit and values")
    unknown = set(data) - FILE_KEYS
    if unknown:
        raise fail(f"unknown keys {', '.join(sorted(map(str, unknown)))}")
    kind = data.get("type")
    if kind not in TYPES:
        raise fail(f"'type' must be one of {', '.join(TYPES)}, not {kind!r}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail("'description' is required")
    values = data.get("values")
    if not isinstance(values, dict) or not values:
        raise fail("'values' must map effective dates (YYYY-MM-DD) to a value and a source")
    dated = []
    for key, entry in values.items():
        when = _date_key(key)
        if when is None:
            raise fail(
                f"values: the key {key!r} is not a date (write an existing day as YYYY-MM-DD)"
            )
        if not isinstance(entry, dict) or "value" not in entry:
            raise fail(f"{when}: expected a mapping with 'value' and 'source'")
        unknown = set(entry) - VALUE_KEYS
        if unknown:
            raise fail(f"{when}: unknown keys {', '.join(sorted(map(str, unknown)))}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise fail(
                f"{when}: every value needs a 'source': a clause of a policy document, or "
                "'illustrative: <why>' where no document gives the figure"
            )
        try:
            value, native = _normalise(kind, entry["value"])
        except ValueError as exc:
            raise fail(f"{when}: {exc}") from None
        dated.append(
            DatedValue(when, value, native, source.strip(), bool(entry.get("provisional", False)))
        )
    dated.sort(key=lambda v: v.effective_from)
    return ParameterDefinition(
        name=name,
        type=kind,
        unit=data.get("unit"),
        description=description.strip(),
        overrides=bool(data.get("overrides", False)),
        values=tuple(dated),
        defined_by=tenant,
        path=path,
    )


def load_parameter_folder(root: Path, tenant: str) -> list[ParameterDefinition]:
    if not root.is_dir():
        raise ParameterFileError(f"{tenant}: parameter folder {root} does not exist")
    return [load_parameter_file(p, root, tenant) for p in sorted(root.rglob("*.yaml"))]


@dataclass
class ParameterTable:
    """A tenant's parameters: for each name, the definitions from most to least specific."""

    tenant: str
    chains: dict[str, list[ParameterDefinition]] = field(default_factory=dict)
    #: resolved values by date, then name; the table never changes once built
    _resolved: dict[date, dict[str, ResolvedParameter]] = field(default_factory=dict, repr=False)

    def names(self) -> list[str]:
        return sorted(self.chains)

    def resolve(self, name: str, on: date) -> ResolvedParameter:
        found = self.on_date(on).get(name)
        if found is None:
            found = self.on_date(on)[name] = self._resolve(name, on)
        return found

    def on_date(self, on: date) -> dict[str, ResolvedParameter]:
        """The values resolved so far for ``on``, by name (filled as they are read)."""
        found = self._resolved.get(on)
        if found is None:
            if len(self._resolved) > 2_000:  # bounded: many dates in a long review
                self._resolved.clear()
            found = self._resolved[on] = {}
        return found

    def _resolve(self, name: str, on: date) -> ResolvedParameter:
        definitions = self.chains.get(name)
        if not definitions:
            raise MissingParameter(
                self.tenant,
                name,
                on,
                "no plugin in the chain defines it",
                unknown=True,
                meant=closest(name, self.chains),
            )
        for d in definitions:
            v = d.at(on)
            if v is not None:
                return ResolvedParameter(
                    name=name,
                    type=d.type,
                    unit=d.unit,
                    description=d.description,
                    value=v.value,
                    native=v.native,
                    effective_from=v.effective_from,
                    source=v.source,
                    defined_by=d.defined_by,
                    provisional=v.provisional,
                )
        earliest = min(d.values[0].effective_from for d in definitions)
        raise MissingParameter(self.tenant, name, on, f"the earliest value takes effect {earliest}")

    def resolve_all(self, on: date) -> dict[str, ResolvedParameter]:
        """Every parameter with a value on ``on`` (those without one are left out)."""
        out = {}
        for name in self.names():
            try:
                out[name] = self.resolve(name, on)
            except MissingParameter:
                continue
        return out


class Parameters:
    """What a rule reads parameters through: typed, dated, and every read recorded.

    ``parameters.money("dibao.standard_monthly")`` gives fen; ``rate`` gives basis points;
    ``schedule`` a :class:`core.schedules.BracketSchedule`. Reads are remembered so that an
    explanation can name each value used, who set it, and the date it took effect.
    """

    __slots__ = ("_cache", "_provisional", "_table", "on", "reads", "tenant")

    def __init__(self, table: ParameterTable, on: date) -> None:
        self.tenant = table.tenant
        self.on = on
        self._table = table
        #: the table's values for the date, shared by every evaluation on that date
        self._cache: dict[str, ResolvedParameter] = table.on_date(on)
        self.reads: list[ResolvedParameter] = []
        self._provisional = False  #: whether a value taken from ``reads`` is provisional

    def get(self, name: str) -> ResolvedParameter:
        p = self._cache.get(name)
        if p is None:
            p = self._cache[name] = self._table.resolve(name, self.on)
        self.reads.append(p)
        return p

    def money(self, name: str) -> int:
        return self._typed(name, "money")

    def rate(self, name: str) -> int:
        return self._typed(name, "rate")

    def number(self, name: str) -> Decimal:
        return self._typed(name, "number")

    def integer(self, name: str) -> int:
        return self._typed(name, "integer")

    def schedule(self, name: str) -> BracketSchedule:
        return self._typed(name, "schedule")

    def text(self, name: str) -> str:
        return self._typed(name, "text")

    def flag(self, name: str) -> bool:
        return self._typed(name, "boolean")

    def _typed(self, name: str, kind: str) -> Any:
        p = self._cache.get(name)  # get(), inlined: the hot path of every rule
        if p is None:
            p = self._cache[name] = self._table.resolve(name, self.on)
        self.reads.append(p)
        if p.type != kind:
            raise TypeError(f"parameter {name} is of type {p.type}, read as {kind}")
        return p.native

    def take_reads(self) -> list[ResolvedParameter]:
        """The values read since the last call, each once, in first-read order."""
        seen: dict[str, ResolvedParameter] = {}
        for p in self.reads:
            if p.name not in seen:
                seen[p.name] = p
                if p.provisional:
                    self._provisional = True
        self.reads = []
        return list(seen.values())

    @property
    def provisional(self) -> bool:
        """Whether any value read through these parameters is provisional."""
        return self._provisional or any(p.provisional for p in self.reads)


def merge_chain(
    tenant: str, levels: Iterable[tuple[str, list[ParameterDefinition]]]
) -> tuple[ParameterTable, list[str]]:
    """Stack the definitions of a chain (root first) into a table; report undeclared clashes.

    A definition that redefines an ancestor's parameter must say ``overrides: true``; one
    that says so with nothing to override is reported too (likely a misspelled name).
    """
    table = ParameterTable(tenant)
    problems: list[str] = []
    for _level, definitions in levels:
        for d in definitions:
            earlier = table.chains.get(d.name)
            if earlier and not d.overrides:
                problems.append(
                    f"parameter {d.name}: {d.defined_by} ({d.path}) redefines the value of "
                    f"{earlier[0].defined_by} ({earlier[0].path}) without declaring it; add "
                    "'overrides: true' to the child's file if the replacement is intended"
                )
                continue
            if d.overrides and not earlier:
                problems.append(
                    f"parameter {d.name}: {d.defined_by} ({d.path}) declares 'overrides: true' "
                    "but no parent defines it; check the name"
                )
            table.chains.setdefault(d.name, []).insert(0, d)
    return table, problems


def iter_reads(reads: Iterable[ResolvedParameter]) -> Iterator[str]:
    for p in reads:
        yield "parameter " + p.describe()
