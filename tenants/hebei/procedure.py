"""Hebei's procedure for a 特困职工 file (003 二.2 申报审批, 三.5 动态管理).

Application -> base-union review within 3 working days (an urgent case: the same day) ->
public notice of at least 5 working days -> county union approval within 7 working days
-> filing with the provincial union. Emergency relief first, the steps completed after.
Files admitted on criterion (f) stay within 5% of the local 低保 recipients. Ground (g),
other special hardship, is chosen by a reviewer on purpose (its own step, with a written
reason); the file carries it until a person removes it with a reason. An exit needs
the household out of hardship, or an approver's written reason. Reviewed by 30 April
every year; statistics sent up within 7 working days of each quarter's start.
``demo_city`` inherits all of it. Every day count and every reading of the text is a
parameter (``parameters/procedure``, ``parameters/tekun/quota_*``).
"""

from __future__ import annotations

from core.auth.roles import APPROVER, CASEWORKER, REVIEWER
from core.workflow import guards
from core.workflow.procedure import (
    OPEN,
    Action,
    DeadlineRule,
    PeriodicReport,
    Procedure,
    ReviewSchedule,
    Status,
    resolved_when_in_none_of,
)
from core.workflow.readings import AfterNotice

SOURCE = "003 冀工会 特困职工帮扶意见"
# The day counts and the readings of the text are dated, cited parameters
# (parameters/procedure/*.yaml, parameters/tekun/quota_*.yaml), read on the step's date.
REVIEW_DAYS = "procedure.review_working_days"  # 一般在3个工作日内完成审核
URGENT_REVIEW_DAYS = "procedure.urgent_review_working_days"  # 紧急情况当日完成审核
NOTICE_DAYS = "procedure.notice_min_working_days"  # 公示期不低于5个工作日
NOTICE_COUNTING = "procedure.notice_counting"  # does the day of publication count?
COUNTY_APPROVAL_DAYS = "procedure.county_review_working_days"  # 7个工作日内完成初审
COUNTY_STARTS = "procedure.county_review_starts"  # when the county's 7 days start
NOTICE_AFTER_CHANGE = "procedure.notice_after_change"  # facts changed during the notice
REPORT_DAYS = "procedure.report_due_working_days"  # 每季度初7个工作日内逐级上报
OPEN_FILES = ("applied", "reviewed", "in_public_notice", "approved", "filed")
#: the populations this procedure serves, a dated, cited parameter: 特困职工 (003 二.2
#: 依据特困职工标准…审核), not the national 困难职工 groups the tenant inherits; a child tenant
#: adds the populations of its own files (demo_city: its 困难职工, 001 二) and keeps 特困
POPULATIONS = "procedure.populations"
#: the reviewer's deliberate choice of ground (g), with a written reason (003 一.1(g))
OTHER_GROUND_STEP = "review_other_ground"

