"""Evaluating households under a tenant's rules: one household, or a batch of them.

Both paths are the same code. :func:`evaluate_batch` asks the tenant's stack once for a
whole column of households and returns :class:`BatchEvaluation` (columns of results);
:func:`evaluate` is a batch of one with explanations switched on, turned into an
:class:`Evaluation` (the contract's ``Evaluation``).

Every entitlement carries its clause (``basis``) and the steps that produced its amount
(``explanation``), ending with each parameter value read, who set it, and since when.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from core.errors import BangfuError, MissingParameter, PluginFault
from core.facts import HouseholdFacts, with_ages
from core.frozen import quick_init
from core.model import Household, PayPeriod
from core.money import format_yuan, to_yuan
from core.parameters import ResolvedParameter
from core.registry import Tenant
from core.rules import (
    BudgetColumns,
    Check,
    Criterion,
    Eligibility,
    Grant,
    Population,
    RecordedGrounds,
    Why,
)


# --------------------------------------------------------------------------- results
@quick_init
@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    basis: str
    population: str = ""  #: the population whose criterion it is ("tekun")


@quick_init
@dataclass(frozen=True)
class Entitlement:
    programme: str
    name: str
    amount: Decimal | None
    period: PayPeriod
    basis: str
    explanation: tuple[str, ...]


@quick_init
@dataclass(frozen=True)
class UtilityDiscount:
    utility: str
    quantity: Decimal
    unit: str
    period: PayPeriod
    basis: str


@quick_init
@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    met: bool


@quick_init
@dataclass(frozen=True)
class Budget:
    annual_income: Decimal
    annual_expenses: Decimal
    gap: Decimal


@quick_init
@dataclass(frozen=True)
class Evaluation:
    """The contract's ``Evaluation`` for one household."""

    tenant: str
    as_of: date
    provisional: bool
    eligible: bool
    category: str | None
    groups: tuple[str, ...]
    measures: tuple[str, ...]
    reasons: tuple[Reason, ...]
    entitlements: tuple[Entitlement, ...]
    utility_discounts: tuple[UtilityDiscount, ...]
    checklist: tuple[ChecklistItem, ...]
    budget: Budget
    parameters_used: tuple[ResolvedParameter, ...] = ()
    ruleset: str = ""
    plugin_versions: tuple[tuple[str, str], ...] = ()
    #: the populations the household is in (codes), e.g. ("kunnan", "tekun")
    populations: tuple[str, ...] = ()

    def entitlement(self, programme: str) -> Entitlement | None:
        return next((e for e in self.entitlements if e.programme == programme), None)

    def comparable(self) -> dict[str, Any]:
        """The outcome without explanations: what batch and single evaluation must share."""
        return {
            "eligible": self.eligible,
            "category": self.category,
            "groups": self.groups,
            "measures": self.measures,
            "reasons": tuple(r.code for r in self.reasons),
            "entitlements": tuple((e.programme, e.amount) for e in self.entitlements),
            "utilities": tuple((u.utility, u.quantity) for u in self.utility_discounts),
            "checklist": tuple((c.code, c.met) for c in self.checklist),
            "budget": (self.budget.annual_income, self.budget.annual_expenses, self.budget.gap),
        }


