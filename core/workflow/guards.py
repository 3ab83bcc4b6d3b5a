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
from core.workflow import readings
from core.workflow.procedure import DayCount, Guard, day_count, served_populations
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
        needs_steps=names,
    )


def notice_period_elapsed(
    working_days: DayCount,
    notice_action: str = "publish",
    counting: str | None = None,
    after_change: str | None = None,
) -> Guard:
    """The public notice (step ``notice_action``) has run for at least ``working_days``.

    ``working_days`` is a figure or an ``integer`` parameter (Hebei:
    ``procedure.notice_min_working_days``), read on the step's date. ``counting`` names a
    ``text`` parameter holding the reading of the count (:data:`readings.NOTICE_COUNTINGS`:
    does the day of publication count?); without it, the step is allowed from the
    ``working_days``-th working day after the day of publication. ``after_change`` names a
    ``text`` parameter (:data:`readings.NOTICE_AFTER_CHANGE`): under ``restart`` household
    facts recorded after the publication start the notice again from the day they were
    recorded (what is approved is what was on notice).
    """
    shown = str(working_days)
    parameters = tuple(p for p in (working_days, counting, after_change) if isinstance(p, str))

    def check(ctx: StepContext) -> BangfuError | None:
        days = day_count(working_days, ctx.parameters)
        published = ctx.taken_in_round(notice_action)
        if published is None:
            zh_step, en_step = ctx.label(notice_action)
            return rule_violation(
                f"no public notice has been published for this file; take the step "
                f"'{notice_action}' ({en_step}) and wait {days} working days",
                f"本档案尚未公示,请先{zh_step},公示期不少于{days}个工作日",
                guard="notice_period_elapsed",
            )
        how = readings.AFTER_PUBLICATION_DAY
        if counting is not None:
            how = readings.reading(ctx.parameters, counting, readings.NOTICE_COUNTINGS)
        start, changed = published.on, None
        if after_change is not None and (
            readings.reading(ctx.parameters, after_change, readings.NOTICE_AFTER_CHANGE)
            == readings.RESTART
        ):
            changed = _facts_changed_since(ctx, published)
            if changed is not None:
                start = changed.on
        allowed, provisional = readings.notice_allowed_from(ctx.calendar, start, days, how)
        if ctx.on >= allowed:
            return None
        how_zh, how_en = readings.NOTICE_COUNTINGS[how]
        note_en = " (provisional: that year's holiday schedule is not published)"
        note_zh = "(节假日安排尚未公布,日期为暂定)"
        again_en = (
            f", and started again on {start} when the household's facts changed" if changed else ""
        )
        again_zh = f",{start}家庭情况变更后重新计算" if changed else ""
        return rule_violation(
            f"the public notice published on {published.on}{again_en} must run at least {days} "
            f"working days ({how_en}): '{ctx.action.name}' is allowed from {allowed}, not on "
            f"{ctx.on}" + (note_en if provisional else ""),
            f"公示于{published.on}开始{again_zh},公示期不少于{days}个工作日({how_zh}):"
            f"{allowed}起方可{ctx.action.zh},{ctx.on}不可" + (note_zh if provisional else ""),
            guard="notice_period_elapsed",
            publishedOn=published.on.isoformat(),
            allowedFrom=allowed.isoformat(),
            provisional=provisional,
            workingDays=days,
            counting=how,
            **({"noticeStartedAgainOn": changed.on.isoformat()} if changed else {}),
        )

    return Guard(
        name=f"notice_period_elapsed({shown})",
        kind="notice_period_elapsed",
        description=(
            f"the public notice has run at least {shown} working days / 公示期不少于{shown}个工作日"
        ),
        check=check,
        parameters=parameters,
    )


def _facts_changed_since(ctx: StepContext, published):
    """The latest step of the round after ``published`` that recorded household facts."""
    after = False
    found = None
    for s in ctx.round:
        if s is published:
            after = True
            continue
        action = ctx.procedure.action(s.action)
        if after and action is not None and action.records_facts:
            found = s
    return found


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


