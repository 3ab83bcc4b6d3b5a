"""Bangfu core: the tenant-agnostic framework.

The core knows households, parameters, hooks, evaluation, workflows and storage; it never
imports a tenant. Regional rules arrive as pluggy plugins discovered through the
``bangfu.tenants`` entry-point group (see :mod:`core.hookspecs`).
"""

__version__ = "0.1.0"

# No resident ID number reaches a log in full, whichever entry point started the process.
from core import logmask as _logmask

_logmask.install()