@dataclass
class BatchEvaluation:
    """Results for a batch, as columns (one entry per household)."""

    tenant: Tenant
    as_of: date
    size: int
    provisional: bool
    eligible: np.ndarray
    category: str | None  #: the highest-ranked file category the stack can give
    eligibility: Eligibility  #: every criterion of every population, file mask as eligible
    groups: dict[str, np.ndarray]
    measures: dict[str, np.ndarray]
    grants: dict[str, Grant]
    utilities: dict[str, np.ndarray]
    checklist: list[Check]
    budget: BudgetColumns
    #: explaining: each programme's steps for each household granted it, by index
    explanations: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    parameters_used: list[ResolvedParameter] = field(default_factory=list)
    #: each population's mask, by population code (not in force: nobody)
    populations: dict[str, np.ndarray] = field(default_factory=dict)
    #: the file categories, and each household's index into them (-1: no file)
    categories: tuple[str, ...] = ()
    category_index: np.ndarray | None = None
    #: the population of each criterion of ``eligibility.criteria``, in order
    criteria_populations: tuple[str, ...] = ()

    def category_of(self, i: int) -> str | None:
        if self.category_index is None:
            return self.category if self.eligible[i] else None
        k = int(self.category_index[i])
        return self.categories[k] if k >= 0 else None

    def amount(self, programme: str) -> np.ndarray:
        """Fen granted under ``programme`` for each household (0 where not granted)."""
        grant = self.grants[programme]
        if grant.amount is None:
            return np.zeros(self.size, dtype=np.int64)
        return np.where(grant.granted, grant.amount, 0)

    def evaluation(self, i: int) -> Evaluation:
        """The contract's ``Evaluation`` of household ``i``."""
        tenant = self.tenant
        eligible = bool(self.eligible[i])
        entitlements = []
        explanations = self.explanations
        for p in tenant.programmes:
            grant = self.grants[p.code]
            if not grant.granted[i]:
                continue
            amount = None if grant.amount is None else to_yuan(grant.amount[i])
            entitlements.append(
                Entitlement(
                    programme=p.code,
                    name=p.name,
                    amount=amount,
                    period=p.period,
                    basis=p.basis,
                    explanation=tuple(explanations[p.code][i]) if explanations else (),
                )
            )
        discounts = []
        for u in tenant.utilities:
            if self.utilities[u.utility][i]:
                quantity = self._utility_quantity(u.quantity_parameter)
                discounts.append(UtilityDiscount(u.utility, quantity, u.unit, u.period, u.basis))
        b = self.budget
        return Evaluation(
            tenant=tenant.code,
            as_of=self.as_of,
            provisional=self.provisional,
            eligible=eligible,
            category=self.category_of(i) if eligible else None,
            groups=tuple(code for code, m in self.groups.items() if m[i]),
            measures=tuple(code for code, m in self.measures.items() if m[i]),
            reasons=tuple(
                Reason(c.code, c.label, c.basis, owner)
                for c, owner in zip(
                    self.eligibility.criteria,
                    self.criteria_populations or ("",) * len(self.eligibility.criteria),
                    strict=True,
                )
                if c.met[i]
            ),
            entitlements=tuple(entitlements),
            utility_discounts=tuple(discounts),
            checklist=tuple(ChecklistItem(c.code, c.label, bool(c.met[i])) for c in self.checklist),
            budget=Budget(
                to_yuan(b.annual_income[i]), to_yuan(b.annual_expenses[i]), to_yuan(b.gap[i])
            ),
            parameters_used=tuple(self.parameters_used),
            ruleset=tenant.ruleset,
            plugin_versions=tenant.plugin_version_pairs,
            populations=tuple(code for code, m in self.populations.items() if m[i]),
        )

    def _utility_quantity(self, name: str) -> Decimal:
        p = next((p for p in self.parameters_used if p.name == name), None)
        if p is None:
            p = self.tenant.parameter_table.resolve(name, self.as_of)
        return Decimal(p.value).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- engine
#: the parameter names each rule function takes, by function (read once), and whether
#: all of them can be passed by position
_SIGNATURES: dict[Any, tuple[tuple[str, ...], bool]] = {}
_BOOL = np.dtype(bool)
_BY_POSITION = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _invoke(fn: Callable[..., Any], available: dict[str, Any]) -> Any:
    """Call a rule function with the arguments it names (as pluggy does for hooks)."""
    found = _SIGNATURES.get(fn)
    if found is None:
        parameters = inspect.signature(fn).parameters.values()
        found = _SIGNATURES[fn] = (
            tuple(p.name for p in parameters),
            all(p.kind in _BY_POSITION for p in parameters),
        )
    names, by_position = found
    if by_position:
        try:
            arguments = [available[name] for name in names]
        except KeyError:  # one it names is not offered: it must have a default
            pass
        else:
            return fn(*arguments)
    return fn(**{k: available[k] for k in names if k in available})


