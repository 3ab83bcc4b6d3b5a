"""TOTP secrets encrypted at rest: a copy of the database (a backup, a dump, a reader of
``staff_users``) holds no second factor.

A secret is sealed by :mod:`core.sealing` under its own label ("totp secrets"), with the
account's tenant and user name as the owner, so a sealed secret moved to another account
no longer opens. The key is derived from the resident-ID hash key, as every sealed value's
is: changing that key orphans the TOTP secrets as it orphans the ID hashes, and the
accounts are given new ones (``bangfu user create`` again).

A secret stored before migration 0018b without a key configured stays in clear until
that migration or :func:`seal` runs with one; :func:`open_secret` still reads it.
"""

from __future__ import annotations

from core import sealing

PURPOSE = "totp secrets"


class SecretUnreadable(sealing.Unreadable):
    """A sealed secret that the configured key does not open (another key, or changed)."""


def _owner(tenant: str, username: str) -> str:
    return f"{tenant}/{username}"


def is_sealed(stored: str) -> bool:
    return stored.startswith(sealing.PREFIX)


def seal(secret: str, tenant: str, username: str) -> str:
    """The stored form of ``secret`` for the account (tenant, user name)."""
    return sealing.seal(secret, PURPOSE, _owner(tenant, username))


def open_secret(stored: str, tenant: str, username: str) -> str:
    """The secret of the account from its stored form (a secret still in clear as is).

    :raises SecretUnreadable: when the configured key does not open it
    """
    if not is_sealed(stored):
        return stored
    try:
        return sealing.open_sealed(stored, PURPOSE, _owner(tenant, username))
    except sealing.Unreadable as exc:
        raise SecretUnreadable(
            f"the TOTP secret of {tenant}/{username} does not open with the configured key"
        ) from exc
