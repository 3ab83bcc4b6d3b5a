"""Reforms: parameter overrides and programmes switched on or off, against a baseline.

A reform is written as YAML (or given through GraphQL)::

    name: 河北低保标准提高到900元
    tenant: hebei                     # the tenant it is meant for (replay's default)
    parameters:
      dibao.standard_monthly:         # the parameter-file form (core/parameters.py)
        description: 低保标准, as proposed
        type: money
        unit: yuan/person/month
        values:
          2026-01-01: {value: 900, source: "proposal of 2026-05-01"}
      living_relief.months: 6         # short form: this value, whatever the date
    programmes:
      education_grant: false          # switched off
      public_rental_housing: {from: demo_city}   # switched on, as another tenant offers it

The reformed tenant is a copy of the tenant whose parameter table has the reform's
definitions in front of its own (they answer first wherever they have a value) and whose
programmes are switched as asked; its rule set is the baseline's and the reform's hashed
together. Nothing of the baseline tenant changes.

:func:`compare` evaluates a population under both, side by side: the change in cost per
programme, the households gaining and losing eligibility, and winners and losers by
decile of income per person. Every figure is an integer (fen, weighted households).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from core.errors import BAD_INPUT, BangfuError
from core.evaluation import evaluate_batch
from core.parameters import ParameterFileError, ParameterTable, load_parameter_file
from core.registry import Registry, Tenant
from core.simulation.population import DEFAULT_CHUNK, Population
from core.simulation.simulate import TenantTotals, empty_totals, totals_of_batch, yearly

REFORM_KEYS = {"name", "description", "tenant", "parameters", "programmes"}
DECILES = 10
SINCE_ALWAYS = date(1900, 1, 1)


def _bad(en: str, zh: str) -> BangfuError:
    return BangfuError(BAD_INPUT, en, zh)


@dataclass(frozen=True)
class Reform:
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)  #: name -> file form or value
    programmes: dict[str, Any] = field(default_factory=dict)  #: code -> False | {"from": t}
    tenant: str | None = None
    description: str = ""

    @classmethod
    def from_data(cls, data: Any) -> Reform:
        if not isinstance(data, dict):
            raise _bad("a reform is a mapping (name, parameters, programmes)", "改革方案应为映射")
        unknown = set(data) - REFORM_KEYS
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            raise _bad(f"unknown keys in the reform: {names}", f"改革方案中有未知字段:{names}")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad("the reform needs a name", "改革方案须有名称(name)")
        parameters = data.get("parameters") or {}
        programmes = data.get("programmes") or {}
        if not isinstance(parameters, dict) or not isinstance(programmes, dict):
            raise _bad(
                "'parameters' and 'programmes' are mappings", "parameters 与 programmes 应为映射"
            )
        return cls(
            name=name.strip(),
            parameters={str(k): v for k, v in parameters.items()},
            programmes={str(k): v for k, v in programmes.items()},
            tenant=data.get("tenant"),
            description=str(data.get("description") or ""),
        )

    @classmethod
    def from_yaml(cls, text: str) -> Reform:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise _bad(f"the reform is not valid YAML: {exc}", "改革方案不是有效的 YAML") from None
        return cls.from_data(data)

    @classmethod
    def load(cls, path: str | Path) -> Reform:
        path = Path(path)
        if not path.is_file():
            raise _bad(f"no reform file {path}", f"找不到改革方案文件 {path}")
        return cls.from_yaml(path.read_text(encoding="utf-8"))

    def fingerprint(self) -> str:
        canonical = yaml.safe_dump(
            {"parameters": self.parameters, "programmes": self.programmes},
            sort_keys=True,
            allow_unicode=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _file_form(reform: Reform, name: str, given: Any, tenant: Tenant) -> dict[str, Any]:
    """The reform's definition of ``name`` in the parameter-file form."""
    chain = tenant.parameter_table.chains.get(name)
    if isinstance(given, dict) and "values" in given:
        form = dict(given)
    else:
        if not chain:
            raise _bad(
                f"{tenant.code} has no parameter {name}: a new parameter needs the full form "
                "(description, type, unit, values)",
                f"{tenant.info.name}没有参数 {name};新参数须写完整形式(description、type、unit、values)",
            )
        known = chain[0]
        form = {
            "description": f"{known.description} (reform {reform.name})",
            "type": known.type,
            "unit": known.unit,
            "values": {SINCE_ALWAYS: {"value": given, "source": f"reform: {reform.name}"}},
        }
    form["overrides"] = bool(chain)
    if form.get("unit") is None:
        form.pop("unit", None)
    return form


