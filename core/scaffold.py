"""``bangfu new-tenant``: a tenant plugin package to start from.

The package it writes installs on its own (``pip install -e <folder>``), registers itself
in the ``bangfu.tenants`` entry-point group, sets its own 低保标准, ships one conformance
case, and passes ``bangfu check <code>`` as it stands. Then a regional IT team replaces
the figures and adds its rules.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from core.errors import bad_input
from core.plugin import CODE_PATTERN

PYPROJECT = Template("""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "bangfu-tenant-$dist"
version = "0.1.0"
description = "Bangfu tenant plugin: $name"
requires-python = ">=3.11"
dependencies = ["$bangfu"]

[project.entry-points."bangfu.tenants"]
$code = "bangfu_tenant_$code"

[tool.setuptools.packages.find]
include = ["bangfu_tenant_$code*"]

[tool.setuptools.package-data]
"*" = ["*.yaml", "**/*.yaml"]
""")

INIT = Template('''\
"""$name: a Bangfu tenant plugin (child of $parent).

Hooks are documented in core/hookspecs.py; return None from a rule hook to keep the
parent's answer. Figures live in parameters/, cases in cases/.
"""

from __future__ import annotations

from core.plugin import Branding, TenantInfo, TenantLevel, hookimpl, package_folders

__version__ = "0.1.0"
# parameters/ and cases/ beside this file
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="$code", name="$name", level=TenantLevel.$level, parent="$parent")


@hookimpl
def bangfu_branding():
    return Branding(display_name="$name 困难职工帮扶", primary_color="#00695c")

''')

DIBAO = Template("""\
description: 低保标准 — $name's urban minimum living guarantee per person per month.
type: money
unit: yuan/person/month
overrides: true
values:
  2025-01-01:
    value: 800
    source: "illustrative: replace with the figure and the clause of the local notice"
""")

GITIGNORE = Template("""\
# Python, the venv, builds and the kit's leftovers
__pycache__/
*.py[cod]
*.egg-info/
build/
dist/
.venv/
.pytest_cache/
kit.xml
*.db
""")

CASE = Template("""\
- name: a well-off household is not in hardship in $name
  tenant: $code
  asOf: 2026-06-01
  household:
    members:
      - {name: 示例, relation: APPLICANT, age: 40, monthlyIncome: "30000", employment: EMPLOYED, ableToWork: true}
  expected:
    eligible: false
""")


def compatible_range(version: str | None = None) -> str:
    """The ``bangfu`` requirement a new plugin pins: this release's series, where the hook
    contract (:data:`core.hookspecs.CONTRACT_VERSION`) does not break. Before 1.0 a minor
    release may break (``>=0.1.0,<0.2``); from 1.0 a major one (``>=1.2.0,<2``)."""
    from core import __version__

    parts = [int(p) for p in (version or __version__).split(".")[:3]]
    major, minor = parts[0], parts[1]
    ceiling = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"bangfu>={'.'.join(map(str, parts))},<{ceiling}"


def scaffold_tenant(code: str, name: str, parent: str, level: str, into: str | Path) -> Path:
    """Write the package ``bangfu-tenant-<code>`` under ``into`` and return its folder."""
    if not CODE_PATTERN.match(code):
        raise bad_input(f"tenant code {code!r} must be lower-case letters, digits and '_'")
    level = level.upper()
    if level not in ("PROVINCE", "CITY"):
        raise bad_input("level must be PROVINCE or CITY")
    root = Path(into) / f"bangfu-tenant-{code.replace('_', '-')}"
    if root.exists():
        raise bad_input(f"{root} already exists; choose another folder or remove it")
    package = root / f"bangfu_tenant_{code}"
    values = {
        "code": code,
        "dist": code.replace("_", "-"),
        "name": name,
        "parent": parent,
        "level": level,
        "bangfu": compatible_range(),
    }
    files = {
        root / "pyproject.toml": PYPROJECT,
        root / ".gitignore": GITIGNORE,
        package / "__init__.py": INIT,
        package / "parameters" / "dibao" / "standard_monthly.yaml": DIBAO,
        package / "cases" / "basic.yaml": CASE,
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(values), encoding="utf-8")
    return root
