"""The funds ledger in GraphQL: queries and mutations, merged into the contract's
``Query`` and ``Mutation`` (:mod:`core.api.schema` inherits :class:`FundsQuery` and
:class:`FundsMutation`). Documented in ``docs/contract-additions.md``.

Resolvers are thin: they find who is asking as the case resolvers do
(:mod:`core.api.cases_gateway`) and hand over to :class:`core.funds.service.FundsService`
(or :mod:`core.funds.reports`), which enforce roles and tenant scoping. Money travels as
the contract's ``Decimal`` (yuan, two decimals), never a float; dates are the server's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from core.api.cases_gateway import _database, _staff
from core.api.context import BangfuContext
from core.errors import bad_input
from core.funds.accounts import mask_account
from core.funds.ledger import ACCOUNTS, KINDS, SOURCES, FundBalance
from core.funds.models import FundEntry, FundPayment, FundRun
from core.funds.payments import STATES
from core.funds.service import FundsService, RunResult
from core.model import BENEFIT_FORMS, BenefitForm
from core.money import to_fen, to_yuan


def _service(info: strawberry.Info) -> tuple[FundsService, Any]:
    context: BangfuContext = info.context
    who = _staff(context)
    return FundsService(_database(context).session, context.registry), who


def _fen(amount: Decimal) -> int:
    try:
        return to_fen(amount)
    except (ValueError, ArithmeticError):
        raise bad_input(
            f"the amount {amount} has more than two decimals", "金额最多两位小数"
        ) from None


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


# --------------------------------------------------------------------------- types
@strawberry.type(description="A fund (a year's money from one source): balances from its entries.")
class Fund:
    year: int
    source: str
    source_zh: str
    raised: Decimal = strawberry.field(description="income (收入)")
    spent: Decimal = strawberry.field(description="approved payments, paid or not (支出)")
    available: Decimal = strawberry.field(description="raised - spent: what may be approved")
    bank: Decimal = strawberry.field(description="in the dedicated account (专户)")
    payable: Decimal = strawberry.field(description="approved, not yet paid out (应付)")
    stock: Decimal = strawberry.field(
        default=Decimal("0.00"), description="goods and vouchers bought, not yet handed over"
    )

    @classmethod
    def of(cls, b: FundBalance) -> Fund:
        return cls(
            year=b.year,
            source=b.source,
            source_zh=SOURCES.get(b.source, (b.source,))[0],
            raised=to_yuan(b.raised),
            spent=to_yuan(b.spent),
            available=to_yuan(b.available),
            bank=to_yuan(b.bank),
            payable=to_yuan(b.payable),
            stock=to_yuan(b.stock),
        )


@strawberry.type(description="One line of a journal of the ledger (debit positive).")
class LedgerEntry:
    id: strawberry.ID
    journal: str
    line: int
    year: int
    source: str
    account: str
    account_zh: str
    programme: str | None
    amount: Decimal
    kind: str
    kind_zh: str
    booked_on: date
    document: str | None
    payment_id: strawberry.ID | None
    reverses: str | None
    memo: str | None
    actor: str
    role: str
    recorded_at: datetime | None

    @classmethod
    def of(cls, e: FundEntry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(str(e.id)),
            journal=e.journal,
            line=e.line,
            year=e.year,
            source=e.source,
            account=e.account,
            account_zh=ACCOUNTS.get(e.account, (e.account,))[0],
            programme=e.programme,
            amount=to_yuan(e.amount_fen),
            kind=e.kind,
            kind_zh=KINDS.get(e.kind, (e.kind,))[0],
            booked_on=e.booked_on,
            document=e.document,
            payment_id=strawberry.ID(str(e.payment_id)) if e.payment_id else None,
            reverses=e.reverses,
            memo=e.memo,
            actor=e.actor,
            role=e.role,
            recorded_at=e.recorded_at,
        )


@strawberry.type(description="A payment of one programme to one filed case for one period.")
class Payment:
    id: strawberry.ID
    case_id: strawberry.ID
    programme: str
    period: str
    period_key: str = strawberry.field(
        description="the normalised period paid once: the year (yearly), the month "
        "(monthly), or once:<case event> for a one-off"
    )
    year: int
    source: str
    amount: Decimal
    status: str
    status_zh: str
    stop_reason: str | None = strawberry.field(
        description="why it was stopped (stopped: no longer entitled), 中文 / English"
    )
    determination_id: strawberry.ID = strawberry.field(
        description="the case event whose determination record the amount was computed in"
    )
    determined_on: date
    ruleset: str
    run_id: strawberry.ID | None
    proposed_by: str
    proposed_on: date
    approved_by: str | None
    approved_on: date | None
    sendings: int
    bank_note: str | None
    version: int

    @strawberry.field(
        description="The parameters (with effective dates and sources) of the determination "
        "record the amount was computed from."
    )
    def parameters(self, info: strawberry.Info) -> JSON:
        service, who = _service(info)
        payment = service.payment(who, str(self.id))
        if payment is None:
            return JSON([])
        return JSON(service.determination_of(who, payment).get("parameters", []))

    @classmethod
    def of(cls, p: FundPayment) -> Payment:
        return cls(
            id=strawberry.ID(str(p.id)),
            case_id=strawberry.ID(str(p.case_number)),
            programme=p.programme,
            period=p.period,
            period_key=p.period_key,
            year=p.year,
            source=p.source,
            amount=to_yuan(p.amount_fen),
            status=p.status,
            status_zh=STATES.get(p.status, (p.status,))[0],
            stop_reason=p.stop_reason,
            determination_id=strawberry.ID(str(p.determination_id)),
            determined_on=p.determined_on,
            ruleset=p.ruleset,
            run_id=strawberry.ID(str(p.run_id)) if p.run_id else None,
            proposed_by=p.proposed_by,
            proposed_on=p.proposed_on,
            approved_by=p.approved_by,
            approved_on=p.approved_on,
            sendings=p.sendings,
            bank_note=p.bank_note,
            version=p.version,
        )


@strawberry.type(description="A payment run (清册) of one period and fund.")
class PaymentRun:
    id: strawberry.ID
    period: str
    year: int
    source: str
    cadence: str
    started_by: str
    published_on: date | None
    created: int | None = strawberry.field(
        default=None, description="payments added by this call (runPayments only)"
    )
    payments: int | None = None
    total: Decimal | None = None

    @classmethod
    def of(cls, r: FundRun, result: RunResult | None = None) -> PaymentRun:
        return cls(
            id=strawberry.ID(str(r.id)),
            period=r.period,
            year=r.year,
            source=r.source,
            cadence=r.cadence,
            started_by=r.started_by,
            published_on=r.published_on,
            created=result.created if result else None,
            payments=result.total if result else None,
            total=to_yuan(result.total_fen) if result else None,
        )


@strawberry.type(description="A line of the published list (公示): the name masked.")
class PublicLine:
    payment: strawberry.ID
    name: str
    programme: str
    period: str
    amount: Decimal


@strawberry.type(description="A line of the bank file.")
class BankLine:
    payment: strawberry.ID
    case_id: strawberry.ID
    name: str
    id_number: str = strawberry.field(description="masked")
    account: str = strawberry.field(
        description="the payee's bank account (一卡通), masked; in full only in the file "
        "written by `bangfu payments send`"
    )
    programme: str
    period: str
    amount: Decimal
    sending: int


@strawberry.input(description="The bank's answer for one payment.")
class BankResultInput:
    payment: strawberry.ID
    result: str = strawberry.field(description="paid or returned")
    note: str | None = None
    amount: Decimal | None = strawberry.field(
        default=None, description="the amount the bank paid; required when paid"
    )


@strawberry.type
class BankImport:
    paid: int
    returned: int


@strawberry.type
class StateTotal:
    status: str
    status_zh: str
    payments: int
    amount: Decimal


@strawberry.type(description="A year's reconciliation: every payment in exactly one state.")
class Reconciliation:
    year: int
    balanced: bool
    states: list[StateTotal]
    funds: list[Fund]
    problems: list[str]
    mismatched_payments: list[strawberry.ID]
    unbalanced_journals: list[str]


@strawberry.type
class Amount:
    key: str
    name: str
    amount: Decimal


@strawberry.type(description="The annual fund report: raised, used by programme, balance.")
class FundReport:
    tenant: str
    year: int
    raised: list[Amount]
    used: list[Amount]
    total_raised: Decimal
    total_used: Decimal
    balance: Decimal
    in_bank: Decimal
    payable: Decimal
    by_form: list[Amount] = strawberry.field(
        default_factory=list,
        description="FUND_CASH, FUND_IN_KIND (the funds' spending), TAX_RELIEF, FEE_WAIVER, "
        "REFERRAL (documents issued, no fund money): each apart",
    )


@strawberry.type(description="Spending of a tenant on a programme; no personal data.")
class FundSpending:
    tenant: str
    programme: str
    form: str = strawberry.field(
        description="what the programme gives: FUND_CASH, FUND_IN_KIND (fund money), or "
        "TAX_RELIEF, FEE_WAIVER, REFERRAL (documents, no fund money)"
    )
    spent: Decimal | None = strawberry.field(
        description="null when the households are (fewer than 5): the amount would tell "
        "their number"
    )
    households: int | None = strawberry.field(description="null when fewer than 5")


# --------------------------------------------------------------------------- queries
@strawberry.type
class FundsQuery:
    @strawberry.field(description="A payment run job of the caller's tenant; null when unknown.")
    def payment_run_job(self, info: strawberry.Info, id: strawberry.ID) -> PaymentRunJob | None:
        who = _staff(info.context)
        queue, url = _jobs(info)
        job = queue.get(url, who.tenant, str(id), info.context.registry)
        if job is None or job.kind != "payment_run" or job.tenant != who.tenant:
            return None
        return PaymentRunJob.of(job)

    @strawberry.field(description="Goods and vouchers in stock: received, listed, handed, on hand.")
    def stock(self, info: strawberry.Info) -> list[StockLine]:
        service, who = _service(info)
        return [StockLine.of(b) for b in service.stock(who)]

    @strawberry.field(description="A distribution list (发放名册) and its lines, for printing.")
    def distribution_list(self, info: strawberry.Info, id: strawberry.ID) -> DistributionListView:
        service, who = _service(info)
        return _distribution(service, who, str(id))

    @strawberry.field(description="A file's bank account (一卡通), masked; null when none.")
    def payee_account(self, info: strawberry.Info, case_id: strawberry.ID) -> str | None:
        service, who = _service(info)
        return service.payee_account(who, str(case_id))

    @strawberry.field(description="The documents issued to a case (tax reliefs, waivers ...).")
    def benefit_documents(
        self, info: strawberry.Info, case_id: strawberry.ID
    ) -> list[BenefitDocument]:
        service, who = _service(info)
        return [
            BenefitDocument.of(d, str(case_id)) for d in service.documents_of(who, str(case_id))
        ]

    @strawberry.field(description="The caller's tenant's funds (of year), balances from entries.")
    def funds(self, info: strawberry.Info, year: int | None = strawberry.UNSET) -> list[Fund]:
        service, who = _service(info)
        return [Fund.of(b) for b in service.balances(who, _given(year))]

    @strawberry.field(description="The entries of a year's funds, oldest first, after the cursor.")
    def fund_entries(
        self,
        info: strawberry.Info,
        year: int,
        source: str | None = strawberry.UNSET,
        first: int | None = 100,
        after: strawberry.ID | None = strawberry.UNSET,
    ) -> list[LedgerEntry]:
        service, who = _service(info)
        cursor = _cursor(_given(after))
        rows = service.entries(who, year, _given(source), first or 0, cursor)
        return [LedgerEntry.of(e) for e in rows]

    @strawberry.field(description="Payments of the caller's tenant, by status, case or run.")
    def payments(
        self,
        info: strawberry.Info,
        status: str | None = strawberry.UNSET,
        case_id: strawberry.ID | None = strawberry.UNSET,
        run_id: strawberry.ID | None = strawberry.UNSET,
        first: int | None = 100,
        after: strawberry.ID | None = strawberry.UNSET,
    ) -> list[Payment]:
        service, who = _service(info)
        rows = service.payments(
            who,
            _given(status),
            _given(case_id),
            _given(run_id),
            first or 0,
            _cursor(_given(after)),
        )
        return [Payment.of(p) for p in rows]

    @strawberry.field(description="One payment; null when it does not exist or is not yours.")
    def payment(self, info: strawberry.Info, id: strawberry.ID) -> Payment | None:
        service, who = _service(info)
        found = service.payment(who, str(id))
        return Payment.of(found) if found else None

    @strawberry.field(description="The caller's tenant's payment runs, newest first.")
    def payment_runs(self, info: strawberry.Info) -> list[PaymentRun]:
        service, who = _service(info)
        return [PaymentRun.of(r) for r in service.runs_of(who)]

    @strawberry.field(description="A run's published list (公示): names masked.")
    def public_list(self, info: strawberry.Info, run_id: strawberry.ID) -> list[PublicLine]:
        service, who = _service(info)
        return [_public(r) for r in service.public_list(who, str(run_id))]

    @strawberry.field(description="A year's reconciliation of payments and ledger.")
    def reconciliation(self, info: strawberry.Info, year: int) -> Reconciliation:
        service, who = _service(info)
        r = service.reconcile(who, year)
        return Reconciliation(
            year=r.year,
            balanced=r.balanced,
            states=[
                StateTotal(
                    status=s, status_zh=STATES.get(s, (s,))[0], payments=n, amount=to_yuan(fen)
                )
                for s, (n, fen) in sorted(r.by_state.items())
            ],
            funds=[Fund.of(b) for b in r.balances],
            problems=r.problems,
            mismatched_payments=[strawberry.ID(str(i)) for i in r.mismatched_payments],
            unbalanced_journals=r.unbalanced_journals,
        )

    @strawberry.field(description="The caller's tenant's annual fund report.")
    def fund_report(self, info: strawberry.Info, year: int) -> FundReport:
        service, who = _service(info)
        report = service.annual_report(who, year)
        names = {p.code: p.name for p in info.context.registry.get(who.tenant).programmes}
        return FundReport(
            tenant=report.tenant,
            year=report.year,
            raised=[
                Amount(key=k, name=SOURCES.get(k, (k,))[0], amount=to_yuan(v))
                for k, v in sorted(report.raised.items())
            ],
            used=[
                Amount(key=k, name=names.get(k, k), amount=to_yuan(v))
                for k, v in report.used.items()
            ],
            total_raised=to_yuan(report.total_raised),
            total_used=to_yuan(report.total_used),
            balance=to_yuan(report.balance),
            in_bank=to_yuan(report.in_bank),
            payable=to_yuan(report.payable),
            by_form=[
                Amount(key=k, name=BENEFIT_FORMS[BenefitForm(k)][0], amount=to_yuan(v))
                for k, v in report.by_form.items()
            ],
        )

    @strawberry.field(description="Every entry of the year with actor and time (internal audit).")
    def fund_audit(self, info: strawberry.Info, year: int) -> JSON:
        service, who = _service(info)
        return JSON(service.audit(who, year))

    @strawberry.field(
        description="Spending per tenant and programme (national: every tenant; staff: "
        "their own); household counts below 5 are null, and the amount with them."
    )
    def fund_spending(
        self, info: strawberry.Info, year: int, tenants: list[str] | None = strawberry.UNSET
    ) -> list[FundSpending]:
        service, who = _service(info)
        codes = _given(tenants)
        if codes is not None and len(codes) > 50:
            raise bad_input("at most 50 tenants", "最多50个地区")
        return [
            FundSpending(
                tenant=s.tenant,
                programme=s.programme,
                form=_form_of(info, s.tenant, s.programme),
                spent=None if s.spent is None else to_yuan(s.spent),
                households=s.households,
            )
            for s in service.spending(who, year, codes)
        ]


def _form_of(info: strawberry.Info, tenant: str, programme: str) -> str:
    registry = info.context.registry
    if tenant in registry.tenants:
        for p in registry.get(tenant).programmes:
            if p.code == programme:
                return str(p.form)
    return str(BenefitForm.FUND_CASH)


@strawberry.type(
    description="A document issued for a benefit that is not fund money (a tax relief, a "
    "waiver, a referral): printed in Chinese for the office concerned."
)
class BenefitDocument:
    id: strawberry.ID
    case_id: strawberry.ID
    programme: str
    form: str
    form_zh: str
    period: str
    period_key: str
    amount: Decimal | None = strawberry.field(description="the ceiling or figure, if any")
    text: str = strawberry.field(description="the printable document, in Chinese")
    issued_by: str
    issued_on: date

    @classmethod
    def of(cls, d: Any, case_id: str) -> BenefitDocument:
        return cls(
            id=strawberry.ID(str(d.id)),
            case_id=strawberry.ID(case_id),
            programme=d.programme,
            form=d.form,
            form_zh=BENEFIT_FORMS[BenefitForm(d.form)][0],
            period=d.period,
            period_key=d.period_key,
            amount=to_yuan(d.amount_fen) if d.amount_fen is not None else None,
            text=d.text,
            issued_by=d.issued_by,
            issued_on=d.issued_on,
        )


@strawberry.type(description="Goods or vouchers in stock (003 五.9), to the unit and the fen.")
class StockLine:
    id: strawberry.ID
    year: int
    source: str
    kind: str = strawberry.field(description="goods or voucher")
    name: str
    unit: str
    unit_cost: Decimal
    supplier: str
    document: str
    received: int
    listed: int = strawberry.field(description="on lines not yet handed over")
    handed: int
    on_hand: int
    value_on_hand: Decimal

    @classmethod
    def of(cls, b: Any) -> StockLine:
        i = b.item
        return cls(
            id=strawberry.ID(str(i.id)),
            year=i.year,
            source=i.source,
            kind=i.kind,
            name=i.name,
            unit=i.unit,
            unit_cost=to_yuan(i.unit_cost_fen),
            supplier=i.supplier,
            document=i.document,
            received=b.received,
            listed=b.listed,
            handed=b.handed,
            on_hand=b.on_hand,
            value_on_hand=to_yuan(b.value_on_hand),
        )


@strawberry.type(description="What one household receives on a distribution list.")
class DistributionLineView:
    id: strawberry.ID
    case_id: strawberry.ID
    name: str
    item: str
    unit: str
    quantity: int
    amount: Decimal
    status: str = strawberry.field(description="listed, handed or stopped")
    status_zh: str
    signed_by: str
    witness: str
    handed_on: date | None
    serials: list[str] = strawberry.field(description="voucher serial numbers issued")
    stop_reason: str


@strawberry.type(description="A distribution list (发放名册) of goods or vouchers.")
class DistributionListView:
    id: strawberry.ID
    programme: str
    period: str
    title: str
    made_by: str
    made_on: date
    lines: list[DistributionLineView]


@strawberry.input(description="One household of a distribution list and what it receives.")
class DistributionLineInput:
    case_id: strawberry.ID
    item: strawberry.ID = strawberry.field(description="the stock item")
    quantity: int


def _distribution(service: FundsService, who: Any, list_id: str) -> DistributionListView:
    made, lines = service.distribution(who, list_id)
    return DistributionListView(
        id=strawberry.ID(str(made.id)),
        programme=made.programme,
        period=made.period,
        title=made.title,
        made_by=made.made_by,
        made_on=made.made_on,
        lines=[
            DistributionLineView(
                id=strawberry.ID(str(x["line"])),
                case_id=strawberry.ID(str(x["case"])),
                name=x["name"],
                item=x["item"],
                unit=x["unit"],
                quantity=x["quantity"],
                amount=Decimal(x["amount"]),
                status=x["status"],
                status_zh=x["statusZh"],
                signed_by=x["signedBy"],
                witness=x["witness"],
                handed_on=x["handedOn"],
                serials=x["serials"],
                stop_reason=x["stopReason"],
            )
            for x in lines
        ],
    )


def _cursor(after: Any) -> int | None:
    if after is None:
        return None
    text = str(after)
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise bad_input(f"'after' {text[:20]!r} is not an id", "翻页游标有误")
    return int(text)


def _public(r: dict[str, Any]) -> PublicLine:
    return PublicLine(
        payment=strawberry.ID(str(r["payment"])),
        name=r["name"],
        programme=r["programme"],
        period=r["period"],
        amount=Decimal(r["amount"]),
    )


@strawberry.type(description="A payment run made by a jobs worker: its progress and its end.")
class PaymentRunJob:
    id: strawberry.ID
    status: str = strawberry.field(description="QUEUED, RUNNING, DONE or FAILED")
    progress: float = strawberry.field(description="0 to 1")
    done: int = strawberry.field(description="payments written so far")
    total: int = strawberry.field(description="payments due (known once it runs)")
    run_id: strawberry.ID | None = strawberry.field(description="when DONE: the run")
    created: int | None = strawberry.field(description="when DONE: payments this run added")
    error: str | None = strawberry.field(description="when FAILED: why (中文 / English)")

    @classmethod
    def of(cls, job: Any) -> PaymentRunJob:
        made = job.result or {}
        return cls(
            id=strawberry.ID(job.id),
            status=job.status,
            progress=job.progress,
            done=job.done,
            total=job.total,
            run_id=strawberry.ID(str(made["run"])) if "run" in made else None,
            created=made.get("created"),
            error=job.error,
        )


def _jobs(info: strawberry.Info) -> tuple[Any, str]:
    from core.jobs import queue

    return queue, _database(info.context).url


# --------------------------------------------------------------------------- mutations
@strawberry.type
class FundsMutation:
    @strawberry.mutation(
        description="The payment run (清册) of a period, made by a jobs worker: answers at "
        "once with the job (paymentRunJob follows it). Same rights and result as runPayments."
    )
    def start_payment_run(self, info: strawberry.Info, period: str, source: str) -> PaymentRunJob:
        from core.funds.desk import PROPOSERS, checked_source
        from core.funds.runs import parse_period

        service, who = _service(info)
        service._staff(who, PROPOSERS)  # refused now, not by a worker later
        checked_source(source)
        parse_period(period)
        queue, url = _jobs(info)
        params = {"period": period, "source": source}
        job = queue.start(url, info.context.registry, who, "payment_run", params, 0)
        return PaymentRunJob.of(job)

    @strawberry.mutation(description="Record money received into a fund; the journal id.")
    def record_receipt(
        self,
        info: strawberry.Info,
        year: int,
        source: str,
        amount: Decimal,
        document: str,
        received_on: date | None = strawberry.UNSET,
        memo: str | None = strawberry.UNSET,
    ) -> strawberry.ID:
        service, who = _service(info)
        journal = service.record_receipt(
            who, year, source, _fen(amount), document, _given(received_on), _given(memo)
        )
        return strawberry.ID(journal)

    @strawberry.mutation(description="Correct a receipt by a reversing journal; its id.")
    def reverse_receipt(
        self, info: strawberry.Info, journal: strawberry.ID, reason: str
    ) -> strawberry.ID:
        service, who = _service(info)
        return strawberry.ID(service.reverse(who, str(journal), reason))

    @strawberry.mutation(description="Propose a payment to a filed case from its determination.")
    def propose_payment(
        self,
        info: strawberry.Info,
        case_id: strawberry.ID,
        programme: str,
        period: str,
        source: str,
    ) -> Payment:
        service, who = _service(info)
        return Payment.of(service.propose(who, str(case_id), programme, period, source))

    @strawberry.mutation(
        description="Issue the document of a benefit that is not fund money (a tax relief, a "
        "waiver, a referral) to a filed case, once per period; printable, in Chinese."
    )
    def issue_benefit_document(
        self, info: strawberry.Info, case_id: strawberry.ID, programme: str, period: str
    ) -> BenefitDocument:
        service, who = _service(info)
        made = service.issue_document(who, str(case_id), programme, period)
        return BenefitDocument.of(made, str(case_id))

    @strawberry.mutation(
        description="Record a file's bank account (一卡通) for its payments; the account "
        "masked. Kept encrypted; written in full only into the bank file."
    )
    def set_payee_account(
        self,
        info: strawberry.Info,
        case_id: strawberry.ID,
        account: str,
        bank: str | None = strawberry.UNSET,
    ) -> str:
        service, who = _service(info)
        return service.set_payee_account(who, str(case_id), account, _given(bank))

    @strawberry.mutation(
        description="Goods or vouchers bought from a fund into stock (量入为出); vouchers are "
        "numbered from firstSerial, each number once."
    )
    def receive_stock(
        self,
        info: strawberry.Info,
        year: int,
        source: str,
        kind: str,
        name: str,
        unit: str,
        quantity: int,
        unit_cost: Decimal,
        supplier: str,
        document: str,
        first_serial: int | None = strawberry.UNSET,
        serial_prefix: str | None = strawberry.UNSET,
    ) -> StockLine:
        service, who = _service(info)
        item = service.receive_stock(
            who, year, source, kind, name, unit, quantity, _fen(unit_cost), supplier, document,
            _given(first_serial), _given(serial_prefix) or "",
        )  # fmt: skip
        return next(StockLine.of(b) for b in service.stock(who) if b.item.id == item.id)

    @strawberry.mutation(
        description="A distribution list: the households of a programme and period and what "
        "each receives; refused as a whole when a line is not allowed."
    )
    def make_distribution_list(
        self,
        info: strawberry.Info,
        programme: str,
        period: str,
        title: str,
        lines: list[DistributionLineInput],
    ) -> DistributionListView:
        if len(lines) > 5_000:
            raise bad_input("at most 5,000 lines per list", "每份名册最多5000行")
        service, who = _service(info)
        made = service.make_distribution(
            who,
            programme,
            period,
            title,
            [(str(x.case_id), str(x.item), x.quantity) for x in lines],
        )
        return _distribution(service, who, str(made.id))

    @strawberry.mutation(
        description="Close a line by the recipient's signature (签收) or a witness, once."
    )
    def hand_over(
        self,
        info: strawberry.Info,
        line_id: strawberry.ID,
        signed_by: str | None = strawberry.UNSET,
        witness: str | None = strawberry.UNSET,
    ) -> DistributionLineView:
        service, who = _service(info)
        line = service.hand_over(who, str(line_id), _given(signed_by), _given(witness))
        view = _distribution(service, who, str(line.list_id))
        return next(x for x in view.lines if str(x.id) == str(line.id))

    @strawberry.mutation(description="Approve payments (four eyes; 量入为出); how many.")
    def approve_payments(self, info: strawberry.Info, ids: list[strawberry.ID]) -> int:
        if len(ids) > 500:
            raise bad_input("at most 500 payments at once; approve a run instead", "单次最多500笔")
        service, who = _service(info)
        return service.approve(who, [str(i) for i in ids])

    @strawberry.mutation(description="Refuse a proposed payment, with the reason.")
    def reject_payment(self, info: strawberry.Info, id: strawberry.ID, reason: str) -> Payment:
        service, who = _service(info)
        service.reject(who, str(id), reason)
        return Payment.of(service.payment(who, str(id)))  # type: ignore[arg-type]

    @strawberry.mutation(description="The payment run (清册) of a period (idempotent).")
    def run_payments(self, info: strawberry.Info, period: str, source: str) -> PaymentRun:
        service, who = _service(info)
        result = service.run(who, period, source)
        return PaymentRun.of(result.run, result)

    @strawberry.mutation(description="Approve every proposed payment of a run; how many.")
    def approve_run(self, info: strawberry.Info, run_id: strawberry.ID) -> int:
        service, who = _service(info)
        return service.approve_run(who, str(run_id))

    @strawberry.mutation(description="Publish a run's list (公示); the list, names masked.")
    def publish_run(self, info: strawberry.Info, run_id: strawberry.ID) -> list[PublicLine]:
        service, who = _service(info)
        return [_public(r) for r in service.publish(who, str(run_id))]

    @strawberry.mutation(description="Send a published run's approved payments to the bank.")
    def send_to_bank(self, info: strawberry.Info, run_id: strawberry.ID) -> list[BankLine]:
        service, who = _service(info)
        return [
            BankLine(
                payment=strawberry.ID(str(r["payment"])),
                case_id=strawberry.ID(str(r["case"])),
                name=r["name"],
                id_number=r["idNumber"],
                account=mask_account(r["account"]) if r["account"] else "",
                programme=r["programme"],
                period=r["period"],
                amount=Decimal(r["amount"]),
                sending=r["sending"],
            )
            for r in service.send_to_bank(who, str(run_id))
        ]

    @strawberry.mutation(description="Import the bank's answer: paid or returned (all or nothing).")
    def import_bank_result(self, info: strawberry.Info, lines: list[BankResultInput]) -> BankImport:
        if len(lines) > 10_000:
            raise bad_input("at most 10,000 lines; use the CLI for larger files", "单次最多10000行")
        service, who = _service(info)
        counts = service.import_bank_result(
            who,
            [
                (
                    str(x.payment),
                    x.result,
                    x.note or "",
                    None if x.amount is None else str(x.amount),
                )
                for x in lines
            ],
        )
        return BankImport(paid=counts["paid"], returned=counts["returned"])

    @strawberry.mutation(description="补发: send a returned payment again.")
    def reissue_payment(self, info: strawberry.Info, id: strawberry.ID) -> Payment:
        service, who = _service(info)
        service.reissue(who, str(id))
        return Payment.of(service.payment(who, str(id)))  # type: ignore[arg-type]

    @strawberry.mutation(description="追回: a returned payment is not paid; its money is free.")
    def recover_payment(self, info: strawberry.Info, id: strawberry.ID) -> Payment:
        service, who = _service(info)
        service.recover(who, str(id))
        return Payment.of(service.payment(who, str(id)))  # type: ignore[arg-type]
