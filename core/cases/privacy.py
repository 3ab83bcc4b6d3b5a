"""Resident ID numbers are never stored in clear, nor in a form that narrows them down.

A member's ID number is kept as a keyed hash (HMAC-SHA256), to find a household by it,
and a masked form (``**************002X``: the last four characters only) to show a
caseworker. The masked form no longer carries the region code: with it, only the birth
date was unknown, a few thousand guesses. The stored household and every determination
record carry the masked form only, and ID-shaped numbers typed into any free text (a
name, a comment) are masked before they are stored (:func:`mask_free_text`).

The key is ``$BANGFU_ID_HASH_KEY`` (at least 32 characters), or the contents of the file
named by ``$BANGFU_ID_HASH_KEY_FILE``. There is no default key: hashing without one is
refused (:class:`MissingHashKey`), and ``bangfu serve`` refuses to start without one,
except for the local demonstration (``make run``, ``bangfu serve --local-demo``), which
makes a random key file once (mode 0600) next to its database and reuses it
(:func:`demo_key_file`). Keep the key secret, and keep it: changing it orphans the hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core import settings
from core.logmask import mask_ids
from core.model import Household

KEY_ENV = settings.env_name("id_hash_key")
KEY_FILE_ENV = settings.env_name("id_hash_key_file")
MIN_KEY_CHARS = 32
DEMO_KEY_FILE = "bangfu-id-hash.key"
log = logging.getLogger("bangfu.privacy")


class MissingHashKey(RuntimeError):
    """No key (or too short a key) for the hashes of resident ID numbers."""


@lru_cache(maxsize=4)
def _read_key_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


def key_problem() -> str | None:
    """Why no usable key is configured; None when one is."""
    key = (settings.get("id_hash_key") or "").strip()
    source = f"${KEY_ENV}"
    if not key:
        path = str(settings.get("id_hash_key_file") or "").strip()
        if not path:
            return (
                f"no key for resident ID hashes: set ${KEY_ENV} (at least {MIN_KEY_CHARS} "
                f"random characters, e.g. `python -c 'import secrets; "
                f"print(secrets.token_urlsafe(32))'`) or ${KEY_FILE_ENV}, and keep it"
            )
        source = f"the file {path} (${KEY_FILE_ENV})"
        try:
            key = _read_key_file(path)
        except OSError as exc:
            return f"cannot read {source}: {exc.strerror or exc}"
    if len(key) < MIN_KEY_CHARS:
        return f"the key in {source} is shorter than {MIN_KEY_CHARS} characters"
    return None


def _key() -> bytes:
    problem = key_problem()
    if problem is not None:
        raise MissingHashKey(problem)
    key = (settings.get("id_hash_key") or "").strip()
    if not key:
        key = _read_key_file(str(settings.get("id_hash_key_file")).strip())
    return key.encode("utf-8")


def demo_key_file(folder: Path) -> Path:
    """The local demonstration's key file in ``folder``: made once with a random key,
    readable by its owner only (0600), and reused after."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    log.warning("made a random key for resident ID hashes (local demo only): %s", path)
    return path


def hash_id_number(number: str) -> str:
    """The keyed hash of a resident ID number, for lookups."""
    return hmac.new(_key(), number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """``110105199001011234`` -> ``**************1234``: the last four characters only."""
    number = number.strip().upper()
    return "*" * (len(number) - 4) + number[-4:]


def mask_free_text(text: str) -> str:
    """Free text (a name, a comment) with every ID-shaped number in it masked."""
    return mask_ids(text)


def _mask_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v) for v in value]
    return value


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
    numbers = [m.pop("idNumber", None) for m in data["members"]]
    data = _mask_strings(data)  # an ID number typed into a name, say
    for member, number in zip(data["members"], numbers, strict=True):
        if number:
            member["idNumber"] = number
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
