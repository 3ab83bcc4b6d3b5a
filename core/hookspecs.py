"""The hook contract: what a tenant plugin may implement.

A tenant is a *stack* of plugins, national -> province -> city. Rule hooks are called on
the stack with the most specific plugin first; they are ``firstresult``: the first answer
that is not ``None`` wins, so **return None to defer to the parent**. Declaration hooks
(``bangfu_tenant``, ``bangfu_parameter_folder``, ``bangfu_programmes`` ...) are asked of
each plugin on its own when the registry loads it.

Implement a hook with the same name and any subset of its arguments::

    from core.plugin import hookimpl

    @hookimpl
    def bangfu_eligibility(household, parameters):
        ...

A misspelled hook name, or an argument the spec does not offer, is refused when the plugin
is loaded (``PluginManager.check_pending``), with the plugin and the hook named.

Rule hooks receive:

``household`` : :class:`core.facts.HouseholdFacts`
    the facts of one household or of a batch, as columns (money in fen, counts, flags).
``parameters`` : :class:`core.parameters.Parameters`
    the tenant's parameters on the evaluation date; every read lands in the explanation.
``why`` : :class:`core.rules.Why`
    where to record the steps of a rule (free when evaluating a batch).

See ``docs/plugin-guide.md`` for a walk-through and ``bangfu new-tenant`` for a scaffold.
"""

# The specifications below are signatures with a docstring and no body (pluggy never
# calls them): mypy's "empty body" check does not apply to them.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import numpy as np

    from core.facts import HouseholdFacts
    from core.parameters import Parameters
    from core.plugin import Branding, TenantInfo
    from core.rules import Check, Eligibility, Mask, Population, Programme, UtilityRule, Why
    from core.verification.sources import VerificationSource
    from core.workflow.procedure import Procedure, ReviewSchedule

PROJECT = "bangfu"
hookspec = pluggy.HookspecMarker(PROJECT)
#: The version of this contract (the hooks, their arguments and answers), MAJOR.MINOR:
#: a new hook or argument moves MINOR; a hook removed or changed incompatibly moves MAJOR,
#: after at least one MINOR release in which it warns (pluggy's ``warn_on_impl``).
#: CHANGELOG.md says what each version changed.
CONTRACT_VERSION = "1.0"
#: hooks still honoured but replaced by another (the plugin guide says by which); a plugin
#: implementing one gets a DeprecationWarning when it is registered
DEPRECATED = frozenset({"bangfu_eligibility"})


def deprecated(hook: str, since: str, instead: str) -> DeprecationWarning:
    """The warning pluggy gives a plugin implementing a deprecated hook (``warn_on_impl``)."""
    return DeprecationWarning(
        f"{hook} is deprecated since hook contract {since} and will be removed in the next "
        f"major version: {instead} (CHANGELOG.md) / {hook} 已弃用,请改用 {instead}"
    )


# --------------------------------------------------------------------------- declarations
@hookspec(firstresult=True)
def bangfu_tenant() -> TenantInfo:
    """Who this plugin is: tenant code, name, level and parent tenant.

    Asked of each plugin on its own at load time. Every plugin registered in the
    ``bangfu.tenants`` entry-point group must answer. The parent must be another discovered
    tenant (``national`` for a province); the chain must end at ``national``.

    :return: a :class:`core.plugin.TenantInfo`.
    """


@hookspec(firstresult=True)
def bangfu_branding() -> Branding | None:
    """The tenant's display name, colour, logo and locale for its staff pages.

    Stops at the first non-None result: return None to use the parent's branding.
    """


@hookspec(firstresult=True)
def bangfu_parameter_folder() -> Path | None:
    """The folder of this plugin's parameter files (see :mod:`core.parameters`).

    Asked of each plugin on its own. Its parameters stack on top of the parent's: a file
    that redefines a parent's parameter must declare ``overrides: true``.

    :return: a folder path, or None when the plugin has no parameters of its own.
    """


@hookspec(firstresult=True)
def bangfu_case_folder() -> Path | None:
    """The folder of this plugin's conformance cases (YAML, see :mod:`core.conformance`).

    Asked of each plugin on its own. ``bangfu check`` runs them together with the shared
    national cases and invariants.
    """


@hookspec
def bangfu_programmes() -> list[Programme]:
    """The assistance programmes this plugin adds (or replaces) for its tenant and children.

    Asked of each plugin on its own. A child's programme with the code of an ancestor's
    must set ``replaces=True``; an undeclared clash is refused at load time.

    Each programme declares its periodicity (``period``: ``ONCE`` per grant, ``YEARLY``,
    ``MONTHLY``: which periods are payable, each once) and, since contract 1.1, its
    ``form`` (:class:`core.model.BenefitForm`, default ``FUND_CASH``) with ``form_basis``,
    the clause that says so: only ``FUND_CASH`` is paid through the bank; a tax relief, a
    waiver or a referral is issued as a document and is never fund money.

    :return: a list of :class:`core.rules.Programme`.
    """


