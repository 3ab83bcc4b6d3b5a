"""A household's derived facts (:class:`core.facts.HouseholdFacts`) as one row of numbers.

The periodic review re-evaluates every open file of a tenant at once. Rebuilding each
household through validation and derivation would cost more than the evaluation itself,
so each case also stores its derived facts as a flat list of integers, in the order of
:data:`LAYOUT`. The review stacks the rows into columns with one numpy call.

:data:`LAYOUT_ID` changes whenever the core's list of facts changes; a row written under
another layout is rebuilt from the stored household instead (:func:`facts_of_cases`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from core.facts import _ROW_FIELDS, HouseholdFacts
from core.model import MAX_MEMBERS, Household, parse_household

#: the household columns, then each member's age (-1 unknown, -2 no such member) and one
#: integer whose bit k says member k has pension insurance: the members a rule may read
#: (age bands, working age) without rebuilding the household
LAYOUT: tuple[str, ...] = _ROW_FIELDS
MEMBER_SLOTS = MAX_MEMBERS
LAYOUT_ID = hashlib.sha256(
    (",".join(LAYOUT) + f";ages{MEMBER_SLOTS};pension_bits").encode()
).hexdigest()[:16]
_NO_MEMBER = -2


@cache
def _dtypes() -> dict[str, np.dtype]:
    sample = HouseholdFacts.of(
        parse_household({"members": [{"name": "x", "relation": "APPLICANT"}]})
    )
    return {name: getattr(sample, name).dtype for name in LAYOUT}


def facts_row(household: Household) -> list[int]:
    """The derived facts of one household, as integers in :data:`LAYOUT` order."""
    facts = HouseholdFacts.of(household)
    ages = [-1 if m.age is None else m.age for m in household.members]
    pension = sum(1 << k for k, m in enumerate(household.members) if m.has_pension_insurance)
    return [
        *(int(getattr(facts, name)[0]) for name in LAYOUT),
        *ages,
        *[_NO_MEMBER] * (MEMBER_SLOTS - len(ages)),
        pension,
    ]


def facts_from_rows(rows: Sequence[Sequence[int]]) -> HouseholdFacts:
    """Columns for a batch of rows written under the current :data:`LAYOUT`."""
    dtypes = _dtypes()
    n = len(rows)
    width = len(LAYOUT)
    matrix = np.array(rows, dtype=np.int64).reshape(n, width + MEMBER_SLOTS + 1)
    columns = {
        name: np.ascontiguousarray(matrix[:, i]).astype(dtypes[name], copy=False)
        for i, name in enumerate(LAYOUT)
    }
    ages = matrix[:, width : width + MEMBER_SLOTS]
    present = ages != _NO_MEMBER
    bits = (matrix[:, width + MEMBER_SLOTS, None] >> np.arange(MEMBER_SLOTS)) & 1
    return HouseholdFacts(
        size=n,
        **columns,
        member_household=np.nonzero(present)[0].astype(np.int64),
        member_age=ages[present],
        member_pension=bits[present].astype(bool),
        derived={},
    )


def facts_of_cases(items: Sequence[tuple[list[Any], str, dict[str, Any]]]) -> HouseholdFacts:
    """Columns for ``(facts row, layout id, household json)`` triples; rows of an older
    layout are rebuilt from their household."""
    rows = [
        row if layout == LAYOUT_ID else facts_row(parse_household(household))
        for row, layout, household in items
    ]
    return facts_from_rows(rows)