def reformed_tenant(tenant: Tenant, reform: Reform, registry: Registry | None = None) -> Tenant:
    """A copy of ``tenant`` under ``reform``; raises ``BAD_INPUT`` naming what is wrong."""
    chains = {name: list(defs) for name, defs in tenant.parameter_table.chains.items()}
    with tempfile.TemporaryDirectory(prefix="bangfu-reform-") as tmp:
        root = Path(tmp)
        for name, given in reform.parameters.items():
            parts = name.split(".")
            if not all(p.replace("_", "").isalnum() and p.isascii() for p in parts):
                raise _bad(f"{name!r} is not a parameter name", f"{name!r} 不是参数名")
            path = root.joinpath(*parts).with_suffix(".yaml")
            path.parent.mkdir(parents=True, exist_ok=True)
            form = _file_form(reform, name, given, tenant)
            path.write_text(yaml.safe_dump(form, allow_unicode=True), encoding="utf-8")
            try:
                definition = load_parameter_file(path, root, "reform")
            except ParameterFileError as exc:
                text = str(exc).replace(str(root) + "/", "")
                raise _bad(
                    f"reform parameter {name}: {text}", f"改革参数 {name} 有误:{text}"
                ) from None
            chain = chains.get(name)
            if chain and chain[0].type != definition.type:
                raise _bad(
                    f"reform parameter {name} is of type {definition.type}, the tenant's is "
                    f"{chain[0].type}",
                    f"改革参数 {name} 的类型({definition.type})与原参数({chain[0].type})不同",
                )
            chains[name] = [definition, *(chain or [])]
    table = ParameterTable(tenant.code, chains)
    programmes = list(tenant.programmes)
    for code, switch in reform.programmes.items():
        offered = next((p for p in programmes if p.code == code), None)
        if switch is False or switch == "off":
            if offered is None:
                raise _bad(
                    f"{tenant.code} offers no programme {code} to switch off",
                    f"{tenant.info.name}没有可关闭的项目 {code}",
                )
            programmes.remove(offered)
            continue
        source = switch.get("from") if isinstance(switch, dict) else None
        if offered is not None:
            raise _bad(f"{tenant.code} already offers {code}", f"{tenant.info.name}已有项目 {code}")
        if not source or registry is None or source not in registry.tenants:
            raise _bad(
                f"programme {code}: say which tenant's version to switch on ({{from: TENANT}})",
                f"项目 {code}:请注明采用哪个地区的规定({{from: 地区代码}})",
            )
        found = next((p for p in registry.get(source).programmes if p.code == code), None)
        if found is None:
            raise _bad(f"{source} offers no programme {code}", f"{source} 没有项目 {code}")
        programmes.append(found)
    ruleset = hashlib.sha256(f"{tenant.ruleset}+{reform.fingerprint()}".encode()).hexdigest()[:16]
    return replace(tenant, parameter_table=table, programmes=programmes, ruleset=ruleset)


