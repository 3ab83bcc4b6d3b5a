"""Identities: who is asking (a principal), with which role, in which tenant.

Staff authenticate with ``Authorization: Bearer <token>``; tokens are made by
``bangfu token create`` and only their hash is stored (:mod:`core.auth.tokens`). Roles are
the contract's (:mod:`core.auth.roles`); anonymous callers get the public policy queries.
"""
