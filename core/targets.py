"""Targets: the share of a tenant's files open on a baseline date that have since exited,
against the share its policy requires by each date (Gansu 002: 30% by the end of 2018,
60% by 2019; 金昌 and 嘉峪关: all by 2019).

A tenant states its targets as parameters, dated and cited like every figure:

* ``targets.resolved_share`` (``rate``): each dated value is a target due on its date; the
  first value (0) marks the baseline, and the files counted are those admitted (the
  procedure's ``admitted`` statuses: 建档立卡) on that day;
* ``targets.resolved_share_full_cities`` (``text``, optional): city names (a tenant's
  official name, e.g. "金昌市") for which the target due on that date is 100%.

A file counts as exited when it is in one of the procedure's ``exited`` statuses on the
date asked (a file that fell back and re-entered does not; nor does a hand-over to the
government safety net, which is not an exit from hardship).

:func:`target_progress` reads counts only (:func:`core.db.repositories.target_counts`), so
the national level can ask for every tenant. The tenant's baseline day is kept in the
database when a file is opened (:func:`keep_baseline`), and with it each file's status
on that day (:mod:`core.db.baselines`): the counts are then kept ones, the same as a
count from the case history, which answers for any other baseline. Callers that show the
counts suppress those below 5 (:func:`core.cases.service.suppress`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from core.db import baselines
from core.db import repositories as repo
from core.parameters import ParameterDefinition
from core.registry import Registry, Tenant
from core.workflow.engine import procedure_of

SHARE = "targets.resolved_share"
FULL_CITIES = "targets.resolved_share_full_cities"


@dataclass(frozen=True)
class TargetProgress:
    """One target of a tenant and how far its files are, on a date."""

    tenant: str
    due: date  #: the date the share is required by
    required_share: Decimal  #: e.g. Decimal("0.30")
    baseline: date  #: the files admitted on this date are counted
    baseline_files: int | None  #: None when suppressed (fewer than 5)
    exited_files: int | None  #: of those, exited by ``on``; None when suppressed
    share: Decimal | None  #: exited / baseline files, 4 places; None when unknown
    met: bool | None  #: share >= required; None when unknown
    due_passed: bool  #: ``on`` is after ``due``
    on: date
    source: str  #: the citation of the target

    @property
    def required_percent(self) -> Decimal:
        """The required share in per cent, 2 places (30.00)."""
        return (self.required_share * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        """The share reached in per cent, 2 places (83.33); None when unknown."""
        if self.share is None:
            return None
        return (self.share * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def suppressed(self, smallest: int) -> TargetProgress:
        """The same, with counts below ``smallest`` (and what they reveal) hidden."""
        small = any(
            n is not None and n < smallest for n in (self.baseline_files, self.exited_files)
        )
        if not small:
            return self
        return replace(
            self,
            baseline_files=_at_least(self.baseline_files, smallest),
            exited_files=_at_least(self.exited_files, smallest),
            share=None,
            met=None,
        )


def _at_least(n: int | None, smallest: int) -> int | None:
    return n if n is not None and n >= smallest else None


def _definitions(tenant: Tenant, name: str) -> list[ParameterDefinition]:
    return list(tenant.parameter_table.chains.get(name, []))


def targets_of(tenant: Tenant) -> tuple[date, list[tuple[date, Decimal, str]]] | None:
    """(baseline, [(due, required share, source) ...]) of the tenant, or None when it has
    no targets. The most specific definition of ``targets.resolved_share`` answers (a city
    overrides its province); a city named in ``targets.resolved_share_full_cities`` on a
    due date must resolve all its files by then."""
    chain = _definitions(tenant, SHARE)
    if not chain:
        return None
    values = chain[0].values
    baseline = values[0].effective_from
    targets = [(v.effective_from, Decimal(v.value), v.source) for v in values[1:]]
    full = _full_city_dates(tenant)
    for when, source in full:
        targets = [t for t in targets if t[0] != when]
        targets.append((when, Decimal(1), source))
    return baseline, sorted(targets)


def _full_city_dates(tenant: Tenant) -> list[tuple[date, str]]:
    chain = _definitions(tenant, FULL_CITIES)
    if not chain:
        return []
    found = []
    for v in chain[0].values:
        names = {n.strip() for n in str(v.value).replace("，", ",").split(",") if n.strip()}
        if tenant.info.name in names:
            found.append((v.effective_from, v.source))
    return found


def keep_baseline(session: Session, tenant: Tenant) -> None:
    """Keep the tenant's baseline day in the database (when it states targets and has a
    procedure), so that its files' status on that day is kept with them."""
    found = targets_of(tenant)
    if found is not None and procedure_of(tenant) is not None:
        baselines.keep(session, tenant.code, found[0])


def target_progress(
    session: Session, tenant: Tenant | str, on: date, registry: Registry | None = None
) -> list[TargetProgress]:
    """The tenant's targets and its progress against each on ``on`` (raw counts).

    ``tenant`` is a :class:`core.registry.Tenant`, or a code with ``registry`` given.
    A tenant without targets (or without case files), or a date before the baseline,
    answers an empty list. The session
    must be allowed to read counts (any session: on PostgreSQL the counts come through
    ``bangfu_target_figures``, which needs no tenant binding and gives another tenant's
    counts below 5 as None).
    """
    if isinstance(tenant, str):
        if registry is None:
            from core.registry import load_registry

            registry = load_registry()
        tenant = registry.get(tenant)
    procedure = procedure_of(tenant)
    found = targets_of(tenant)
    if procedure is None or found is None:
        return []
    baseline, targets = found
    if on < baseline:  # the targets are not set yet: nothing to track, and no error
        return []
    files, gone = repo.target_counts(
        session, tenant.code, baseline, on, procedure.admitted, procedure.exited
    )
    share = (
        (Decimal(gone) / Decimal(files)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if files and gone is not None
        else None
    )
    return [
        TargetProgress(
            tenant=tenant.code,
            due=due,
            required_share=required,
            baseline=baseline,
            baseline_files=files,
            exited_files=gone,
            share=share,
            met=None if share is None else share >= required,
            due_passed=on > due,
            on=on,
            source=source,
        )
        for due, required, source in targets
    ]
