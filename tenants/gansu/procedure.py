"""Gansu's seven steps 进、看、算、议、评、公示、审核, the signature and the file (002).

Visit the home (进), inspect (看), do the household accounts (算), collective discussion
(议), rating (评), public notice (公示), approval (审核); then the union chairman signs and
the file is opened. Four hard guards on filing: 不入户调查不建档、不公示公开不建档、
不集体研究不建档、工会主席不签字不建档. A file exits only when all seven items of
两有五保障 are secured; after exit, follow-up checks (回头看), and re-entry (回头帮) when the
household falls back. Files are adjusted every quarter.
"""

from __future__ import annotations

from core.auth.roles import APPROVER, CASEWORKER, CHAIRMAN, REVIEWER
from core.workflow import guards
from core.workflow.procedure import (
    OPEN,
    Action,
    DeadlineRule,
    Procedure,
    ReviewSchedule,
    Status,
    resolved_when_checklist_met,
)

SOURCE = "002 甘肃省城市困难职工解困脱困三年行动"
#: 002 asks for periodic 回头看 without a figure: an illustrative parameter (about a quarter).
FOLLOW_UP_DAYS = "procedure.follow_up_working_days"
#: 002 requires a public notice without a minimum period: an illustrative parameter.
NOTICE_DAYS = "procedure.notice_min_working_days"
NOTICE_COUNTING = "procedure.notice_counting"
NOTICE_AFTER_CHANGE = "procedure.notice_after_change"  # facts changed during the notice
#: 回头帮 on an actual fall-back or already on a risk: a reading, a parameter.
HELP_AGAIN_TRIGGER = "follow_up.help_again_trigger"
#: From 2020 a file still in hardship may be handed over to the government (兜底).
HANDOVER_OPEN = "targets.handover_open"
BEFORE_FILING = (
    "registered",
    "visited",
    "inspected",
    "assessed",
    "discussed",
    "rated",
    "in_public_notice",
)

