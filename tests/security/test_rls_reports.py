"""Targets and reports through the serving role ``bangfu_app`` on PostgreSQL: the national
level, whose transactions see no tenant's rows, reads counts only, through the functions
of migration 0005; raw SQL without a tenant reads no report."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.auth.principal import Principal
from core.cases import reports
from core.cases.service import CaseService
from core.db.session import session_factory
from core.targets import target_progress
from tests.casefile_samples import ILL, D, staff

pytestmark = pytest.mark.postgres
NATIONAL = Principal(user="acftu", tenant="national", role="national")


def test_the_national_level_reads_reports_and_targets_as_counts_only(app_url, registry):
    clock = {"day": D("2026-05-11")}
    with session_factory(app_url)() as session:
        service = CaseService(session, registry, today=lambda: clock["day"])
        for _ in range(6):
            service.open_case(staff("hebei", "caseworker"), "hebei", ILL)
        clock["day"] = D("2026-07-08")
        sent = reports.submit_report(
            service, staff("hebei", "approver"), "hebei", "quarterly_report"
        )
        assert (sent.period, sent.late) == ("2026-Q2", False)
    with session_factory(app_url)() as session:
        assert session.execute(text("select * from tenant_reports")).all() == []
        service = CaseService(session, registry, today=lambda: D("2026-07-08"))
        [seen] = reports.reports(service, NATIONAL, ["hebei"])
        counts = {c.key: c.count for c in seen.counts}
        assert counts["steps.open"] == 6 and counts["files.open"] == 6
        # Gansu's targets: no file, so nothing counted, and no error for the national level
        [first, _] = reports.targets(service, NATIONAL, ["gansu"], D("2019-01-01"))
        assert first.baseline_files is None and first.percent is None
        assert target_progress(session, registry.get("hebei"), D("2026-07-08")) == []
