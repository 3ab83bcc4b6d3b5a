"""Resident ID numbers never reach the database in clear."""

from __future__ import annotations

from sqlalchemy import text

from core.cases.privacy import hash_id_number, mask_id_number
from core.cases.service import CaseService
from core.db.models import Base
from tests.casefile_samples import ILL, D, staff

ID = "11010519491231002X"


def test_masking_and_hashing():
    assert mask_id_number(ID) == "110105********002X"
    assert hash_id_number(ID) == hash_id_number(ID.lower())
    assert ID not in hash_id_number(ID)


def test_the_full_number_is_nowhere_in_the_database(session, registry):
    household = {**ILL, "members": [{**ILL["members"][0], "idNumber": ID}]}
    service = CaseService(session, registry)
    caseworker = staff("hebei", "caseworker")
    case = service.open_case(caseworker, "hebei", household, on=D("2026-09-30"))
    service.transition(caseworker, case.id, "update_facts", 1, D("2026-10-08"), household=household)
    everything = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(text(f'select * from "{table.name}"')):
            everything.append(" ".join(map(str, row)))
    dump = "\n".join(everything)
    assert ID not in dump and ID.lower() not in dump
    assert "110105********002X" in dump  # shown masked in the records
    assert case.household["members"][0]["idNumber"] == "110105********002X"
    [found] = service.find_by_id_number(caseworker, ID)
    assert found.id == case.id
    assert service.find_by_id_number(staff("gansu", "caseworker"), ID) == []