def checklist_not_all_met(basis: str = "", zh: str | None = None, en: str | None = None) -> Guard:
    """At least one checklist item is no longer met: the household has fallen back (Gansu
    回头帮 re-entry), or is still in hardship (Gansu's 政府兜底 hand-over: 尚未脱困).
    ``zh``/``en`` word the rule as the policy does; record the current facts with the step."""
    rule_zh = zh or "家庭未返困"
    rule_en = en or "the household has not fallen back"

    def check(ctx: StepContext) -> BangfuError | None:
        items = ctx.evaluation.checklist
        if any(not c.met for c in items):
            return None
        return rule_violation(
            f"every item is still secured on {ctx.on}: {rule_en}. "
            "Record the facts that changed with this step" + (f" ({basis})" if basis else ""),
            f"{ctx.on}各项仍全部达标,{rule_zh};请随本步骤录入已变化的家庭信息"
            + (f"({basis})" if basis else ""),
            guard="checklist_not_all_met",
        )

    return Guard(
        name="checklist_not_all_met",
        kind="checklist_not_all_met",
        description="at least one checklist item is unmet (fallen back) / 至少一项未达标(返困)",
        check=check,
    )


def in_population(evaluation, populations: tuple[str, ...] | None) -> bool:
    """The household is in any of ``populations`` (codes), or, without them, has a hardship
    file (any file-opening population of the tenant)."""
    if populations is None:
        return bool(evaluation.eligible)
    return any(code in evaluation.populations for code in populations)


def _served(ctx: StepContext, parameter: str | None) -> tuple[str, ...] | None:
    """The populations the procedure serves on the step's date (the codes the ``text``
    parameter lists), or None when the guard names no parameter."""
    if parameter is None:
        return None
    known = {pop.code for pop in ctx.tenant.populations}
    return served_populations(ctx.parameters, parameter, known)


def household_eligible(
    other_ground_step: str | None = None, basis: str = "", populations: str | None = None
) -> Guard:
    """The household meets the tenant's eligibility test on the step's date, with the
    grounds recorded on the file (and by this step, when it records one).

    ``populations`` names the ``text`` parameter listing the populations the procedure
    serves (Hebei's ``procedure.populations``: ``tekun``, 依据特困职工标准审核; the city adds
    its own 困难职工 file, 001 二): the household must be in one of them, whatever other
    population (the national target groups a tenant inherits) it is in. Without it, any
    file-opening population.

    ``other_ground_step`` names the step by which a reviewer admits a household on a ground
    no figure tests (Hebei: ``review_other_ground``, 003 一.1(g), with a written reason):
    the refusal points to it. A comment on this step admits nobody.
    """

    def check(ctx: StepContext) -> BangfuError | None:
        evaluation = ctx.evaluation
        chosen = ctx.action.records_ground
        served = _served(ctx, populations)
        eligible = in_population(evaluation, served)
        if eligible and chosen:
            others = sorted(
                r.code
                for r in evaluation.reasons
                if r.code != chosen and (served is None or r.population in served)
            )
            if not others:
                return None
            return rule_violation(
                f"the household meets criterion {', '.join(others)}: admit it on that "
                f"ground with the ordinary review, not on '{chosen}' (a ground for a hardship "
                "no criterion tests)" + (f" ({basis})" if basis else ""),
                f"该家庭符合第({'、'.join(others)})项条件,请按该项条件审核,不按({chosen})项认定"
                + (f"({basis})" if basis else ""),
                guard="household_eligible",
                met=others,
            )
        if eligible:
            return None
        if other_ground_step and ctx.action.name != other_ground_step:
            zh_step, en_step = ctx.label(other_ground_step)
            hint_en = (
                f"; to admit it on another ground no criterion tests (other special hardship),"
                f" take the step '{other_ground_step}' ({en_step}) with the written reason"
            )
            hint_zh = f";如按其他原因造成生活特别困难认定,请办理「{zh_step}」并写明理由"
        elif other_ground_step:
            hint_en = (
                ": the general conditions bind that ground too (a household with ample "
                "income, or that can live without help, is not admitted on it)"
            )
            hint_zh = ":该项同样须符合基本条件(收入充裕或不经救助生活可以维持的,不予认定)"
        else:
            hint_en = "; reject the application or record the household's current facts"
            hint_zh = ";请不予认定,或更新家庭信息"
        return rule_violation(
            f"on {ctx.on} the household meets none of the tenant's eligibility criteria"
            + hint_en
            + (f" ({basis})" if basis else ""),
            f"{ctx.on}该家庭不符合认定标准" + hint_zh + (f"({basis})" if basis else ""),
            guard="household_eligible",
        )

    return Guard(
        name="household_eligible",
        kind="household_eligible",
        description="the household meets the eligibility test / 符合认定标准",
        check=check,
        parameters=(populations,) if populations else (),
    )


