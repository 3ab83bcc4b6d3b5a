"""The case model: a household as the contract's ``HouseholdInput`` describes it.

These pydantic models are the single validated form of a household, whether it arrives
through GraphQL, a YAML conformance case, the database or a batch file. Validation is
strict: anything that would make an evaluation meaningless is refused with a
``BAD_INPUT`` error naming the field (see :func:`parse_household`).

Field names are snake_case in Python and camelCase on the wire (``monthlyIncome``).
"""

from __future__ import annotations

import enum
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from core import clock
from core.errors import BangfuError, FieldProblem, bad_input
from core.idnumbers import check_id_number
from core.money import OTHER_DIGITS_EN, OTHER_DIGITS_ZH, written_amount

#: The largest amount of yuan any single money field may carry. Far above any household's
#: real figures, it stops overflow and nonsense (a typo of ten extra zeros) at the door.
MAX_AMOUNT = Decimal("100000000")  # 100 million yuan
MAX_MEMBERS = 30
MAX_NAME_LENGTH = 50
MAX_AGE = 130
MAX_AREA_M2 = Decimal("10000")
MAX_MONTHS = 1200
MAX_YEARS = 130


class Relation(enum.StrEnum):
    APPLICANT = "APPLICANT"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    OTHER = "OTHER"


class Employment(enum.StrEnum):
    EMPLOYED = "EMPLOYED"
    FLEXIBLE = "FLEXIBLE"
    UNEMPLOYED = "UNEMPLOYED"
    LAID_OFF = "LAID_OFF"
    RETIRED = "RETIRED"
    STUDENT = "STUDENT"
    UNABLE_TO_WORK = "UNABLE_TO_WORK"
    NONE = "NONE"


class EducationStage(enum.StrEnum):
    NONE = "NONE"
    PRESCHOOL = "PRESCHOOL"
    COMPULSORY = "COMPULSORY"
    HIGH_SCHOOL = "HIGH_SCHOOL"
    SECONDARY_VOCATIONAL = "SECONDARY_VOCATIONAL"
    UNDERGRADUATE = "UNDERGRADUATE"
    POSTGRADUATE = "POSTGRADUATE"


class PayPeriod(enum.StrEnum):
    ONCE = "ONCE"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class BenefitForm(enum.StrEnum):
    """What a programme gives (issue 19): money from an assistance fund, goods or vouchers
    from a fund, or a right the household takes to another office, as a document."""

    FUND_CASH = "FUND_CASH"  #: 帮扶资金现金:paid through the bank (一卡通)
    FUND_IN_KIND = "FUND_IN_KIND"  #: 帮扶资金实物、购物券:distributed from stock, signed for
    TAX_RELIEF = "TAX_RELIEF"  #: 税收扣减:a certificate for the tax office, never fund money
    FEE_WAIVER = "FEE_WAIVER"  #: 费用减免:a waiver or discount, recorded, no fund money
    REFERRAL = "REFERRAL"  #: 转介:a right another office grants (housing, a department's grant)


#: 中文 and English of each form, and whether the union's funds pay it.
BENEFIT_FORMS = {
    BenefitForm.FUND_CASH: ("帮扶资金(现金)", "fund cash", True),
    BenefitForm.FUND_IN_KIND: ("帮扶资金(实物、购物券)", "fund in kind", True),
    BenefitForm.TAX_RELIEF: ("税收扣减", "tax expenditure", False),
    BenefitForm.FEE_WAIVER: ("费用减免", "waived fees", False),
    BenefitForm.REFERRAL: ("转介其他部门", "referred to another office", False),
}


class TenantLevel(enum.StrEnum):
    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    CITY = "CITY"


