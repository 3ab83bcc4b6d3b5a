"""The lock files pin what pyproject.toml declares, and a server's lock carries no extras."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(name: str) -> dict[str, list[tuple[str, str | None]]]:
    """package -> [(version, marker)] of requirements/<name>.txt."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for line in (ROOT / "requirements" / name).read_text("utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found.setdefault(canonicalize_name(match[1]), []).append((match[2], match[3]))
    return found


def requirements(*extras: str) -> list[Requirement]:
    wanted = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in wanted if canonicalize_name(r.name) != "bangfu"]


def disagreements(lock: str, wanted: list[Requirement]) -> list[str]:
    locked = pins(lock)
    problems = []
    for req in wanted:
        versions = locked.get(canonicalize_name(req.name))
        if not versions:
            problems.append(f"{req.name} is declared but not in requirements/{lock}")
            continue
        for version, _marker in versions:
            if not req.specifier.contains(version, prereleases=True):
                problems.append(f"{req.name}=={version} in {lock} is outside {req.specifier}")
    return problems


def test_the_dev_lock_pins_every_declared_package_within_its_range():
    extras = list(PROJECT["optional-dependencies"])
    assert disagreements("dev.txt", requirements(*extras)) == [], "run `make lock`"


def test_the_server_lock_pins_the_same_versions_and_no_extras():
    assert disagreements("server.txt", requirements()) == [], "run `make lock`"
    server, dev = pins("server.txt"), pins("dev.txt")
    assert {name: server[name] for name in server} == {name: dev[name] for name in server}
    # a server carries no simulation files, Dask, PDF printing or test tools
    for extra in ("simulation", "pdf"):
        for req in map(Requirement, PROJECT["optional-dependencies"][extra]):
            assert canonicalize_name(req.name) not in server, f"{req.name} is in the server lock"
    for tool in ("pytest", "ruff", "mypy", "uv", "hypothesis-crosshair"):
        assert tool not in server


def test_every_pin_has_hashes_and_nothing_is_declared_twice():
    for name in ("server.txt", "dev.txt"):
        blocks = re.split(r"\n(?=\S)", (ROOT / "requirements" / name).read_text("utf-8"))
        for block in blocks:
            if "==" in block.split("\n", 1)[0]:
                assert "--hash=sha256:" in block, block.split("\n", 1)[0]
    names = [canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]]
    assert len(names) == len(set(names))


def test_every_imported_package_is_declared():
    """Each third-party module the application imports comes from a declared distribution."""
    from importlib.metadata import packages_distributions

    declared = {canonicalize_name(r.name) for r in requirements(*PROJECT["optional-dependencies"])}
    owners = packages_distributions()
    imported: set[str] = set()
    for folder in ("core", "plugins", "tenants", "migrations"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in re.finditer(
                r"^\s*(?:from|import) ([a-zA-Z_]\w*)", path.read_text("utf-8"), re.M
            ):
                imported.add(match[1])
    missing = []
    for module in sorted(imported):
        dists = owners.get(module)
        if not dists or module in {"core", "plugins", "tenants", "migrations"}:
            continue  # the standard library, or ourselves
        if not {canonicalize_name(d) for d in dists} & declared:
            missing.append(f"{module} (from {', '.join(dists)})")
    assert missing == [], f"imported but not declared in pyproject.toml: {missing}"
