"""Concurrent ``evaluate`` requests are evaluated together, and each gets exactly the answer
it gets alone: explanations, errors and a failing household's fault included."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import numpy as np
import pytest

import plugins.national
import tenants.hebei
from core.api import together
from core.api.app import create_app
from core.evaluation import evaluate
from core.model import parse_household
from core.plugin import Grant, PayPeriod, Programme, TenantInfo, TenantLevel, hookimpl
from core.registry import Registry, load_registry
from tests.api.conftest import AS_OF, EVALUATE, member

#: the age at which the faulty city's rule breaks
BREAKING_AGE = 77
ON = date.fromisoformat(AS_OF)


class FaultyCity:
    """A city under Hebei whose gift breaks for a household with a member aged 77."""

    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo("faulty_city", "故障市", TenantLevel.CITY, "hebei")

    @hookimpl
    def bangfu_programmes(self):
        def gift(household, parameters, why):
            if (household.member_age == BREAKING_AGE).any():
                raise ZeroDivisionError("a bug met by one household only")
            amount = parameters.money("dibao.standard_monthly") * household.members
            why.step("{members} 人 x 低保标准", members=household.members)
            return Grant(household.members > 0, amount)

        return [Programme("faulty_city.gift", "慰问金", PayPeriod.ONCE, "test", gift)]


def with_city(city) -> Registry:
    """National, Hebei and ``city`` under it."""
    loaded = load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), ("faulty_city", city)],
        use_entry_points=False,
    )
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture(scope="module")
def registry():
    return with_city(FaultyCity())


def households() -> list[dict]:
    """Different households: ill or not, one to three members, various incomes."""
    found = []
    for k in range(9):
        people = [member(age=30 + 7 * k, monthlyIncome=str(300 * k), seriousIllness=k % 2 == 0)]
        people += [
            {
                "name": f"成员{j}",
                "relation": "CHILD",
                "age": 17 + j,
                "educationStage": "UNDERGRADUATE",
                "newlyAdmitted": True,
            }
            for j in range(k % 3)
        ]
        found.append({"members": people, "annualMedicalOutOfPocket": str(4000 * k)})
    return found


def body(tenant: str, household: dict) -> dict:
    return {"query": EVALUATE, "variables": {"tenant": tenant, "household": household}}


def client_of(registry) -> httpx.AsyncClient:
    """The app in this event loop (so that its batches are this loop's)."""
    transport = httpx.ASGITransport(app=create_app(registry))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def post(client: httpx.AsyncClient, tenant: str, household: dict) -> dict:
    response = await client.post("/graphql", json=body(tenant, household))
    assert response.status_code == 200, response.text
    return response.json()


def run(coroutine):
    return asyncio.run(coroutine)


def test_requests_arriving_together_are_evaluated_together_with_the_answers_of_each_alone(
    registry,
):
    async def scenario():
        async with client_of(registry) as client:
            alone = [await post(client, "faulty_city", h) for h in households()]
            counts = together.this_loop()
            at_once, batches, batched = counts.alone, counts.batches, counts.households
            answers = await asyncio.gather(*(post(client, "faulty_city", h) for h in households()))
            return (
                alone,
                answers,
                counts.alone - at_once,
                counts.batches - batches,
                counts.households - batched,
            )

    alone, answers, at_once, batches, batched = run(scenario())
    assert not any("errors" in a for a in alone)
    assert answers == alone
    assert at_once + batched == len(households())
    assert batches < batched  # some were evaluated together
    granted = [e for a in answers for e in a["data"]["evaluate"]["entitlements"]]
    assert {e["programme"] for e in granted} >= {"faulty_city.gift", "medical_relief"}
    assert all(e["explanation"] for e in granted)  # explained, each as alone (above)


def test_a_request_that_comes_alone_is_evaluated_at_once(registry):
    """A lone client pays nothing for batching: a request alone in its turn of the event
    loop (after a turn with no more than one) is answered there and then; a second
    request in the same turn waits for the end of the turn."""
    tenant = registry.get("faulty_city")
    h = parse_household(households()[4])

    async def scenario():
        lone = []
        for _ in range(3):
            lone.append(together.evaluate_together(tenant, h, ON, True))
            await asyncio.sleep(0)  # the next request comes in a later turn
            await asyncio.sleep(0)
        first = together.evaluate_together(tenant, h, ON, True)
        second = together.evaluate_together(tenant, h, ON, True)
        waited = isinstance(second, asyncio.Future)
        return lone, first, waited, await second

    lone, first, waited, second = run(scenario())
    expected = evaluate(tenant, h, ON)
    assert [type(answer).__name__ for answer in lone] == ["Evaluation"] * 3
    assert lone == [expected] * 3
    assert first == expected and waited and second == expected


def test_the_answer_is_the_engines_for_that_household(registry):
    """Not only the same as alone over HTTP: the engine's own answer for each."""
    tenant = registry.get("faulty_city")

    async def scenario():
        async with client_of(registry) as client:
            return await asyncio.gather(*(post(client, "faulty_city", h) for h in households()))

    answers = run(scenario())
    today = date.fromisoformat(answers[0]["data"]["evaluate"]["asOf"])
    for h, answer in zip(households(), answers, strict=True):
        expected = evaluate(tenant, parse_household(h), today)
        got = answer["data"]["evaluate"]
        assert got["eligible"] == expected.eligible
        assert [(e["programme"], e["amount"], e["explanation"]) for e in got["entitlements"]] == [
            (e.programme, f"{e.amount:.2f}", list(e.explanation)) for e in expected.entitlements
        ]


def test_a_household_that_breaks_a_rule_fails_alone(registry):
    breaking = {"members": [member(age=BREAKING_AGE, monthlyIncome="100")]}

    async def scenario():
        async with client_of(registry) as client:
            alone = [await post(client, "faulty_city", h) for h in households()]
            mixed = [*households()[:4], breaking, *households()[4:]]
            answers = await asyncio.gather(*(post(client, "faulty_city", h) for h in mixed))
            return alone, answers

    alone, answers = run(scenario())
    failed = answers.pop(4)
    assert failed["data"] is None
    assert failed["errors"][0]["extensions"]["code"] == "PLUGIN_ERROR"
    assert "a bug met by one household" not in str(failed)
    assert answers == alone  # the others are answered as if it had not come


def test_a_bad_request_among_them_is_refused_alone(registry):
    async def scenario():
        async with client_of(registry) as client:
            alone = [await post(client, "hebei", h) for h in households()[:3]]
            answers = await asyncio.gather(
                post(client, "hebei", households()[0]),
                post(client, "nowhere", households()[1]),
                post(client, "hebei", {"members": [member(age=-4)]}),
                post(client, "hebei", households()[1]),
                post(client, "hebei", households()[2]),
            )
            return alone, answers

    alone, answers = run(scenario())
    assert answers[1]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert answers[2]["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert [answers[0], answers[3], answers[4]] == alone


def test_tenants_and_selections_are_batched_apart(registry):
    """A batch is one tenant, one date, explained or not: never mixed."""

    async def scenario():
        h = parse_household(households()[2])
        asked = [
            together.this_loop().submit(registry.get("hebei"), h, ON, True),
            together.this_loop().submit(registry.get("national"), h, ON, True),
            together.this_loop().submit(registry.get("hebei"), h, ON, False),
            together.this_loop().submit(registry.get("hebei"), h, ON, True),
        ]
        before = together.this_loop().batches
        answers = await asyncio.gather(*asked)
        return h, answers, together.this_loop().batches - before

    h, answers, batches = run(scenario())
    assert batches == 3
    assert answers[0] == answers[3] == evaluate(registry.get("hebei"), h, ON)
    assert answers[1] == evaluate(registry.get("national"), h, ON)
    assert answers[2] == evaluate(registry.get("hebei"), h, ON, explain=False)
    assert answers[2].entitlements and not any(e.explanation for e in answers[2].entitlements)


def test_a_request_given_up_while_waiting_leaves_the_others_answered(registry):
    async def scenario():
        h = parse_household(households()[4])
        first = together.this_loop().submit(registry.get("hebei"), h, ON, True)
        gone = together.this_loop().submit(registry.get("hebei"), h, ON, True)
        last = together.this_loop().submit(registry.get("hebei"), h, ON, True)
        gone.cancel()  # the client went away
        return await first, await last, gone.cancelled(), evaluate(registry.get("hebei"), h, ON)

    first, last, cancelled, expected = run(scenario())
    assert cancelled and first == last == expected


def test_a_batch_holds_at_most_the_limit(registry):
    async def scenario():
        loop = asyncio.get_running_loop()
        batches = together.Together(loop, most=4)
        hs = [parse_household(h) for h in households()]  # 9 households: 4 + 4 + 1
        answers = await asyncio.gather(
            *(batches.submit(registry.get("hebei"), h, ON, True) for h in hs)
        )
        return hs, answers, batches

    hs, answers, batches = run(scenario())
    assert (batches.batches, batches.households, batches.largest) == (3, 9, 4)
    assert answers == [evaluate(registry.get("hebei"), h, ON) for h in hs]


def test_the_limit_is_a_setting_and_one_evaluates_each_alone(monkeypatch):
    monkeypatch.setenv("BANGFU_EVALUATE_TOGETHER", "1")
    together.limit.cache_clear()
    try:
        assert together.limit() == 1 and not together.batching()
        monkeypatch.setenv("BANGFU_EVALUATE_TOGETHER", "none")
        together.limit.cache_clear()
        with pytest.raises(ValueError, match=r"BANGFU_EVALUATE_TOGETHER=.none. is not valid"):
            together.limit()
    finally:
        monkeypatch.delenv("BANGFU_EVALUATE_TOGETHER")
        together.limit.cache_clear()
    assert together.limit() == 64 and together.batching()


def test_one_by_one_when_the_limit_is_one(registry, monkeypatch):
    monkeypatch.setenv("BANGFU_EVALUATE_TOGETHER", "1")
    together.limit.cache_clear()

    async def scenario():
        async with client_of(registry) as client:
            before = together.this_loop().batches
            answers = await asyncio.gather(*(post(client, "hebei", h) for h in households()))
            return answers, together.this_loop().batches - before

    try:
        answers, batches = run(scenario())
    finally:
        monkeypatch.delenv("BANGFU_EVALUATE_TOGETHER")
        together.limit.cache_clear()
    assert batches == 0  # evaluated in each request's own turn, not handed in
    assert all(a["data"]["evaluate"]["tenant"] == "hebei" for a in answers)


def test_numpy_is_not_leaking_into_answers(registry):
    """The answers are plain JSON values (a batch's columns are numpy)."""

    async def scenario():
        async with client_of(registry) as client:
            return await asyncio.gather(*(post(client, "hebei", h) for h in households()))

    for answer in run(scenario()):
        evaluation = answer["data"]["evaluate"]
        assert isinstance(evaluation["eligible"], bool)
        assert not any(isinstance(v, np.generic) for v in evaluation.values())


def test_two_registries_with_the_same_codes_are_never_batched_together(registry):
    """A batch is one tenant object: another registry's tenant of the same code (another
    app in the same process) keeps its own rules."""

    class OtherCity(FaultyCity):
        @hookimpl
        def bangfu_programmes(self):
            def gift(household, parameters, why):
                why.step("每户 {fen:yuan} 元", fen=12_300)
                return Grant(household.members > 0, 12_300)

            return [Programme("faulty_city.gift", "慰问金", PayPeriod.ONCE, "test", gift)]

    other = with_city(OtherCity())
    h = parse_household(households()[3])

    async def scenario():
        mine = together.this_loop().submit(registry.get("faulty_city"), h, ON, True)
        theirs = together.this_loop().submit(other.get("faulty_city"), h, ON, True)
        return await asyncio.gather(mine, theirs)

    mine, theirs = run(scenario())
    assert mine == evaluate(registry.get("faulty_city"), h, ON)
    assert theirs == evaluate(other.get("faulty_city"), h, ON)
    assert (
        mine.entitlement("faulty_city.gift").amount != theirs.entitlement("faulty_city.gift").amount
    )