def _to_decimal(value: Any) -> Any:
    """Accept strings and integers; floats only through their shortest repr."""
    if isinstance(value, bool):
        raise FieldProblem(
            "金额应为数字,如 1600.00", 'an amount must be a number or a string such as "1600.00"'
        )
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        shown = text if len(text) <= 40 else f"{text[:40]}…"
        if any(ch.isdigit() and not ch.isascii() for ch in text):
            raise FieldProblem(f"“{shown}”:{OTHER_DIGITS_ZH}", f"{shown!r}: {OTHER_DIGITS_EN}")
        if not written_amount(text):
            raise FieldProblem(
                f"“{shown}”不是金额,请填写数字,如 1600.00",
                f'{shown!r} is not an amount such as "1600.00"',
            )
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern lets numbers only through
            raise FieldProblem(
                f"“{shown}”不是金额,请填写数字,如 1600.00",
                f'{shown!r} is not an amount such as "1600.00"',
            ) from None
    return value


def _check_amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise FieldProblem("金额应为有限的数字", "the amount must be a finite number")
    if value < 0:
        raise FieldProblem("金额不能为负数", "the amount may not be negative")
    if value > MAX_AMOUNT:
        raise FieldProblem(
            f"金额超过上限{MAX_AMOUNT:,}元,请核对",
            f"the amount exceeds the bound of {MAX_AMOUNT} yuan",
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise FieldProblem("金额最多两位小数(到分)", "an amount has at most two decimals (fen)")
    return value.quantize(Decimal("0.01"))


def _check_area(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > MAX_AREA_M2:
        raise FieldProblem(
            f"面积应在0到{MAX_AREA_M2}平方米之间",
            f"the floor area must be between 0 and {MAX_AREA_M2} m2",
        )
    if value != value.quantize(Decimal("0.01")):
        raise FieldProblem("面积最多两位小数", "the floor area has at most two decimals")
    return value.quantize(Decimal("0.01"))


def _check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise FieldProblem("姓名不能为空", "the name may not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise FieldProblem(
            f"姓名不能超过{MAX_NAME_LENGTH}个字",
            f"the name is longer than {MAX_NAME_LENGTH} characters",
        )
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise FieldProblem(
            "姓名含有控制字符或不可见字符", "the name contains control or invisible characters"
        )
    return value


def _check_id_number(value: str | None) -> str | None:
    """An 18-character resident ID (:func:`core.idnumbers.check_id_number`: format, check
    digit, birth date, an address code that has existed; not python-stdnum's year test,
    which refuses the real numbers of people born before their county's code)."""
    if value is None:
        return None
    return check_id_number(value, clock.today())


Money = Annotated[Decimal, BeforeValidator(_to_decimal), AfterValidator(_check_amount)]
Area = Annotated[Decimal | None, BeforeValidator(_to_decimal), AfterValidator(_check_area)]


class _Input(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
    )


class Member(_Input):
    """A member of the household (``MemberInput``)."""

    name: Annotated[str, AfterValidator(_check_name)]
    relation: Relation
    id_number: Annotated[str | None, AfterValidator(_check_id_number)] = None
    age: Annotated[int | None, Field(ge=0, le=MAX_AGE)] = None
    monthly_income: Money = Decimal("0.00")
    employment: Employment = Employment.NONE
    able_to_work: bool = False
    serious_illness: bool = False
    disabled: bool = False
    education_stage: EducationStage = EducationStage.NONE
    public_school: bool = True
    newly_admitted: bool = False
    has_medical_insurance: bool = True
    has_pension_insurance: bool = True


class Expenses(_Input):
    """Yearly spending by kind (``ExpensesInput``)."""

    rent: Money = Decimal("0.00")
    living: Money = Decimal("0.00")
    medical: Money = Decimal("0.00")
    education: Money = Decimal("0.00")
    other: Money = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.rent + self.living + self.medical + self.education + self.other


#: No spending stated: nothing of any kind (one instance: the model is frozen).
NO_EXPENSES = Expenses()


class Household(_Input):
    """A household applying for, or holding, a hardship file (``HouseholdInput``)."""

    members: Annotated[list[Member], Field(min_length=1, max_length=MAX_MEMBERS)]
    other_annual_income: Money = Decimal("0.00")
    dibao_recipient: bool = False
    dibao_continuous_months: Annotated[int, Field(ge=0, le=MAX_MONTHS)] = 0
    dibao_monthly_subsidy_per_capita: Money = Decimal("0.00")
    annual_medical_out_of_pocket: Money = Decimal("0.00")
    medical_in_insurance_catalog: bool = True
    #: the part of the out-of-pocket cost within the insurance catalogue, when known
    #: (Hebei's reading ``medical_relief.catalogue`` may count only this part)
    annual_medical_in_catalogue: Money | None = None
    housing_area_m2: Area = None
    has_housing: bool = True
    disaster_loss: bool = False
    three_no: bool = False
    migrant_worker: bool = False
    years_in_city: Annotated[int, Field(ge=0, le=MAX_YEARS)] = 0
    laid_off_in_restructuring: bool = False
    reemployment_certificate: bool = False
    self_employed: bool = False
    annual_expenses: Expenses | None = None

    @model_validator(mode="after")
    def _one_applicant(self) -> Household:
        applicants = sum(1 for m in self.members if m.relation is Relation.APPLICANT)
        if applicants != 1:
            raise FieldProblem(
                f"每户须有且只有一名申请人,这里有{applicants}名",
                f"a household has exactly one APPLICANT member, this one has {applicants}",
            )
        ids = [m.id_number for m in self.members if m.id_number]
        if len(ids) != len(set(ids)):
            raise FieldProblem(
                "两名成员填了同一个身份证号", "the same resident ID number is given for two members"
            )
        return self

    @property
    def annual_income(self) -> Decimal:
        """Wages of every member for twelve months plus other yearly income."""
        return sum((m.monthly_income for m in self.members), Decimal("0")) * 12 + (
            self.other_annual_income
        )

    @property
    def expenses(self) -> Expenses:
        return self.annual_expenses or NO_EXPENSES


#: pydantic's own problems in Chinese, by their type; ``{...}`` from the error's context
PYDANTIC_ZH = {
    "missing": "必须填写",
    "extra_forbidden": "不认识这一项(请检查拼写)",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数,不能有小数",
    "bool_parsing": "应为“是”或“否”",
    "bool_type": "应为“是”或“否”",
    "string_type": "应为文字",
    "enum": "只能填以下之一:{expected}",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "too_short": "至少应有{min_length}项",
    "too_long": "最多{max_length}项",
    "list_type": "应为列表",
    "model_type": "格式不对",
    "model_attributes_type": "格式不对",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "dict_type": "格式不对",
    "frozen_instance": "不能修改",
}


def _problem_zh(err: Any) -> str:
    """A pydantic problem in Chinese: ours as we wrote it, pydantic's by its type."""
    found = (err.get("ctx") or {}).get("error")
    if isinstance(found, FieldProblem):
        return found.zh
    template = PYDANTIC_ZH.get(err["type"])
    if template is None:
        return "填写有误"
    try:
        context = {
            k: str(v).replace(" or ", ", ").replace(", ", "、")
            for k, v in (err.get("ctx") or {}).items()
        }
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip(":") or "填写有误"


def _explain_errors(exc: ValidationError) -> BangfuError:
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "household"
        message = err["msg"].removeprefix("Value error, ")
        problems.append({"field": where, "problem": message, "problemZh": _problem_zh(err)})
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
    summary_zh = ";".join(f"{p['field']}:{p['problemZh']}" for p in problems[:5])
    if len(problems) > 5:
        summary += f"; and {len(problems) - 5} more"
        summary_zh += f";另有{len(problems) - 5}处"
    return bad_input(
        f"the household is not valid: {summary}",
        f"家庭信息有误:{summary_zh}",
        problems=problems,
    )


def parse_household(data: Any) -> Household:
    """Validate raw data (camelCase or snake_case keys) into a :class:`Household`.

    :raises BangfuError: ``BAD_INPUT`` listing every problem with its field path.
    """
    if isinstance(data, Household):
        return data
    try:
        return Household.model_validate(data)
    except ValidationError as exc:
        raise _explain_errors(exc) from None
