"""The determination record: on what facts and rules each step of a file was decided.

Every step stores a snapshot of the evaluation it was based on: the household facts (with
resident ID numbers masked), the outcome (eligibility, grounds, entitlements, checklist,
budget), every parameter value read with the date it took effect and the tenant that set
it, the rule-set identity and the plugin versions. At a re-review,
:func:`compare_determinations` says whether a change came from the facts, from the rules,
or from both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.evaluation import Evaluation
from core.parameters import ResolvedParameter

SNAPSHOT_VERSION = 1


def to_json(value: Any) -> Any:
    """Tuples to lists, Decimals to strings, dates to ISO strings: JSON all the way down."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def parameter_record(p: ResolvedParameter) -> dict[str, Any]:
    """A parameter value as the record keeps it. Made once per resolved value (the table
    keeps its resolved values, so every step decided under it shares them; a step records
    about twenty) and copied for each record."""
    made = p.__dict__.get(_RECORD)
    if made is None:
        made = {
            "name": p.name,
            "value": to_json(p.json_value()),
            "effectiveFrom": p.effective_from.isoformat(),
            "definedBy": p.defined_by,
            "source": p.source,
            "provisional": p.provisional,
        }
        # kept on the (frozen) value itself, as functools.cached_property keeps its values
        p.__dict__[_RECORD] = made
    return dict(made)


_RECORD = "_determination_record"


def snapshot(
    evaluation: Evaluation,
    facts: dict[str, Any],
    more_parameters: Iterable[ResolvedParameter] = (),
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The determination record of one step (JSON-ready)."""
    used: dict[str, ResolvedParameter] = {p.name: p for p in evaluation.parameters_used}
    for p in more_parameters:
        used.setdefault(p.name, p)
    record = {
        "version": SNAPSHOT_VERSION,
        "asOf": evaluation.as_of.isoformat(),
        "facts": facts,
        "outcome": to_json(evaluation.comparable()),
        "parameters": [parameter_record(used[name]) for name in sorted(used)],
        "ruleset": evaluation.ruleset,
        "pluginVersions": dict(evaluation.plugin_versions),
        "provisional": evaluation.provisional,
    }
    if notes:
        record["notes"] = dict(notes)
    return record


def _paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """The paths where two JSON values differ, e.g. ``members[0].monthlyIncome``."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            path = f"{prefix}.{key}" if prefix else key
            found += _paths(before.get(key), after.get(key), path)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            found += _paths(b, a, f"{prefix}[{i}]")
        return found
    return [] if before == after else [prefix or "(all)"]


@dataclass(frozen=True)
class DeterminationChange:
    """What differs between two determinations of the same file, and why."""

    facts: tuple[str, ...]  #: fact paths that changed
    parameters: tuple[str, ...]  #: parameters whose value (or effective date) changed
    ruleset_changed: bool  #: plugin versions or parameter files differ
    outcome: tuple[str, ...]  #: outcome fields that changed (eligible, entitlements ...)

    @property
    def cause(self) -> str:
        """ "facts", "rules", "both" or "none": where a change came from."""
        facts = bool(self.facts)
        rules = bool(self.parameters) or self.ruleset_changed
        if facts and rules:
            return "both"
        if facts:
            return "facts"
        if rules:
            return "rules"
        return "none"

    def describe(self) -> str:
        if not self.outcome and self.cause == "none":
            return "nothing changed"
        parts = []
        if self.outcome:
            parts.append("outcome changed: " + ", ".join(self.outcome))
        if self.facts:
            parts.append("facts changed: " + ", ".join(self.facts))
        if self.parameters:
            parts.append("parameters changed: " + ", ".join(self.parameters))
        if self.ruleset_changed:
            parts.append("rule set changed")
        return "; ".join(parts)


def compare_determinations(before: dict[str, Any], after: dict[str, Any]) -> DeterminationChange:
    """Compare two snapshots made by :func:`snapshot` (the earlier one first)."""

    def by_name(record: dict[str, Any]) -> dict[str, tuple[Any, Any, Any]]:
        return {
            p["name"]: (p["value"], p["effectiveFrom"], p["definedBy"])
            for p in record.get("parameters", ())
        }

    old, new = by_name(before), by_name(after)
    changed = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
    outcome_before, outcome_after = before.get("outcome", {}), after.get("outcome", {})
    outcome = sorted(
        k
        for k in set(outcome_before) | set(outcome_after)
        if outcome_before.get(k) != outcome_after.get(k)
    )
    return DeterminationChange(
        facts=tuple(_paths(before.get("facts"), after.get("facts"))),
        parameters=tuple(changed),
        ruleset_changed=before.get("ruleset") != after.get("ruleset")
        or before.get("pluginVersions") != after.get("pluginVersions"),
        outcome=tuple(outcome),
    )
