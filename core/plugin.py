"""Everything a tenant plugin imports: the hook marker and the types it returns.

from core.plugin import hookimpl, TenantInfo, Branding, Programme, Grant, ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pluggy

from core.hookspecs import PROJECT
from core.model import BenefitForm, PayPeriod, TenantLevel
from core.rules import (
    BudgetColumns,
    Check,
    Criterion,
    Eligibility,
    Grant,
    Mask,
    Population,
    Programme,
    UtilityRule,
    Why,
    Words,
    count_at_least,
)

hookimpl = pluggy.HookimplMarker(PROJECT)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class TenantInfo:
    """A tenant's identity (``Tenant`` in the contract, less branding)."""

    code: str  #: lower-case code, e.g. "hebei"
    name: str  #: official name, e.g. "河北省"
    level: TenantLevel
    parent: str | None  #: the parent tenant's code; None only for ``national``


@dataclass(frozen=True)
class Branding:
    """How the tenant's staff pages and printouts look.

    Every field after ``display_name`` is optional, so a plugin written for the first
    version keeps working. ``logo`` names a file shipped as package data, as
    ``"package:relative/path.svg"`` (PNG, SVG or JPEG); the pages serve it themselves, so
    it shows on an intranet too (``logo_url``, an address, is the older way).
    """

    display_name: str
    primary_color: str = "#b71c1c"
    logo_url: str | None = None
    locale: str = "zh-CN"
    logo: str | None = None  #: package data, e.g. "tenants.hebei:branding/logo.svg"
    accent_color: str | None = None  #: a second colour (print rules, highlights)
    short_name: str | None = None  #: e.g. 河北省总工会, for print headers
    objection_contact: str | None = None  #: where to object to a public notice


def package_folders(module_file: str) -> tuple[Callable[[], Path], Callable[[], Path]]:
    """The two folder hooks of a plugin that keeps ``parameters/`` and ``cases/`` beside
    its ``__init__.py``, the layout of every bundled tenant::

        bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)
    """
    here = Path(module_file).parent

    @hookimpl
    def bangfu_parameter_folder() -> Path:
        return here / "parameters"

    @hookimpl
    def bangfu_case_folder() -> Path:
        return here / "cases"

    return bangfu_parameter_folder, bangfu_case_folder


__all__ = [
    "BenefitForm",
    "Branding",
    "BudgetColumns",
    "Check",
    "Criterion",
    "Eligibility",
    "Grant",
    "Mask",
    "PayPeriod",
    "Population",
    "Programme",
    "TenantInfo",
    "TenantLevel",
    "UtilityRule",
    "Why",
    "Words",
    "count_at_least",
    "hookimpl",
    "package_folders",
]