def _mask(value: Any, size: int, what: str) -> np.ndarray:
    if type(value) is np.ndarray and value.dtype is _BOOL and value.shape == (size,):
        return value  # already a condition, one per household: nothing to check or convert
    arr = np.asarray(value)
    if arr.dtype.kind not in "biu":
        raise TypeError(
            f"{what} returned {arr.dtype} values where a condition (bool, one per household) is due"
        )
    if arr.shape == ():
        arr = np.full(size, bool(arr))
    if arr.shape != (size,):
        raise TypeError(f"{what} returned {arr.shape}, expected one value per household")
    return arr.astype(bool, copy=False)


def _masks(where: str, values: dict[str, Any] | None, size: int) -> dict[str, np.ndarray]:
    out = {}
    for code, m in (values or {}).items():
        if type(m) is np.ndarray and m.dtype is _BOOL and m.shape == (size,):
            out[code] = m  # the common answer: named only when it is wrong
        else:
            out[code] = _mask(m, size, f"{where}[{code}]")
    return out


def _amount(where: str, value: Any, granted: np.ndarray, size: int) -> np.ndarray | None:
    if value is None:
        return None
    kind = type(value)
    if (kind is int and 0 <= value < 2**63) or (kind is np.int64 and value >= 0):
        # one amount for all, in range: no checks to run
        amount = np.empty(size, dtype=np.int64)  # np.full, without its Python layer
        amount.fill(value)
        amount.flags.writeable = False  # as the broadcast below
        return amount
    if kind is np.ndarray and value.dtype == np.int64 and value.shape == (size,):
        amount = value.view()  # already one int64 per household: no broadcast
        amount.flags.writeable = False
        if size == 1:
            if granted[0] and amount[0] < 0:
                raise ValueError(f"{where} computed a negative amount")
        elif (np.where(granted, amount, 0) < 0).any():
            raise ValueError(f"{where} computed a negative amount")
        return amount
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{where} returned the amount {value!r:.60} ({arr.dtype}); amounts are integer "
            "fen (int or an int64 array): write parameters.money(...), not yuan as a float"
        )
    amount = np.broadcast_to(arr.astype(np.int64, copy=False), (size,))
    if (np.where(granted, amount, 0) < 0).any():
        raise ValueError(f"{where} computed a negative amount")
    return amount


def _grant(where: str, value: Any) -> Grant:
    if not isinstance(value, Grant):
        raise TypeError(f"{where} returned {type(value).__name__}; it must return a Grant")
    return value


def _population_answer(
    pop: Population, value: Any, size: int
) -> tuple[np.ndarray, list[Criterion]]:
    """A population test's answer as (mask, criteria): a mask, criteria or Eligibility."""
    where = f"population {pop.code}"
    if isinstance(value, Eligibility):
        return _mask(value.mask(size), size, where), list(value.criteria)
    if isinstance(value, list | tuple):
        met = np.zeros(size, dtype=bool)
        for c in value:
            if not isinstance(c, Criterion):
                raise TypeError(f"{where} returned a list of something other than Criterion")
            m = c.met
            if not (type(m) is np.ndarray and m.dtype is _BOOL and m.shape == (size,)):
                m = _mask(m, size, f"{where} criterion {c.code}")  # named when it is wrong
            met |= m
        return met, list(value)
    mask = _mask(value, size, where)
    return mask, [Criterion(pop.code, pop.label, pop.basis, mask)]


def _derived(tenant: Tenant, household: HouseholdFacts, answers: list[Any]) -> HouseholdFacts:
    """The facts with the plugins' derived facts put in (the root's first: a child's key
    wins)."""
    derived = dict(household.derived)
    for answer in reversed(answers):
        if not isinstance(answer, dict):
            raise PluginFault(
                tenant.code,
                "bangfu_derived_facts",
                TypeError(f"returned {type(answer).__name__}, expected a dict"),
            )
        for name, value in answer.items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biu" or arr.shape != (household.size,):
                raise PluginFault(
                    tenant.code,
                    "bangfu_derived_facts",
                    TypeError(
                        f"fact {name!r} is {arr.dtype} {arr.shape}; expected bool or int, "
                        "one value per household"
                    ),
                )
            derived[name] = arr
    return household.replaced(derived=derived)


