"""The funds service: receipts, payments, runs, the bank, reports and reconciliation, for
a principal.

:class:`FundsService` is the one object GraphQL, the commands and the staff pages use; it
is made of one part per concept, each in its own module:

==========================  =================================================
:mod:`core.funds.receipts`  money received into a fund, and its reversal
:mod:`core.funds.approvals` proposals, approvals (four eyes, 量入为出), rejections
:mod:`core.funds.documents` tax reliefs, waivers, referrals: documents, never fund money
:mod:`core.funds.accounts`  payees' bank accounts (一卡通): sealed, shown masked
:mod:`core.funds.in_kind`   goods and vouchers: stock, distribution lists, 签收
:mod:`core.funds.runs`      payment runs (清册) and their published list (公示)
:mod:`core.funds.sending`   the bank file, the bank's answer, 补发 and 追回
:mod:`core.funds.reading`   balances, entries, payments, runs
:mod:`core.funds.reports`   the annual report, the audit export, national spending
:mod:`core.funds.reconciliation`  every payment in one state, totals to the fen
==========================  =================================================

Every method takes the principal who asks and enforces roles and tenant scoping as the
case service does (:mod:`core.funds.desk`): the session is bound to the caller's tenant
(the ORM filter, and ``app.tenant`` for PostgreSQL's row-level security); a payment or
journal of another tenant answers exactly like a missing one (``NOT_FOUND``); anonymous
callers are ``UNAUTHENTICATED``; the national level sees spending totals only. A refused
request changes nothing: each mutation is one transaction, committed only when every
check passed.

Who may do what (roles of ``shared/spec/CONTRACT.md``):

* read balances, entries, payments: every regional staff role;
* propose a payment, start a run: caseworker, reviewer, approver, admin;
* approve or reject (four eyes: never one's own proposal): approver, chairman, admin;
* receipts, reversals, publication, the bank's files, reissue, recovery: approver,
  chairman, admin.
"""

from __future__ import annotations

from core.funds.accounts import Accounts
from core.funds.approvals import Approvals
from core.funds.documents import Documents
from core.funds.in_kind import InKind
from core.funds.reading import Reading
from core.funds.receipts import Receipts
from core.funds.reconciliation import Reconciliation, Reconciling
from core.funds.reports import Reporting
from core.funds.runs import RunResult, applicant_name, mask_name
from core.funds.sending import Sending

__all__ = ["FundsService", "Reconciliation", "RunResult", "applicant_name", "mask_name"]


class FundsService(
    Receipts,
    Approvals,
    Documents,
    Accounts,
    InKind,
    Sending,
    Reading,
    Reporting,
    Reconciling,
):
    """The assistance funds ledger of every tenant, on behalf of a principal.

    :param session: the request's database session (the service commits its mutations)
    :param registry: the loaded tenants
    :param today: the date "today" means (the server's clock; tests pin it)
    """
