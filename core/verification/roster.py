"""Importing a roster: its rows checked, ID numbers hashed on the way in, kept for a while.

A roster is read from its source's adapter (a file by default), row by row: the resident
ID number of each row is checked (:func:`core.idnumbers.check_id_number`) and turned
into the keyed hash Bangfu keeps for members (:func:`core.cases.privacy.hash_id_number`);
the number itself is never written anywhere. Dates, amounts (yuan, to the fen) and yes/no
cells are checked too. Rows are written in chunks as they are read, in one transaction:
a roster with any bad row is refused whole, listing the first problems with their row
numbers, and nothing of it is kept.

A roster's rows are kept ``verification.roster_retention_days`` after the date it
describes (a tenant parameter), then deleted by :func:`purge_expired` (run by every import
and by ``bangfu roster purge``); the roster's record (source, date, document, counts)
stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core.cases.privacy import hash_id_number
from core.errors import FieldProblem, bad_input
from core.idnumbers import check_id_number
from core.money import to_fen
from core.registry import Tenant
from core.verification.adapters import FileAdapter, RawRow
from core.verification.facts import ID_FIELD, ROSTER_FIELDS
from core.verification.models import Roster, RosterRow
from core.verification.sources import VerificationSource

RETENTION = "verification.roster_retention_days"
CHUNK = 5000
MAX_PROBLEMS = 20
MAX_REFERENCE = 200
_TRUE = {"是", "有", "参保", "在保", "正常", "y", "yes", "true", "1"}
_FALSE = {"否", "无", "未参保", "停保", "中断", "n", "no", "false", "0"}
_DATE = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?")


@dataclass(frozen=True)
class Imported:
    roster_id: int
    source: str
    as_of: date
    rows: int
    keep_until: date


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.count = 0

    def add(self, line: int, zh: str, en: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append((f"第{line}行:{zh}", f"row {line}: {en}"))


def _date(text: str) -> date:
    match = _DATE.fullmatch(text)
    if not match:
        raise FieldProblem(f"日期“{text[:20]}”应写作 2024-03-01", f"{text[:20]!r} is not a date")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise FieldProblem(f"没有 {text[:20]} 这一天", f"no such day: {text[:20]}") from None


def _money(text: str) -> int:
    try:
        amount = Decimal(text.replace(",", "").replace("元", ""))
    except InvalidOperation:
        raise FieldProblem(
            f"金额“{text[:20]}”应为数字", f"{text[:20]!r} is not an amount"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > 10_000_000:
        raise FieldProblem(f"金额“{text[:20]}”超出范围", f"{text[:20]!r} is out of range")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldProblem("金额最多两位小数(到分)", "an amount has at most two decimals")
    return to_fen(amount)


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise FieldProblem(f"“{text[:20]}”应为“是”或“否”", f"{text[:20]!r} is not yes or no")


_CONVERT = {"date": _date, "money": _money, "flag": _flag}
_LABELS = {
    ID_FIELD: "身份证号",
    "dibao_since": "纳入低保时间",
    "dibao_subsidy": "月人均补助",
    "pension_insured": "养老保险",
    "unemployment_insured": "失业保险",
    "contribution_base": "缴费基数",
}


def checked_rows(
    raw: Iterable[RawRow], source: VerificationSource, as_of: date, problems: _Problems
) -> Iterator[dict[str, Any]]:
    """The rows as stored: ID hashed, cells converted; bad rows counted in ``problems``."""
    seen: set[bytes] = set()
    for row in raw:
        out: dict[str, Any] = {}
        number = row.cells.get(ID_FIELD, "")
        try:
            if not number:
                raise FieldProblem("缺少身份证号", "the ID number is missing")
            id_hash = hash_id_number(check_id_number(number, as_of))
        except FieldProblem as exc:
            problems.add(row.line, f"身份证号:{exc.zh}", f"id_number: {exc.en}")
            continue
        key = bytes.fromhex(id_hash[:24])
        if key in seen:
            problems.add(row.line, "同一人在名册中出现两次", "the same person appears twice")
            continue
        seen.add(key)
        out["id_hash"] = id_hash
        bad = False
        for field in source.fields:
            text = row.cells.get(field, "")
            if not text:
                out[field] = None
                continue
            try:
                value = _CONVERT[ROSTER_FIELDS[field]](text)
            except FieldProblem as exc:
                problems.add(row.line, f"{_LABELS[field]}:{exc.zh}", f"{field}: {exc.en}")
                bad = True
                continue
            if isinstance(value, date) and value > as_of:
                problems.add(
                    row.line,
                    f"{_LABELS[field]}{value}晚于名册日期{as_of}",
                    f"{field} {value} is after the roster's date {as_of}",
                )
                bad = True
            out[field] = value
        if not bad:
            yield out


def import_roster(
    session: Session,
    tenant: Tenant,
    source: VerificationSource,
    where: str,
    as_of: date,
    reference: str,
    user: str,
    today: date,
) -> Imported:
    """Read, check and store one roster of ``source`` for ``tenant`` (one transaction, the
    caller's session, committed here); a roster with any bad row changes nothing."""
    reference = (reference or "").strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise bad_input(
            "say which document the roster came with (its reference, at most "
            f"{MAX_REFERENCE} characters)",
            f"请填写名册所附公函的文号(不超过{MAX_REFERENCE}字)",
        )
    if as_of > today:
        raise bad_input(
            f"the roster's date {as_of} is after today ({today})",
            f"名册日期{as_of}晚于今天({today})",
        )
    days = tenant.parameters(today).integer(RETENTION)
    adapter = source.adapter or FileAdapter()
    problems = _Problems()
    try:
        roster = Roster(
            tenant=tenant.code,
            source=source.code,
            as_of=as_of,
            reference=reference,
            imported_by=user,
            imported_on=today,
            rows=0,
            keep_until=as_of + timedelta(days=days),
        )
        session.add(roster)
        session.flush()
        count = 0
        chunk: list[dict[str, Any]] = []
        rows = checked_rows(adapter.rows(where, source.headings), source, as_of, problems)
        for row in rows:
            row["tenant"] = tenant.code
            row["roster_id"] = roster.id
            chunk.append(row)
            if len(chunk) >= CHUNK:
                if not problems.count:
                    session.execute(insert(RosterRow), chunk)
                count += len(chunk)
                chunk = []
        if chunk and not problems.count:
            session.execute(insert(RosterRow), chunk)
        count += len(chunk)
        if problems.count:
            zh = ";".join(z for z, _ in problems.items)
            en = "; ".join(e for _, e in problems.items)
            raise bad_input(
                f"the roster is refused, nothing was imported: {problems.count} bad rows: {en}",
                f"名册未导入(一行也没有保存):共{problems.count}行有误:{zh}",
                problems=[{"problemZh": z, "problem": e} for z, e in problems.items],
                badRows=problems.count,
            )
        if not count:
            raise bad_input("the roster has no rows", "名册中没有数据行")
        roster.rows = count
        purge_expired(session, tenant.code, today)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Imported(roster.id, source.code, as_of, count, roster.keep_until)


def purge_expired(session: Session, tenant: str, today: date) -> int:
    """Delete the rows of every roster of ``tenant`` kept past its ``keep_until``; their
    records stay, marked purged. Returns how many rosters were purged (not committed)."""
    expired = list(
        session.scalars(
            select(Roster.id).where(
                Roster.tenant == tenant, Roster.keep_until < today, Roster.purged_on.is_(None)
            )
        )
    )
    if expired:
        session.execute(
            delete(RosterRow).where(RosterRow.tenant == tenant, RosterRow.roster_id.in_(expired))
        )
        session.execute(update(Roster).where(Roster.id.in_(expired)).values(purged_on=today))
    return len(expired)


def latest_rosters(session: Session, tenant: str) -> dict[str, Roster]:
    """The roster in force for each source of ``tenant``: the latest by date (then by
    import), of those whose rows are still kept."""
    found: dict[str, Roster] = {}
    rows = session.scalars(
        select(Roster)
        .where(Roster.tenant == tenant, Roster.purged_on.is_(None))
        .order_by(Roster.as_of, Roster.id)
    )
    for roster in rows:
        found[roster.source] = roster
    return found
