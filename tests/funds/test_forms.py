"""What a programme gives: its form is data with a citation. Only cash from a fund is
proposed, approved and paid; a tax relief (001 三(一): a ceiling for the self-employed,
4,000 per hire for the employer) or a waiver is a document, never fund money, and the
simulation counts each form apart."""

from __future__ import annotations

import numpy as np

from core.model import BENEFIT_FORMS, BenefitForm
from core.simulation.population import Population
from core.simulation.simulate import simulate
from core.simulation.synthetic import synthetic_columns
from tests.conftest import ON


def test_every_bundled_programme_declares_its_form_with_a_citation(registry):
    for tenant in registry.ordered():
        for p in tenant.programmes:
            assert p.form in BENEFIT_FORMS and p.form_basis[:3] in ("001", "003"), p.code
    city = {p.code: p for p in registry.get("demo_city").programmes}
    assert city["demo_city.tax_relief"].form == BenefitForm.TAX_RELIEF
    assert city["demo_city.hiring_tax_relief"].form == BenefitForm.TAX_RELIEF
    assert "4000" in city["demo_city.hiring_tax_relief"].form_basis
    assert city["demo_city.compulsory_fee_waiver"].form == BenefitForm.FEE_WAIVER
    assert {u.form for u in registry.get("demo_city").utilities} == {BenefitForm.FEE_WAIVER}


def test_the_simulation_counts_tax_relief_apart_from_the_citys_spending(registry):
    household, member, weight = synthetic_columns(400, 7, "demo_city")
    pop = Population.from_columns(household, member, np.ones_like(weight))
    city = simulate([registry.get("demo_city")], pop, ON).tenant("demo_city")
    forms = city.by_form
    tax = sum(p.yearly_cost for p in city.programmes.values() if p.form == BenefitForm.TAX_RELIEF)
    fund = sum(
        p.yearly_cost
        for p in city.programmes.values()
        if p.form in (BenefitForm.FUND_CASH, BenefitForm.FUND_IN_KIND)
    )
    assert forms["TAX_RELIEF"] == tax > 0  # the city grants some: not its spending
    assert city.yearly_cost == fund == forms["FUND_CASH"] + forms["FUND_IN_KIND"]
    assert sum(forms.values()) == sum(p.yearly_cost for p in city.programmes.values())
    assert city.as_dict()["yearlyCostByFormFen"] == forms


#: 001 三(一): laid off in restructuring, self-employed with the 再就业优惠证, poor
SELF_EMPLOYED = {
    "members": [
        {
            "name": "李四",
            "relation": "APPLICANT",
            "age": 40,
            "employment": "FLEXIBLE",
            "monthlyIncome": "500",
        }
    ],
    "selfEmployed": True,
    "reemploymentCertificate": True,
    "laidOffInRestructuring": True,
}


def file_city_case(cases, household=SELF_EMPLOYED) -> str:
    """A city file of the certificate group, filed: the city's own file (困难职工, 001 二,
    not Hebei's 特困), admitted by the ordinary review, since the city adds its population
    to the procedure it inherits (``procedure.populations``), never on Hebei's ground (g)."""
    from tests.funds.conftest import file_case

    return file_case(cases, household, tenant="demo_city")


def test_a_tax_relief_is_a_certificate_never_fund_money(funds, cases):
    from core.errors import CONFLICT, RULE_VIOLATION
    from tests.casefile_samples import staff
    from tests.funds.test_ledger import refused

    worker = staff("demo_city", "caseworker")
    first = file_city_case(cases)
    error = refused(
        RULE_VIOLATION, funds.propose, worker, first, "demo_city.tax_relief", "2026", "government"
    )
    assert error.details["guard"] == "fund_cash_only" and "税收扣减" in error.zh
    made = funds.issue_document(worker, first, "demo_city.tax_relief", "2026")
    assert (made.form, made.period_key, made.amount_fen) == ("TAX_RELIEF", "2026", 800_000)
    assert "8000.00" in made.text and "不发放现金" in made.text and "李四" in made.text
    assert "税务部门" in made.text and "001" in made.text
    refused(CONFLICT, funds.issue_document, worker, first, "demo_city.tax_relief", "2026")
    refused(RULE_VIOLATION, funds.issue_document, worker, first, "living_relief", "2026")
    assert [d.id for d in funds.documents_of(worker, first)] == [made.id]
    assert funds.payments(staff("demo_city", "approver")) == []  # no fund money
    assert funds.balances(staff("demo_city", "approver")) == []


ISSUE = """mutation($c: ID!, $p: String!, $t: String!) {
  issueBenefitDocument(caseId: $c, programme: $p, period: $t) {
    id form formZh periodKey amount text } }"""
DOCUMENTS = "query($c: ID!) { benefitDocuments(caseId: $c) { id form text } }"
PROPOSE = """mutation($c: ID!, $p: String!, $t: String!, $s: String!) {
  proposePayment(caseId: $c, programme: $p, period: $t, source: $s) { id } }"""


def test_documents_through_graphql_and_the_printable_page(
    caller, database_url, registry, browser, tokens
):
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from tests.funds.conftest import TODAY

    with session_factory(database_url)() as session:
        first = file_city_case(CaseService(session, registry, today=lambda: TODAY))
    worker = caller("demo_city", "caseworker")
    error = worker.refused(
        "RULE_VIOLATION", PROPOSE, c=first, p="demo_city.tax_relief", t="2026", s="government"
    )
    assert "税收扣减" in error["message"]
    made = worker.ok(ISSUE, c=first, p="demo_city.tax_relief", t="2026")
    assert (made["form"], made["formZh"], made["amount"]) == ("TAX_RELIEF", "税收扣减", "8000.00")
    worker.refused("CONFLICT", ISSUE, c=first, p="demo_city.tax_relief", t="2026")
    assert [d["id"] for d in worker.ok(DOCUMENTS, c=first)] == [made["id"]]
    assert caller("hebei", "caseworker").refused("NOT_FOUND", DOCUMENTS, c=first)
    browser.sign_in("demo_city", tokens["demo_city", "caseworker"])
    page = browser.get(f"/staff/demo_city/cases/{first}/documents")
    assert page.status_code == 200 and "不发放现金" in page.text and "8000.00" in page.text
