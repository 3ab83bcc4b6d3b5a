"""Personal data encrypted at rest with a key kept out of the database.

Text is sealed as ``v1.<base64url(nonce ‖ AES-256-GCM ciphertext)>``: the key is derived
(HKDF-SHA256) for each *purpose* from the resident-ID hash key (``$BANGFU_ID_HASH_KEY`` or
``$BANGFU_ID_HASH_KEY_FILE``, :mod:`core.cases.privacy`), so it is kept, and kept out of
the database, the same way; the *owner* (a tenant and a file, say) is associated data, so
a sealed value copied to another row no longer opens. A copy of the database (a backup, a
dump, a reader of the table) holds nothing readable.

Used for payees' bank accounts (一卡通, :mod:`core.funds.accounts`); the TOTP secrets
(:mod:`core.auth.totp_secrets`) are sealed here too, under their own label.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1."
NONCE = 12


class Unreadable(ValueError):
    """A sealed value the configured key does not open (another key, or another owner)."""


@lru_cache(maxsize=8)
def _cipher(key: bytes, purpose: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"bangfu {purpose} v1".encode()
    ).derive(key)
    return AESGCM(derived)


def _key() -> bytes:
    from core.cases.privacy import _key as id_hash_key

    return id_hash_key()


def seal(text: str, purpose: str, owner: str) -> str:
    """The stored form of ``text`` for ``purpose`` (a label), bound to ``owner``."""
    nonce = os.urandom(NONCE)
    sealed = _cipher(_key(), purpose).encrypt(nonce, text.encode("utf-8"), owner.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_sealed(stored: str, purpose: str, owner: str) -> str:
    """The text of a sealed value.

    :raises Unreadable: when the configured key (or the owner) does not open it
    """
    try:
        if not stored.startswith(PREFIX):
            raise ValueError("not sealed")
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
        plain = _cipher(_key(), purpose).decrypt(raw[:NONCE], raw[NONCE:], owner.encode())
    except (InvalidTag, ValueError) as exc:
        raise Unreadable(f"a sealed {purpose} of {owner} does not open") from exc
    return plain.decode("utf-8")
