"""The hash chain of a file's history: each event carries the SHA-256 of the one before it.

An event's hash is SHA-256 over a canonical serialization of everything it records
(:data:`FIELDS`, with ``prev_hash``): JSON with sorted keys, no spaces, UTF-8, dates in ISO
form and ``recorded_at`` in UTC to the microsecond. The first event of a file has
``prev_hash = ""``. Changing, removing or re-ordering any recorded event breaks the chain
at that event; ``bangfu audit verify`` (:func:`verify`) names the first broken link.

Each file also keeps its head (``cases.history_head``, the newest event's hash, and
``cases.history_events``, how many: migration 0018c), written in the same statement as
the event. Deleting the newest events, or a file's whole history, leaves a chain that
holds but ends short of its head: ``audit verify`` names that file too.

On PostgreSQL the serving role may not UPDATE or DELETE ``case_events`` at all (migration
0003); the chain is what shows a change made by anyone else (the owner, a restore).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

CHAIN_VERSION = 1
FIELDS = (
    "tenant",
    "case_id",
    "seq",
    "action",
    "from_status",
    "to_status",
    "taken_on",
    "actor",
    "role",
    "comment",
    "late",
    "entered_late",
    "details",
    "determination",
    "recorded_at",
)


def _instant(value: Any) -> str:
    """``recorded_at`` as stored anywhere (aware on PostgreSQL, naive UTC on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(event: Mapping[str, Any], prev_hash: str) -> bytes:
    body = {name: _plain(event.get(name)) for name in FIELDS}
    body["recorded_at"] = _instant(event["recorded_at"])
    body["prev_hash"] = prev_hash
    body["v"] = CHAIN_VERSION
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def event_hash(event: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(event, prev_hash)).hexdigest()


def stored_instant(moment: datetime) -> datetime:
    """``recorded_at`` as it will read back from either database: UTC, to the microsecond
    (SQLite keeps no time zone; PostgreSQL keeps microseconds)."""
    return moment.astimezone(UTC)


def as_mapping(row: Any) -> dict[str, Any]:
    """An ORM ``CaseEvent`` (or a mapping) as the fields hashed."""
    if isinstance(row, Mapping):
        return dict(row)
    return {name: getattr(row, name) for name in (*FIELDS, "prev_hash", "hash")}


@dataclass(frozen=True)
class BrokenLink:
    tenant: str
    case_id: int
    seq: int
    reason: str
    reason_zh: str = ""

    def describe(self) -> str:
        return f"tenant {self.tenant}, case #{self.case_id}, event {self.seq}: {self.reason}"

    def describe_zh(self) -> str:
        return (
            f"地区 {self.tenant},档案(内部编号){self.case_id},第{self.seq}条:"
            f"{self.reason_zh or self.reason}"
        )


def verify(
    events: Iterable[Any], heads: Iterable[tuple[int, str, int]] | None = None
) -> tuple[int, BrokenLink | None]:
    """Check the chains of ``events`` (ordered by tenant, case, seq). Returns how many
    events were checked and the first broken link (None when every chain holds).

    With ``heads`` (every file's internal id, newest event's hash and number of events,
    ordered by id; one tenant's events then), each chain must also end at its file's
    head: a deleted newest event, or a file whose whole history is gone, is broken."""
    checked = 0
    key: tuple[str, int] | None = None
    previous = ""
    expected_seq = 1
    files = _Heads(heads)
    for row in events:
        e = as_mapping(row)
        if (e["tenant"], e["case_id"]) != key:
            if key is not None and (end := files.ends(key, expected_seq - 1, previous)):
                return checked, end
            key, previous, expected_seq = (e["tenant"], e["case_id"]), "", 1
            if lost := files.before(key):
                return checked, lost
        checked += 1

        def broken(reason: str, zh: str, e: dict[str, Any] = e) -> BrokenLink:
            return BrokenLink(e["tenant"], e["case_id"], e["seq"], reason, zh)

        if e["seq"] != expected_seq:
            return checked, broken(
                f"event {expected_seq} is missing", f"第{expected_seq}条记录缺失"
            )
        if (e.get("prev_hash") or "") != previous:
            return checked, broken(
                "it does not carry the hash of the event before it", "未带有前一条记录的哈希"
            )
        if e.get("hash") != event_hash(e, previous):
            return checked, broken(
                "its content does not match its hash (changed after entry)",
                "内容与其哈希不符(录入后被改动)",
            )
        previous, expected_seq = e["hash"], expected_seq + 1
    if key is not None and (end := files.ends(key, expected_seq - 1, previous)):
        return checked, end
    return checked, files.before((key[0] if key else "", None))


class _Heads:
    """The files' heads, walked along the events (both ordered by the file's id)."""

    def __init__(self, heads: Iterable[tuple[int, str, int]] | None) -> None:
        self._heads = iter(heads) if heads is not None else None
        self._next: tuple[int, str, int] | None = None
        self._advance()

    def _advance(self) -> None:
        self._next = next(self._heads, None) if self._heads is not None else None

    def before(self, key: tuple[str, int | None]) -> BrokenLink | None:
        """A file before ``key``'s (None: the end) that has no event at all."""
        tenant, case_id = key
        if self._next is not None and (case_id is None or self._next[0] < case_id):
            lost_id, _, count = self._next
            return BrokenLink(
                tenant,
                lost_id,
                1,
                f"its whole history is missing (the file says {count} events)",
                f"全部历史记录缺失(档案记载共{count}条)",
            )
        return None

    def ends(self, key: tuple[str, int], last_seq: int, last_hash: str) -> BrokenLink | None:
        """Whether ``key``'s chain, ending at ``last_seq`` with ``last_hash``, ends at
        its file's head."""
        if self._heads is None:
            return None
        tenant, case_id = key
        if self._next is None or self._next[0] != case_id:
            return BrokenLink(
                tenant,
                case_id,
                last_seq,
                "events of a file that is not there",
                "记录所属档案不存在",
            )
        _, head, count = self._next
        self._advance()
        if count > last_seq:
            return BrokenLink(
                tenant,
                case_id,
                last_seq + 1,
                f"its newest events from {last_seq + 1} to {count} are missing "
                f"(the file says {count} events)",
                f"最新的第{last_seq + 1}至{count}条记录缺失(档案记载共{count}条)",
            )
        if count != last_seq or head != last_hash:
            return BrokenLink(
                tenant,
                case_id,
                last_seq,
                "the file's head does not name its newest event",
                "档案记载的最新记录与历史不符",
            )
        return None


def verify_tenants(session: Any, tenants: Iterable[str]) -> tuple[int, BrokenLink | None]:
    """Check every chain of each tenant, and that each file's history ends at its head
    (each tenant read within its scope, so that it works under row-level security too);
    stops at the first broken link."""
    from core.db.repositories import chain_rows, history_heads
    from core.db.session import tenant_scope

    total = 0
    for tenant in tenants:
        with tenant_scope(session, tenant):
            checked, broken = verify(chain_rows(session, tenant), history_heads(session, tenant))
            session.rollback()
        if broken is not None and not broken.tenant:  # a tenant whose every event is gone
            broken = replace(broken, tenant=tenant)
        total += checked
        if broken is not None:
            return total, broken
    return total, None
