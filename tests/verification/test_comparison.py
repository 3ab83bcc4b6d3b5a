"""Comparing files with the rosters: declared against found, per member and fact, with the
source and its date; every open file compared when a roster arrives; the worklist in order
of money at stake; a difference resolved each way, with a second person."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from core.errors import RULE_VIOLATION, BangfuError
from core.verification.comparison import yearly_fen
from tests.casefile_samples import DIBAO_TOPUP, ILL, D, staff
from tests.verification.conftest import (
    ADMIN,
    APPROVER,
    CASEWORKER,
    LOW_DIBAO,
    REVIEWER,
    SOCIAL,
    person,
    write_csv,
)

A, B, C, E = (person(k) for k in (11, 12, 13, 14))


def with_id(household: dict, number: str, **member) -> dict:
    first = {**household["members"][0], "idNumber": number, **member}
    return {**household, "members": [first, *household["members"][1:]]}


def approved(cases, household: dict):
    case = cases.open_case(CASEWORKER, "hebei", household, on=D("2026-09-24"))
    case = cases.transition(REVIEWER, case.id, "review", case.version, D("2026-09-25"))
    case = cases.transition(REVIEWER, case.id, "publish", case.version, D("2026-09-28"))
    return cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))


def rosters(verification, tmp_path, dibao, social):
    low = write_csv(tmp_path / "低保.csv", LOW_DIBAO, dibao)
    ss = write_csv(tmp_path / "社保.csv", SOCIAL, social)
    verification.import_roster(ADMIN, "dibao_roster", str(low), D("2026-10-31"), "冀民函88号")
    return verification.import_roster(
        ADMIN, "social_security", str(ss), D("2026-10-31"), "冀人社函12号"
    )


@pytest.fixture
def four_files(cases, verification, tmp_path):
    """A: declares 低保 the roster does not show; B: ill, a wage far
    above the declared one; C: in 低保 with a smaller subsidy than declared; E: all as
    declared."""
    files = {
        "A": cases.open_case(CASEWORKER, "hebei", with_id(DIBAO_TOPUP, A), on=D("2026-11-02")),
        "B": cases.open_case(CASEWORKER, "hebei", with_id(ILL, B), on=D("2026-11-02")),
        "C": cases.open_case(CASEWORKER, "hebei", with_id(DIBAO_TOPUP, C), on=D("2026-11-02")),
        "E": cases.open_case(CASEWORKER, "hebei", with_id(DIBAO_TOPUP, E), on=D("2026-11-02")),
    }
    arrived = rosters(
        verification,
        tmp_path,
        [(C, "2024-04-01", "500"), (E, "2024-04-01", "650")],
        [(A, "是", "否", "0"), (B, "是", "否", "9000"), (C, "是", "否", "0"), (E, "是", "否", "0")],
    )
    return files, arrived


def test_every_open_file_is_compared_when_a_roster_arrives(four_files, verification):
    files, arrived = four_files
    assert arrived.compared.files == 4
    assert arrived.compared.with_differences == 3
    seen = {k: verification.differences(CASEWORKER, f.id) for k, f in files.items()}
    assert seen["E"] == []
    (a,) = seen["A"]
    assert (a.fact, a.member_index, a.declared, a.found) == ("dibao_status", None, "是", "否")
    assert (a.source, a.source_date, a.reference) == ("dibao_roster", D("2026-10-31"), "冀民函88号")
    (b,) = seen["B"]
    assert (b.fact, b.member_index, b.declared, b.found) == ("wage", 0, "2000.00", "9000.00")
    assert b.source == "social_security" and b.reference == "冀人社函12号"
    facts_c = {d.fact: (d.declared, d.found) for d in seen["C"]}
    assert facts_c == {"dibao_subsidy": ("650.00", "500.00"), "dibao_months": ("30", "31")} or (
        facts_c == {"dibao_subsidy": ("650.00", "500.00")}
    )
    assert a.blocking and b.blocking  # verification.blocking_differences (national reading)


def test_the_worklist_puts_ending_entitlements_first_with_the_amount(
    four_files, verification, session, registry
):
    files, _ = four_files
    items = verification.worklist(CASEWORKER)
    assert {i.case_number for i in items} == {int(files[k].id) for k in "ABC"}
    ranks = [("ends", "falls", "rises", "same").index(i.effect) for i in items]
    assert ranks == sorted(ranks)
    for earlier, later in itertools.pairwise(items):
        if earlier.effect == later.effect:
            assert earlier.at_stake >= later.at_stake
    ending = {i.case_number for i in items if i.effect == "ends"}
    # B: the wage found makes the medical cost no longer exceed the income; C: the subsidy
    # found is below Hebei's large top-up (f). A still qualifies without 低保 (unable to
    # work, no income): its entitlement does not end, so it comes last
    assert ending == {int(files["B"].id), int(files["C"].id)}
    from core.db.models import CaseFile

    for item in items:
        if item.effect == "ends":  # all of the entitlement is at stake, counted for a year
            row = session.scalar(select(CaseFile).where(CaseFile.number == item.case_number))
            assert item.at_stake == yearly_fen(registry.get("hebei"), row.entitlements) > 0
    assert items[-1].case_number == int(files["A"].id) and items[-1].effect != "ends"


def test_accepting_the_source_value_records_new_facts(four_files, verification, cases):
    files, _ = four_files
    (a,) = verification.differences(CASEWORKER, files["A"].id)
    case = verification.accept(CASEWORKER, a.id, files["A"].version)
    assert case.household["dibaoRecipient"] is False
    assert case.history[-1].action == "update_facts"
    assert "核对" in case.history[-1].comment
    everything = verification.differences(CASEWORKER, files["A"].id, everything=True)
    assert [(d.state, d.resolved_by) for d in everything] == [("accepted", "caseworker@hebei")]
    verification.compare_all(CASEWORKER)  # found again: nothing left to do
    assert verification.differences(CASEWORKER, files["A"].id) == []


def test_accepting_on_an_approved_file_waits_for_a_second_person(cases, verification, tmp_path):
    case = approved(cases, with_id(ILL, B))
    rosters(verification, tmp_path, [(E, "2024-04-01", "650")], [(B, "是", "否", "9000")])
    (b,) = verification.differences(CASEWORKER, case.id)
    waiting = verification.accept(CASEWORKER, b.id, case.version)
    assert waiting.status == "approved" and waiting.pending_facts is not None
    assert waiting.household["members"][0]["monthlyIncome"] == "2000.00"  # not in effect yet
    with pytest.raises(BangfuError) as info:
        cases.decide_facts(CASEWORKER, case.id, waiting.version, approve=True)
    decided = cases.decide_facts(APPROVER, case.id, waiting.version, approve=True)
    assert decided.household["members"][0]["monthlyIncome"] == "9000.00"
    assert info.value.code in ("FORBIDDEN", RULE_VIOLATION)


def test_keeping_the_declared_value_needs_a_reason_and_a_second_person(four_files, verification):
    files, _ = four_files
    (b,) = verification.differences(CASEWORKER, files["B"].id)
    with pytest.raises(BangfuError) as info:
        verification.keep(CASEWORKER, b.id, "  ")
    assert "理由" in info.value.zh
    asked = verification.keep(CASEWORKER, b.id, "缴费基数按当地最低基数核定,高于实际工资")
    assert asked.state == "keep_requested"
    with pytest.raises(BangfuError) as info:
        verification.confirm(CASEWORKER, b.id, agree=True)  # not a role that decides
    assert info.value.code == "FORBIDDEN"
    asker_as_admin = staff("hebei", "admin", user="caseworker@hebei")
    with pytest.raises(BangfuError) as info:  # the asker may not confirm, whatever the role
        verification.confirm(asker_as_admin, b.id, True)
    assert "另一人" in info.value.zh
    kept = verification.confirm(APPROVER, b.id, agree=True)
    assert (kept.state, kept.confirmed_by) == ("kept", "approver@hebei")
    verification.compare_all(CASEWORKER)  # the same value found again is not raised again
    assert verification.differences(CASEWORKER, files["B"].id) == []


def test_a_kept_value_sent_back_is_open_again(four_files, verification):
    files, _ = four_files
    (b,) = verification.differences(CASEWORKER, files["B"].id)
    verification.keep(CASEWORKER, b.id, "理由")
    with pytest.raises(BangfuError):
        verification.confirm(APPROVER, b.id, agree=False)  # why not: required
    back = verification.confirm(APPROVER, b.id, agree=False, comment="请补充工资证明")
    assert back.state == "open" and "请补充工资证明" in back.reason


def test_another_tenants_differences_answer_as_missing(four_files, verification):
    files, _ = four_files
    (a,) = verification.differences(CASEWORKER, files["A"].id)
    with pytest.raises(BangfuError) as info:
        verification.keep(staff("gansu", "caseworker"), a.id, "理由")
    assert info.value.code == "NOT_FOUND"
    with pytest.raises(BangfuError) as info:
        verification.differences(staff("gansu", "caseworker"), files["A"].id)
    assert info.value.code == "NOT_FOUND"


def test_the_national_level_sees_counts_only_suppressed(four_files, verification):
    counts = verification.counts(staff("national", "national"))
    assert set(counts) >= {"hebei", "gansu"}
    assert counts["hebei"]["dibao_status"] is None  # one difference: too small to show
    with pytest.raises(BangfuError):
        verification.counts(CASEWORKER)


#: 900 a month alone, employed, nobody ill, no 低保: none of Hebei's criteria a-f, admitted
#: by the reviewer on ground (g) with a written reason
LONE_CARER = {
    "members": [
        {"name": "冯英", "relation": "APPLICANT", "age": 58, "monthlyIncome": "900",
         "employment": "EMPLOYED", "ableToWork": True},
    ]
}  # fmt: skip


def test_a_file_on_ground_g_keeps_its_ground_when_the_money_at_stake_is_worked_out(
    cases, verification, tmp_path
):
    """The comparison evaluates the facts found with the grounds a person recorded on the
    file (Hebei's g, kept until a person removes it): a wage found a little above the one
    declared leaves the file on ground g, so its living relief does not "end"."""
    case = cases.open_case(CASEWORKER, "hebei", with_id(LONE_CARER, A), on=D("2026-09-24"))
    case = cases.transition(
        REVIEWER, case.id, "review_other_ground", case.version, D("2026-09-25"),
        comment="独自赡养瘫痪老人,无力维持生活",
    )  # fmt: skip
    case = cases.transition(REVIEWER, case.id, "publish", case.version, D("2026-09-28"))
    case = cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    assert case.status == "approved"
    social = write_csv(tmp_path / "社保.csv", SOCIAL, [(A, "是", "否", "1100")])
    verification.import_roster(
        ADMIN, "social_security", str(social), D("2026-10-31"), "冀人社函12号"
    )
    (item,) = verification.worklist(CASEWORKER)
    assert item.case_number == int(case.id)
    assert item.effect != "ends"
