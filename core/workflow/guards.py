"""The library of guards a procedure is declared with.

Each factory returns a :class:`core.workflow.procedure.Guard`: a named condition an
action needs and the refusal, in Chinese and English, that tells a caseworker what to do.
A guard never raises and never changes anything: it answers None (the step may go ahead)
or a :class:`core.errors.BangfuError` (``RULE_VIOLATION``, or ``FORBIDDEN`` for four eyes).

Tenants pick and parameterise these; they do not write their own checks. A guard a
region needs that is not here belongs here, with its tests (``tests/workflow``), so every
region benefits and the conformance kit knows it (:data:`LIBRARY`).
"""

from __future__ import annotations

from core.errors import FORBIDDEN, BangfuError, rule_violation
from core.workflow.procedure import Guard
from core.workflow.state import StepContext


def _joined(items: list[str], sep: str = ", ") -> str:
    return sep.join(items)


def requires_prior_action(
    *actions: str, zh: str | None = None, en: str | None = None, basis: str = ""
) -> Guard:
    """The step needs each of ``actions`` to have been taken in the current round.

    ``zh``/``en`` give the policy's own wording of the rule (Gansu: 工会主席不签字不建档);
    the refusal adds which steps are missing.
    """
    names = tuple(actions)
    rule_zh = zh or "须先完成:" + "、".join(names)
    rule_en = en or "needs first: " + ", ".join(names)

    def check(ctx: StepContext) -> BangfuError | None:
        missing = [a for a in names if ctx.taken_in_round(a) is None]
        if not missing:
            return None
        zh_steps = "、".join(ctx.label(a)[0] for a in missing)
        en_steps = ", ".join(f"{a} ({ctx.label(a)[1]})" for a in missing)
        return rule_violation(
            f"{rule_en}. Not done yet for this file: {en_steps}. Do those steps first"
            + (f" ({basis})" if basis else ""),
            f"{rule_zh}。本档案尚未完成:{zh_steps},请先完成" + (f"({basis})" if basis else ""),
            guard="requires_prior_action",
            missing=missing,
        )

    return Guard(
        name=f"requires_prior_action({', '.join(names)})",
        kind="requires_prior_action",
        description=f"{rule_en} / {rule_zh}",
        check=check,
    )


def notice_period_elapsed(working_days: int, notice_action: str = "publish") -> Guard:
    """The public notice (step ``notice_action``) has run for at least ``working_days``:
    the step is allowed from the ``working_days``-th working day after publication."""

    def check(ctx: StepContext) -> BangfuError | None:
        published = ctx.taken_in_round(notice_action)
        if published is None:
            zh_step, en_step = ctx.label(notice_action)
            return rule_violation(
                f"no public notice has been published for this file; take the step "
                f"'{notice_action}' ({en_step}) and wait {working_days} working days",
                f"本档案尚未公示,请先{zh_step},公示期不少于{working_days}个工作日",
                guard="notice_period_elapsed",
            )
        allowed, provisional = ctx.calendar.add_working_days(published.on, working_days)
        if ctx.on >= allowed:
            return None
        note_en = " (provisional: that year's holiday schedule is not published)"
        note_zh = "(节假日安排尚未公布,日期为暂定)"
        return rule_violation(
            f"the public notice published on {published.on} must run at least {working_days} "
            f"working days: '{ctx.action.name}' is allowed from {allowed}, not on {ctx.on}"
            + (note_en if provisional else ""),
            f"公示于{published.on}开始,公示期不少于{working_days}个工作日:"
            f"{allowed}起方可{ctx.action.zh},{ctx.on}不可" + (note_zh if provisional else ""),
            guard="notice_period_elapsed",
            publishedOn=published.on.isoformat(),
            allowedFrom=allowed.isoformat(),
            provisional=provisional,
        )

    return Guard(
        name=f"notice_period_elapsed({working_days})",
        kind="notice_period_elapsed",
        description=(
            f"the public notice has run at least {working_days} working days "
            f"/ 公示期不少于{working_days}个工作日"
        ),
        check=check,
    )