PROCEDURE = Procedure(
    name="hebei.tekun",
    zh="特困职工申报审批:申请、审核、公示、审批、备案",
    en="worker in special hardship: application, review, public notice, approval, filing",
    basis=f"{SOURCE} 二.2, 三.5",
    statuses=(
        Status("applied", "已申请", "applied"),
        Status("reviewed", "基层工会已审核", "reviewed by the base union"),
        Status("in_public_notice", "公示中", "in public notice"),
        Status("approved", "县级工会已审批", "approved by the county union"),
        Status("filed", "已备案", "filed with the provincial union"),
        Status("rejected", "不予认定", "rejected", open=False, final=True),
        Status("exited", "已退出", "exited (out of hardship)", open=False),
    ),
    opening=Action.opening(
        "applied",
        roles={CASEWORKER},
        zh="申请(填写特困职工申请表)",
        en="apply (the hardship application form)",
        basis=f"{SOURCE} 二.2 申请",
    ),
    actions=(
        Action(
            "review",
            "基层工会审核",
            "base-union review",
            ("applied",),
            "reviewed",
            roles={REVIEWER},
            guards=(
                guards.household_eligible(
                    OTHER_GROUND_STEP, "003 二.2 依据特困职工标准", POPULATIONS
                ),
            ),
            basis=f"{SOURCE} 二.2 审核",
        ),
        Action(
            OTHER_GROUND_STEP,
            "基层工会审核:按其他原因造成生活特别困难认定",
            "base-union review: admit on other special hardship (ground g)",
            ("applied",),
            "reviewed",
            roles={REVIEWER},
            guards=(guards.household_eligible(OTHER_GROUND_STEP, "003 一.1(g)", POPULATIONS),),
            requires_comment=True,
            records_ground="g",
            basis=f"{SOURCE} 一.1(g) 其他原因造成生活特别困难的; 二.2 审核",
        ),
        Action(
            "remove_other_ground",
            "撤销(g)项认定",
            "remove ground g (other special hardship) from the file",
            OPEN_FILES,
            None,
            roles={REVIEWER, APPROVER},
            guards=(guards.ground_recorded(basis="003 一.1(g)"),),
            requires_comment=True,
            removes_ground="g",
            basis=f"{SOURCE} 一.1(g); 三.5 动态管理",
        ),
        Action(
            "publish",
            "公示",
            "publish the public notice",
            ("reviewed",),
            "in_public_notice",
            roles={REVIEWER},
            basis=f"{SOURCE} 二.2 公示",
        ),
        Action(
            "approve",
            "县级工会审批",
            "county union approval",
            ("in_public_notice",),
            "approved",
            roles={APPROVER},
            four_eyes=(OPEN, "review", OTHER_GROUND_STEP),
            guards=(
                guards.notice_period_elapsed(
                    NOTICE_DAYS, counting=NOTICE_COUNTING, after_change=NOTICE_AFTER_CHANGE
                ),
                # approval judges the facts in force on its date, not those on notice
                guards.household_eligible(OTHER_GROUND_STEP, "003 二.2 审批", POPULATIONS),
                guards.quota_not_exceeded(
                    "f",
                    "tekun.dibao_quota_share",
                    "dibao.recipients_total",
                    enforcement="tekun.quota_enforcement",
                    base="tekun.quota_base",
                ),
                guards.differences_resolved(basis="002 开展数据比对; 切实把好入口关"),
                guards.evidence_present("evidence.before_approval", basis=f"{SOURCE} 二.10"),
            ),
            basis=f"{SOURCE} 二.2 公示、审批; 一.1(f)",
        ),
        Action(
            "file",
            "报省总工会备案",
            "file with the provincial union",
            ("approved",),
            "filed",
            roles={APPROVER},
            guards=(guards.household_eligible(OTHER_GROUND_STEP, "003 二.2 备案", POPULATIONS),),
            basis=f"{SOURCE} 二.2 审批(电子档案报省总工会备案)",
        ),
        Action(
            "reject",
            "不予认定",
            "reject",
            ("applied", "reviewed", "in_public_notice"),
            "rejected",
            roles={REVIEWER, APPROVER},
            requires_comment=True,
            basis=f"{SOURCE} 二.2",
        ),
        Action(
            "emergency_relief",
            "帮扶中心先行救助",
            "emergency relief by the assistance centre",
            ("applied", "reviewed", "in_public_notice"),
            None,
            roles={CASEWORKER, APPROVER},
            guards=(guards.urgent_case(),),
            requires_comment=True,
            basis=f"{SOURCE} 二.2 先行救助后再按程序补办审批手续",
        ),
        Action(
            "update_facts",
            "更新家庭情况",
            "record changed household facts",
            OPEN_FILES,
            None,
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 三.5 动态管理",
        ),
        Action(
            "exit",
            "办理退出",
            "exit (out of hardship)",
            ("approved", "filed"),
            "exited",
            roles={APPROVER},
            guards=(guards.out_of_hardship_or_reason("003 三.5", POPULATIONS),),
            basis=f"{SOURCE} 三.5 已经解困、生活稳定的要及时办理退出",
        ),
        Action(
            "reenter",
            "重新纳入",
            "re-enter (back in hardship)",
            ("exited",),
            "applied",
            roles={CASEWORKER},
            requires_comment=True,
            records_facts=True,
            starts_round=True,
            basis=f"{SOURCE} 三.5 符合特困职工标准的要及时纳入管理范围",
        ),
    ),
    deadlines=(
        DeadlineRule(
            "review",
            (OPEN, "reenter"),
            working_days=REVIEW_DAYS,
            urgent_working_days=URGENT_REVIEW_DAYS,
            zh="基层工会3个工作日内完成审核(紧急情况当日)",
            en="base-union review within 3 working days (urgent: the same day)",
            basis=f"{SOURCE} 二.2 审核",
        ),
        DeadlineRule(
            "approve",
            ("publish",),
            working_days=COUNTY_APPROVAL_DAYS,
            starts=AfterNotice(NOTICE_DAYS, NOTICE_COUNTING, COUNTY_STARTS),
            zh="公示期满(5个工作日)后县级工会7个工作日内完成初审",
            en="county preliminary review within 7 working days after the 5-working-day notice",
            basis=f"{SOURCE} 二.2 公示、审批",
        ),
    ),
    reports=(
        PeriodicReport(
            "quarterly_report",
            "季度统计上报",
            "quarterly statistics report",
            months=(1, 4, 7, 10),
            working_days=REPORT_DAYS,
            basis=f"{SOURCE} 三.4 每季度初7个工作日内逐级上报",
        ),
    ),
    admitted=("approved", "filed"),
    exited=("exited",),
    resolved=resolved_when_in_none_of(POPULATIONS),
)

REVIEW_SCHEDULE = ReviewSchedule(
    due=((4, 30),),
    zh="每年4月底全面调查审核一次",
    en="a full review by 30 April every year",
    basis=f"{SOURCE} 三.5",
)