def ground_recorded(basis: str = "") -> Guard:
    """The file carries the ground the step removes (``Action.removes_ground``)."""

    def check(ctx: StepContext) -> BangfuError | None:
        code = ctx.action.removes_ground
        if code is None or code in ctx.case.recorded_grounds.split(","):
            return None
        return rule_violation(
            f"this file carries no ground '{code}' to remove" + (f" ({basis})" if basis else ""),
            f"本档案未按({code})项认定,无须撤销" + (f"({basis})" if basis else ""),
            guard="ground_recorded",
        )

    return Guard(
        name="ground_recorded",
        kind="ground_recorded",
        description="the file carries the ground the step removes / 档案已按该项认定",
        check=check,
    )


def quota_not_exceeded(
    reason_code: str,
    share_parameter: str,
    total_parameter: str,
    enforcement: str | None = None,
    base: str | None = None,
) -> Guard:
    """Files admitted on ground ``reason_code`` stay within ``share_parameter`` of
    ``total_parameter`` (Hebei 003 一.1(f): 原则上不超过 5% of the local 低保 recipients).

    Two readings, each a ``text`` parameter when named:

    * ``enforcement`` (:data:`readings.QUOTA_ENFORCEMENTS`): ``refuse`` a file beyond the
      quota, or ``warn`` and allow it (原则上, "in principle"): the warning is recorded
      with the step (``notes["quota_warning"]``);
    * ``base`` (:data:`readings.QUOTA_BASES`): count the files admitted on the ground
      alone (``sole_ground``, the default; a household that also meets another criterion
      is admitted on that one), or every file meeting it (``any_ground``).
    """
    parameters = tuple(
        p for p in (share_parameter, total_parameter, enforcement, base) if p is not None
    )

    def check(ctx: StepContext) -> BangfuError | None:
        how = readings.SOLE_GROUND
        if base is not None:
            how = readings.reading(ctx.parameters, base, readings.QUOTA_BASES)
        reasons = {r.code for r in ctx.evaluation.reasons}
        if how == readings.SOLE_GROUND and reasons != {reason_code}:
            return None
        if how == readings.ANY_GROUND and reason_code not in reasons:
            return None
        share = ctx.parameters.rate(share_parameter)  # basis points
        total = ctx.parameters.integer(total_parameter)
        cap = total * share // 10_000
        if how == readings.SOLE_GROUND:
            admitted = ctx.admitted_on_ground(reason_code)
        else:
            admitted = ctx.admitted_on_ground(reason_code, sole=False)
        if admitted + 1 <= cap:
            return None
        base_zh, base_en = readings.QUOTA_BASES[how]
        en = (
            f"the quota for ground '{reason_code}' is full: {admitted} files are already "
            f"counted ({base_en}) and the cap is {cap} ({share / 100:g}% of {total_parameter} "
            f"= {total})"
        )
        zh = (
            f"按({reason_code})项认定的名额已满:已有{admitted}户({base_zh}),上限{cap}户"
            f"({total_parameter}={total}的{share / 100:g}%)"
        )
        mode = readings.REFUSE
        if enforcement is not None:
            mode = readings.reading(ctx.parameters, enforcement, readings.QUOTA_ENFORCEMENTS)
        if mode == readings.WARN:
            ctx.notes["quota_warning"] = (
                f"{zh}(原则上不超过,予以提示) / {en} (in principle: warned)"
            )
            return None
        return rule_violation(
            en + ". Admit the household on another ground if it meets one, or wait for a "
            "file to exit",
            zh + ";如符合其他条件请按其他条件认定",
            guard="quota_not_exceeded",
            admitted=admitted,
            cap=cap,
        )

    return Guard(
        name=f"quota_not_exceeded({reason_code}, {share_parameter}, {total_parameter})",
        kind="quota_not_exceeded",
        description=(
            f"files admitted on ground {reason_code} stay within {share_parameter} of "
            f"{total_parameter} / 按({reason_code})项认定不超过比例"
        ),
        check=check,
        parameters=parameters,
    )