PROCEDURE = Procedure(
    name="gansu.seven_steps",
    zh="进、看、算、议、评、公示、审核,主席签字后建档",
    en="visit, inspect, assess, discuss, rate, publish, approve; signed, then filed",
    basis=f"{SOURCE}: 七步骤; 四个不建档; 两有五保障; 回头看、回头帮",
    statuses=(
        Status("registered", "已登记", "registered"),
        Status("visited", "已入户调查", "home visited"),
        Status("inspected", "已察看核实", "inspected"),
        Status("assessed", "已算账", "household accounts done"),
        Status("discussed", "已集体研究", "collectively discussed"),
        Status("rated", "已评议", "rated"),
        Status("in_public_notice", "公示中", "in public notice"),
        Status("approved", "已审核", "approved"),
        Status("filed", "已建档立卡", "filed"),
        Status("exited", "已解困脱困", "out of hardship (exited)", open=False),
        Status("not_admitted", "不予建档", "not admitted", open=False, final=True),
        Status(
            "handed_over",
            "已转政府兜底保障",
            "handed over to the government safety net",
            open=False,
            final=True,
        ),
    ),
    opening=Action.opening(
        "registered",
        roles={CASEWORKER},
        zh="登记困难职工",
        en="register the household",
        basis=SOURCE,
    ),
    actions=(
        Action(
            "visit",
            "进:入户调查",
            "visit the home (survey)",
            ("registered",),
            "visited",
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 七步骤:进",
        ),
        Action(
            "inspect",
            "看:察看核实",
            "inspect the living conditions",
            ("visited",),
            "inspected",
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 七步骤:看",
        ),
        Action(
            "assess",
            "算:算收支账",
            "do the household accounts",
            ("inspected",),
            "assessed",
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 七步骤:算",
        ),
        Action(
            "discuss",
            "议:集体研究",
            "collective discussion",
            ("assessed",),
            "discussed",
            roles={REVIEWER},
            requires_comment=True,
            basis=f"{SOURCE} 七步骤:议",
        ),
        Action(
            "rate",
            "评:评议认定",
            "rate (decide the hardship)",
            ("discussed",),
            "rated",
            roles={REVIEWER},
            guards=(
                guards.household_eligible(basis=f"{SOURCE} 五类重点群体和建档标准"),
                # a household whose 两有五保障 are all secured is out of hardship by Gansu's
                # own test: admitted, the next review would exit it at once (and a county's
                # programme paid in between would be lost without anyone's decision)
                guards.checklist_not_all_met(
                    basis=f"{SOURCE} 两有五保障",
                    zh="家庭两有五保障已全部达标,不属于需建档的困难职工",
                    en="all of 两有五保障 are secured: the household is not in hardship",
                ),
            ),
            basis=f"{SOURCE} 七步骤:评",
        ),
        Action(
            "publish",
            "公示",
            "publish the public notice",
            ("rated",),
            "in_public_notice",
            roles={REVIEWER},
            basis=f"{SOURCE} 七步骤:公示",
        ),
        Action(
            "approve",
            "审核",
            "approve",
            ("in_public_notice",),
            "approved",
            roles={APPROVER},
            four_eyes=(
                OPEN,
                "visit",
                "inspect",
                "rate",
            ),  # nobody approves what they opened or reviewed
            guards=(
                guards.notice_period_elapsed(
                    NOTICE_DAYS, counting=NOTICE_COUNTING, after_change=NOTICE_AFTER_CHANGE
                ),
                # approval judges the facts in force on its date, not those on notice
                guards.household_eligible(basis=f"{SOURCE} 七步骤:审核"),
                guards.differences_resolved(basis="002 开展数据比对; 信息核对、核查审批"),
            ),
            basis=f"{SOURCE} 七步骤:审核",
        ),
        Action(
            "sign",
            "工会主席签字",
            "the union chairman's signature",
            ("approved",),
            None,
            roles={CHAIRMAN},
            basis=f"{SOURCE} 工会主席不签字不建档",
        ),
        Action(
            "file",
            "建档立卡",
            "open the hardship file",
            ("approved",),
            "filed",
            roles={APPROVER},
            guards=(
                guards.requires_prior_action(
                    "visit", zh="不入户调查不建档", en="no file without a home survey"
                ),
                guards.requires_prior_action(
                    "publish", zh="不公示公开不建档", en="no file without a public notice"
                ),
                guards.requires_prior_action(
                    "discuss", zh="不集体研究不建档", en="no file without collective discussion"
                ),
                guards.requires_prior_action(
                    "sign",
                    zh="工会主席不签字不建档",
                    en="no file without the union chairman's signature",
                ),
                guards.household_eligible(basis=f"{SOURCE} 严把标准"),
            ),
            basis=f"{SOURCE} 四个不建档",
        ),
        Action(
            "reject",
            "不予建档",
            "do not admit",
            BEFORE_FILING,
            "not_admitted",
            roles={REVIEWER, APPROVER},
            requires_comment=True,
            basis=f"{SOURCE} 严把标准",
        ),
        Action(
            "update_facts",
            "更新家庭情况",
            "record changed household facts",
            (*BEFORE_FILING, "approved", "filed"),
            None,
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 每季度动态调整",
        ),
        Action(
            "exit",
            "解困脱困",
            "exit (out of hardship)",
            ("filed",),
            "exited",
            roles={APPROVER},
            guards=(guards.checklist_all_met(basis=f"{SOURCE} 两有五保障"),),
            basis=f"{SOURCE} 两有、五保障",
        ),
        Action(
            "follow_up",
            "回头看",
            "follow-up check",
            ("exited",),
            None,
            roles={CASEWORKER},
            records_facts=True,
            basis=f"{SOURCE} 定期开展回头看核查",
        ),
        Action(
            "reenter",
            "回头帮:返困重新纳入",
            "re-enter (fallen back)",
            ("exited",),
            "registered",
            roles={CASEWORKER},
            guards=(guards.fallen_back(HELP_AGAIN_TRIGGER, basis=f"{SOURCE} 回头帮"),),
            requires_comment=True,
            records_facts=True,
            starts_round=True,
            basis=f"{SOURCE} 存在潜在返困风险的,制定回头帮措施;返困职工同步建档",
        ),
        Action(
            "hand_over",
            "政府兜底保障(附基层工会证明)",
            "hand over to the government safety net (with the union's certificate)",
            ("filed",),
            "handed_over",
            roles={APPROVER},
            guards=(
                guards.parameter_allows(
                    HANDOVER_OPEN,
                    zh="到2020年尚未脱困的,方可申报政府兜底保障",
                    en="a file still in hardship is handed over to the safety net from 2020",
                    basis=f"{SOURCE} 强化政府兜底功能",
                ),
                # 尚未…脱困的生活特别困难的职工: a file out of hardship is never handed over
                guards.checklist_not_all_met(
                    basis=f"{SOURCE} 到2020年尚未无法脱困的生活特别困难的职工",
                    zh="家庭已解困脱困(两有五保障全部达标),不申报政府兜底",
                    en="the household is out of hardship (all of 两有五保障 secured): it is "
                    "not handed over to the safety net",
                ),
            ),
            requires_comment=True,  # the base union's certificate: its number and date
            basis=f"{SOURCE} 到2020年尚未无法脱困的……由基层工会出具证明,按程序申报街道(社区),"
            "政府全部兜底保障",
        ),
    ),
    deadlines=(
        DeadlineRule(
            "follow_up",
            ("exit", "follow_up"),
            working_days=FOLLOW_UP_DAYS,
            zh="解困脱困后每季度回头看一次",
            en="a follow-up check every quarter after exit (about 60 working days)",
            basis=f"{SOURCE} 定期开展回头看 (figure illustrative)",
        ),
    ),
    admitted=("filed",),
    exited=("exited",),
    resolved=resolved_when_checklist_met,
)

REVIEW_SCHEDULE = ReviewSchedule(
    due=((3, 31), (6, 30), (9, 30), (12, 31)),
    zh="每季度进行一次动态调整",
    en="a dynamic adjustment every quarter",
    basis=f"{SOURCE} 每季度进行一次城镇困难职工动态调整和管理",
)
