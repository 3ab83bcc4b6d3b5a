"""The tables of verification (核对), migration 0019.

* ``verification_rosters``: one roster received from a source (the civil-affairs 低保
  roster, the social-security records ...): its source, the date it describes, the
  document it came with, who imported it and until when its rows are kept.
* ``verification_rows``: a roster's rows, one per person. The resident ID number is kept
  only as the keyed hash :func:`core.cases.privacy.hash_id_number` makes (the same as
  ``member_identities.id_hash``, so a file's members are found by a join); the facts a
  source gives are typed columns, None where the source says nothing.
* ``verification_differences``: what a comparison found on a file: per member (or for
  the household) and fact, the declared and the found value, with its source and date,
  what accepting it would do to the money (``effect``, ``at_stake``), and its
  resolution (accepted, or kept with a written reason seen by a second person).

All three are :class:`core.db.models.TenantScoped` (row-level security on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.models import CODE, USER, Base, TenantScoped

REFERENCE = 200  #: a roster's document reference (文号, 函号)
VALUE = 100  #: a declared or found value, as text


class Roster(TenantScoped, Base):
    """One roster as received: source, date described, document, importer, retention."""

    __tablename__ = "verification_rosters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(CODE))  #: the source's code ("dibao_roster")
    as_of: Mapped[date] = mapped_column(Date)  #: the date the roster describes
    reference: Mapped[str] = mapped_column(String(REFERENCE))  #: 文号 of the letter it came with
    imported_by: Mapped[str] = mapped_column(String(USER))
    imported_on: Mapped[date] = mapped_column(Date)  #: the server's date
    rows: Mapped[int] = mapped_column(Integer, default=0)
    #: its rows are deleted after this date (``verification.roster_retention_days``)
    keep_until: Mapped[date] = mapped_column(Date)
    #: None while its rows are kept; the date they were deleted
    purged_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (Index("ix_verification_rosters_tenant_source", "tenant", "source"),)


class RosterRow(TenantScoped, Base):
    """One person on a roster: the hash of the ID number and the facts the source gives."""

    __tablename__ = "verification_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[int] = mapped_column(
        ForeignKey("verification_rosters.id", ondelete="CASCADE")
    )
    id_hash: Mapped[str] = mapped_column(String(64))
    dibao_since: Mapped[date | None] = mapped_column(Date)  #: 低保 since (civil affairs)
    dibao_subsidy: Mapped[int | None] = mapped_column(BigInteger)  #: fen a month, per person
    pension_insured: Mapped[bool | None] = mapped_column(Boolean)  #: 养老保险 paid in
    unemployment_insured: Mapped[bool | None] = mapped_column(Boolean)  #: 失业保险
    contribution_base: Mapped[int | None] = mapped_column(BigInteger)  #: 缴费基数, fen a month

    __table_args__ = (
        Index("ix_verification_rows_roster_id_hash", "roster_id", "id_hash"),
        Index("ix_verification_rows_tenant_id_hash", "tenant", "id_hash"),
    )


class Difference(TenantScoped, Base):
    """A fact a household declared that a source contradicts, and what became of it."""

    __tablename__ = "verification_differences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    roster_id: Mapped[int | None] = mapped_column(Integer)  #: None once the roster is purged
    source: Mapped[str] = mapped_column(String(CODE))
    source_date: Mapped[date] = mapped_column(Date)  #: the roster's ``as_of``
    reference: Mapped[str] = mapped_column(String(REFERENCE), default="")
    member_index: Mapped[int | None] = mapped_column(Integer)  #: None: the household's fact
    fact: Mapped[str] = mapped_column(String(CODE))  #: "dibao_status", "wage" ...
    declared: Mapped[str] = mapped_column(String(VALUE))
    found: Mapped[str] = mapped_column(String(VALUE))
    found_on: Mapped[date] = mapped_column(Date)  #: the date it was compared
    blocking: Mapped[bool] = mapped_column(Boolean, default=False)  #: blocks approval
    #: accepting every found value of the file: "ends", "falls", "rises" or "same"
    effect: Mapped[str] = mapped_column(String(16), default="same")
    at_stake: Mapped[int] = mapped_column(BigInteger, default=0)  #: fen a month, the change
    #: open | accepted | keep_requested | kept | superseded
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text)  #: why the declared value is kept
    resolved_by: Mapped[str | None] = mapped_column(String(USER))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(USER))  #: the second person
    confirmed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(
            "state IN ('open', 'accepted', 'keep_requested', 'kept', 'superseded')",
            name="state",
        ),
        CheckConstraint("at_stake >= 0", name="at_stake"),
        Index("ix_verification_differences_tenant_state", "tenant", "state"),
        Index("ix_verification_differences_case_id", "case_id"),
    )
