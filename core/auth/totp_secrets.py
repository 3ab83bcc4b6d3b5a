"""TOTP secrets encrypted at rest: a copy of the database (a backup, a dump, a reader of
``staff_users``) holds no second factor.

A secret is stored as ``v1.<base64url(nonce ‖ AES-256-GCM ciphertext)>``, with the
account's tenant and user name as associated data, so a sealed secret moved to another
account no longer opens. The key is derived (HKDF-SHA256, its own label) from the
resident-ID hash key (``$BANGFU_ID_HASH_KEY`` or ``$BANGFU_ID_HASH_KEY_FILE``,
:mod:`core.cases.privacy`): it is kept, and kept out of the database, the same way.
Changing that key orphans the TOTP secrets as it orphans the ID hashes: the accounts
are given new ones (``bangfu user create`` again).

A secret stored before migration 0018b without a key configured stays in clear until
that migration or :func:`seal` runs with one; :func:`open_secret` still reads it.
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
#: a sealed secret's length for pyotp's 32-character secrets: kept under the column's 200
SEALED_CHARS = len(PREFIX) + 4 * ((NONCE + 32 + 16 + 2) // 3)


class SecretUnreadable(ValueError):
    """A sealed secret that the configured key does not open (another key, or changed)."""


@lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bangfu totp secrets v1"
    ).derive(key)
    return AESGCM(derived)


def _key() -> bytes:
    from core.cases.privacy import _key as id_hash_key

    return id_hash_key()


def _account(tenant: str, username: str) -> bytes:
    return f"{tenant}/{username}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(secret: str, tenant: str, username: str) -> str:
    """The stored form of ``secret`` for the account (tenant, user name)."""
    nonce = os.urandom(NONCE)
    sealed = _cipher(_key()).encrypt(nonce, secret.encode("ascii"), _account(tenant, username))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_secret(stored: str, tenant: str, username: str) -> str:
    """The secret of the account from its stored form (a secret still in clear as is).

    :raises SecretUnreadable: when the configured key does not open it
    """
    if not is_sealed(stored):
        return stored
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
        plain = _cipher(_key()).decrypt(raw[:NONCE], raw[NONCE:], _account(tenant, username))
    except (InvalidTag, ValueError) as exc:
        raise SecretUnreadable(
            f"the TOTP secret of {tenant}/{username} does not open with the configured key"
        ) from exc
    return plain.decode("ascii")
