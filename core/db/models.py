"""The database schema: case files, their facts, history, assignments, identities, tokens,
review runs and the audit of refused accesses. SQLite by default, PostgreSQL in production; Alembic owns the DDL
(``migrations/``), these models are what the code reads and writes.

Every row that belongs to a tenant carries its ``tenant`` (:class:`TenantScoped`), so that
tenant scoping is a filter on the row itself, never a join: the application's filter
(:mod:`core.db.session`) and, on PostgreSQL, the row-level security policies of migration
0002 both key on that column. A new table with tenant data must be ``TenantScoped``
(``tests/security/test_rls.py`` checks that every table with a ``tenant`` column has a
policy). Constraint names follow the
naming convention below, so migrations name them the same on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere; JSONB on PostgreSQL (indexable, compact).
Json = JSON().with_variant(JSONB(), "postgresql")

CODE = 40  #: tenant codes, statuses, action names
USER = 100  #: user names
AUDIT_TARGET = 64  #: what a refused caller asked for, cut to this length
#: ``cases.turn`` of a file whose turn is not worked out yet (opened before migration 0015)
TURN_UNKNOWN = "?"
#: a name as the search compares it: code-point order on every database
NAME_KEY = String(100).with_variant(String(100, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: Json, list[Any]: Json}
    if TYPE_CHECKING:
        # every model maps one table (SQLAlchemy types __table__ as any FROM clause)
        __table__: ClassVar[Table]


class TenantScoped:
    """A row that belongs to one tenant; sessions bound to a tenant see only its rows
    (:func:`core.db.session.scope_to_tenant`)."""

    tenant: Mapped[str] = mapped_column(String(CODE))


class CaseFile(TenantScoped, Base):
    """A hardship file (建档): its status, version, household facts and latest outcome."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  #: internal, never shown
    #: the file's number within its tenant (1, 2, 3 ...): the API's ``Case.id``, so that no
    #: answer tells how many files other tenants keep (migration 0003, ``case_counters``)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(CODE))
    #: optimistic concurrency: bumped by every change; a stale expected version is refused
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_on: Mapped[date] = mapped_column(Date)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[str] = mapped_column(String(USER))
    #: the household as validated input, without resident ID numbers (see identities)
    household: Mapped[dict[str, Any]]
    #: the derived facts as one row of numbers, for the batch path of the periodic review
    facts: Mapped[list[Any]]
    facts_layout: Mapped[str] = mapped_column(String(16))
    # --- the latest determination, summarised for lists, quotas and the review
    evaluated_on: Mapped[date] = mapped_column(Date)
    eligible: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(CODE))
    grounds: Mapped[str] = mapped_column(String(200), default="")  #: "a,f" (criteria codes)
    #: the grounds a person recorded on purpose, with a reason (Hebei's "g"; migration 0017)
    recorded_grounds: Mapped[str] = mapped_column(String(200), server_default="")
    groups: Mapped[str] = mapped_column(String(400), default="")  #: national target groups
    entitlements: Mapped[str] = mapped_column(Text, default="")  #: "living_relief=790.00;..."
    ruleset: Mapped[str] = mapped_column(String(40))
    # --- the earliest running deadline, for the overdue lists
    due_step: Mapped[str | None] = mapped_column(String(CODE))
    due_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # --- the worklist's columns (migration 0015)
    #: the step the file waits for (whose turn it is), "" when it waits for nobody, "?"
    #: until worked out for a file of before 0015 (:data:`TURN_UNKNOWN`)
    turn: Mapped[str] = mapped_column(String(CODE), server_default=TURN_UNKNOWN)
    applicant: Mapped[str] = mapped_column(String(USER), server_default="")  #: the name
    # --- new facts entered on an approved or filed file, waiting for a second person
    #: {"household", "facts", "by", "seq", "on"}; None when nothing waits (re-approval)
    pending: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    # --- the head of the file's history (migration 0018c): a deleted newest event, or a
    # deleted history, shows against it (``bangfu audit verify``)
    history_head: Mapped[str] = mapped_column(String(64), server_default="")
    history_events: Mapped[int] = mapped_column(Integer, server_default="0")
    #: the step whose determination is in force: the latest whose record is one and does
    #: not wait for a second person (migration 0020b); 0 for none
    determination_seq: Mapped[int] = mapped_column(Integer, server_default="0")
    #: the file's status on its tenant's target baseline (its latest step on or before that
    #: day; "" when it had none, or the tenant keeps no baseline): kept by triggers
    #: (migration 0021), so that the files of the baseline are a tally, not a history scan
    baseline_status: Mapped[str] = mapped_column(String(CODE), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_cases_tenant_status", "tenant", "status"),
        Index("ix_cases_tenant_due_on_number", "tenant", "due_on", "number"),
        Index("ix_cases_tenant_turn", "tenant", "turn"),
        Index("ix_cases_tenant_applicant", "tenant", "applicant"),
        Index("ix_cases_tenant_opened_on", "tenant", "opened_on"),
        Index(
            "ix_cases_tenant_baseline_status",
            "tenant",
            "baseline_status",
            postgresql_where=text("baseline_status <> ''"),
            sqlite_where=text("baseline_status <> ''"),
        ),
        UniqueConstraint("tenant", "number"),
    )


