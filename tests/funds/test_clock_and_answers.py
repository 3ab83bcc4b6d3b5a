"""The funds read the server's clock (Asia/Shanghai, or ``$BANGFU_TODAY``), never the
machine's; and an answer given after COMMIT reads nothing outside the caller's tenant
(on PostgreSQL the serving role would see no row and answer INTERNAL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.db.session import session_factory
from core.funds.service import FundsService
from tests.casefile_samples import staff
from tests.funds.conftest import TODAY, file_case

RECEIPT = """mutation($y: Int!, $s: String!, $a: Decimal!, $d: String!, $on: Date) {
  recordReceipt(year: $y, source: $s, amount: $a, document: $d, receivedOn: $on) }"""
PROPOSE = """mutation($c: ID!, $p: String!, $t: String!, $s: String!) {
  proposePayment(caseId: $c, programme: $p, period: $t, source: $s) {
    id caseId programme period amount status proposedOn } }"""
RUN = """mutation($p: String!, $s: String!) {
  runPayments(period: $p, source: $s) { id period created publishedOn } }"""


def _beijing_ahead_of_utc() -> str:
    """A day that is "today in Beijing" while UTC is still on the day before (16:00 to
    24:00 UTC): the machine's ``date.today()`` of a UTC server says yesterday."""
    return (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def test_a_receipt_dated_today_in_beijing_is_accepted(session, registry, monkeypatch, database_url):
    beijing = _beijing_ahead_of_utc()
    monkeypatch.setenv("BANGFU_TODAY", beijing)
    funds = FundsService(session, registry)  # no date given: the server's clock
    journal = funds.record_receipt(
        staff("hebei", "admin"), 2026, "government", 100_00, "冀财社1号", received_on=_d(beijing)
    )
    assert len(journal) == 32
    [entry, *_] = funds.entries(staff("hebei", "admin"), 2026)
    assert entry.booked_on.isoformat() == beijing


def test_graphql_dates_are_the_servers(caller, monkeypatch, database_url):
    beijing = _beijing_ahead_of_utc()
    monkeypatch.setenv("BANGFU_TODAY", beijing)
    admin = caller("hebei", "admin")
    admin.ok(RECEIPT, y=2026, s="government", a="10.00", d="冀财社2号", on=beijing)
    late = (_d(beijing) + timedelta(days=1)).isoformat()
    error = admin.refused("BAD_INPUT", RECEIPT, y=2026, s="government", a="1", d="x", on=late)
    assert beijing in error["message"]


def test_the_cli_dates_are_the_servers(database_url, monkeypatch):
    from tests.funds.test_cli_and_files import bangfu

    beijing = _beijing_ahead_of_utc()
    monkeypatch.setenv("BANGFU_TODAY", beijing)
    args = ("funds", "receipt", "--tenant", "hebei", "--year", "2026", "--source")
    bangfu(
        database_url, *args, "government", "--amount", "1.00", "--document", "d",
        "--received-on", beijing,
    )  # fmt: skip


def test_propose_answers_with_the_payment_as_the_serving_role(
    serve, app_url, database_url, registry
):
    """PostgreSQL, served as ``bangfu_app``: proposePayment answers with the payment it
    wrote (not INTERNAL), and a retry is refused as a duplicate, not as an error."""
    from core.cases.service import CaseService

    with session_factory(database_url)() as session:
        case_id = file_case(CaseService(session, registry, today=lambda: TODAY))
    caller = serve(app_url, owner=database_url)
    worker = caller("hebei", "caseworker")
    made = worker.ok(PROPOSE, c=case_id, p="living_relief", t="2026", s="government")
    assert (made["caseId"], made["programme"], made["period"], made["amount"]) == (
        str(case_id),
        "living_relief",
        "2026",
        "790.00",
    )
    assert made["status"] == "proposed"
    worker.refused("CONFLICT", PROPOSE, c=case_id, p="living_relief", t="2026", s="government")
    run = worker.ok(RUN, p="2026", s="government")  # the run's answer, read in scope too
    assert (run["period"], run["created"], run["publishedOn"]) == ("2026", 0, None)


def _d(text: str):
    from datetime import date

    return date.fromisoformat(text)
