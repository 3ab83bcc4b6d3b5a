"""Money received into a fund (收入), and its correction by a reversing journal (冲销).

A receipt is the one movement that carries a date of its own: the date on its document,
which may not be later than the server's today.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.auth.principal import Principal
from core.errors import RULE_VIOLATION, BangfuError, bad_input, not_found
from core.funds import ledger
from core.funds.desk import (
    MAX_AMOUNT_FEN,
    TREASURERS,
    FundsDesk,
    Shortfall,
    checked_source,
    checked_text,
    checked_year,
    conflict,
    one_call_scope,
    shortfall_error,
)
from core.funds.ledger import BANK, INCOME, RECEIPT, REVERSAL, Journal, Line
from core.funds.models import FundEntry


class Receipts(FundsDesk):
    @one_call_scope
    def record_receipt(
        self,
        principal: Principal | None,
        year: int,
        source: str,
        amount_fen: int,
        document: str,
        received_on: date | None = None,
        memo: str | None = None,
    ) -> str:
        """Record money received into a fund (Dr bank / Cr income); the journal id."""
        p = self._staff(principal, TREASURERS)
        year, source = checked_year(year), checked_source(source)
        document = checked_text(document, "the document reference", "凭证号或文号", required=True)
        memo = checked_text(memo, "the note", "摘要")
        if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_AMOUNT_FEN:
            raise bad_input("the amount must be a positive number of fen", "金额应为正数")
        today = self.today()
        on = received_on or today
        if on > today:
            raise bad_input(
                f"a receipt cannot be dated after today ({today})",
                f"收入日期不能晚于今天({today})",
            )
        self._fresh()
        journal = Journal(
            p.tenant,
            year,
            source,
            RECEIPT,
            on,
            p.user,
            p.role,
            (Line(BANK, amount_fen), Line(INCOME, -amount_fen)),
            document=document,
            memo=memo,
        )
        ledger.post(self.session, [journal])
        self._commit()
        return journal.id

    @one_call_scope
    def reverse(self, principal: Principal | None, journal_id: str, memo: str) -> str:
        """Correct a receipt by a reversing journal (the ledger is append-only). Refused
        when the money was already committed: the fund may not go below zero."""
        p = self._staff(principal, TREASURERS)
        memo = checked_text(memo, "the reason", "冲销原因", required=True)
        self._fresh()
        found = list(
            self.session.scalars(
                select(FundEntry)
                .where(FundEntry.tenant == p.tenant, FundEntry.journal == str(journal_id)[:40])
                .order_by(FundEntry.line)
            )
        )
        if not found:
            raise not_found(f"no journal {journal_id!s:.40} that you may see", "没有该笔凭证")
        first = found[0]
        if first.kind != RECEIPT:
            raise BangfuError(
                RULE_VIOLATION,
                "only a receipt is corrected by reversal; a payment moves through its own "
                "steps (reject, return, recover)",
                "只有收入可冲销;支付请通过退回、追回等步骤处理",
            )
        self._lock(p, [(first.year, first.source)])
        already = self.session.scalar(
            select(func.count())
            .select_from(FundEntry)
            .where(FundEntry.tenant == p.tenant, FundEntry.reverses == first.journal)
        )
        if already:
            raise conflict("this receipt was already reversed", "该笔收入已冲销")
        amount = sum(e.amount_fen for e in found if e.account == BANK)
        left = ledger.available(self.session, p.tenant, first.year, first.source)
        if amount > left:
            raise shortfall_error([Shortfall((first.year, first.source), amount, left)])
        journal = Journal(
            p.tenant,
            first.year,
            first.source,
            REVERSAL,
            self.today(),
            p.user,
            p.role,
            tuple(Line(e.account, -e.amount_fen, e.programme, e.payment_id) for e in found),
            document=first.document,
            memo=memo,
            reverses=first.journal,
        )
        ledger.post(self.session, [journal])
        self._commit()
        return journal.id