class CaseTally(TenantScoped, Base):
    """How many of a tenant's files are in one status with one outcome (category, national
    groups, grounds) waiting for one step (turn): kept by triggers on ``cases`` in the transaction of every change
    (migration 0020), so that statistics, quotas and the worklist's total read a few rows
    instead of counting every file. ``category`` is "" for none."""

    __tablename__ = "case_tallies"

    tenant: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    status: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE), primary_key=True, server_default="")
    groups: Mapped[str] = mapped_column(String(400), primary_key=True, server_default="")
    grounds: Mapped[str] = mapped_column(String(200), primary_key=True, server_default="")
    #: whose step the files wait for (``cases.turn``; migration 0020b)
    turn: Mapped[str] = mapped_column(String(CODE), primary_key=True, server_default="")
    #: the files' status on the tenant's target baseline (``cases.baseline_status``; 0021)
    baseline_status: Mapped[str] = mapped_column(String(CODE), primary_key=True, server_default="")
    n: Mapped[int] = mapped_column(Integer, server_default="0")


class DeadlineTally(TenantScoped, Base):
    """How many of a tenant's files have their next deadline on one day: kept by triggers
    on ``cases`` in the transaction of every change (migration 0022), so that the
    worklist's "overdue" and "due this week" are sums over days, not counts of files."""

    __tablename__ = "deadline_tallies"

    tenant: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, server_default="0")


class TargetBaseline(TenantScoped, Base):
    """The date a tenant's targets count their files from (the first value of its
    ``targets.resolved_share``), kept when a file is opened (:mod:`core.targets`): triggers
    keep each file's status on that day (``cases.baseline_status``, migration 0021)."""

    __tablename__ = "target_baselines"

    tenant: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    baseline: Mapped[date] = mapped_column(Date)


class CaseCounter(TenantScoped, Base):
    """The last file number given in a tenant; bumped in the transaction that opens a file."""

    __tablename__ = "case_counters"

    tenant: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseEvent(TenantScoped, Base):
    """One step of a file's history: who, when, from which status to which, and the
    determination record (facts, outcome, parameter values and rule set) it rested on."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  #: 1 for the opening step
    action: Mapped[str] = mapped_column(String(CODE))
    from_status: Mapped[str] = mapped_column(String(CODE))
    to_status: Mapped[str] = mapped_column(String(CODE))
    taken_on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    comment: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  #: after its deadline
    details: Mapped[dict[str, Any]]  #: the missed deadline, guard notes
    determination: Mapped[dict[str, Any]]
    #: when the step was entered (server time); ``taken_on`` is the date on the paper
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    #: entered more working days after ``taken_on`` than ``procedure.late_entry_days``
    entered_late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: SHA-256 of the case's previous event ("" for the first), and of this one
    #: (:mod:`core.db.chain`): a changed or removed row breaks the chain
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        #: "has the tenant a step after this day", the steps of a period (migration 0021)
        Index("ix_case_events_tenant_taken_on", "tenant", "taken_on"),
    )


class Assignment(TenantScoped, Base):
    """Who is responsible for a file (一帮一: every file has a helper until it exits)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column(String(USER))
    duty: Mapped[str] = mapped_column(String(CODE))  #: "responsible"
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_assignments_tenant_user", "tenant", "user"),)


class MemberIdentity(TenantScoped, Base):
    """A member's resident ID number, never in clear: a keyed hash to find a household by
    it, and a masked form to show (**************002X)."""

    __tablename__ = "member_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_index: Mapped[int] = mapped_column(Integer)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(18))


class MemberName(TenantScoped, Base):
    """A member's name as the worklist's search compares it (NFKC, case-folded): a name's
    beginning is found through the (tenant, name) index, at any size (migration 0015).
    Code-point order on every database (collation "C" on PostgreSQL), so that the names
    beginning with a text are one range of the index everywhere."""

    __tablename__ = "member_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_index: Mapped[int] = mapped_column(Integer)
    name_key: Mapped[str] = mapped_column(NAME_KEY)

    __table_args__ = (Index("ix_member_names_tenant_name_key", "tenant", "name_key"),)


