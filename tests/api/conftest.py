"""Fixtures for the API tests: the app over the bundled tenants, in-process, and a client
that refuses to see a stack trace in any answer."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from core.registry import Registry

AS_OF = "2026-06-01"

EVALUATION_FIELDS = """
    tenant asOf provisional eligible category groups measures
    reasons { code label basis }
    entitlements { programme name amount period basis explanation }
    utilityDiscounts { utility quantity unit period basis }
    checklist { code label met }
    budget { annualIncome annualExpenses gap }
"""

EVALUATE = (
    "query Evaluate($tenant: String!, $household: HouseholdInput!, $asOf: Date) {"
    " evaluate(tenant: $tenant, household: $household, asOf: $asOf) {"
    f"{EVALUATION_FIELDS}"
    "} }"
)


def member(**fields: Any) -> dict[str, Any]:
    return {"name": "张伟", "relation": "APPLICANT", **fields}


def ill_household() -> dict[str, Any]:
    """Seriously ill, 30,000 yuan out of pocket on 24,000 yuan of income."""
    return {
        "members": [member(age=52, monthlyIncome="2000", seriousIllness=True)],
        "annualMedicalOutOfPocket": "30000",
    }


class GraphQLClient:
    """POSTs GraphQL and checks what every answer must be: JSON, never a 500, no trace."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def post_raw(self, body: bytes, content_type: str = "application/json"):
        response = self.http.post("/graphql", content=body, headers={"content-type": content_type})
        return check_answer(response)

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables})
        check_answer(response)
        assert response.status_code == 200, response.text
        return response.json()


def check_answer(response):
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response


def only_error(answer: dict[str, Any]) -> dict[str, Any]:
    errors = answer.get("errors") or []
    assert len(errors) == 1, answer
    return errors[0]


@pytest.fixture(scope="session")
def gql(http) -> GraphQLClient:
    return GraphQLClient(http)


def need(registry: Registry, *codes: str) -> None:
    missing = [c for c in codes if c not in registry.tenants]
    if missing:
        pytest.skip(f"tenant(s) {', '.join(missing)} not loaded: {registry.problems}")