def out_of_hardship_or_reason(basis: str = "", populations: str | None = None) -> Guard:
    """The household no longer meets the tenant's test on the step's date (is in none of
    the populations the ``text`` parameter ``populations`` lists, when named), or the step carries a written reason
    (Hebei 003 三.5: 对已经解困、生活稳定的要及时办理退出: an exit needs the household out
    of hardship, or an approver's reason in writing)."""

    def check(ctx: StepContext) -> BangfuError | None:
        if not in_population(ctx.evaluation, _served(ctx, populations)):
            ctx.notes["exit_ground"] = "out_of_hardship"
            return None
        if (ctx.comment or "").strip():
            ctx.notes["exit_ground"] = "written_reason"
            return None
        return rule_violation(
            f"on {ctx.on} the household still meets the eligibility test: it is not out of "
            "hardship. Record its current facts if they changed, or write the reason for "
            "the exit in the comment" + (f" ({basis})" if basis else ""),
            f"{ctx.on}该家庭仍符合认定标准,尚未解困;如情况已变化请更新家庭信息,"
            "或在备注中写明退出理由" + (f"({basis})" if basis else ""),
            guard="out_of_hardship_or_reason",
        )

    return Guard(
        name="out_of_hardship_or_reason",
        kind="out_of_hardship_or_reason",
        description=(
            "the household is out of hardship, or the step gives a written reason / "
            "已经解困,或书面说明退出理由"
        ),
        check=check,
        parameters=(populations,) if populations else (),
    )


def fallen_back(trigger: str, basis: str = "") -> Guard:
    """Help again (Gansu 回头帮) once the household has fallen back, or already when it is
    at risk of it, as the ``text`` parameter ``trigger`` reads
    (:data:`readings.HELP_AGAIN_TRIGGERS`): ``fallen_back`` needs a checklist item unmet;
    ``risk`` also accepts a written account of the risk (the step's comment)."""

    def check(ctx: StepContext) -> BangfuError | None:
        if any(not c.met for c in ctx.evaluation.checklist):
            return None
        how = readings.reading(ctx.parameters, trigger, readings.HELP_AGAIN_TRIGGERS)
        if how == readings.AT_RISK and (ctx.action.requires_comment or (ctx.comment or "").strip()):
            ctx.notes["trigger"] = "risk"
            return None
        how_zh, how_en = readings.HELP_AGAIN_TRIGGERS[how]
        return rule_violation(
            f"every item is still secured on {ctx.on}: the household has not fallen back "
            f"(this step needs {how_en}). Record the facts that changed with this step"
            + (f" ({basis})" if basis else ""),
            f"{ctx.on}各项仍全部达标,家庭未返困(本步骤须{how_zh});请随本步骤录入已变化的家庭信息"
            + (f"({basis})" if basis else ""),
            guard="fallen_back",
            trigger=how,
        )

    return Guard(
        name=f"fallen_back({trigger})",
        kind="fallen_back",
        description="the household has fallen back (or is at risk, by the reading) / 返困",
        check=check,
        parameters=(trigger,),
    )


