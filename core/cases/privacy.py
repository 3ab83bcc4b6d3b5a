"""Resident ID numbers are never stored in clear.

A member's ID number is kept as a keyed hash (HMAC-SHA256), to find a household by it,
and a masked form (``110105********002X``) to show a caseworker. The stored household and
every determination record carry the masked form only. The key comes from
``$BANGFU_ID_HASH_KEY``; without it a development key is used and a warning logged once
(a production deployment must set it, and keep it: changing it orphans the hashes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from typing import Any

from core.model import Household

KEY_ENV = "BANGFU_ID_HASH_KEY"
_DEVELOPMENT_KEY = b"bangfu-development-key-not-for-production"
log = logging.getLogger("bangfu.privacy")
_warned = False


def _key() -> bytes:
    global _warned
    key = os.environ.get(KEY_ENV)
    if key:
        return key.encode("utf-8")
    if not _warned:
        log.warning("%s is not set: resident ID hashes use the development key", KEY_ENV)
        _warned = True
    return _DEVELOPMENT_KEY


def hash_id_number(number: str) -> str:
    """The keyed hash of a resident ID number, for lookups."""
    return hmac.new(_key(), number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """``110105199001011234`` -> ``110105********1234``: region code and last four."""
    number = number.strip().upper()
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@dataclass(frozen=True)
class Identity:
    member_index: int
    id_hash: str
    id_masked: str


@dataclass(frozen=True)
class ProtectedHousehold:
    """A household split for storage: what can be re-validated, what can be shown, and
    the identities (hashed and masked)."""

    stored: dict[str, Any]  #: the household without ID numbers (re-validates as input)
    shown: dict[str, Any]  #: the household with masked ID numbers (determination records)
    identities: tuple[Identity, ...]


def protect(household: Household) -> ProtectedHousehold:
    data = household.model_dump(by_alias=True, mode="json")
    stored = {**data, "members": []}
    shown = {**data, "members": []}
    identities = []
    for i, member in enumerate(data["members"]):
        number = member.pop("idNumber", None)
        stored["members"].append(dict(member))
        if number:
            masked = mask_id_number(number)
            identities.append(Identity(i, hash_id_number(number), masked))
            shown["members"].append({**member, "idNumber": masked})
        else:
            shown["members"].append(dict(member))
    return ProtectedHousehold(stored, shown, tuple(identities))


def shown_household(stored: dict[str, Any], masked: dict[int, str]) -> dict[str, Any]:
    """The stored household with the masked ID numbers put back, for records."""
    members = [
        {**m, "idNumber": masked[i]} if i in masked else dict(m)
        for i, m in enumerate(stored.get("members", []))
    ]
    return {**stored, "members": members}
