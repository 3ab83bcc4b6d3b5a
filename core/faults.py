"""Where a plugin's fault lies, told to its author: the cause and the plugin's own file
and line (``bangfu check`` prints them once per fault, without ``-v``).

The place is the innermost frame of the traceback that is in one of the tenant's plugins
(a ``KeyError`` in a rule, a misspelled parameter read by it). When the traceback holds
none (the framework found the fault after the rule returned: an amount in yuan as a float,
a mask of the wrong length), it is where the rule being run is defined: the programme's
``compute``, the population's ``test``, the utility rule's ``applies``, or the most
specific plugin's implementation of the hook.
"""

from __future__ import annotations

import inspect
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Any

from core.errors import BangfuError, MissingParameter, PluginFault
from core.registry import Tenant


def plugin_folders(tenant: Tenant) -> list[Path]:
    """Where the tenant's plugins live: a package's folder, a module's file, or the file of
    a plugin object's class."""
    found = []
    for record in tenant.stack:
        plugin = record.plugin
        source = getattr(plugin, "__file__", None) if inspect.ismodule(plugin) else None
        if source is None and not inspect.ismodule(plugin):
            with suppress(TypeError):
                source = inspect.getsourcefile(type(plugin))
        if source:
            path = Path(source).resolve()
            found.append(path.parent if path.name == "__init__.py" else path)
    return found


def _inside(path: str, folders: list[Path]) -> bool:
    resolved = Path(path).resolve()
    return any(resolved == f or resolved.is_relative_to(f) for f in folders)


def cause_of(fault: BaseException) -> BaseException:
    """What the plugin raised (a :class:`PluginFault` wraps it)."""
    if isinstance(fault, PluginFault):
        return fault.error
    return fault.__cause__ or fault


def describe_cause(fault: BaseException) -> str:
    """``TypeError: ...``: the exception and its message (a framework refusal by its
    English message, with any "did you mean")."""
    cause = cause_of(fault)
    text = cause.en if isinstance(cause, BangfuError) else str(cause)
    name = "MissingParameter" if isinstance(cause, MissingParameter) else type(cause).__name__
    return f"{name}: {text}" if text else name


def location(fault: BaseException, tenant: Tenant) -> str | None:
    """``/path/to/plugin/__init__.py:42, in _coal``: where in the tenant's plugins the
    fault lies, or None when it cannot be told."""
    folders = plugin_folders(tenant)
    cause = cause_of(fault)
    frames = [f for f in traceback.extract_tb(cause.__traceback__) if _inside(f.filename, folders)]
    if frames:
        frame = frames[-1]
        return f"{frame.filename}:{frame.lineno}, in {frame.name}"
    rule = getattr(fault, "rule", None)
    if isinstance(rule, str):
        rule = _hook_implementation(tenant, rule, folders)
    return _defined_at(rule)


def _hook_implementation(tenant: Tenant, hook: str, folders: list[Path]) -> Any:
    """The most specific plugin's implementation of ``hook`` (pluggy calls it first)."""
    caller = getattr(tenant.pm.hook, hook, None)
    for impl in reversed(caller.get_hookimpls() if caller is not None else []):
        source = inspect.getsourcefile(impl.function) or ""
        if _inside(source, folders):
            return impl.function
    return None


def _defined_at(rule: Any) -> str | None:
    function = inspect.unwrap(rule) if callable(rule) else None
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}, in {code.co_name}"