def parameter_allows(flag: str, zh: str, en: str, basis: str = "") -> Guard:
    """The ``boolean`` parameter ``flag`` is true on the step's date: a step that opens at
    a date the policy sets (Gansu's hand-over to the government safety net from 2020)."""

    def check(ctx: StepContext) -> BangfuError | None:
        if ctx.parameters.flag(flag):
            return None
        p = ctx.parameters.get(flag)
        return rule_violation(
            f"{en}: not on {ctx.on} (parameter {flag} is false, in force since "
            f"{p.effective_from}; source: {p.source})" + (f" ({basis})" if basis else ""),
            f"{zh}:{ctx.on}尚不可办理(参数 {flag} 自{p.effective_from}起为否)"
            + (f"({basis})" if basis else ""),
            guard="parameter_allows",
            parameter=flag,
        )

    return Guard(
        name=f"parameter_allows({flag})",
        kind="parameter_allows",
        description=f"{en} / {zh}",
        check=check,
        parameters=(flag,),
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


#: The parameter naming the differences that block (:mod:`core.verification.comparison`).
BLOCKING_DIFFERENCES = "verification.blocking_differences"


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip() and c.strip() != "none"]


def differences_resolved(basis: str = "") -> Guard:
    """No verification difference of a kind the tenant says blocks (the parameter
    ``verification.blocking_differences``) is still waiting on the file: the declared
    facts were checked against the rosters (002 开展数据比对) before a decision rests on
    them. A difference is resolved by accepting the source's value or by keeping the
    declared one with a reason a second person confirmed."""

    def check(ctx: StepContext) -> BangfuError | None:
        blocking = set(_codes(ctx.parameters.text(BLOCKING_DIFFERENCES)))
        waiting = sorted({f for f in ctx.records.unresolved_differences() if f in blocking})
        if not waiting:
            return None
        return rule_violation(
            f"'{ctx.action.name}' ({ctx.action.en}) waits until the differences found by "
            f"the data comparison are resolved: {', '.join(waiting)}. Accept the source's "
            "value, or keep the declared one with a reason a second person confirms"
            + (f" ({basis})" if basis else ""),
            f"{ctx.action.zh}前须先处理数据比对发现的差异({'、'.join(waiting)}):采用核对来源的"
            "数据,或说明理由保留申报值并经另一人确认",
            guard="differences_resolved",
            differences=waiting,
        )

    return Guard(
        name="differences_resolved",
        kind="differences_resolved",
        description="the differences the data comparison found are resolved / 数据比对差异已处理",
        check=check,
        parameters=(BLOCKING_DIFFERENCES,),
    )


def evidence_present(parameter: str, basis: str = "") -> Guard:
    """The evidence documents the ``text`` parameter ``parameter`` names are on the file
    before the step: comma-separated kinds (``medical_bill``), each alone (always needed)
    or as ``programme:kind`` (needed when the file is entitled to that programme:
    Hebei's medical relief needs the bills); "none" for nothing."""

    def check(ctx: StepContext) -> BangfuError | None:
        needed = []
        for code in _codes(ctx.parameters.text(parameter)):
            programme, _, kind = code.rpartition(":")
            if programme and ctx.evaluation.entitlement(programme) is None:
                continue
            needed.append(kind)
        if not needed:
            return None
        held = set(ctx.records.evidence_kinds())
        missing = [k for k in needed if k not in held]
        if not missing:
            return None
        p = ctx.parameters.get(parameter)
        return rule_violation(
            f"'{ctx.action.name}' ({ctx.action.en}) needs these documents on the file first: "
            f"{', '.join(missing)} (parameter {parameter}; source: {p.source})"
            + (f" ({basis})" if basis else ""),
            f"{ctx.action.zh}前须上传以下材料:{'、'.join(missing)}(依据:{p.source})",
            guard="evidence_present",
            missing=missing,
            parameter=parameter,
        )

    return Guard(
        name=f"evidence_present({parameter})",
        kind="evidence_present",
        description=f"the documents {parameter} names are on the file / 所需材料已上传",
        check=check,
        parameters=(parameter,),
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
        ground_recorded,
        quota_not_exceeded,
        out_of_hardship_or_reason,
        fallen_back,
        parameter_allows,
        four_eyes,
        comment_required,
        urgent_case,
        differences_resolved,
        evidence_present,
    )
}
