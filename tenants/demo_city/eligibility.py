"""Who the city helps (001 二): below the city 低保 line, or slightly above it with illness,
accident or similar hardship."""

from __future__ import annotations

from core.plugin import Criterion, Eligibility
from plugins.national import below_dibao_line

SOURCE = "001 市政府帮扶困难职工工作意见"
CATEGORY = "kunnan"  # 困难职工


def eligibility(household, parameters) -> Eligibility:
    h = household
    multiple = parameters.number("eligibility.near_dibao_multiplier")
    num, den = multiple.as_integer_ratio()
    line = parameters.money("dibao.standard_monthly") * 12 * h.members
    hardship = (h.serious_illness > 0) | h.disaster_loss | (h.disabled > 0)
    return Eligibility(
        category=CATEGORY,
        criteria=[
            Criterion(
                "below_dibao",
                "household per-capita income below the city 低保标准",
                f"{SOURCE} 二",
                below_dibao_line(h, parameters),
            ),
            Criterion(
                "near_dibao_hardship",
                f"per-capita income above the city 低保标准 but below {multiple} times it, "
                "with illness, accident or similar hardship",
                f"{SOURCE} 二",
                ~below_dibao_line(h, parameters) & (h.annual_income * den < line * num) & hardship,
            ),
        ],
    )
