"""Workflow scenarios: a file walked through a tenant's procedure, step by step.

A scenario is a case with ``steps`` instead of ``expected`` evaluation results; it runs
in memory (:class:`core.workflow.simulation.SimulatedCase`), through the same engine the
service uses::

    - name: H8 approval waits for the 5th working day of public notice
      tenant: [hebei, demo_city]
      household: {members: [{name: 张伟, relation: APPLICANT, seriousIllness: true}],
                  annualMedicalOutOfPocket: "30000"}
      opened: {by: caseworker/wang, on: 2026-09-21}
      urgent: false                              # optional
      admittedOnGround: {f: 18999}               # optional: files already admitted by ground
      steps:
        - {action: review, by: reviewer/li, on: 2026-09-22}
        - {action: publish, by: reviewer/li, on: 2026-09-28}
        - {action: approve, by: approver/zhao, on: 2026-10-09,
           refused: {code: RULE_VIOLATION, guard: notice_period_elapsed}}
        - {action: approve, by: approver/zhao, on: 2026-10-10}
      expected: {status: approved, deadlines: {review: 2026-09-24}}

A step may say what the file holds when it is tried (``onFile``): the facts with a
verification difference still waiting and the kinds of evidence document on it, e.g.
``onFile: {differences: [wage], evidence: [medical_bill]}`` (none by default).

``expected`` may also name ``recordedGrounds`` (the grounds a person recorded on the file,
e.g. ``[g]``) and ``entitlements`` (``{living_relief: true}``: granted or not by the file's
evaluation on its last step's date, with its recorded grounds).

A refused step must be refused with that code (and by that guard, when named) and change
nothing; the conformance kit also requires every guard of a procedure to be exercised by
a refused step of some scenario (``guards-exercised``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import BangfuError
from core.registry import Tenant

SCENARIO_KEYS = {
    "name",
    "tenant",
    "household",
    "opened",
    "urgent",
    "admittedOnGround",
    "steps",
    "expected",
    "tags",
}
STEP_KEYS = {"action", "by", "on", "comment", "household", "refused", "onFile"}
ON_FILE_KEYS = {"differences", "evidence"}


class ScenarioError(ValueError):
    """A scenario that cannot be read; the message names the file and the step."""


@dataclass(frozen=True)
class Scenario:
    name: str
    tenants: tuple[str, ...]
    household: dict[str, Any]
    opened_by: str
    opened_on: date
    urgent: bool
    admitted_on_ground: dict[str, int]
    steps: tuple[dict[str, Any], ...]
    expected: dict[str, Any]
    path: Path
    plugin: str
    tags: tuple[str, ...] = ()  #: "parent-only": child tenants do not re-run it

    def applies_to(self, tenant: str) -> bool:
        return "*" in self.tenants or tenant in self.tenants


def _actor(text: str, where: str):
    from core.workflow.state import Actor

    role, _, user = str(text).partition("/")
    if not role or not user:
        raise ScenarioError(f"{where}: 'by' is written role/user, e.g. reviewer/li")
    return Actor(user=user, role=role)


def _with_on(mapping: Any) -> Any:
    """YAML 1.1 reads a bare ``on:`` key as the boolean True; take it back as "on"."""
    if isinstance(mapping, dict) and True in mapping:
        mapping = dict(mapping)
        mapping["on"] = mapping.pop(True)
    return mapping


def parse_scenario(item: dict[str, Any], path: Path, plugin: str, where: str) -> Scenario:
    item = {
        **item,
        "opened": _with_on(item.get("opened")),
        "steps": [_with_on(s) for s in item.get("steps") or []],
    }
    unknown = set(item) - SCENARIO_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    missing = {"name", "tenant", "household", "opened", "steps"} - set(item)
    if missing:
        raise ScenarioError(f"{where}: missing {', '.join(sorted(missing))}")
    opened = item["opened"]
    if not isinstance(opened, dict) or not isinstance(opened.get("on"), date) or "by" not in opened:
        raise ScenarioError(f"{where}: 'opened' needs 'by' (role/user) and 'on' (a date)")
    _actor(opened["by"], where)
    for i, step in enumerate(item["steps"]):
        if not isinstance(step, dict) or not {"action", "by", "on"} <= set(step):
            raise ScenarioError(f"{where} step {i + 1}: needs action, by and on")
        if set(step) - STEP_KEYS:
            raise ScenarioError(
                f"{where} step {i + 1}: unknown keys {sorted(set(step) - STEP_KEYS)}"
            )
        _actor(step["by"], f"{where} step {i + 1}")
        on_file = step.get("onFile") or {}
        if not isinstance(on_file, dict) or set(on_file) - ON_FILE_KEYS:
            raise ScenarioError(
                f"{where} step {i + 1}: onFile takes {', '.join(sorted(ON_FILE_KEYS))}"
            )
    tenants = item["tenant"]
    return Scenario(
        name=str(item["name"]),
        tenants=tuple(tenants) if isinstance(tenants, list) else (str(tenants),),
        household=item["household"],
        opened_by=str(opened["by"]),
        opened_on=opened["on"],
        urgent=bool(item.get("urgent", False)),
        admitted_on_ground={
            str(k): int(v) for k, v in (item.get("admittedOnGround") or {}).items()
        },
        steps=tuple(item["steps"]),
        expected=item.get("expected") or {},
        path=path,
        plugin=plugin,
        tags=tuple(str(t) for t in item.get("tags") or ()),
    )


def _records(on_file: dict[str, Any]) -> Any:
    from core.workflow.state import FileRecords

    differences = tuple(str(d) for d in on_file.get("differences") or ())
    evidence = tuple(str(e) for e in on_file.get("evidence") or ())
    return FileRecords(lambda: differences, lambda: evidence)


@dataclass
class ScenarioResult:
    problems: list[str]
    refused_by: set[tuple[str, str]]  #: (action, guard kind) pairs seen refusing


def run_scenario(scenario: Scenario, tenant: Tenant) -> ScenarioResult:
    """Walk the scenario; collect what did not go as expected and which guards refused."""
    from core.workflow.simulation import SimulatedCase

    problems: list[str] = []
    refused_by: set[tuple[str, str]] = set()
    counts = scenario.admitted_on_ground
    try:
        case = SimulatedCase.open(
            tenant,
            scenario.household,
            _actor(scenario.opened_by, scenario.name),
            scenario.opened_on,
            urgent=scenario.urgent,
            admitted_on_ground=lambda code: counts.get(code, 0),
        )
    except BangfuError as exc:
        return ScenarioResult([f"opening refused: {exc.code} {exc.en}"], refused_by)
    for i, step in enumerate(scenario.steps, start=1):
        label = f"step {i} ({step['action']} on {step['on']})"
        before = (case.status, len(case.state.history))
        refused = step.get("refused")
        try:
            case.take(
                step["action"],
                _actor(step["by"], label),
                step["on"],
                comment=step.get("comment"),
                household=step.get("household"),
                records=_records(step.get("onFile") or {}),
            )
        except BangfuError as exc:
            if not refused:
                problems.append(f"{label}: refused with {exc.code}: {exc.en}")
                break
            want = refused if isinstance(refused, dict) else {"code": refused}
            guard = exc.details.get("guard")
            if exc.code != want.get("code", exc.code):
                problems.append(f"{label}: refused with {exc.code}, expected {want['code']}")
            if "guard" in want and guard != want["guard"]:
                problems.append(f"{label}: refused by {guard}, expected {want['guard']}")
            if not exc.zh or not exc.en:
                problems.append(f"{label}: a refusal needs a Chinese and an English message")
            if (case.status, len(case.state.history)) != before:
                problems.append(f"{label}: a refused step changed the file")
            if guard:
                refused_by.add((step["action"], guard))
            continue
        if refused:
            problems.append(f"{label}: allowed, but expected a refusal ({refused})")
    expected = scenario.expected
    if "status" in expected and case.status != expected["status"]:
        problems.append(f"status {case.status}, expected {expected['status']}")
    if "deadlines" in expected:
        due = {d.step: d.due for d in case.deadlines()}
        for step, when in expected["deadlines"].items():
            if due.get(step) != when:
                problems.append(f"deadline {step}: {due.get(step)}, expected {when}")
    if "recordedGrounds" in expected and case.recorded_grounds != ",".join(
        sorted(expected["recordedGrounds"])
    ):
        problems.append(
            f"recorded grounds {case.recorded_grounds!r}, expected {expected['recordedGrounds']}"
        )
    if "entitlements" in expected:  # the file's evaluation on its last step's date
        granted = {e.programme for e in case.evaluation(case.state.last_date).entitlements}
        for programme, wanted in expected["entitlements"].items():
            if (programme in granted) != bool(wanted):
                problems.append(
                    f"entitlement {programme}: {'granted' if programme in granted else 'not granted'}"
                    f", expected {'granted' if wanted else 'not granted'}"
                )
    return ScenarioResult(problems, refused_by)
