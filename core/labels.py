"""One table of Chinese labels for every code the API and the pages show.

The national codes come from ``shared/spec/VOCABULARY.md`` (categories, target groups,
measures, checklist items, programmes, utilities, pay periods); a tenant's own codes
(its populations, criteria and programmes) carry their label where they are declared, and
:func:`labels_for` collects them. Chinese first; the English is a gloss for developers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import clock
from core.memo import ByIdentity

#: kind -> code -> (Chinese, English)
NATIONAL: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "tekun": ("特困职工", "worker in special hardship"),
        "kunnan": ("困难职工", "worker in hardship"),
    },
    "group": {
        "dibao_underemployed": (
            "纳入低保且有劳动能力、未实现充分就业",
            "in 低保, able, not fully employed",
        ),
        "below_dibao_uncovered": (
            "收入低于低保线、尚未纳入低保",
            "below the 低保 line, not covered",
        ),
        "sudden_expense": ("因病、灾害或意外致家庭支出突增", "sudden expense"),
        "migrant_worker": ("长期居住城市、生活遇到特殊困难的农民工", "migrant worker in hardship"),
        "restructuring_laid_off": ("结构性改革中下岗失业致生活困难", "laid off in restructuring"),
    },
    "measure": {
        "employment": ("就业创业解困脱困一批", "employment"),
        "social_insurance": ("纳入社会保险覆盖一批", "social insurance"),
        "medical_insurance": ("纳入大病保险和医疗互助保障一批", "medical insurance"),
        "social_assistance": ("社会救助兜底一批", "social assistance"),
        "skills_training": ("技能培训促就业计划", "skills training"),
        "startup_aid": ("创业援助计划", "start-up aid"),
        "sunshine_employment": ("阳光就业计划", "sunshine employment"),
        "medical_mutual_aid": ("职工医疗互助计划", "medical mutual aid"),
        "golden_autumn_education": ("金秋助学计划", "golden autumn education"),
        "one_to_one_pairing": ("一帮一结对帮扶", "one-to-one pairing"),
        "warmth_delivery": ("送温暖", "warmth delivery"),
    },
    "checklist": {
        "food": ("有吃", "food"),
        "clothing": ("有穿", "clothing"),
        "employment": ("就业有保障", "employment secured"),
        "medical": ("就医有保障", "medical care secured"),
        "schooling": ("就学有保障", "schooling secured"),
        "housing": ("住房有保障", "housing secured"),
        "social_insurance": ("社会保险有保障", "social insurance secured"),
    },
    "programme": {
        "living_relief": ("生活救助", "living relief"),
        "medical_relief": ("医疗救助", "medical relief"),
        "education_grant": ("教育补助", "education grant"),
        "public_rental_housing": ("廉租住房", "public rental housing"),
    },
    "utility": {
        "water": ("自来水费减免", "water"),
        "gas": ("燃气费减免", "gas"),
        "heating": ("供热费减免", "heating"),
        "electricity": ("电费减免", "electricity"),
    },
    "period": {
        "ONCE": ("一次性", "once"),
        "MONTHLY": ("每月", "monthly"),
        "YEARLY": ("每年", "yearly"),
    },
}


@dataclass(frozen=True)
class Label:
    kind: str  #: category, group, measure, checklist, programme, utility, period,
    #: population, reason
    code: str
    label: str  #: Chinese
    en: str = ""


def label(kind: str, code: str) -> str:
    """The Chinese label of a national code (the code itself when it has none)."""
    return NATIONAL.get(kind, {}).get(code, (code, ""))[0]


def _chinese_first(name: str) -> tuple[str, str]:
    """'生活救助 living relief' -> ('生活救助', 'living relief')."""
    head, _, tail = name.partition(" ")
    if head and not head.isascii():
        return head, tail
    return name, ""


def labels_for(tenant, on: date | None = None) -> list[Label]:
    """Every label a tenant's answers can show: the national table, then the tenant's own
    populations, criteria (reasons) and programmes."""
    on = on or clock.today()
    return list(_LABELS.get(tenant, (tenant.ruleset, on), lambda: _labels(tenant, on)))


_LABELS: ByIdentity[tuple[Label, ...]] = ByIdentity()


def _labels(tenant, on: date) -> tuple[Label, ...]:
    from core.evaluation import evaluate_batch
    from core.facts import HouseholdFacts

    out = [Label(k, c, zh, en) for k, table in NATIONAL.items() for c, (zh, en) in table.items()]
    for pop in tenant.populations:
        out.append(Label("population", pop.code, pop.label))
        if pop.opens_file and pop.file_category not in NATIONAL["category"]:
            out.append(Label("category", pop.file_category, pop.label))
    known = {(lab.kind, lab.code) for lab in out}
    for p in tenant.programmes:
        if ("programme", p.code) not in known:
            zh, en = _chinese_first(p.name)
            out.append(Label("programme", p.code, zh, en))
    try:  # the criteria are declared by the rules: ask them about no household
        batch = evaluate_batch(tenant, HouseholdFacts.from_households([]), on)
    except Exception:  # a faulty plugin: its reasons keep their own labels
        return tuple(out)
    seen = set()
    for c in batch.eligibility.criteria:
        if c.code not in seen:
            seen.add(c.code)
            out.append(Label("reason", c.code, c.label))
    return tuple(out)
