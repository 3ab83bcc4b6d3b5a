"""The kinds of evidence document a file holds, as caseworkers name them."""

from __future__ import annotations

from core.errors import bad_input

#: kind -> (Chinese, English)
KINDS: dict[str, tuple[str, str]] = {
    "application": ("申请表(本人签字)", "signed application"),
    "dibao_certificate": ("低保证", "低保 certificate"),
    "medical_bill": ("医疗费票据", "hospital bill"),
    "income_statement": ("收入证明", "income statement"),
    "survey_record": ("入户调查记录", "home survey record"),
    "other": ("其他材料", "other document"),
}


def checked_kind(kind: str) -> str:
    if kind not in KINDS:
        raise bad_input(
            f"unknown kind of document {kind[:40]!r}; the kinds: {', '.join(KINDS)}",
            f"材料类别“{kind[:40]}”不存在,可选:{'、'.join(z for z, _ in KINDS.values())}",
            kind=kind[:40],
        )
    return kind


def label(kind: str) -> tuple[str, str]:
    return KINDS.get(kind, (kind, kind))
