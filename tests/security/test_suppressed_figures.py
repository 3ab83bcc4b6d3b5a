"""Whatever suppresses a count suppresses every figure it can be worked out from (issue 20,
finding 6): below 5 households the amount spent is null too (it divided by the standard
relief gave the count back), and the counts-only functions hand no small count of any
tenant to the serving role."""

from __future__ import annotations

from sqlalchemy import text

from core.cases.service import CaseService
from core.db.session import session_factory, tenant_scope
from tests.casefile_samples import ILL, D, staff
from tests.funds.conftest import TODAY, clone_filed, file_case
from tests.funds.test_graphql import APPROVE_RUN, RECEIPT, RUN, SPENDING


def paid_households(caller, database_url, registry, count: int) -> None:
    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
        clone_filed(session, first, count - 1)
    caller("hebei", "admin").ok(
        RECEIPT, y=2026, s="government", a="50000.00", d="冀财社〔2026〕12号"
    )
    run = caller("hebei", "caseworker").ok(RUN, p="2026", s="government")
    assert run["payments"] == count
    assert caller("hebei", "approver").ok(APPROVE_RUN, r=run["id"]) == count


def test_below_five_households_the_amount_spent_is_null_too(caller, database_url, registry):
    paid_households(caller, database_url, registry, 4)
    national = caller("national", "national")
    assert national.ok(SPENDING, y=2026) == [
        {"tenant": "hebei", "programme": "living_relief", "spent": None, "households": None}
    ]
    own = caller("hebei", "admin")  # the tenant's own staff: the same figures
    assert own.ok(SPENDING, y=2026)[0]["spent"] is None


def test_five_households_show_the_amount(caller, database_url, registry):
    paid_households(caller, database_url, registry, 5)
    [shown] = caller("national", "national").ok(SPENDING, y=2026)
    assert shown["households"] == 5 and shown["spent"] == "3950.00"  # 5 × 790.00


def test_the_functions_hand_no_small_count_to_the_serving_role(
    caller, database_url, app_url, registry
):
    paid_households(caller, database_url, registry, 4)
    with session_factory(database_url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-11-20"))
        for _ in range(3):
            service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-11-02"))
    with session_factory(app_url)() as db:
        assert db.execute(text("select * from bangfu_fund_spending(2026)")).all() == [
            ("hebei", "living_relief", None, None)
        ]
        for tenant in ("hebei", "gansu"):
            figures = db.execute(
                text(
                    "select figure, key, n from bangfu_case_figures(:t, null, "
                    "array['applied','reviewed','published','approved','filed'], "
                    "array['approved','filed'], array['exited'])"
                ),
                {"t": tenant},
            ).all()
            assert sorted(figures) == [
                ("exited", "", None),
                ("filed", "", None),
                ("open", "", None),
            ]
            # the raw counts: nothing for another tenant than the transaction's own
            assert (
                db.execute(text(f"select * from bangfu_case_counts('{tenant}', null)")).all() == []
            )
            assert (
                db.execute(
                    text(
                        f"select * from bangfu_step_counts('{tenant}', '2026-01-01', '2026-12-31')"
                    )
                ).all()
                == []
            )
            db.rollback()
        with tenant_scope(db, "gansu"):  # its own: what row-level security lets it count
            [(_status, n)] = db.execute(
                text("select status, sum(n) from bangfu_case_counts('gansu', null) group by 1")
            ).all()
            assert n == 3


def test_targets_hand_no_small_count_of_another_tenant_to_the_serving_role(
    caller, database_url, app_url, registry
):
    paid_households(caller, database_url, registry, 4)  # four hebei files filed
    figures = (
        "select files, gone from bangfu_target_figures('hebei', '2026-12-31', '2026-12-31', "
        "array['filed'], array['exited'])"
    )
    pairs = "select * from bangfu_status_pairs('hebei', '2026-12-31', '2026-12-31')"
    with session_factory(app_url)() as db:
        assert db.execute(text(figures)).all() == [(None, None)]  # the national level's view
        assert db.execute(text(pairs)).all() == []
        db.rollback()
        with tenant_scope(db, "hebei"):  # hebei's own: whole, as it may count them itself
            assert db.execute(text(figures)).all() == [(4, 0)]
            assert db.execute(text(pairs)).all() == [("filed", "filed", 4)]
