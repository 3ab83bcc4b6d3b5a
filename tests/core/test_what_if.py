"""A child tenant (or a what-if reform) can switch the medical tiers to the marginal
reading, and a provisional figure makes the evaluation say so."""

from datetime import date
from decimal import Decimal

import plugins.national
import tenants.hebei
from core.evaluation import evaluate
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from tests.conftest import ON, applicant, household

MARGINAL = """\
description: medical relief tiers read as marginal brackets (分段计算)
type: schedule
unit: yuan
overrides: true
values:
  2006-01-01:
    value:
      kind: marginal
      brackets:
        - {from: 0, rate: 0}
        - {from: 5000, rate: 0.10}
        - {from: 20000, rate: 0.08}
        - {from: 50000, rate: 0.06}
        - {from: 100000, amount: 8000}
    source: "what-if: 003 五.10 read as 分段计算"
"""

PROVISIONAL_DIBAO = """\
description: a draft 低保标准
type: money
unit: yuan/person/month
overrides: true
values:
  2026-01-01:
    value: 900
    source: "draft notice"
    provisional: true
"""


def reform_registry(tmp_path, files):
    folder = tmp_path / "parameters"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    class Reform:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("reform", "改革试点", TenantLevel.CITY, "hebei")

        @hookimpl
        def bangfu_parameter_folder(self):
            return folder

    return load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), ("reform", Reform())],
        use_entry_points=False,
    )


def test_the_marginal_reading_is_a_parameter_away(tmp_path):
    registry = reform_registry(tmp_path, {"medical_relief/schedule.yaml": MARGINAL})
    h = household(
        applicant(seriousIllness=True, monthlyIncome="2500"), annualMedicalOutOfPocket="60000"
    )
    literal = evaluate(registry.get("hebei"), h, ON).entitlement("medical_relief")
    marginal = evaluate(registry.get("reform"), h, ON).entitlement("medical_relief")
    assert literal.amount == Decimal("3600.00")  # 6% of the whole 60,000
    assert marginal.amount == Decimal("4500.00")  # 1,500 + 2,400 + 600
    assert any("分段累进" in s for s in marginal.explanation)
    assert any("由 reform 设定" in s for s in marginal.explanation)


def test_a_provisional_figure_makes_the_evaluation_provisional(tmp_path):
    registry = reform_registry(tmp_path, {"dibao/standard_monthly.yaml": PROVISIONAL_DIBAO})
    h = household(applicant(ableToWork=True, employment="UNEMPLOYED"))
    assert evaluate(registry.get("reform"), h, ON).provisional is True
    assert evaluate(registry.get("reform"), h, date(2025, 6, 1)).provisional is False
    assert evaluate(registry.get("hebei"), h, ON).provisional is False
