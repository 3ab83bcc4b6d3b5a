"""The vocabulary a tenant writes its rules in.

A rule receives :class:`core.facts.HouseholdFacts` (columns, one entry per household),
:class:`core.parameters.Parameters` (dated values, every read recorded) and a :class:`Why`
to say what it did, and returns one of the small results below. Conditions are boolean
arrays (``mask``); money is ``int64`` fen. Written this way, the same rule evaluates one
household for a caseworker and a million for a national simulation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from string import Formatter
from typing import Any

import numpy as np

from core.frozen import quick_init
from core.model import BenefitForm, PayPeriod
from core.money import format_yuan

Mask = np.ndarray  #: bool array, one entry per household
Fen = np.ndarray  #: int64 array of fen, one entry per household


@quick_init
@dataclass(frozen=True)
class Criterion:
    """One ground of eligibility (Hebei's 特困 criteria a-g, the city's income test ...)."""

    code: str  #: short code, unique within the tenant ("a", "below_dibao")
    label: str  #: what it means, for a caseworker
    basis: str  #: the clause it comes from ("003 一.1(a)")
    met: Mask  #: which households meet it


@quick_init
@dataclass(frozen=True)
class Eligibility:
    """The answer of ``bangfu_eligibility``: the category and the grounds.

    A household is eligible when it meets at least one criterion, unless ``eligible`` is
    given explicitly (for rules such as "one of these, and always this").
    """

    category: str  #: the tenant's hardship category ("tekun"), used when eligible
    criteria: list[Criterion]
    eligible: Mask | None = None

    def mask(self, size: int) -> Mask:
        if self.eligible is not None:
            return np.asarray(self.eligible, dtype=bool)
        met = np.zeros(size, dtype=bool)
        for c in self.criteria:
            met |= c.met
        return met


@dataclass(frozen=True)
class Population:
    """A population a plugin declares (``bangfu_populations``): who a programme serves.

    ``test(household, parameters, groups, recorded, why)`` (name only the arguments you
    need; ``recorded`` is :class:`RecordedGrounds`, the grounds a person chose on the file)
    returns a mask, a list of :class:`Criterion` (met when any is met) or an
    :class:`Eligibility`. A :class:`Programme` or :class:`UtilityRule` names the population
    it serves (``population="tekun"``) and receives *that* population's mask as
    ``eligible``.

    ``opens_file`` populations decide the household's hardship file (``Evaluation.eligible``
    and ``category``): the file is open when any of them is met, and its category is the
    ``category`` of the met population with the highest ``rank`` (ties: the most specific
    plugin, i.e. the child, wins). The bundled ranks: national 困难职工 0, the city's own
    困难职工 10, Hebei's 特困职工 100 (特困 is the stronger, narrower file).

    A child's population with an ancestor's code must set ``replaces=True``; an
    undeclared clash is refused at load time, naming both plugins.
    Before ``in_force_from`` the population is nobody, and nothing fails.
    """

    code: str  #: unique in the stack: "tekun", "dibao", "demo_city.kunnan"
    label: str  #: Chinese first: "特困职工"
    basis: str  #: the clause: "003 一.1"
    test: Callable[..., Any]
    category: str | None = None  #: the file category when it opens a file (default: code)
    opens_file: bool = True
    rank: int = 0
    in_force_from: date | None = None
    replaces: bool = False

    @property
    def file_category(self) -> str:
        return self.category or self.code

    def in_force(self, on: date) -> bool:
        return self.in_force_from is None or on >= self.in_force_from


@dataclass(frozen=True)
class RecordedGrounds:
    """The grounds a person recorded on each household's file, deliberately and with a
    written reason (Hebei's 003 一.1(g) "其他原因造成生活特别困难"), as a rule receives them
    (``recorded``): ``recorded("g")`` is the mask of the households whose file carries
    ground g. A household evaluated without a file (a what-if) carries none."""

    size: int
    masks: dict[str, Mask] = field(default_factory=dict)

    def __call__(self, code: str) -> Mask:
        found = self.masks.get(code)
        return np.zeros(self.size, dtype=bool) if found is None else found

    @classmethod
    def of(cls, grounds: Sequence[Sequence[str] | str]) -> RecordedGrounds:
        """From each household's recorded grounds (codes, or "g,h" as a file keeps them)."""
        masks: dict[str, Mask] = {}
        for i, codes in enumerate(grounds):
            if not codes:  # most files: none
                continue
            listed = codes.split(",") if isinstance(codes, str) else codes
            for code in listed:
                if code:
                    if code not in masks:
                        masks[code] = np.zeros(len(grounds), dtype=bool)
                    masks[code][i] = True
        return cls(len(grounds), masks)


@quick_init
@dataclass(frozen=True)
class Grant:
    """What a programme gives: to whom, and how much (``amount`` None when in kind)."""

    granted: Mask
    amount: Fen | None = None


@dataclass(frozen=True)
class Programme:
    """An assistance programme a plugin offers (``Entitlement.programme`` in the contract).

    ``compute(household, parameters, eligible, why) -> Grant`` (name only the arguments
    you need) decides who gets it and how much. ``eligible`` is the mask of the
    programme's ``population`` (a :class:`Population` code declared in the stack); without
    one, the household's hardship file (any file-opening population). Amounts are int
    fen (an int or an int64 array); a float is refused, naming the programme.
    A child tenant that offers a programme with a parent's code must set
    ``replaces=True``; otherwise the tenant is refused at load time. Before
    ``in_force_from`` the programme grants nothing and reads nothing.

    ``period`` is its periodicity: how often it is paid (once per grant, once a year,
    once a month; :mod:`core.funds.periods`). ``form`` is what it gives
    (:class:`core.model.BenefitForm`): only ``FUND_CASH`` is proposed, approved and paid
    through the bank; ``FUND_IN_KIND`` is distributed from stock; a tax relief, a waiver
    or a referral is issued as a printable document, never fund money. ``form_basis``
    cites the clause that says so.
    """

    code: str  #: national vocabulary code, or "<tenant>.<code>" for the tenant's own
    name: str
    period: PayPeriod
    basis: str  #: the clause, e.g. "003 五.10 帮扶标准"
    compute: Callable[..., Grant]
    replaces: bool = False
    population: str | None = None  #: the population it serves ("tekun")
    in_force_from: date | None = None
    form: BenefitForm = BenefitForm.FUND_CASH
    form_basis: str = ""  #: the clause saying what form it takes

    @property
    def paid_from_fund(self) -> bool:
        return self.form in (BenefitForm.FUND_CASH, BenefitForm.FUND_IN_KIND)

    def in_force(self, on: date) -> bool:
        return self.in_force_from is None or on >= self.in_force_from


@dataclass(frozen=True)
class UtilityRule:
    """A utility discount: ``quantity_parameter`` of ``utility`` off the bill, per period.

    ``applies(household, parameters, eligible, why) -> Mask`` (any subset of them) says who receives it.
    """

    utility: str  #: water, gas, heating, electricity
    unit: str  #: m3, kWh, yuan
    period: PayPeriod
    basis: str
    quantity_parameter: str  #: the parameter holding the quantity (number or money)
    applies: Callable[..., Mask]
    replaces: bool = False
    population: str | None = None  #: the population it serves; ``eligible`` is its mask
    in_force_from: date | None = None
    #: a utility discount is a waived fee the supplier grants: recorded, no fund money
    form: BenefitForm = BenefitForm.FEE_WAIVER

    def in_force(self, on: date) -> bool:
        return self.in_force_from is None or on >= self.in_force_from


@quick_init
@dataclass(frozen=True)
class Check:
    """An item of a checklist such as Gansu's 两有五保障."""

    code: str
    label: str
    met: Mask


@dataclass(frozen=True)
class BudgetColumns:
    """Household accounts in fen: income, spending, and the gap when spending is larger."""

    annual_income: Fen
    annual_expenses: Fen
    gap: Fen


@dataclass(frozen=True)
class Words:
    """A step's value that is text worded for each household: ``of(i)`` words household
    ``i``'s (called only for the households whose explanation is shown). For what a
    format spec cannot say, such as how a schedule reached an amount."""

    of: Callable[[int], str]


def _shown(value: Any, spec: str, i: int = 0) -> str:
    """A value in an explanation step (household ``i``'s), formatted by its spec."""
    if type(value) is np.ndarray and value.ndim == 1 and value.size:
        value = value.item(i if value.size > 1 else 0)  # household i's value, as Python
    elif isinstance(value, np.ndarray):
        value = value[0] if value.size else None
    elif type(value) is Words:
        return value.of(i)
    if isinstance(value, np.generic):
        value = value.item()
    if spec == "yuan":
        return format_yuan(int(value))
    if spec == "yes":
        return "是" if value else "否"
    if spec == "m2":
        return f"{int(value) / 100:.2f} 平方米"
    return format(value, spec)


#: Each step template as (text, field, spec) parts, parsed once.
_TEMPLATES: dict[str, tuple[tuple[str, str | None, str], ...]] = {}


def _parts(template: str) -> tuple[tuple[str, str | None, str], ...]:
    parts = _TEMPLATES.get(template)
    if parts is None:
        parsed = []
        for text, name, spec, conversion in Formatter().parse(template):
            if conversion or (name is not None and not name.isidentifier()):
                raise ValueError(f"a step names its values plainly ({{name:spec}}): {template!r}")
            parsed.append((text, name, spec or ""))
        parts = _TEMPLATES[template] = tuple(parsed)
    return parts


def _formatted(template: str, values: dict[str, Any], i: int) -> str:
    pieces = []
    for text, name, spec in _TEMPLATES.get(template) or _parts(template):
        pieces.append(text)
        if name is not None:
            pieces.append(_shown(values[name], spec, i))
    return "".join(pieces)


@dataclass
class Why:
    """Collects the steps of a rule for its explanation.

    ``why.step("out-of-pocket {cost:yuan} exceeds income {income:yuan}", cost=c, income=i)``
    records a step once for every household evaluated together; each household's
    explanation formats that household's values (one entry per household of a column, or
    the one value given). The ``yuan`` spec prints fen as yuan, ``yes`` prints a condition
    (是/否), ``m2`` an area in 1/100 m2 (平方米); other specs are Python's
    (``{share:.1f}``); a :class:`Words` value words each household's text itself. Values
    are named plainly (no ``{a.b}``, no ``!r``): each template is parsed once. Write
    steps in Chinese, and never word a step from one household's values yourself (such as
    ``column[0]``): households are evaluated together. When nothing is explained
    (``active`` false) a step costs nothing; steps are formatted only for the households
    whose explanation is shown.
    """

    active: bool = True
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def step(self, template: str, **values: Any) -> None:
        if self.active:
            self.steps.append((template, values))

    def take(self) -> list[str]:
        """The steps recorded since the last take or discard, formatted for the first
        household (one evaluated alone)."""
        return self.take_for((0,))[0]

    def take_for(self, households: Sequence[int]) -> list[list[str]]:
        """The steps recorded since the last take or discard, formatted for each of
        ``households`` (by index, in that order)."""
        steps, self.steps = self.steps, []
        if len(households) == 1:  # one household shown: the usual, without the outer loop
            i = households[0]
            return [[_formatted(t, values, i) for t, values in steps]]
        return [[_formatted(t, values, i) for t, values in steps] for i in households]

    def discard(self) -> None:
        self.steps = []


def count_at_least(column: np.ndarray, n: int = 1) -> Mask:
    """Households where a count column is at least ``n`` (reads better in rules)."""
    return column >= n
