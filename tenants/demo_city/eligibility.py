"""Who the city helps (001 二), and the populations of its programmes.

The city ADDS to Hebei: its own 困难职工 file (below the city 低保 line, or slightly above
it with illness, accident or similar hardship), and the populations its departments'
measures serve (低保 households; 低保 for 12 or more continuous months). Hebei's 特困 test
and relief apply in the city unchanged.
"""

from __future__ import annotations

from core.plugin import Criterion, Population
from plugins.national import ample_income, below_dibao_line, workers_household

SOURCE = "001 市政府帮扶困难职工工作意见"
CATEGORY = "kunnan"  # 困难职工


def near_line(household, parameters):
    """Per-capita income below (or at, when ``eligibility.near_dibao_inclusive``) the
    near-line multiple of the city 低保标准."""
    h = household
    multiple = parameters.number("eligibility.near_dibao_multiplier")
    num, den = multiple.as_integer_ratio()
    line = parameters.money("dibao.standard_monthly") * 12 * h.members
    if parameters.flag("eligibility.near_dibao_inclusive"):
        return h.annual_income * den <= line * num
    return h.annual_income * den < line * num


def city_file(household, parameters) -> list[Criterion]:
    """Serving workers and laid-off or unemployed workers (``subject.workers``) below the
    city line, or slightly above it with illness, accident or similar hardship."""
    h = household
    multiple = parameters.number("eligibility.near_dibao_multiplier")
    below = below_dibao_line(h, parameters) & workers_household(h, parameters)
    hardship = (h.serious_illness > 0) | h.disaster_loss | (h.disabled > 0)
    return [
        Criterion(
            "below_dibao", "家庭人均收入低于本市城镇居民最低生活保障线", f"{SOURCE} 二", below
        ),
        Criterion(
            "near_dibao_hardship",
            f"家庭人均收入略高于本市低保标准(不超过 {multiple} 倍),因疾病、意外伤害等原因生活拮据",
            f"{SOURCE} 二",
            ~below_dibao_line(h, parameters)
            & near_line(h, parameters)
            & hardship
            & workers_household(h, parameters),
        ),
    ]


def dibao_household(household, parameters):
    """A 低保 household: one that says so, unless its income is ample (a household with
    several times the line is not in 低保 whatever its form says: the form is wrong)."""
    return household.dibao_recipient & ~ample_income(household, parameters)


def dibao_long_enough(household, parameters):
    months = parameters.integer("education_grant.min_dibao_months")
    return dibao_household(household, parameters) & (household.dibao_months >= months)


POPULATIONS = [
    Population(
        code="demo_city.kunnan",
        label="困难职工(本市)",
        basis=f"{SOURCE} 二",
        test=city_file,
        category=CATEGORY,
        opens_file=True,
        rank=10,
    ),
    Population(
        code="demo_city.dibao",
        label="城市低保家庭",
        basis=f"{SOURCE} 三(一) 房管部门; 三(二) 自来水公司、燃气公司、热力公司",
        test=dibao_household,
        opens_file=False,
    ),
    Population(
        code="demo_city.dibao_12_months",
        label="享受连续一年以上城市低保的家庭",
        basis=f"{SOURCE} 三(一) 教育部门",
        test=dibao_long_enough,
        opens_file=False,
    ),
]
