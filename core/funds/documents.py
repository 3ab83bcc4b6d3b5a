"""Benefits that are not fund money, issued as documents (证明/通知书): a tax relief, a
waived fee, a referral to another office.

001 三(一) gives the self-employed a *ceiling* on taxes deducted ("按每户每年8000元为限依次
扣减其当年应缴纳的…税") and the employer a deduction of 4,000 for each hire; the education
department waives fees; the housing office admits to 廉租住房. None of it leaves a fund:
the household takes a printed document (Chinese) to the office concerned. Each is recorded
once per file, programme and normalised period (:mod:`core.funds.periods`), like a payment,
so that it too is issued once per entitlement; the ledger is never touched.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.auth.principal import Principal
from core.cases.service import CaseService
from core.db.session import scope_to_tenant
from core.errors import RULE_VIOLATION, BangfuError, bad_input
from core.funds import entitlement, periods
from core.funds.desk import PROPOSERS, FundsDesk, conflict, one_call_scope, row_of
from core.funds.models import BenefitDocument
from core.funds.runs import applicant_name
from core.model import BENEFIT_FORMS, BenefitForm
from core.money import format_yuan
from core.workflow.engine import procedure_of

#: The office a document is taken to, by form.
OFFICES = {
    BenefitForm.TAX_RELIEF: "税务部门",
    BenefitForm.FEE_WAIVER: "收费单位",
    BenefitForm.REFERRAL: "主管部门",
}


def document_text(
    tenant_name: str,
    number: str,
    name: str,
    programme_name: str,
    form: BenefitForm,
    basis: str,
    period: str,
    amount_fen: int | None,
    issued_on: date,
) -> str:
    """The printed document, in Chinese."""
    zh = BENEFIT_FORMS[form][0]
    amount = f"金额(限额)人民币{format_yuan(amount_fen)}元。" if amount_fen else ""
    return (
        f"{tenant_name}困难职工帮扶{zh}证明\n"
        f"编号:{number}\n\n"
        f"兹证明 {name} 为本地区在册困难职工,经认定享受“{programme_name}”({period})。"
        f"{amount}\n依据:{basis}。\n"
        f"请持本证明到{OFFICES.get(form, '有关部门')}办理。"
        "本证明不发放现金,不由帮扶资金支付。\n\n"
        f"出具日期:{issued_on.isoformat()}(盖章)"
    )


class Documents(FundsDesk):
    @one_call_scope
    def issue_document(
        self, principal: Principal | None, case_id: str | int, programme: str, period: str
    ) -> BenefitDocument:
        """Issue the document of a programme that is not fund money, for a period, to a
        filed case entitled to it: once per normalised period (``CONFLICT`` after)."""
        p = self._staff(principal, PROPOSERS)
        periods.parse_period(period)
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        tenant = self.registry.get(case.tenant)
        procedure = procedure_of(tenant)
        known = {pr.code: pr for pr in tenant.programmes}
        if programme not in known:
            raise bad_input(
                f"the tenant has no programme {programme[:40]!r}",
                f"本地区没有帮扶项目 {programme[:40]}",
            )
        chosen = known[programme]
        if chosen.paid_from_fund:
            raise BangfuError(
                RULE_VIOLATION,
                f"{programme} is paid from a fund: propose a payment, not a document",
                f"{chosen.name}由帮扶资金支付,请提出支付,不出具证明",
                {"guard": "document_forms_only", "form": str(chosen.form)},
            )
        row_id = self.session.scalar(row_of(p.tenant, case.id))
        steps = entitlement.history(self.session, p.tenant, [row_id]).get(row_id, [])
        grant = entitlement.grant_of(steps, programme, procedure.admitted if procedure else ())
        if grant is None:
            raise BangfuError(
                RULE_VIOLATION,
                f"the determination in force of case {case.id} does not grant {programme}",
                f"档案 {case.id} 的现行认定结果中没有{chosen.name}",
                {"programme": programme},
            )
        today = self.today()
        due = periods.payable(
            period,
            chosen.period,
            chosen.name,
            grant.took_effect,
            today,
            tenant.parameters(today).integer(periods.AHEAD),
            grant.granted_by,
        )
        document = BenefitDocument(
            tenant=p.tenant,
            case_id=row_id,
            determination_id=grant.in_force,
            programme=programme,
            form=str(chosen.form),
            period=due.period.text,
            period_key=due.key,
            amount_fen=grant.amount_fen,
            text="",
            issued_by=p.user,
            issued_on=today,
        )
        self.session.add(document)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise conflict(
                f"case {case.id} already has the document of {programme} for {due.key}",
                f"档案 {case.id} 已出具{chosen.name}的证明({due.period.text}),不重复出具",
                periodKey=due.key,
            ) from None
        number = f"{p.tenant}-{today.year}-{document.id:06d}"
        document.text = document_text(
            tenant.info.name,
            number,
            applicant_name(case.household),
            chosen.name,
            chosen.form,
            chosen.form_basis or chosen.basis,
            due.period.text,
            grant.amount_fen,
            today,
        )
        self._commit()
        return self._answer(document)

    @one_call_scope
    def documents_of(
        self, principal: Principal | None, case_id: str | int
    ) -> list[BenefitDocument]:
        p = self._staff(principal)
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        return list(
            self.session.scalars(
                select(BenefitDocument)
                .where(
                    BenefitDocument.tenant == p.tenant,
                    BenefitDocument.case_id == row_of(p.tenant, case.id).scalar_subquery(),
                )
                .order_by(BenefitDocument.id)
            )
        )
