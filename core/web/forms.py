"""What staff type into the forms, read back into the framework's inputs.

The household form has one input per field of the contract's ``HouseholdInput``, named
by its wire path (``members.0.monthlyIncome``, ``annualExpenses.rent``), so a problem
that :func:`core.model.parse_household` reports for a field lands next to that input.
The form only gathers what was typed: every check (amounts, ID numbers, one applicant)
is the model's, exactly as for the GraphQL API.

A form that is sent back with problems keeps everything the user typed (:class:`Typed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core import clock
from core.errors import BangfuError, bad_input
from core.model import MAX_MEMBERS, Household, parse_household

MEMBER_ROWS = MAX_MEMBERS  #: member blocks on the form: as many as a household may have
MAX_TEXT = 200
MAX_COMMENT = 1000

TEXT, INTEGER, MONEY, AREA, CHECK, CHOICE = "text", "integer", "money", "area", "check", "choice"


@dataclass(frozen=True)
class Field:
    """One input: its wire name, Chinese and English labels, and kind."""

    name: str
    zh: str
    en: str
    kind: str = TEXT
    choices: tuple[tuple[str, str, str], ...] = ()  #: (value, zh, en)
    checked: bool = False  #: a checkbox ticked on a fresh form (the model's default)


RELATIONS = (
    ("APPLICANT", "申请人", "applicant"),
    ("SPOUSE", "配偶", "spouse"),
    ("CHILD", "子女", "child"),
    ("PARENT", "父母", "parent"),
    ("OTHER", "其他", "other"),
)
EMPLOYMENT = (
    ("NONE", "未填", "not given"),
    ("EMPLOYED", "在职", "employed"),
    ("FLEXIBLE", "灵活就业", "flexible work"),
    ("UNEMPLOYED", "失业", "unemployed"),
    ("LAID_OFF", "下岗", "laid off"),
    ("RETIRED", "退休", "retired"),
    ("STUDENT", "在校学生", "student"),
    ("UNABLE_TO_WORK", "无劳动能力", "unable to work"),
)
EDUCATION = (
    ("NONE", "无", "none"),
    ("PRESCHOOL", "学前教育", "preschool"),
    ("COMPULSORY", "义务教育", "compulsory school"),
    ("HIGH_SCHOOL", "普通高中", "high school"),
    ("SECONDARY_VOCATIONAL", "中等职业教育", "secondary vocational"),
    ("UNDERGRADUATE", "大学本专科", "undergraduate"),
    ("POSTGRADUATE", "研究生", "postgraduate"),
)

MEMBER_FIELDS = (
    Field("name", "姓名", "name"),
    Field("relation", "与申请人关系", "relation", CHOICE, RELATIONS),
    Field("idNumber", "身份证号", "resident ID"),
    Field("age", "年龄", "age", INTEGER),
    Field("monthlyIncome", "月收入(元)", "monthly income (yuan)", MONEY),
    Field("employment", "就业状况", "employment", CHOICE, EMPLOYMENT),
    Field("educationStage", "在读阶段", "education stage", CHOICE, EDUCATION),
    Field("ableToWork", "有劳动能力", "able to work", CHECK),
    Field("seriousIllness", "患重病或慢性病", "serious or chronic illness", CHECK),
    Field("disabled", "残疾", "disabled", CHECK),
    Field("publicSchool", "公办学校", "public school", CHECK, checked=True),
    Field("newlyAdmitted", "当年新入学", "newly admitted", CHECK),
    Field("hasMedicalInsurance", "有医疗保险", "medical insurance", CHECK, checked=True),
    Field("hasPensionInsurance", "有养老保险", "pension insurance", CHECK, checked=True),
)
#: a member block counts as filled in when any of these is
MEMBER_PRESENT = ("name", "idNumber", "age", "monthlyIncome")

AMOUNT_FIELDS = (
    Field("otherAnnualIncome", "其他年收入(元)", "other yearly income (yuan)", MONEY),
    Field("annualMedicalOutOfPocket", "年自付医疗费用(元)", "yearly out-of-pocket medical", MONEY),
    Field("dibaoContinuousMonths", "连续享受低保月数", "months on 低保 in a row", INTEGER),
    Field(
        "dibaoMonthlySubsidyPerCapita",
        "人均低保补差(元/月)",
        "低保 top-up per person (yuan/month)",
        MONEY,
    ),
    Field("housingAreaM2", "住房面积(平方米)", "floor area (m²)", AREA),
    Field("yearsInCity", "在城镇定居年数", "years settled in the town", INTEGER),
)
FLAG_FIELDS = (
    Field("dibaoRecipient", "享受城镇低保", "receives 低保", CHECK),
    Field(
        "medicalInInsuranceCatalog",
        "医疗费用在医保目录内",
        "costs within the catalogue",
        CHECK,
        checked=True,
    ),
    Field("hasHousing", "有住房", "has housing", CHECK, checked=True),
    Field("disasterLoss", "遭受灾害", "hit by a disaster", CHECK),
    Field("threeNo", "三无人员", "three-no person", CHECK),
    Field("migrantWorker", "农民工", "migrant worker", CHECK),
    Field("laidOffInRestructuring", "企业改制下岗", "laid off in a restructuring", CHECK),
    Field("reemploymentCertificate", "持再就业优惠证", "re-employment certificate", CHECK),
    Field("selfEmployed", "自主创业", "self-employed", CHECK),
)
EXPENSE_FIELDS = (
    Field("rent", "房租", "rent", MONEY),
    Field("living", "生活", "living", MONEY),
    Field("medical", "医疗", "medical", MONEY),
    Field("education", "教育", "education", MONEY),
    Field("other", "其他", "other", MONEY),
)


def member_key(row: int, name: str) -> str:
    return f"members.{row}.{name}"


def expense_key(name: str) -> str:
    return f"annualExpenses.{name}"


def text(form: Mapping[str, Any], key: str, limit: int = MAX_TEXT) -> str:
    """One field as typed (a repeated field counts once; anything that is no text is
    empty), trimmed and cut to ``limit`` characters."""
    value = form.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()[:limit] if isinstance(value, str) else ""


@dataclass
class Typed:
    """What the user typed into a form, and the problems found, by input name.

    ``problems`` with a key that is no input (``household``, ``members``) are shown
    above the form.
    """

    values: dict[str, str] = field(default_factory=dict)
    #: (Chinese, English) of each problem, by input name
    problems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def value(self, key: str) -> str:
        return self.values.get(key, "")

    def checked(self, key: str) -> bool:
        return bool(self.values.get(key))

    def add_problem(self, key: str, zh: str, en: str = "") -> None:
        self.problems.setdefault(key, []).append((zh, en))

    def general_problems(self, inputs: set[str]) -> list[tuple[str, str]]:
        return [p for key, found in self.problems.items() if key not in inputs for p in found]


def all_inputs() -> set[str]:
    keys = {f.name for f in (*AMOUNT_FIELDS, *FLAG_FIELDS)}
    keys |= {expense_key(f.name) for f in EXPENSE_FIELDS}
    keys |= {member_key(i, f.name) for i in range(MEMBER_ROWS) for f in MEMBER_FIELDS}
    return keys


def blank_household_form(today: date) -> Typed:
    """A fresh form: one applicant block, the model's defaults ticked, today's date."""
    values = {"on": today.isoformat(), member_key(0, "relation"): "APPLICANT"}
    for row in range(MEMBER_ROWS):
        for f in MEMBER_FIELDS:
            if f.checked:
                values[member_key(row, f.name)] = "on"
    for f in FLAG_FIELDS:
        if f.checked:
            values[f.name] = "on"
    return Typed(values)


def household_form(household: Mapping[str, Any], on: str = "") -> Typed:
    """The form filled in from a recorded household (a file's facts, camelCase keys).

    ID numbers are recorded masked: their inputs stay empty (the page shows the masked
    number beside them) and an empty input keeps the number on file.
    """
    typed = blank_household_form(clock.today())
    typed.values = {"on": on} if on else {}
    for f in (*AMOUNT_FIELDS, *FLAG_FIELDS):
        value = household.get(f.name)
        if f.kind == CHECK:
            typed.values[f.name] = "on" if value else ""
        elif value is not None and str(value) not in ("", "0", "0.00"):
            typed.values[f.name] = str(value)
    for f in EXPENSE_FIELDS:
        value = (household.get("annualExpenses") or {}).get(f.name)
        if value is not None and str(value) not in ("0", "0.00"):
            typed.values[expense_key(f.name)] = str(value)
    for row in range(MEMBER_ROWS):
        for f in MEMBER_FIELDS:
            if f.checked:
                typed.values[member_key(row, f.name)] = "on"
    for row, member in enumerate((household.get("members") or ())[:MEMBER_ROWS]):
        for f in MEMBER_FIELDS:
            key, value = member_key(row, f.name), member.get(f.name)
            if f.name == "idNumber":
                typed.values[key] = ""
                if value:
                    typed.values[f"{key}.masked"] = str(value)
            elif f.kind == CHECK:
                typed.values[key] = "on" if value else ""
            elif value is not None:
                typed.values[key] = str(value)
    return typed


def _gather(form: Mapping[str, Any], typed: Typed) -> tuple[dict[str, Any], list[int]]:
    """The household as a ``HouseholdInput`` mapping, and the form row of each member."""
    data: dict[str, Any] = {}
    for f in (*AMOUNT_FIELDS, *FLAG_FIELDS):
        typed.values[f.name] = text(form, f.name)
        if f.kind == CHECK:
            data[f.name] = bool(typed.values[f.name])
        elif typed.values[f.name]:
            data[f.name] = typed.values[f.name]
    expenses = {}
    for f in EXPENSE_FIELDS:
        value = typed.values[expense_key(f.name)] = text(form, expense_key(f.name))
        if value:
            expenses[f.name] = value
    if expenses:
        data["annualExpenses"] = expenses
    members, rows = [], []
    for row in range(MEMBER_ROWS):
        member: dict[str, Any] = {}
        for f in MEMBER_FIELDS:
            key = member_key(row, f.name)
            value = typed.values[key] = text(form, key)
            if f.kind == CHECK:
                member[f.name] = bool(value)
            elif value:
                member[f.name] = value
        if any(member.get(name) for name in MEMBER_PRESENT):
            members.append(member)
            rows.append(row)
    data["members"] = members
    return data, rows


def _input_of(problem_field: str, rows: list[int]) -> str:
    """The form input a model problem is about (``members.0.age`` of the first member
    filled in is the input of the block it was typed in)."""
    parts = problem_field.split(".")
    if len(parts) >= 3 and parts[0] == "members" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(rows):
            return member_key(rows[index], parts[2])
    return problem_field


def read_household(form: Mapping[str, Any]) -> tuple[Household | None, Typed]:
    """The validated household of a household form, or None and the problems found.

    The returned :class:`Typed` holds what was typed either way.
    """
    typed = Typed()
    data, rows = _gather(form, typed)
    try:
        return parse_household(data), typed
    except BangfuError as exc:
        problems = exc.details.get("problems") or [
            {"field": "household", "problem": exc.en, "problemZh": exc.zh}
        ]
        for problem in problems:
            typed.add_problem(
                _input_of(str(problem["field"]), rows),
                str(problem.get("problemZh") or problem["problem"]),
                str(problem["problem"]),
            )
        return None, typed


def read_date(form: Mapping[str, Any], key: str, typed: Typed | None = None) -> date | None:
    """A date input (``YYYY-MM-DD``); None when left empty (the service then uses today).

    :raises BangfuError: ``BAD_INPUT`` for anything else
    """
    value = text(form, key)
    if typed is not None:
        typed.values[key] = value
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_input(
            f"the date {value!r} is not a date such as 2026-06-01", "日期格式应为 2026-06-01"
        ) from None


def read_flag(form: Mapping[str, Any], key: str, typed: Typed | None = None) -> bool:
    value = text(form, key)
    if typed is not None:
        typed.values[key] = value
    return bool(value)


@dataclass(frozen=True)
class Step:
    """A workflow step as the case page's action form sends it."""

    action: str
    on: date | None
    comment: str | None
    expected_version: int


def read_step(form: Mapping[str, Any]) -> Step:
    """The step of an action form. :raises BangfuError: ``BAD_INPUT``"""
    action = text(form, "action", 64)
    if not action:
        raise bad_input("choose a step to take", "请选择要办理的环节")
    version = text(form, "expectedVersion", 12)
    if not version.isdigit():
        raise bad_input(
            "the form lost the file's version: reload the page", "表单缺少档案版本号,请刷新页面"
        )
    comment = text(form, "comment", MAX_COMMENT + 1)
    if len(comment) > MAX_COMMENT:
        raise bad_input(
            f"a comment has at most {MAX_COMMENT} characters", f"意见最多{MAX_COMMENT}个字"
        )
    return Step(action, read_date(form, "on"), comment or None, int(version))
