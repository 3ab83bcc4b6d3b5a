"""生活困难: what "in hardship" means where the texts give no figure, and what excludes it.

Every target group of 000 二 describes workers in hardship, and Hebei's 003 一.1 binds every
criterion with "不经救助生活难以为继". The texts give no figure, so the tests are cited
parameters. Two rules hold whatever test a tenant chooses:

- declared spending shows hardship only where a text names it (medical cost in 003
  一.1(a), school fees in (b), the household accounts' gap, 算账, in 002), and
- it never lifts a household whose per-capita income is several times the 低保 line
  (``hardship.ample_income_multiple``): "spending above income" on a large income is not
  hardship, and neither is a disaster, an illness or a label.

Every comparison is made without dividing (income x den against line x num): exact.
"""

from __future__ import annotations

import numpy as np


def yearly_line(household, parameters):
    """The household's 低保 line for a year: the monthly standard x 12 x members (fen)."""
    return parameters.money("dibao.standard_monthly") * 12 * household.members


def below_multiple(income, household, parameters, multiple_parameter: str):
    """Per-capita ``income`` below the multiple (``multiple_parameter``) of the 低保标准."""
    num, den = parameters.number(multiple_parameter).as_integer_ratio()
    return income * den < yearly_line(household, parameters) * num


def ample_income(household, parameters):
    """Per-capita income at least ``hardship.ample_income_multiple`` times the 低保标准:
    a household no declared spending, disaster, illness or label puts in hardship."""
    num, den = parameters.number("hardship.ample_income_multiple").as_integer_ratio()
    return household.annual_income * den >= yearly_line(household, parameters) * num


def year_spending(household):
    """The year's spending, with the out-of-pocket medical cost when it is larger than the
    medical spending declared in the accounts (one is the other, counted once)."""
    h = household
    return (
        h.annual_expenses
        - h.expense_medical
        + np.maximum(h.expense_medical, h.medical_out_of_pocket)
    )


def named_spending(household):
    """The spending a text names as a cause of hardship: the medical cost (003 一.1(a),
    000 二(三)) and school fees (003 一.1(b))."""
    h = household
    return np.maximum(h.expense_medical, h.medical_out_of_pocket) + h.expense_education


#: the tests a tenant may name, with what each means (the parameter's description)
TESTS = {
    "income_below_multiple": "per-capita income below the multiple of the 低保标准",
    "income_below_multiple_or_gap": (
        "that, or the year's spending exceeds the income (the 算账 gap of 002), "
        "never with ample income"
    ),
    "income_below_multiple_or_named_spending": (
        "that, or the income left after the medical cost and school fees (the spending "
        "003 一.1(a)(b) names) is below the multiple, never with ample income"
    ),
}


def hardship_test(household, parameters, income, test: str, multiple_parameter: str, name: str):
    """The hardship test ``test`` on ``income`` (the tenant's reading of its income):
    one of :data:`TESTS`; the spending halves never count with ample income."""
    h = household
    low = below_multiple(income, h, parameters, multiple_parameter)
    if test == "income_below_multiple":
        return low
    if test == "income_below_multiple_or_gap":
        shown = year_spending(h) > income
    elif test == "income_below_multiple_or_named_spending":
        shown = below_multiple(income - named_spending(h), h, parameters, multiple_parameter)
    else:
        raise ValueError(f"{name} {test!r} is not a known test (known: {', '.join(TESTS)})")
    return low | (shown & ~ample_income(h, parameters))


def in_hardship(household, parameters):
    """ "生活困难" where the text gives no figure (000 二(三), 二(四), 二(五)): the test the
    tenant's parameter ``hardship.test`` names (illustrative), with
    ``hardship.income_multiple``."""
    return hardship_test(
        household,
        parameters,
        household.annual_income,
        parameters.text("hardship.test"),
        "hardship.income_multiple",
        "hardship.test",
    )