def checklist_all_met(basis: str = "") -> Guard:
    """Every item of the tenant's checklist is met on the step's date (Gansu's exit test:
    两有五保障). The refusal names the items still unmet."""

    def check(ctx: StepContext) -> BangfuError | None:
        items = ctx.evaluation.checklist
        unmet = [c for c in items if not c.met]
        if items and not unmet:
            return None
        if not items:
            return rule_violation(
                "this tenant's rules define no checklist, so no item can be shown as met",
                "本地区规则没有设定核查清单",
                guard="checklist_all_met",
            )
        return rule_violation(
            f"not every item is secured on {ctx.on}: still unmet "
            f"{_joined([f'{c.code} ({c.label})' for c in unmet], '; ')}. Record the "
            "household's current facts when they change, then try again"
            + (f" ({basis})" if basis else ""),
            f"{ctx.on}尚未全部达标,未达标项:{'、'.join(c.code for c in unmet)};"
            "情况变化后请更新家庭信息再办理" + (f"({basis})" if basis else ""),
            guard="checklist_all_met",
            unmet=[c.code for c in unmet],
        )

    return Guard(
        name="checklist_all_met",
        kind="checklist_all_met",
        description="every item of the checklist is met / 清单各项全部达标",
        check=check,
    )


def checklist_not_all_met(basis: str = "") -> Guard:
    """At least one checklist item is no longer met: the household has fallen back (Gansu
    回头帮 re-entry). Record the current facts with the step."""

    def check(ctx: StepContext) -> BangfuError | None:
        items = ctx.evaluation.checklist
        if any(not c.met for c in items):
            return None
        return rule_violation(
            f"every item is still secured on {ctx.on}: the household has not fallen back. "
            "Record the facts that changed with this step" + (f" ({basis})" if basis else ""),
            f"{ctx.on}各项仍全部达标,家庭未返困;请随本步骤录入已变化的家庭信息"
            + (f"({basis})" if basis else ""),
            guard="checklist_not_all_met",
        )

    return Guard(
        name="checklist_not_all_met",
        kind="checklist_not_all_met",
        description="at least one checklist item is unmet (fallen back) / 至少一项未达标(返困)",
        check=check,
    )


def household_eligible(written_reason_ground: str | None = None, basis: str = "") -> Guard:
    """The household meets the tenant's eligibility test on the step's date.

    With ``written_reason_ground`` (Hebei: "g", other special hardship), a household that
    meets no criterion may still pass when the step carries a written reason; the step
    then records that ground.
    """

    def check(ctx: StepContext) -> BangfuError | None:
        evaluation = ctx.evaluation
        if evaluation.eligible:
            return None
        if written_reason_ground and (ctx.comment or "").strip():
            ctx.notes["ground"] = written_reason_ground
            return None
        hint_en = (
            f"; to admit it on ground '{written_reason_ground}' (other special hardship), "
            "write the reason in the comment"
            if written_reason_ground
            else "; reject the application or record the household's current facts"
        )
        hint_zh = (
            f";如按({written_reason_ground})其他特殊困难认定,请在备注中写明理由"
            if written_reason_ground
            else ";请不予认定,或更新家庭信息"
        )
        return rule_violation(
            f"on {ctx.on} the household meets none of the tenant's eligibility criteria"
            + hint_en
            + (f" ({basis})" if basis else ""),
            f"{ctx.on}该家庭不符合认定标准" + hint_zh + (f"({basis})" if basis else ""),
            guard="household_eligible",
        )

    return Guard(
        name="household_eligible"
        + (f"(or {written_reason_ground})" if written_reason_ground else ""),
        kind="household_eligible",
        description="the household meets the eligibility test / 符合认定标准",
        check=check,
    )


