"""Chinese labels for the codes the pages show (``tekun``, ``sudden_expense``, ``m3`` ...).

One function, :func:`code_label`, answers every lookup. The national vocabulary's codes
(categories, groups, measures, checklist, programmes, utilities, periods) come from the
shared label table :mod:`core.labels`; this module adds only what the pages need beyond
it (units, relations, kinds of spending), and falls back to its own older entries. A code
no table knows is shown as it is, never hidden.
"""

from __future__ import annotations

from core.labels import NATIONAL

#: kind -> code -> (Chinese, English)
_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "tekun": ("特困职工", "worker in extreme hardship"),
        "kunnan": ("困难职工", "worker in hardship"),
    },
    "group": {
        "dibao_underemployed": (
            "低保家庭中有劳动能力未充分就业",
            "in 低保, able to work, not fully employed",
        ),
        "below_dibao_uncovered": (
            "低于低保标准尚未纳入低保",
            "below the 低保 line, not yet covered",
        ),
        "sudden_expense": ("因病、因灾、因意外致困", "serious illness, disaster or accident"),
        "migrant_worker": ("长期在城镇生活的农民工", "migrant worker living in the city"),
        "restructuring_laid_off": ("去产能、改制中下岗失业", "laid off in a restructuring"),
    },
    "measure": {
        "employment": ("就业帮扶", "employment"),
        "social_insurance": ("社会保险", "social insurance"),
        "medical_insurance": ("医疗保险", "medical insurance"),
        "social_assistance": ("社会救助", "social assistance"),
        "skills_training": ("技能培训", "skills training"),
        "startup_aid": ("创业扶持", "start-up aid"),
        "sunshine_employment": ("阳光就业", "sunshine employment"),
        "medical_mutual_aid": ("医疗互助", "medical mutual aid"),
        "golden_autumn_education": ("金秋助学", "golden-autumn education aid"),
        "one_to_one_pairing": ("一对一结对帮扶", "one-to-one pairing"),
        "warmth_delivery": ("送温暖", "warmth delivery"),
    },
    "programme": {
        "living_relief": ("生活救助", "living relief"),
        "medical_relief": ("医疗救助", "medical relief"),
        "education_grant": ("助学金", "education grant"),
        "public_rental_housing": ("廉租住房", "public rental housing"),
    },
    "utility": {
        "water": ("水", "water"),
        "gas": ("燃气", "gas"),
        "heating": ("供暖", "heating"),
        "electricity": ("电", "electricity"),
    },
    "unit": {"m3": ("立方米", "m³"), "kWh": ("千瓦时", "kWh"), "yuan": ("元", "yuan")},
    "checklist": {
        "food": ("不愁吃", "food"),
        "clothing": ("不愁穿", "clothing"),
        "employment": ("就业有保障", "employment"),
        "medical": ("医疗有保障", "medical care"),
        "schooling": ("子女上学有保障", "schooling"),
        "housing": ("住房有保障", "housing"),
        "social_insurance": ("社会保险有保障", "social insurance"),
    },
    "relation": {
        "APPLICANT": ("申请人", "applicant"),
        "SPOUSE": ("配偶", "spouse"),
        "CHILD": ("子女", "child"),
        "PARENT": ("父母", "parent"),
        "OTHER": ("其他", "other"),
    },
    "expense": {
        "rent": ("房租", "rent"),
        "living": ("生活", "living"),
        "medical": ("医疗", "medical"),
        "education": ("教育", "education"),
        "other": ("其他", "other"),
    },
}
KINDS = tuple(_LABELS)


def code_label(kind: str, code: str) -> tuple[str, str]:
    """``(Chinese, English)`` for a code of ``kind`` (``category``, ``group``, ``measure``,
    ``programme``, ``utility``, ``unit``, ``checklist``, ``relation``, ``expense``); the code
    itself twice when it is not known."""
    shared = NATIONAL.get(kind, {}).get(code)
    if shared is not None:
        return shared
    return _LABELS.get(kind, {}).get(code, (code, code))


def zh(code: str, kind: str) -> str:
    """The Chinese label alone (a Jinja filter: ``{{ code|zh("group") }}``)."""
    return code_label(kind, code)[0]
