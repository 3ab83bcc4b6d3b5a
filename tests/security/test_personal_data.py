"""Resident ID numbers: validated, never stored in full (a keyed hash to find a household,
a masked form to show), masked in every output (own tenant's staff included), and never
written to a log in full. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from core.api import cases_gateway
from core.cases.privacy import mask_id_number
from core.cases.service import CaseService
from core.db.models import Base
from core.db.session import session_factory
from core.demo import synthetic_id
from core.logmask import IdNumberFilter, mask_ids
from tests.casefile_samples import ILL, staff
from tests.security.conftest import MOVE, OPEN, READ

APPLICANT_ID = synthetic_id("130102", "19840512", "031")
SPOUSE_ID = synthetic_id("130102", "19860101", "042")
CHILD_ID = synthetic_id("130102", "20120606", "057")
NUMBERS = (APPLICANT_ID, SPOUSE_ID, CHILD_ID)


def household(*numbers: str) -> dict:
    applicant = {**ILL["members"][0], "idNumber": numbers[0]}
    others = [
        {
            "name": f"家属{i}",
            "relation": "SPOUSE" if i == 1 else "CHILD",
            "age": 10 + i,
            "idNumber": n,
        }
        for i, n in enumerate(numbers[1:], start=1)
    ]
    return {**ILL, "members": [applicant, *others]}


def every_value(url: str) -> str:
    """Every value of every column of every table, as text (a dump, as the owner)."""
    out = []
    with session_factory(url)() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f'select * from "{table.name}"')):
                out.append(json.dumps(list(row), default=str, ensure_ascii=False))
    return "\n".join(out)


def test_the_full_number_is_in_no_column_of_any_table(caller, database_url):
    hebei = caller("hebei", "caseworker")
    answers = []
    opened = hebei(OPEN, tenant="hebei", h=household(APPLICANT_ID, SPOUSE_ID), on="2026-09-30")
    answers.append(opened)
    case = opened["data"]["openCase"]
    answers.append(
        hebei(
            MOVE,
            id=case["id"],
            action="update_facts",
            v=1,
            on="2026-10-08",
            h=household(APPLICANT_ID, SPOUSE_ID, CHILD_ID),
        )
    )
    answers.append(hebei(READ, id=case["id"]))
    answers.append(caller("gansu", "admin")(READ, id=APPLICANT_ID))  # an ID as a case id
    dump = every_value(database_url)
    for number in NUMBERS:
        assert number not in dump and number.lower() not in dump, number
        assert mask_id_number(number) in dump  # what is kept: the masked form
        for answer in answers:
            assert number not in json.dumps(answer, ensure_ascii=False)


def test_own_tenant_staff_see_the_masked_form_and_find_by_the_full_number(database_url, registry):
    with session_factory(database_url)() as session:
        service = CaseService(session, registry)
        caseworker = staff("hebei", "caseworker")
        case = service.open_case(caseworker, "hebei", household(APPLICANT_ID, SPOUSE_ID))
        shown = [m.get("idNumber") for m in case.household["members"]]
        assert shown == [mask_id_number(APPLICANT_ID), mask_id_number(SPOUSE_ID)]
        assert all(
            mask_id_number(APPLICANT_ID) in json.dumps(e.determination, ensure_ascii=False)
            for e in case.history
        )
        [found] = service.find_by_id_number(caseworker, APPLICANT_ID.lower())
        assert found.id == case.id
        assert service.find_by_id_number(staff("demo_city", "admin"), APPLICANT_ID) == []


def test_an_invalid_number_is_refused(caller):
    wrong_check = APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")
    for bad in (wrong_check, APPLICANT_ID[:17], "13010219840532031X"):
        error = caller("hebei", "caseworker").refused(
            "BAD_INPUT", OPEN, tenant="hebei", h=household(bad), on="2026-09-30"
        )
        assert "idNumber" in json.dumps(error) or "resident ID" in error["message"]


# --------------------------------------------------------------------------- logs
def test_mask_ids():
    assert mask_ids(f"id {APPLICANT_ID}.") == f"id {mask_id_number(APPLICANT_ID)}."
    assert mask_ids("身份证11010519491231002x号") == "身份证**************002x号"
    assert mask_ids('{"idNumber": "11010519491231002X"}') == '{"idNumber": "**************002X"}'
    assert mask_ids("1101051949123100201") == "1101051949123100201"  # 19 digits: not an ID
    assert mask_ids("case 42, version 7") == "case 42, version 7"
    assert mask_ids(mask_ids(APPLICANT_ID)) == mask_id_number(APPLICANT_ID)
    # the old 15-digit numbers too; neither form keeps the region or the birth date
    assert mask_ids("旧证号110105491231002,") == "旧证号***********1002,"
    assert "110105" not in mask_ids(APPLICANT_ID) and APPLICANT_ID[6:14] not in mask_ids(
        APPLICANT_ID
    )


def test_a_logged_error_has_the_number_masked(caplog):
    log = logging.getLogger("bangfu.anything")
    with caplog.at_level(logging.DEBUG):
        log.error("household %s refused", {"idNumber": APPLICANT_ID})
        try:
            raise ValueError(f"bad member {SPOUSE_ID}")
        except ValueError:
            log.exception("while checking %s", CHILD_ID)
        logging.getLogger("some.library").warning("saw " + APPLICANT_ID)
    for number in NUMBERS:
        assert number not in caplog.text, number
    assert mask_id_number(APPLICANT_ID) in caplog.text
    assert mask_id_number(SPOUSE_ID) in caplog.text  # in the traceback
    assert all(number not in r.getMessage() for r in caplog.records for number in NUMBERS)
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "id %s", (APPLICANT_ID,), None)
    assert IdNumberFilter().filter(record) and record.getMessage() == (
        "id " + mask_id_number(APPLICANT_ID)
    )


def test_requests_and_their_variables_are_not_logged(caller, caplog, monkeypatch):
    """Nothing logs a request's body or variables; an unexpected error logged with a
    message that carries an ID number has it masked."""
    hebei = caller("hebei", "caseworker")
    with caplog.at_level(logging.DEBUG):
        hebei.ok(OPEN, tenant="hebei", h=household(APPLICANT_ID), on="2026-09-30")
        hebei(OPEN, tenant="hebei", h=household(APPLICANT_ID[:-1] + "Y"))  # refused

        def fault(*_args, **_kwargs):
            raise RuntimeError(f"could not store member {SPOUSE_ID}")

        monkeypatch.setattr(cases_gateway, "open_case", fault)
        answer = hebei(OPEN, tenant="hebei", h=household(SPOUSE_ID), on="2026-09-30")
    assert answer["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert SPOUSE_ID not in json.dumps(answer)
    logged = caplog.text
    for number in NUMBERS:
        assert number not in logged, number
    assert mask_id_number(SPOUSE_ID) in logged  # the fault was logged, masked
    assert "张三" not in logged  # no household in the log


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_masking_is_installed_for_every_logger(level):
    factory = logging.getLogRecordFactory()
    assert getattr(factory, "masks_id_numbers", False)
    record = factory("uvicorn.error", level, "f", 1, "%s", (APPLICANT_ID,), None)
    assert record.getMessage() == mask_id_number(APPLICANT_ID)