@hookspec
def bangfu_populations() -> list[Population]:
    """The populations this plugin declares: who its programmes serve, and which of them
    open a hardship file (``opens_file``), with which category and rank.

    Asked of each plugin on its own. A child's populations ADD to its ancestors'; one with
    an ancestor's code must set ``replaces=True`` (an undeclared clash is refused at load
    time, naming both plugins).

    :return: a list of :class:`core.rules.Population`.
    """


@hookspec
def bangfu_derived_facts(
    household: HouseholdFacts, parameters: Parameters
) -> dict[str, np.ndarray] | None:
    """Extra household facts derived from the members, added to ``household.derived``
    before any rule runs (every plugin of the stack answers; a child's key wins).

    The core derives the age bands itself (``members_aged_60_plus`` ... from the
    parameters ``ages.*``); a plugin adds its own here as ``{name: array}``, one value
    per household (bool or int64).
    """


@hookspec
def bangfu_utility_discounts() -> list[UtilityRule]:
    """The utility discounts this plugin adds (or replaces, declared) for its tenant.

    Asked of each plugin on its own; keyed by utility (water, gas, heating, electricity).

    :return: a list of :class:`core.rules.UtilityRule`.
    """


@hookspec
def bangfu_verification_sources() -> list[VerificationSource]:
    """The sources this plugin compares its households' declarations with (核对): the
    civil-affairs 低保 roster, the social-security records, a region's others.

    Asked of each plugin on its own. A child's sources ADD to its ancestors'; one with an
    ancestor's code must set ``replaces=True`` (an undeclared clash is refused, naming
    both plugins). Ready-made: :data:`core.verification.standard.DIBAO_ROSTER` and
    :data:`core.verification.standard.SOCIAL_SECURITY`.

    Each source names the roster fields it gives and the column headings its files use
    for them (:class:`core.verification.sources.VerificationSource`); rosters arrive as
    CSV or XLSX files (``bangfu roster import``) unless the source carries an ``adapter``
    that asks a service (see :class:`core.verification.adapters.HttpAdapter`). Which
    differences block approval, how long rows are kept and whether payment runs hold a
    file are the tenant's parameters ``verification.*``, not the source's.

    :return: a list of :class:`core.verification.sources.VerificationSource` (added in
        next release, hook contract 1.1).
    """


# --------------------------------------------------------------------------- rules
@hookspec(firstresult=True)
def bangfu_target_groups(
    household: HouseholdFacts, parameters: Parameters, why: Why
) -> dict[str, Mask] | None:
    """Which of the five national target groups (000 二) each household belongs to.

    Stops at the first non-None result; the national baseline answers for everyone who
    does not. Keys are codes of ``shared/spec/VOCABULARY.md``.

    :return: ``{group_code: mask}``, or None to defer to the parent.
    """


@hookspec(firstresult=True)
def bangfu_measures(
    household: HouseholdFacts,
    parameters: Parameters,
    groups: dict[str, Mask],
    why: Why,
) -> dict[str, Mask] | None:
    """The national measures recommended for each household: the four batches and the
    seven action plans (000 三(二), 三(三)).

    :param groups: the answer of :func:`bangfu_target_groups`.
    :return: ``{measure_code: mask}``, or None to defer to the parent.
    """


@hookspec(
    firstresult=True,
    warn_on_impl=deprecated("bangfu_eligibility", "1.0", "declare bangfu_populations"),
)
def bangfu_eligibility(
    household: HouseholdFacts,
    parameters: Parameters,
    groups: dict[str, Mask],
    why: Why,
) -> Eligibility | None:
    """Deprecated: declare :func:`bangfu_populations` instead.

    Still honoured: the first non-None answer is added to the stack's populations as one
    more file-opening population (code and category its ``category``, rank 0). It no
    longer replaces the parent's test.

    :return: a :class:`core.rules.Eligibility`, or None to defer to the parent.
    """


@hookspec(firstresult=True)
def bangfu_checklist(
    household: HouseholdFacts, parameters: Parameters, why: Why
) -> list[Check] | None:
    """A checklist evaluated for each household, such as Gansu's 两有五保障 exit test.

    :return: a list of :class:`core.rules.Check`, or None to defer to the parent (the
        national baseline answers with an empty list).
    """


@hookspec(firstresult=True)
def bangfu_budget(household: HouseholdFacts, parameters: Parameters, why: Why):
    """The household accounts (算账): annual income, annual spending and the gap.

    The national baseline computes ``gap = spending - income`` when positive.

    :return: a :class:`core.rules.BudgetColumns`, or None to defer to the parent.
    """


# --------------------------------------------------------------------------- workflow
@hookspec(firstresult=True)
def bangfu_procedure() -> Procedure | None:
    """The tenant's case procedure: statuses, actions, roles, guards and deadlines.

    The core workflow engine enforces it (see :mod:`core.workflow`); a tenant declares,
    it does not re-implement. Return None to use the parent's procedure.
    """


@hookspec(firstresult=True)
def bangfu_review_schedule() -> ReviewSchedule | None:
    """When the tenant re-reviews its open files (Hebei: by 30 April each year; Gansu:
    every quarter). Return None to use the parent's schedule.
    """