def quota_not_exceeded(reason_code: str, share_parameter: str, total_parameter: str) -> Guard:
    """Files admitted on ground ``reason_code`` alone stay within ``share_parameter`` of
    ``total_parameter`` (Hebei 003 一.1(f): at most 5% of the local 低保 recipients).

    Only a file whose sole ground is ``reason_code`` uses the quota; a household that also
    meets another criterion is admitted on that one.
    """

    def check(ctx: StepContext) -> BangfuError | None:
        reasons = {r.code for r in ctx.evaluation.reasons}
        if reasons != {reason_code}:
            return None
        share = ctx.parameters.rate(share_parameter)  # basis points
        total = ctx.parameters.integer(total_parameter)
        cap = total * share // 10_000
        admitted = ctx.admitted_on_ground(reason_code)
        if admitted + 1 <= cap:
            return None
        return rule_violation(
            f"the quota for ground '{reason_code}' is full: {admitted} files are already "
            f"admitted on it alone and the cap is {cap} ({share / 100:g}% of {total_parameter} "
            f"= {total}). Admit the household on another ground if it meets one, or wait "
            "for a file to exit",
            f"按({reason_code})项认定的名额已满:已有{admitted}户,上限{cap}户"
            f"({total_parameter}={total}的{share / 100:g}%);如符合其他条件请按其他条件认定",
            guard="quota_not_exceeded",
            admitted=admitted,
            cap=cap,
        )

    return Guard(
        name=f"quota_not_exceeded({reason_code}, {share_parameter}, {total_parameter})",
        kind="quota_not_exceeded",
        description=(
            f"files admitted on ground {reason_code} alone stay within {share_parameter} of "
            f"{total_parameter} / 按({reason_code})项认定不超过比例"
        ),
        check=check,
    )


def four_eyes(*actions: str) -> Guard:
    """Nobody takes this step on a file where they took one of ``actions`` (the whole
    history counts, re-entries included): approval needs a second pair of eyes."""
    names = tuple(actions)

    def check(ctx: StepContext) -> BangfuError | None:
        own = [s for s in ctx.case.history if s.action in names and s.actor == ctx.actor.user]
        if not own:
            return None
        done = sorted({s.action for s in own})
        zh_done = "、".join(ctx.label(a)[0] for a in done)
        return BangfuError(
            FORBIDDEN,
            f"four eyes: you ({ctx.actor.user}) took '{', '.join(done)}' on this file, so "
            f"'{ctx.action.name}' must be taken by someone else",
            f"双人原则:您({ctx.actor.user})已办理本档案的{zh_done},{ctx.action.zh}须由他人办理",
            {"guard": "four_eyes", "steps": done},
        )

    return Guard(
        name=f"four_eyes({', '.join(names)})",
        kind="four_eyes",
        description=(
            f"not by anyone who took {', '.join(names)} on the file / "
            "经办、审核人不得审批本人经手的档案"
        ),
        check=check,
    )


def comment_required() -> Guard:
    """The step records a written reason (a rejection, an exit, a re-entry)."""

    def check(ctx: StepContext) -> BangfuError | None:
        if (ctx.comment or "").strip():
            return None
        return rule_violation(
            f"'{ctx.action.name}' ({ctx.action.en}) needs a written reason: add a comment",
            f"{ctx.action.zh}须写明理由,请填写备注",
            guard="comment_required",
        )

    return Guard(
        name="comment_required",
        kind="comment_required",
        description="the step carries a written reason / 须写明理由",
        check=check,
        needs_input=True,
    )


def urgent_case() -> Guard:
    """The file was opened as urgent (Hebei 003 二.2: emergency relief first, for a
    worker in sudden special hardship)."""

    def check(ctx: StepContext) -> BangfuError | None:
        if ctx.case.urgent:
            return None
        return rule_violation(
            f"'{ctx.action.name}' ({ctx.action.en}) is for files opened as urgent; this one "
            "is not. Follow the ordinary procedure",
            f"{ctx.action.zh}仅适用于紧急情况的档案,本档案不属紧急情况,请按正常程序办理",
            guard="urgent_case",
        )

    return Guard(
        name="urgent_case",
        kind="urgent_case",
        description="the file was opened as urgent / 属紧急情况",
        check=check,
    )


#: Every guard factory of the library, by ``Guard.kind``. The conformance kit requires a
#: procedure's guards to come from here, and ``tests/workflow`` to test each of them.
LIBRARY = {
    f.__name__: f
    for f in (
        requires_prior_action,
        notice_period_elapsed,
        checklist_all_met,
        checklist_not_all_met,
        household_eligible,
        quota_not_exceeded,
        four_eyes,
        comment_required,
        urgent_case,
    )
}