class ApiToken(Base):
    """A bearer token: only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant: Mapped[str] = mapped_column(String(CODE))
    role: Mapped[str] = mapped_column(String(CODE))
    user: Mapped[str] = mapped_column(String(USER))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: after this instant the token is refused (``bangfu token create --days``, 90 by default)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(TenantScoped, Base):
    """A signed-in browser (:mod:`core.auth.sessions`): only the SHA-256 of its random id is
    kept; the cookie holds the id, never a bearer token. Ended by signing out, by the idle
    and absolute timeouts, and by revoking the token it was opened with."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    via: Mapped[str] = mapped_column(String(16))  #: "token" or "password"
    token_id: Mapped[int | None] = mapped_column(Integer, index=True)  #: via a token: which
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_staff_sessions_tenant_user", "tenant", "user"),)


class ReviewRun(TenantScoped, Base):
    """One periodic re-review of a tenant's open files as of a date (one per date)."""

    __tablename__ = "review_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(CODE))  #: "2026", or the due date served
    ruleset: Mapped[str] = mapped_column(String(40))
    plugin_versions: Mapped[dict[str, Any]]
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    files: Mapped[int] = mapped_column(Integer, default=0)
    proposed_exits: Mapped[int] = mapped_column(Integer, default=0)
    changed_entitlements: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("tenant", "as_of"),)


class ReviewDecision(TenantScoped, Base):
    """What a review found for one file: a proposed exit, changed entitlements, overdue
    steps. Proposals only: an approver acts on them through the procedure."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("review_runs.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[bool] = mapped_column(Boolean)
    propose_exit: Mapped[bool] = mapped_column(Boolean)
    entitlements_changed: Mapped[bool] = mapped_column(Boolean)
    entitlements: Mapped[str] = mapped_column(Text)  #: under the rules in force on as_of
    overdue: Mapped[str] = mapped_column(String(200))  #: overdue steps, "" when none


class TenantReport(TenantScoped, Base):
    """A periodic report a tenant's union sent up (Hebei: the quarterly statistics): counts
    only, never a file or a person. One per tenant, report and period (migration 0005)."""

    __tablename__ = "tenant_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report: Mapped[str] = mapped_column(String(CODE))  #: "quarterly_report"
    period: Mapped[str] = mapped_column(String(CODE))  #: "2026-Q3", the period reported on
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date] = mapped_column(Date)  #: the server's date, never the client's
    submitted_by: Mapped[str] = mapped_column(String(USER))
    counts: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (UniqueConstraint("tenant", "report", "period"),)


class AccessAudit(TenantScoped, Base):
    """A refused access to case data: who (tenant, user, role), what (action and the case
    id or tenant asked for), when and the answer given. No personal data: the target is
    what the caller sent, cut short and with anything like a resident ID masked.

    Written in its own transaction (:func:`core.db.repositories.record_refusal`), so the
    rollback of the refused request does not take the record with it. ``tenant`` is the
    caller's tenant ("national" for the national level)."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    action: Mapped[str] = mapped_column(String(CODE))  #: "case", "transition", "cases" ...
    target: Mapped[str] = mapped_column(String(AUDIT_TARGET))  #: case id or tenant asked for
    outcome: Mapped[str] = mapped_column(String(CODE))  #: "not_found" or "forbidden"
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_access_audit_tenant_at", "tenant", "at"),)


class CaseRead(TenantScoped, Base):
    """Who read which file, and when: one row per file shown (no personal data, only the
    file's number within the tenant). Append-only for the serving role."""

    __tablename__ = "case_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[int] = mapped_column(Integer)
    user: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    action: Mapped[str] = mapped_column(String(CODE))  #: "case", "cases", "overdueCases" ...
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_case_reads_tenant_case", "tenant", "case_number"),)


class StaffUser(TenantScoped, Base):
    """A member of staff who signs in to the staff pages with a password (migration 0008).

    The password is kept as an argon2 hash only; ``totp_secret``, when set, asks for a
    one-time code as well. Repeated failures lock the account for a while; a disabled
    account never signs in. Tokens (``api_tokens``) stay for API clients.

    Since 0018 failures make the account wait a growing delay (``locked_until``: not
    tried again before it, :mod:`core.auth.throttle`) instead of a fixed lock, and the
    last accepted TOTP time-step is kept so that a code works once."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USER))
    display_name: Mapped[str] = mapped_column(String(USER), default="")
    role: Mapped[str] = mapped_column(String(CODE))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: sealed (AES-GCM, :mod:`core.auth.totp_secrets`) since migration 0018b
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("tenant", "username", name="uq_staff_users_tenant_username"),
    )


class SignInSource(Base):
    """Failed sign-ins from one source address, across accounts and tenants (migration
    0018): the address waits a growing delay, as an account does."""

    __tablename__ = "sign_in_sources"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The assistance funds ledger's tables (migration 0006) live with the ledger, the jobs table
# (0013) with the jobs; imported here
# so that every table is on ``Base.metadata`` whichever module is imported first.
from core.evidence import models as _evidence_models  # noqa: E402, F401
from core.funds import models as _funds_models  # noqa: E402, F401
from core.jobs import store as _jobs_store  # noqa: E402, F401
from core.verification import models as _verification_models  # noqa: E402, F401
