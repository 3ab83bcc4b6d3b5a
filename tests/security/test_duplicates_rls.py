"""The duplicate check across tenants through the serving role (PostgreSQL): another
tenant's open file for an ID number is found as a yes, and nothing of it is read."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.cases.service import CaseService
from core.db.session import session_factory, tenant_scope
from tests.casefile_samples import ILL, D, staff

pytestmark = pytest.mark.postgres
ID_NUMBER = "11010519491231002X"


def test_open_elsewhere_answers_yes_or_no_under_row_level_security(app_url, registry):
    with_id = {**ILL, "members": [{**ILL["members"][0], "idNumber": ID_NUMBER}]}
    with session_factory(app_url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-11-20"))
        service.open_case(staff("hebei", "caseworker"), "hebei", with_id, on=D("2026-09-30"))
        assert service.open_elsewhere(staff("gansu", "caseworker"), ID_NUMBER) is True
        assert service.open_elsewhere(staff("hebei", "caseworker"), ID_NUMBER) is False
        assert service.find_by_id_number(staff("gansu", "caseworker"), ID_NUMBER) == []
        with tenant_scope(session, "gansu"):
            seen = session.execute(text("select count(*) from member_identities")).scalar()
            assert seen == 0  # the function's scope ends with the function