# --------------------------------------------------------------------------- compare
def deciles(population: Population) -> np.ndarray:
    """Each household's decile (0 to 9) of annual income per person, by weight."""
    income = population.facts.annual_income
    members = np.maximum(population.facts.members, 1)
    per_person = income.astype(np.float64) / members  # for the order only; ties stay stable
    order = np.lexsort((np.arange(population.size), per_person))
    w = population.weight[order]
    total = int(w.sum())
    before = np.cumsum(w) - w
    out = np.empty(population.size, dtype=np.int64)
    out[order] = np.minimum(DECILES - 1, (before * DECILES) // max(total, 1))
    return out


@dataclass
class DecileRow:
    decile: int  #: 1 (lowest income per person) to 10
    households: int = 0
    winners: int = 0
    losers: int = 0
    gain: int = 0  #: fen a year gained by winners
    loss: int = 0  #: fen a year lost by losers (positive)

    @property
    def net(self) -> int:
        return self.gain - self.loss


@dataclass
class ReformResult:
    tenant: str
    reform: str
    on: date
    baseline: TenantTotals
    reformed: TenantTotals
    gaining: int = 0  #: weighted households eligible under the reform only
    losing: int = 0  #: eligible under the baseline only
    winners: int = 0
    losers: int = 0
    deciles: list[DecileRow] = field(default_factory=list)

    @property
    def cost_change(self) -> int:
        return self.reformed.yearly_cost - self.baseline.yearly_cost

    def programme_changes(self) -> list[tuple[str, str, int, int, int, int]]:
        """(code, name, baseline households, reform households, baseline fen, reform fen)."""
        codes = list(dict.fromkeys([*self.baseline.programmes, *self.reformed.programmes]))
        rows = []
        for code in codes:
            b = self.baseline.programmes.get(code)
            r = self.reformed.programmes.get(code)
            rows.append(
                (
                    code,
                    (b or r).name,  # type: ignore[union-attr]
                    b.households if b else 0,
                    r.households if r else 0,
                    b.yearly_cost if b else 0,
                    r.yearly_cost if r else 0,
                )
            )
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "reform": self.reform,
            "asOf": self.on.isoformat(),
            "baselineRuleset": self.baseline.ruleset,
            "reformRuleset": self.reformed.ruleset,
            "baselineCostFen": self.baseline.yearly_cost,
            "reformCostFen": self.reformed.yearly_cost,
            "costChangeFen": self.cost_change,
            "gainingEligibility": self.gaining,
            "losingEligibility": self.losing,
            "winners": self.winners,
            "losers": self.losers,
            "programmes": [
                {
                    "code": c,
                    "name": n,
                    "baselineHouseholds": bh,
                    "reformHouseholds": rh,
                    "baselineCostFen": bc,
                    "reformCostFen": rc,
                    "changeFen": rc - bc,
                }
                for c, n, bh, rh, bc, rc in self.programme_changes()
            ],
            "deciles": [
                {
                    "decile": d.decile,
                    "households": d.households,
                    "winners": d.winners,
                    "losers": d.losers,
                    "gainFen": d.gain,
                    "lossFen": d.loss,
                    "netFen": d.net,
                }
                for d in self.deciles
            ],
        }


def _total_yearly(tenant: Tenant, batch) -> np.ndarray:
    total = np.zeros(batch.size, dtype=np.int64)
    for p in tenant.programmes:
        total += yearly(tenant, batch, p.code)
    return total


def compare(
    baseline: Tenant,
    reformed: Tenant,
    population: Population,
    on: date,
    reform_name: str = "",
    chunk: int = DEFAULT_CHUNK * 4,
    progress: Callable[[int], None] | None = None,
) -> ReformResult:
    """The population under ``baseline`` and ``reformed`` side by side; ``progress`` gets
    the households evaluated (twice each: baseline and reform) after every chunk."""
    decile_of = deciles(population)
    result = ReformResult(
        tenant=baseline.code,
        reform=reform_name,
        on=on,
        baseline=empty_totals(baseline),
        reformed=empty_totals(reformed),
        deciles=[DecileRow(d + 1) for d in range(DECILES)],
    )
    for start in range(0, population.size, chunk):
        part = population.slice(start, min(start + chunk, population.size))
        d = decile_of[start : start + part.size]
        w = part.weight
        before = evaluate_batch(baseline, part.facts, on)
        after = evaluate_batch(reformed, part.facts, on)
        result.baseline.add(totals_of_batch(baseline, before, part))
        result.reformed.add(totals_of_batch(reformed, after, part))
        result.gaining += int(w[after.eligible & ~before.eligible].sum())
        result.losing += int(w[before.eligible & ~after.eligible].sum())
        change = _total_yearly(reformed, after) - _total_yearly(baseline, before)
        win, lose = change > 0, change < 0
        result.winners += int(w[win].sum())
        result.losers += int(w[lose].sum())
        for k, row in enumerate(result.deciles):
            here = d == k
            row.households += int(w[here].sum())
            row.winners += int(w[here & win].sum())
            row.losers += int(w[here & lose].sum())
            row.gain += int((change * w)[here & win].sum())
            row.loss += int((-change * w)[here & lose].sum())
        if progress:
            progress(2 * part.size)
    return result