def _granted_households(granted: np.ndarray) -> list[int]:
    """The indices of the households granted (one household: without numpy's search)."""
    if granted.size == 1:
        return [0] if granted[0] else []
    return np.flatnonzero(granted).tolist()


class _Run:
    """One evaluation of a tenant's stack.

    Every rule gets the standard arguments (household, parameters, why) and what it names
    of the rest; what comes back is checked to hold one value per household. ``where``
    names the rule being run, so that an exception a plugin raises becomes a
    :class:`PluginFault` for this request only, naming the rule (see
    :func:`evaluate_batch`).
    """

    def __init__(
        self,
        tenant: Tenant,
        household: HouseholdFacts,
        on: date,
        explain: bool,
        recorded: RecordedGrounds | None = None,
    ):
        self.tenant = tenant
        self.on = on
        self.size = household.size
        self.explain = explain
        self.params = params = tenant.parameters(on)
        self.why = Why(active=explain)
        self.arguments: dict[str, Any] = {
            "household": household,
            "parameters": params,
            "why": self.why,
            "recorded": recorded or RecordedGrounds(household.size),
        }
        self.where = "evaluation"
        #: the rule being run (a callable, or a hook's name): where a fault is looked for
        self.rule: Any = None
        self.used: dict[str, ResolvedParameter] = {}
        self.owners: tuple[str, ...] = ()  #: each criterion's population

    def note_reads(self) -> list[ResolvedParameter]:
        reads = self.params.take_reads()
        used = self.used
        for p in reads:
            if p.name not in used:
                used[p.name] = p
        return reads

    def ask(self, hook: str) -> Any:
        """A first-answer hook, most specific plugin first."""
        self.where = self.rule = hook
        return self.tenant.call(hook)(self.arguments)

    def derive(self, household: HouseholdFacts, owned: bool) -> None:
        """The facts with the tenant's working ages and the plugins' derived facts
        (``owned``: the facts were made for this evaluation alone, see ``with_ages``)."""
        params = self.params
        self.where = "ages"
        working_from, retirement = (
            params.integer("ages.working_from"),
            params.integer("ages.retirement"),
        )
        household = with_ages(household, working_from, retirement, in_place=owned)
        self.where = self.rule = "bangfu_derived_facts"
        answers = self.tenant.call("bangfu_derived_facts")(
            {"household": household, "parameters": params}
        )
        if answers:
            household = _derived(self.tenant, household, answers)
        self.arguments["household"] = household
        params.take_reads()  # the ages are not a rule's reading

    def populations(self, groups: dict[str, np.ndarray]) -> tuple[Any, ...]:
        """Each population's mask, the criteria met, and the hardship file."""
        tenant, on, n = self.tenant, self.on, self.size
        arguments = self.arguments
        arguments["groups"] = groups
        nobody = np.zeros(n, dtype=bool)
        populations: dict[str, np.ndarray] = {}
        criteria: list[Criterion] = []
        owners: list[str] = []  # each criterion's population
        opening: list[tuple[int, int, str, np.ndarray]] = []  # (rank, order, category, mask)
        for order, pop in tenant.ranked_populations():
            if not pop.in_force(on):
                populations[pop.code] = nobody
                continue
            self.where, self.rule = f"population {pop.code}", pop.test
            value = _invoke(pop.test, arguments)
            mask, found = _population_answer(pop, value, n)
            populations[pop.code] = mask
            criteria += found
            owners += [pop.code] * len(found)
            if pop.opens_file:
                opening.append((pop.rank, order, pop.file_category, mask))
        legacy = self.ask("bangfu_eligibility")
        if legacy is not None:
            if not isinstance(legacy, Eligibility):
                raise PluginFault(
                    tenant.code,
                    "bangfu_eligibility",
                    TypeError(f"returned {type(legacy).__name__}"),
                )
            mask = _mask(legacy.mask(n), n, "bangfu_eligibility")
            populations.setdefault(legacy.category, mask)
            criteria += legacy.criteria
            owners += [legacy.category] * len(legacy.criteria)
            opening.append((0, len(tenant.populations), legacy.category or "legacy", mask))
        del arguments["groups"]
        eligible = np.zeros(n, dtype=bool)
        categories: list[str] = []
        category_index = np.empty(n, dtype=np.int64)
        category_index.fill(-1)  # no category
        for _rank, _order, category, mask in sorted(opening, key=lambda o: (o[0], o[1])):
            eligible |= mask
            if category not in categories:
                categories.append(category)
            category_index[mask] = categories.index(category)
        self.owners = tuple(owners)
        return populations, criteria, eligible, categories, category_index, nobody

    def grants(
        self, populations: dict[str, np.ndarray], eligible: np.ndarray, nobody: np.ndarray
    ) -> tuple[dict[str, Grant], dict[str, dict[int, list[str]]]]:
        """Each programme's grant, and (explaining) the steps of each household granted."""
        on, n, why, explain = self.on, self.size, self.why, self.explain
        arguments = self.arguments
        grants: dict[str, Grant] = {}
        explanations: dict[str, dict[int, list[str]]] = {}
        for programme in self.tenant.programmes:
            if not programme.in_force(on):
                grants[programme.code] = Grant(nobody, None)
                continue
            self.where = where = f"programme {programme.code}"
            self.rule = programme.compute
            arguments["eligible"] = (
                populations[programme.population] if programme.population else eligible
            )
            grant = _grant(where, _invoke(programme.compute, arguments))
            granted = _mask(grant.granted, n, where)
            amount = _amount(where, grant.amount, granted, n)
            grants[programme.code] = Grant(granted, amount)
            if not explain:
                continue  # its reads are noted with the rest at the end, in the same order
            reads = self.note_reads()
            shown = _granted_households(granted)  # only what is shown is formatted
            if not shown:
                why.discard()
                continue
            lines = [p.explanation_line for p in reads]
            worded = why.take_for(shown)
            if amount is not None:
                period = _PERIOD_ZH[programme.period]
                for i, steps in zip(shown, worded, strict=True):
                    steps.append(f"金额:{format_yuan(amount[i])} 元({period})")
            explanations[programme.code] = {
                i: s + lines for i, s in zip(shown, worded, strict=True)
            }
        return grants, explanations

    def utilities(
        self, populations: dict[str, np.ndarray], eligible: np.ndarray, nobody: np.ndarray
    ) -> dict[str, np.ndarray]:
        on, n, arguments = self.on, self.size, self.arguments
        utilities: dict[str, np.ndarray] = {}
        for rule in self.tenant.utilities:
            if not rule.in_force(on):
                utilities[rule.utility] = nobody
                continue
            self.where = where = f"utility discount {rule.utility}"
            self.rule = rule.applies
            arguments["eligible"] = populations[rule.population] if rule.population else eligible
            utilities[rule.utility] = _mask(_invoke(rule.applies, arguments), n, where)
            self.params.get(rule.quantity_parameter)
        arguments.pop("eligible", None)
        return utilities


