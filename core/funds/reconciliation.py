"""A fund year's reconciliation (对账): every payment in exactly one state, the ledger's
lines of each payment as its state says, every journal balanced, and the totals to the
fen."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.auth.principal import Principal
from core.funds import ledger
from core.funds.desk import FundsDesk, checked_year, one_call_scope
from core.funds.ledger import HANDOVER, PURCHASE, STOCK, FundBalance
from core.funds.models import FundEntry, FundPayment
from core.funds.payments import APPROVED, EXPECTED, PAID, RETURNED, SENT, STATES
from core.money import format_yuan


@dataclass
class Reconciliation:
    """A fund year's reconciliation: every payment in exactly one state, the ledger
    checked payment by payment, and the totals to the fen."""

    tenant: str
    year: int
    by_state: dict[str, tuple[int, int]]  #: state -> (payments, fen)
    balances: list[FundBalance]
    unbalanced_journals: list[str] = field(default_factory=list)
    mismatched_payments: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not (self.unbalanced_journals or self.mismatched_payments or self.problems)


class Reconciling(FundsDesk):
    @one_call_scope
    def reconcile(self, principal: Principal | None, year: int) -> Reconciliation:
        """Every payment of the year in exactly one state, the ledger's lines of each
        payment as its state says, every journal balanced, and the totals to the fen:
        bank = raised - sent or paid; spent = approved + sent + paid + returned;
        payable = approved + returned."""
        p = self._staff(principal)
        year = checked_year(year)
        by_state: dict[str, tuple[int, int]] = {}
        for status, n, total in self.session.execute(
            select(FundPayment.status, func.count(), func.sum(FundPayment.amount_fen))
            .where(FundPayment.tenant == p.tenant, FundPayment.year == year)
            .group_by(FundPayment.status)
        ):
            by_state[status] = (int(n), int(total or 0))
        result = Reconciliation(
            tenant=p.tenant,
            year=year,
            by_state=by_state,
            balances=ledger.balances(self.session, p.tenant, year),
            unbalanced_journals=ledger.unbalanced_journals(self.session, p.tenant),
        )
        unknown = set(by_state) - set(STATES)
        if unknown:
            result.problems.append(f"payments in unknown states: {sorted(unknown)}")
        # each payment's lines, per account, against what its state says
        sums: dict[int, dict[str, int]] = {}
        for pid, account, total in self.session.execute(
            select(FundEntry.payment_id, FundEntry.account, func.sum(FundEntry.amount_fen))
            .where(
                FundEntry.tenant == p.tenant,
                FundEntry.year == year,
                FundEntry.payment_id.is_not(None),
            )
            .group_by(FundEntry.payment_id, FundEntry.account)
        ):
            assert pid is not None  # (the query's condition)
            sums.setdefault(pid, {})[account] = int(total)
        for pid, status, amount in self.session.execute(
            select(FundPayment.id, FundPayment.status, FundPayment.amount_fen).where(
                FundPayment.tenant == p.tenant, FundPayment.year == year
            )
        ):
            expected = EXPECTED.get(status, {})
            lines = sums.pop(pid, {})
            if any(lines.get(a, 0) != k * amount for a, k in expected.items()):
                result.mismatched_payments.append(pid)
        if sums:
            result.problems.append(f"entries of unknown payments: {sorted(sums)[:10]}")
        fen_in = {k: v[1] for k, v in by_state.items()}
        raised = sum(b.raised for b in result.balances)
        spent = sum(b.spent for b in result.balances)
        bank = sum(b.bank for b in result.balances)
        payable = sum(b.payable for b in result.balances)
        sent_or_paid = fen_in.get(SENT, 0) + fen_in.get(PAID, 0)
        committed = sent_or_paid + fen_in.get(APPROVED, 0) + fen_in.get(RETURNED, 0)
        # relief in kind: goods bought (bank to stock), handed over (stock to expense)
        in_kind: dict[str, int] = dict(
            self.session.execute(
                select(FundEntry.kind, func.sum(FundEntry.amount_fen))
                .where(
                    FundEntry.tenant == p.tenant,
                    FundEntry.year == year,
                    FundEntry.account == STOCK,
                    FundEntry.kind.in_((PURCHASE, HANDOVER)),
                )
                .group_by(FundEntry.kind)
            ).all()
        )
        bought, handed = int(in_kind.get(PURCHASE) or 0), -int(in_kind.get(HANDOVER) or 0)
        stock = sum(b.stock for b in result.balances)
        checks = (
            ("bank = raised - sent or paid - bought in kind", bank, raised - sent_or_paid - bought),
            ("spent = approved + sent + paid + returned + handed over", spent, committed + handed),
            ("stock = bought - handed over", stock, bought - handed),
            (
                "payable = approved + returned",
                payable,
                fen_in.get(APPROVED, 0) + fen_in.get(RETURNED, 0),
            ),
        )
        for what, have, want in checks:
            if have != want:
                result.problems.append(f"{what}: {format_yuan(have)} != {format_yuan(want)} yuan")
        return result
