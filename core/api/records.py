"""Plain records that feed the case types of the API (``Case``, ``TenantStatistics`` ...).

The workflow and persistence layer fills these from its database rows; the GraphQL types
in :mod:`core.api.types` read them attribute by attribute and never touch the database.
They know nothing of strawberry, so the workflow can build them in its own tests.

Field names are the contract's, in snake_case (``opened_on`` is ``openedOn``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.evaluation import Evaluation


@dataclass(frozen=True)
class CaseEventRecord:
    """One step of a file's history: who did what, when, and how the status moved."""

    action: str
    from_status: str
    to_status: str
    on: date
    actor: str
    comment: str | None = None


@dataclass(frozen=True)
class DeadlineRecord:
    """A step that must happen by a date (``provisional`` when the calendar is a draft)."""

    step: str
    due: date
    provisional: bool = False


@dataclass(frozen=True)
class CaseRecord:
    """A hardship file as the API shows it."""

    id: str
    tenant: str
    status: str
    version: int  #: optimistic concurrency: every change bumps it
    opened_on: date
    urgent: bool
    evaluation: Evaluation
    available_actions: tuple[str, ...] = ()
    history: tuple[CaseEventRecord, ...] = ()
    deadlines: tuple[DeadlineRecord, ...] = ()


@dataclass(frozen=True)
class CountRecord:
    """A count by key; ``count`` is None when suppressed as too small (below 5)."""

    key: str
    count: int | None


@dataclass(frozen=True)
class TenantStatisticsRecord:
    """Counts of one tenant's files; each None when suppressed as too small."""

    tenant: str
    open_cases: int | None
    filed_cases: int | None
    exited_cases: int | None
    by_category: tuple[CountRecord, ...] = field(default_factory=tuple)
    by_group: tuple[CountRecord, ...] = field(default_factory=tuple)
