"""The hash chain of a file's history: each event carries the SHA-256 of the one before it.

An event's hash is SHA-256 over a canonical serialization of everything it records
(:data:`FIELDS`, with ``prev_hash``): JSON with sorted keys, no spaces, UTF-8, dates in ISO
form and ``recorded_at`` in UTC to the microsecond. The first event of a file has
``prev_hash = ""``. Changing, removing or re-ordering any recorded event breaks the chain
at that event; ``bangfu audit verify`` (:func:`verify`) names the first broken link.

On PostgreSQL the serving role may not UPDATE or DELETE ``case_events`` at all (migration
0003); the chain is what shows a change made by anyone else (the owner, a restore).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

    def describe(self) -> str:
        return f"tenant {self.tenant}, case #{self.case_id}, event {self.seq}: {self.reason}"

    def describe_zh(self) -> str:
        return f"地区 {self.tenant},档案(内部编号){self.case_id},第{self.seq}条:{self.reason}"


def verify(events: Iterable[Any]) -> tuple[int, BrokenLink | None]:
    """Check the chains of ``events`` (ordered by tenant, case, seq). Returns how many
    events were checked and the first broken link (None when every chain holds)."""
    checked = 0
    key: tuple[str, int] | None = None
    previous = ""
    expected_seq = 1
    for row in events:
        e = as_mapping(row)
        if (e["tenant"], e["case_id"]) != key:
            key, previous, expected_seq = (e["tenant"], e["case_id"]), "", 1
        checked += 1

        def broken(reason: str, e: dict[str, Any] = e) -> BrokenLink:
            return BrokenLink(e["tenant"], e["case_id"], e["seq"], reason)

        if e["seq"] != expected_seq:
            return checked, broken(f"event {expected_seq} is missing")
        if (e.get("prev_hash") or "") != previous:
            return checked, broken("it does not carry the hash of the event before it")
        if e.get("hash") != event_hash(e, previous):
            return checked, broken("its content does not match its hash (changed after entry)")
        previous, expected_seq = e["hash"], expected_seq + 1
    return checked, None


def verify_tenants(session: Any, tenants: Iterable[str]) -> tuple[int, BrokenLink | None]:
    """Check every chain of each tenant (each read within the tenant's scope, so that it
    works under row-level security too); stops at the first broken link."""
    from core.db.repositories import chain_rows
    from core.db.session import tenant_scope

    total = 0
    for tenant in tenants:
        with tenant_scope(session, tenant):
            checked, broken = verify(chain_rows(session, tenant))
            session.rollback()
        total += checked
        if broken is not None:
            return total, broken
    return total, None
