"""Errors with the contract's codes (see ``shared/spec/CONTRACT.md``).

Every refusal the framework produces is a :class:`BangfuError` carrying one of the
contract's codes and a message in Chinese and English that a caseworker can act on.
The API layer turns them into GraphQL errors with ``extensions.code``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_INPUT = "BAD_INPUT"
CONFLICT = "CONFLICT"
RULE_VIOLATION = "RULE_VIOLATION"
PLUGIN_ERROR = "PLUGIN_ERROR"  # added to the contract: a tenant plugin raised
INTERNAL = "INTERNAL"  # added to the contract: an unexpected server fault, never with a trace
#: added to the contract: the database could not be reached or dropped the connection;
#: the request's transaction was not committed, so asking again is safe
UNAVAILABLE = "UNAVAILABLE"


@dataclass
class BangfuError(Exception):
    """A refusal with a contract code, a Chinese and an English message."""

    code: str
    en: str
    zh: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}" if self.zh else self.en

    def __str__(self) -> str:
        return self.message


class FieldProblem(ValueError):
    """What is wrong with one field of an input, in Chinese and English (raised by the
    model's validators; the Chinese is what a caseworker reads)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def bad_input(en: str, zh: str = "输入有误", **details: Any) -> BangfuError:
    return BangfuError(BAD_INPUT, en, zh, details)


def not_found(en: str, zh: str = "未找到", **details: Any) -> BangfuError:
    return BangfuError(NOT_FOUND, en, zh, details)


def rule_violation(en: str, zh: str, **details: Any) -> BangfuError:
    return BangfuError(RULE_VIOLATION, en, zh, details)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` was most likely meant to be (a misspelling), or None."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


class MissingParameter(BangfuError):
    """A rule read a parameter that has no value for the tenant at the date.

    ``unknown``: no plugin of the chain defines the name at all (a misspelling in a rule:
    the plugin's fault, not the caller's); ``meant``: the name it was most likely meant
    to be."""

    def __init__(
        self,
        tenant: str,
        name: str,
        on: Any,
        hint: str = "",
        unknown: bool = False,
        meant: str | None = None,
    ) -> None:
        en = f"parameter {name!r} has no value for tenant {tenant!r} on {on}"
        if hint:
            en += f" ({hint})"
        zh = f"参数 {name} 在 {on} 对地区 {tenant} 没有生效值"
        if meant:
            en += f"; did you mean {meant!r}?"
            zh += f";是否应为 {meant}?"
        super().__init__(BAD_INPUT, en, zh, {"tenant": tenant, "parameter": name, "on": str(on)})
        self.unknown = unknown
        self.meant = meant


class PluginFault(BangfuError):
    """A tenant plugin raised while evaluating: the request fails, nothing else does.

    ``error`` is what it raised (also the exception's ``__cause__``); ``rule``, the rule
    being run when it did (a programme's ``compute``, a population's ``test`` ...) or the
    hook's name: where to look when the traceback holds no frame of the plugin (an amount
    of the wrong type is found by the framework after the rule returned). Neither is in the
    answer a caller gets; the server log and ``bangfu check`` show them."""

    def __init__(
        self,
        tenant: str,
        where: str,
        error: BaseException,
        rule: Callable[..., Any] | str | None = None,
    ) -> None:
        en = (
            f"the rules of tenant {tenant!r} failed in {where}: {type(error).__name__}; "
            "the operators have been told, other tenants are unaffected"
        )
        zh = f"地区 {tenant} 的规则在 {where} 出错,已记录;其他地区不受影响"
        super().__init__(PLUGIN_ERROR, en, zh, {"tenant": tenant, "hook": where})
        self.error = error
        self.rule = rule