def evaluate_batch(
    tenant: Tenant,
    household: HouseholdFacts,
    on: date,
    explain: bool = False,
    recorded: RecordedGrounds | None = None,
) -> BatchEvaluation:
    """Evaluate every household of ``household`` under ``tenant``'s rules on ``on``.

    With ``explain`` (single evaluations), each programme's steps and the parameter values
    it read are kept as its explanation; a batch skips them and costs nothing for them.
    ``recorded``: the grounds a person recorded on each household's file (none without).
    """
    return _evaluate_guarded(tenant, household, on, explain, owned=False, recorded=recorded)


def _evaluate_guarded(
    tenant: Tenant,
    household: HouseholdFacts,
    on: date,
    explain: bool,
    owned: bool,
    recorded: RecordedGrounds | None = None,
) -> BatchEvaluation:
    run = _Run(tenant, household, on, explain, recorded)
    try:
        return _evaluate(run, household, owned)
    except MissingParameter as exc:
        if not exc.unknown:  # no value yet on the date asked: the caller's question
            raise
        # a name no plugin defines: a misspelling in a rule, the plugin's fault
        raise PluginFault(tenant.code, run.where, exc, run.rule) from exc
    except BangfuError:
        raise
    except Exception as exc:  # a faulty plugin fails its request only
        raise PluginFault(tenant.code, run.where, exc, run.rule) from exc


