"""What a roster can say about a person, and which declared facts it is compared with.

A roster row carries some of :data:`ROSTER_FIELDS` (a source declares which). A
comparison looks at the :data:`FACTS`: each names the declared field of the household
(or of a member), the roster field it is checked against and whose fact it is.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The fields a roster row may carry besides the resident ID number, with their kind:
#: "date", "money" (yuan in the file, fen stored) or "flag" (是/否, yes/no, 1/0).
ROSTER_FIELDS: dict[str, str] = {
    "dibao_since": "date",
    "dibao_subsidy": "money",
    "pension_insured": "flag",
    "unemployment_insured": "flag",
    "contribution_base": "money",
}
ID_FIELD = "id_number"


@dataclass(frozen=True)
class Fact:
    """A declared fact a roster can contradict."""

    code: str
    zh: str
    en: str
    member: bool  #: a member's fact (else the household's)
    needs: str  #: the roster field that tells it


FACTS: dict[str, Fact] = {
    f.code: f
    for f in (
        Fact("dibao_status", "低保状态", "in 低保", False, "dibao_since"),
        Fact("dibao_months", "享受低保月数", "months in 低保", False, "dibao_since"),
        Fact(
            "dibao_subsidy",
            "低保人均月补助",
            "低保 subsidy a month per person",
            False,
            "dibao_subsidy",
        ),
        Fact("pension_insurance", "养老保险", "pension insurance", True, "pension_insured"),
        Fact("employment", "就业状况", "employment", True, "contribution_base"),
        Fact("wage", "工资收入(按缴费基数)", "wage (contribution base)", True, "contribution_base"),
    )
}
