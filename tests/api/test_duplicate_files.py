"""不重复建档 through GraphQL (SQLite and PostgreSQL): no file is opened for a household
one of whose members' ID numbers is on an open file already, whichever door the opening
comes through. Before, only the staff pages checked; ``openCase`` opened a second file,
and a payment run would have paid the same person twice."""

from __future__ import annotations

import copy
import threading

import pytest

from tests.api.test_cases_graphql import OPEN, staff  # noqa: F401 (a fixture)
from tests.casefile_samples import ILL

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105198001010032"
CASES = "query($t: String!) { cases(tenant: $t) { id status } }"


def with_ids(*numbers: str) -> dict:
    """The ill household, its members carrying these ID numbers (a spouse added for the
    second)."""
    household = copy.deepcopy(ILL)
    household["members"][0]["idNumber"] = numbers[0]
    if len(numbers) > 1:
        spouse = {**household["members"][0], "name": "李四", "relation": "SPOUSE"}
        spouse["idNumber"] = numbers[1]
        spouse.pop("seriousIllness")
        household["members"].append(spouse)
    return household


def test_a_second_file_for_an_id_number_of_this_region_is_refused_and_names_the_first(staff):
    caseworker = staff("hebei", "caseworker")
    first = caseworker.open("hebei", with_ids(ID_NUMBER), "2026-11-13")
    # the same person, now as the spouse of another applicant
    error = caseworker.refused(
        "RULE_VIOLATION", OPEN, tenant="hebei", h=with_ids(OTHER_ID, ID_NUMBER)
    )
    assert f"档案编号 {first['id']}" in error["message"]
    assert error["extensions"]["details"]["case"] == first["id"]
    assert "不要重复建档" in error["message"]
    assert [c["id"] for c in caseworker.ok(CASES, t="hebei")] == [first["id"]]  # nothing opened


def test_an_open_file_of_another_region_refuses_the_opening_and_says_nothing_of_it(staff):
    first = staff("hebei", "caseworker").open("hebei", with_ids(ID_NUMBER), "2026-11-13")
    gansu = staff("gansu", "caseworker")
    error = gansu.refused("RULE_VIOLATION", OPEN, tenant="gansu", h=with_ids(ID_NUMBER))
    assert "其他地区" in error["message"] and "上级工会" in error["message"]
    for word in ("hebei", "河北", first["id"], "张三"):
        assert word not in str(error)
    assert gansu.ok(CASES, t="gansu") == []


def test_once_the_file_is_closed_a_new_one_may_be_opened(staff):
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    first = caseworker.open("hebei", with_ids(ID_NUMBER), "2026-11-13")
    reviewer.move(first, "reject", "2026-11-16", comment="收入核实后不符合条件")
    second = caseworker.open("hebei", with_ids(ID_NUMBER), "2026-11-20")
    assert second["id"] != first["id"]
    assert staff("gansu", "caseworker").open("gansu", with_ids(OTHER_ID), "2026-11-20")


def test_households_without_id_numbers_are_not_held_to_it(staff):
    caseworker = staff("hebei", "caseworker")
    caseworker.open("hebei", ILL, "2026-11-13")
    caseworker.open("hebei", ILL, "2026-11-13")
    assert len(caseworker.ok(CASES, t="hebei")) == 2


@pytest.mark.postgres
def test_two_openings_for_one_id_number_at_once_open_one_file(staff):
    """The check and the opening take turns per ID number: of two at the same moment, one
    opens and the other is refused."""
    caseworkers = [staff("hebei", "caseworker") for _ in range(2)]
    answers: list[dict] = []
    start = threading.Barrier(2)

    def open_one(caseworker) -> None:
        start.wait()
        answers.append(caseworker(OPEN, tenant="hebei", h=with_ids(ID_NUMBER), on="2026-11-13"))

    threads = [threading.Thread(target=open_one, args=(c,)) for c in caseworkers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(
        a["errors"][0]["extensions"]["code"] if a.get("errors") else "OK" for a in answers
    )
    assert codes == ["OK", "RULE_VIOLATION"]
    assert len(caseworkers[0].ok(CASES, t="hebei")) == 1


# --------------------------------------------------------------------------- later steps
MOVE_WITH_FACTS = """
mutation($id: ID!, $action: String!, $v: Int!, $on: Date, $comment: String, $h: HouseholdInput) {
  transition(caseId: $id, action: $action, expectedVersion: $v, on: $on, comment: $comment,
             household: $h) { id version status }
}"""


def exited(staff, household: dict) -> dict:
    """A Hebei file walked to filed, then exited (the household employed again)."""
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    approver = staff("hebei", "approver")
    case = caseworker.open("hebei", household, "2026-09-24")
    for who, action, day in (
        (reviewer, "review", "2026-09-25"),
        (reviewer, "publish", "2026-09-28"),
        (approver, "approve", "2026-10-10"),
        (approver, "file", "2026-10-12"),
    ):
        case = who.move(case, action, day)
    case = approver.move(case, "exit", "2026-10-20", comment="已就业,生活稳定")
    assert case["status"] == "exited"
    return case


def test_new_facts_may_not_bring_in_an_id_number_on_another_open_file(staff):
    caseworker = staff("hebei", "caseworker")
    first = caseworker.open("hebei", with_ids(ID_NUMBER), "2026-11-13")
    second = caseworker.open("hebei", with_ids(OTHER_ID), "2026-11-13")
    # the first file's applicant added as the second household's spouse
    error = caseworker.refused(
        "RULE_VIOLATION",
        MOVE_WITH_FACTS,
        id=second["id"],
        action="update_facts",
        v=second["version"],
        on="2026-11-16",
        h=with_ids(OTHER_ID, ID_NUMBER),
    )
    assert error["extensions"]["details"]["case"] == first["id"]
    assert caseworker.read(second)["version"] == second["version"]  # nothing changed
    # the file's own ID numbers are no obstacle to its own new facts
    changed = caseworker.ok(
        MOVE_WITH_FACTS,
        id=second["id"],
        action="update_facts",
        v=second["version"],
        on="2026-11-16",
        h={**with_ids(OTHER_ID), "annualMedicalOutOfPocket": "31000"},
    )
    assert changed["version"] == second["version"] + 1


def test_a_re_entry_waits_while_the_person_has_another_open_file(staff):
    caseworker = staff("hebei", "caseworker")
    old = exited(staff, with_ids(ID_NUMBER))
    new = caseworker.open("hebei", with_ids(ID_NUMBER), "2026-11-13")  # exited: may open
    reenter = {"action": "reenter", "on": "2026-11-16", "comment": "再次陷入困难"}
    error = caseworker.refused(
        "RULE_VIOLATION", MOVE_WITH_FACTS, id=old["id"], v=old["version"], **reenter
    )
    assert error["extensions"]["details"]["case"] == new["id"]
    assert caseworker.read(old)["status"] == "exited"
    staff("hebei", "reviewer").move(new, "reject", "2026-11-16", comment="重复申请,已撤回")
    back = caseworker.ok(MOVE_WITH_FACTS, id=old["id"], v=old["version"], **reenter)
    assert back["status"] == "applied"
