"""Verification and evidence through GraphQL (the public API): on SQLite, on PostgreSQL,
and on PostgreSQL as the serving role ``bangfu_app`` (row-level security and grants)."""

from __future__ import annotations

import base64

import pytest

from core.db.session import session_factory
from core.registry import load_registry
from core.verification.service import VerificationService
from tests.casefile_samples import ILL, D
from tests.evidence.test_documents import pdf
from tests.verification.conftest import ADMIN, SOCIAL, person, write_csv
from tests.verification.test_comparison import with_id

OPEN = """mutation($h: HouseholdInput!) { openCase(tenant: "hebei", household: $h) {
  id version } }"""
DIFFERENCES = """query($c: ID!) { caseDifferences(caseId: $c) {
  id fact factZh memberIndex declared found source sourceDate reference blocking effect
  effectZh atStake state } }"""
WORKLIST = "{ differencesWorklist { caseId applicant effect atStake differences blocking } }"
KEEP = "mutation($id: ID!, $r: String!) { keepDeclared(id: $id, reason: $r) { state reason } }"
CONFIRM = "mutation($id: ID!) { confirmKeep(id: $id, agree: true) { state confirmedBy } }"
COMPARE = "mutation($c: ID!) { compareCase(caseId: $c) { files withDifferences differences } }"
UPLOAD = """mutation($c: ID!, $v: Int!, $b: String!) { uploadEvidence(caseId: $c,
  expectedVersion: $v, kind: "medical_bill", contentBase64: $b, title: "住院票据") {
  id kindZh mediaType size sha256 } }"""
EVIDENCE = "query($c: ID!) { caseEvidence(caseId: $c) { id kind title } }"
CONTENT = "query($id: ID!) { evidenceContent(id: $id) { base64 document { mediaType } } }"
COUNTS = "{ verificationCounts { tenant filesWithDifferences differencesByFact } }"


def walk(call, database_url, tmp_path):
    worker, approver = call("hebei", "caseworker"), call("hebei", "approver")
    number = person(31)
    case = worker.ok(OPEN, h=with_id(ILL, number))
    path = write_csv(tmp_path / "社保.csv", SOCIAL, [(number, "是", "否", "9000")])
    with session_factory(database_url)() as session:  # the roster arrives (CLI, as admin)
        service = VerificationService(session, load_registry())
        service.import_roster(ADMIN, "social_security", str(path), D("2026-10-31"), "冀人社函12号")
    (wage,) = worker.ok(DIFFERENCES, c=case["id"])
    assert (wage["fact"], wage["declared"], wage["found"]) == ("wage", "2000.00", "9000.00")
    assert wage["factZh"].startswith("工资") and wage["sourceDate"] == "2026-10-31"
    assert wage["blocking"] and wage["effect"] == "ends" and float(wage["atStake"]) > 0
    (item,) = worker.ok(WORKLIST)
    assert item["caseId"] == case["id"] and item["effect"] == "ends"
    assert worker.ok(COMPARE, c=case["id"]) == {"files": 1, "withDifferences": 1, "differences": 1}
    (wage,) = worker.ok(DIFFERENCES, c=case["id"])  # compared again: a new row, same facts
    kept = worker.ok(KEEP, id=wage["id"], r="按最低缴费基数缴纳")
    assert kept["state"] == "keep_requested"
    worker.refused("FORBIDDEN", CONFIRM, id=wage["id"])
    confirmed = approver.ok(CONFIRM, id=wage["id"])
    assert confirmed["state"] == "kept" and confirmed["confirmedBy"].startswith("approver")
    call("gansu", "caseworker").refused("NOT_FOUND", DIFFERENCES, c=case["id"])

    bill = pdf("住院费用")
    document = worker.ok(UPLOAD, c=case["id"], v=case["version"], b=base64.b64encode(bill).decode())
    assert document["mediaType"] == "application/pdf" and document["kindZh"] == "医疗费票据"
    worker.refused(
        "BAD_INPUT", UPLOAD, c=case["id"], v=case["version"] + 1, b=base64.b64encode(b"MZ").decode()
    )
    assert [d["title"] for d in approver.ok(EVIDENCE, c=case["id"])] == ["住院票据"]
    read = approver.ok(CONTENT, id=document["id"])
    assert base64.b64decode(read["base64"]) == bill
    national = call("national", "national").ok(COUNTS)
    assert {c["tenant"] for c in national} >= {"hebei", "gansu"}
    hebei = next(c for c in national if c["tenant"] == "hebei")
    assert hebei["filesWithDifferences"] is None  # one file: suppressed


def test_verification_and_evidence_through_the_api(caller, database_url, tmp_path):
    walk(caller, database_url, tmp_path)


@pytest.mark.postgres
def test_the_same_as_the_serving_role(serve, app_url, database_url, tmp_path):
    walk(serve(app_url, owner=database_url), database_url, tmp_path)