def _evaluate(run: _Run, household: HouseholdFacts, owned: bool) -> BatchEvaluation:
    tenant, on, n, why, params = run.tenant, run.on, run.size, run.why, run.params
    run.derive(household, owned)
    groups = _masks("bangfu_target_groups", run.ask("bangfu_target_groups"), n)
    run.arguments["groups"] = groups
    measures = _masks("bangfu_measures", run.ask("bangfu_measures"), n)
    del run.arguments["groups"]
    populations, criteria, eligible, categories, category_index, nobody = run.populations(groups)
    top = categories[-1] if categories else None
    eligibility = Eligibility(category=top or "", criteria=criteria, eligible=eligible)
    why.discard()
    run.note_reads()
    grants, explanations = run.grants(populations, eligible, nobody)
    utilities = run.utilities(populations, eligible, nobody)
    checklist = []
    for c in run.ask("bangfu_checklist") or []:
        run.where = f"check {c.code}"
        checklist.append(Check(c.code, c.label, _mask(c.met, n, run.where)))
    budget = run.ask("bangfu_budget")
    why.discard()
    run.note_reads()
    return BatchEvaluation(
        tenant=tenant,
        as_of=on,
        size=n,
        provisional=params.provisional,
        eligible=eligible,
        category=top,
        eligibility=eligibility,
        groups=groups,
        measures=measures,
        grants=grants,
        utilities=utilities,
        checklist=checklist,
        budget=budget,
        explanations=explanations,
        parameters_used=list(run.used.values()),
        populations=populations,
        categories=tuple(categories),
        category_index=category_index,
        criteria_populations=run.owners,
    )


_PERIOD_ZH = {PayPeriod.ONCE: "一次性", PayPeriod.MONTHLY: "每月", PayPeriod.YEARLY: "每年"}


def evaluate(
    tenant: Tenant,
    household: Household,
    on: date,
    explain: bool = True,
    recorded: Sequence[str] | str = (),
) -> Evaluation:
    """Evaluate one validated household, with explanations unless ``explain`` is false
    (then every entitlement's ``explanation`` is empty: what a query not selecting it
    costs). ``recorded``: the grounds a person recorded on its file (Hebei's "g")."""
    facts = HouseholdFacts.of(household)  # made for this evaluation alone: completed in place
    grounds = RecordedGrounds.of([recorded]) if recorded else None
    return _evaluate_guarded(tenant, facts, on, explain, owned=True, recorded=grounds).evaluation(0)


def evaluate_many(
    tenant: Tenant,
    households: Sequence[Household],
    on: date,
    explain: bool = False,
    recorded: Sequence[Sequence[str] | str] | None = None,
) -> list[Evaluation]:
    """Evaluate many validated households at once; the same results as one by one (with
    ``explain``, explanations included). ``recorded``: each one's file's recorded grounds."""
    facts = HouseholdFacts.from_households(households)  # made for this batch alone
    grounds = RecordedGrounds.of(recorded) if recorded else None
    batch = _evaluate_guarded(tenant, facts, on, explain, owned=True, recorded=grounds)
    return [batch.evaluation(i) for i in range(batch.size)]


def evaluate_each(
    tenant: Tenant,
    households: Sequence[Household],
    on: date,
    explain: bool = True,
    recorded: Sequence[Sequence[str] | str] | None = None,
) -> list[Evaluation | BangfuError]:
    """Each household's evaluation, or the error it alone gets: evaluated together, and
    if that fails (a rule failing on one of them), one by one, so that one household's
    failure is not the others'. ``recorded``: each one's file's recorded grounds."""
    grounds = list(recorded) if recorded else [()] * len(households)
    if len(households) == 1:
        try:
            return [evaluate(tenant, households[0], on, explain, recorded=grounds[0])]
        except BangfuError as exc:
            return [exc]
    try:
        return list(evaluate_many(tenant, households, on, explain, recorded=recorded))
    except BangfuError:
        return [
            evaluate_each(tenant, [h], on, explain, [g])[0]
            for h, g in zip(households, grounds, strict=True)
        ]
