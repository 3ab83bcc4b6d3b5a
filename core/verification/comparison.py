"""Comparing files with the rosters in force: declared against found, and the money at stake.

For every open file (or the ones named), each member with a resident ID number is looked
up, by the keyed hash of the number, in the latest roster of each of the tenant's
sources (a join in SQL: ``member_identities`` against ``verification_rows``). A person a
roster does not list is *not found* there: not in 低保, not insured, not contributing.
Members without an ID number cannot be compared and are left out.

The facts (:data:`core.verification.facts.FACTS`):

- ``dibao_status``, ``dibao_months``, ``dibao_subsidy`` (the household's): in 低保 when a
  member is on the 低保 roster; months from the earliest ``dibao_since`` to the roster's
  date; the subsidy per person the roster gives (the highest of the members listed).
  Months differ only by more than one (the declaration and the roster are of different
  days).
- ``pension_insurance``, ``employment``, ``wage`` (each member's): insured as the
  social-security record says; employed when contributing (a contribution base above
  zero); the wage differs when the contribution base exceeds the declared monthly income
  by more than ``verification.wage_tolerance``.

What a file's differences do to money: the household with every found value accepted is
evaluated on the comparison's date and its money entitlements, each counted for a year
(a monthly one twelve times), set against those of the file's determination in force:
``ends`` (no longer eligible), ``falls``, ``rises`` or ``same``; ``at_stake`` is the
change in fen a year. The worklist puts ``ends`` first, then ``falls``, by amount.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import String, any_, bindparam, delete, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core.cases.summary import evaluation_entitlements
from core.db.models import CaseFile, MemberIdentity
from core.errors import BangfuError
from core.evaluation import evaluate_each
from core.funds.runs import parse_entitlements
from core.model import Employment, Household, PayPeriod, parse_household
from core.money import format_yuan
from core.registry import Tenant
from core.verification.facts import FACTS
from core.verification.models import Difference, Roster, RosterRow
from core.verification.roster import latest_rosters
from core.verification.sources import sources_of
from core.workflow.engine import procedure_of

BLOCKING = "verification.blocking_differences"
WAGE_TOLERANCE = "verification.wage_tolerance"
OPEN, ACCEPTED, KEEP_REQUESTED, KEPT = "open", "accepted", "keep_requested", "kept"
#: the order of effects in the worklist, most urgent first
EFFECTS = ("ends", "falls", "rises", "same")
CHUNK = 2000
_YEARLY = {PayPeriod.MONTHLY: 12, PayPeriod.YEARLY: 1, PayPeriod.ONCE: 1}


@dataclass
class Found:
    """One member's rows on the rosters in force, by source code."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Compared:
    files: int  #: open files compared
    with_differences: int  #: of which with at least one open difference
    differences: int  #: open differences found


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _months(since: date, until: date) -> int:
    months = (until.year - since.year) * 12 + until.month - since.month
    return max(0, months - (1 if until.day < since.day else 0))


def blocking_facts(tenant: Tenant, on: date) -> set[str]:
    """The facts whose differences block approval (``verification.blocking_differences``)."""
    text = tenant.parameters(on).text(BLOCKING)
    codes = {c.strip() for c in text.split(",") if c.strip() and c.strip() != "none"}
    unknown = codes - set(FACTS)
    if unknown:
        raise ValueError(
            f"{tenant.code}: {BLOCKING} names unknown facts {sorted(unknown)}; "
            f"known: {', '.join(FACTS)}"
        )
    return codes


def open_statuses(tenant: Tenant) -> list[str]:
    procedure = procedure_of(tenant)
    return [s.code for s in procedure.statuses if s.open] if procedure else []


def _matches(
    session: Session,
    tenant: str,
    rosters: dict[str, Roster],
    hashes: dict[str, list[tuple[int, int]]],
) -> dict[tuple[int, int], Found]:
    """(case id, member index) -> the rows the rosters in force hold for the member;
    ``hashes``: each ID hash of the chunk's members, with the members who carry it. The
    rows are looked up by (roster, hash), the index's own order, on every database."""
    rows = RosterRow.__table__
    found: dict[tuple[int, int], Found] = defaultdict(Found)
    if not hashes:
        return found
    connection = session.connection()
    wanted = list(hashes)
    if connection.dialect.name == "postgresql":  # one array parameter, not thousands
        among = rows.c.id_hash == any_(bindparam("hashes", wanted, type_=ARRAY(String)))
    else:
        among = rows.c.id_hash.in_(wanted)
    for code, roster in rosters.items():
        query = select(
            rows.c.id_hash,
            rows.c.dibao_since,
            rows.c.dibao_subsidy,
            rows.c.pension_insured,
            rows.c.unemployment_insured,
            rows.c.contribution_base,
        ).where(rows.c.tenant == tenant, rows.c.roster_id == roster.id, among)
        for id_hash, since, subsidy, pension, unemployment, base in connection.execute(query):
            facts = {
                "dibao_since": since,
                "dibao_subsidy": subsidy,
                "pension_insured": pension,
                "unemployment_insured": unemployment,
                "contribution_base": base,
            }
            for member in hashes[id_hash]:
                found[member].rows[code] = facts
    return found


def differences_of(
    household: dict[str, Any],
    compared: Iterable[int],
    found: dict[int, Found],
    rosters: dict[str, Roster],
    fields_of: dict[str, tuple[str, ...]],
    tolerance_bp: int,
) -> list[dict[str, Any]]:
    """The differences of one household: ``compared`` are the indexes of its members with
    an ID number, ``found`` their roster rows, ``fields_of`` each source's fields."""
    out: list[dict[str, Any]] = []
    members = household.get("members") or []
    compared = [i for i in compared if i < len(members)]

    def add(code: str, source: str, member: int | None, declared: str, seen: str, new: Any):
        roster = rosters[source]
        out.append(
            {
                "source": source,
                "roster_id": roster.id,
                "source_date": roster.as_of,
                "reference": roster.reference,
                "member_index": member,
                "fact": code,
                "declared": declared,
                "found": seen,
                "value": new,
            }
        )

    for source, fields in fields_of.items():
        if source not in rosters or not compared:
            continue
        roster = rosters[source]
        if "dibao_since" in fields:
            listed = [
                found[i].rows[source] for i in compared if source in found.get(i, Found()).rows
            ]
            listed = [r for r in listed if r["dibao_since"] is not None]
            declared = bool(household.get("dibaoRecipient"))
            is_in = bool(listed)
            if declared != is_in:
                add("dibao_status", source, None, _yes(declared), _yes(is_in), is_in)
            if declared and is_in:
                months = _months(min(r["dibao_since"] for r in listed), roster.as_of)
                said = int(household.get("dibaoContinuousMonths") or 0)
                if abs(months - said) > 1:
                    add("dibao_months", source, None, str(said), str(months), months)
                subsidies = [r["dibao_subsidy"] for r in listed if r["dibao_subsidy"] is not None]
                if "dibao_subsidy" in fields and subsidies:
                    fen = max(subsidies)
                    said_fen = _fen(household.get("dibaoMonthlySubsidyPerCapita"))
                    if fen != said_fen:
                        add(
                            "dibao_subsidy",
                            source,
                            None,
                            format_yuan(said_fen),
                            format_yuan(fen),
                            fen,
                        )
        for i in compared:
            member = members[i]
            row = found.get(i, Found()).rows.get(source)
            if "pension_insured" in fields:
                insured = bool(row and row["pension_insured"])
                said_insured = bool(member.get("hasPensionInsurance", True))
                known = row is None or row["pension_insured"] is not None
                if known and insured != said_insured:
                    add(
                        "pension_insurance",
                        source,
                        i,
                        _yes(said_insured),
                        _yes(insured),
                        insured,
                    )
            if "contribution_base" in fields:
                base = row["contribution_base"] if row else 0
                if base is None:
                    continue
                contributing = base > 0
                said_employed = member.get("employment") == Employment.EMPLOYED
                if contributing != said_employed:
                    add(
                        "employment",
                        source,
                        i,
                        "在业" if said_employed else "未在业",
                        "缴费中" if contributing else "未缴费",
                        contributing,
                    )
                income = _fen(member.get("monthlyIncome"))
                if contributing and base * 10_000 > income * (10_000 + tolerance_bp):
                    add("wage", source, i, format_yuan(income), format_yuan(base), base)
    return out


def _fen(value: Any) -> int:
    return int((Decimal(str(value or "0")) * 100).to_integral_value())


def accepted_household(household: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
    """The household with every found value in place of the declared one."""
    out = {**household, "members": [dict(m) for m in household.get("members") or []]}
    for d in found:
        fact, value, i = d["fact"], d["value"], d["member_index"]
        if fact == "dibao_status":
            out["dibaoRecipient"] = value
            if not value:
                out["dibaoContinuousMonths"] = 0
                out["dibaoMonthlySubsidyPerCapita"] = "0"
        elif fact == "dibao_months":
            out["dibaoContinuousMonths"] = value
        elif fact == "dibao_subsidy":
            out["dibaoMonthlySubsidyPerCapita"] = format_yuan(value).replace(",", "")
        elif fact == "pension_insurance":
            out["members"][i]["hasPensionInsurance"] = value
        elif fact == "employment":
            out["members"][i]["employment"] = (
                Employment.EMPLOYED.value if value else Employment.UNEMPLOYED.value
            )
        elif fact == "wage":
            out["members"][i]["monthlyIncome"] = format_yuan(value).replace(",", "")
    return out


def yearly_fen(tenant: Tenant, entitlements: str) -> int:
    """The money entitlements of a summary (``living_relief=790.00;...``), each for a year."""
    periods = {p.code: p.period for p in tenant.programmes}
    return sum(
        fen * _YEARLY.get(periods.get(code, PayPeriod.ONCE), 1)
        for code, fen in parse_entitlements(entitlements).items()
    )


def compare_files(
    session: Session, tenant: Tenant, on: date, case_ids: Sequence[int] | None = None
) -> Compared:
    """Compare the open files of ``tenant`` (or those of ``case_ids`` that are open) with
    the rosters in force; their open differences are replaced by what is found now. Not
    committed: the caller's transaction."""
    rosters = latest_rosters(session, tenant.code)
    sources = sources_of(tenant)
    fields_of = {code: sources[code].fields for code in rosters if code in sources}
    statuses = open_statuses(tenant)
    if not statuses:
        return Compared(0, 0, 0)
    parameters = tenant.parameters(on)
    tolerance = parameters.rate(WAGE_TOLERANCE)
    blocking = blocking_facts(tenant, on)
    cases = CaseFile.__table__
    query = (
        select(
            cases.c.id,
            cases.c.household,
            cases.c.entitlements,
            cases.c.eligible,
            cases.c.recorded_grounds,
        )
        .where(cases.c.tenant == tenant.code, cases.c.status.in_(statuses))
        .order_by(cases.c.id)
    )
    if case_ids is not None:
        query = query.where(cases.c.id.in_(list(case_ids)))
    files = with_differences = count = 0
    connection = session.connection()
    last = 0
    while True:
        batch = connection.execute(query.where(cases.c.id > last).limit(CHUNK)).all()
        if not batch:
            break
        last = batch[-1][0]
        files += len(batch)
        ids = [r[0] for r in batch]
        members: dict[int, list[int]] = defaultdict(list)
        hashes: dict[str, list[tuple[int, int]]] = defaultdict(list)
        identities = MemberIdentity.__table__
        wanted = set(ids)
        for case_id, index, id_hash in connection.execute(
            select(identities.c.case_id, identities.c.member_index, identities.c.id_hash).where(
                identities.c.tenant == tenant.code,
                identities.c.case_id.between(ids[0], ids[-1]),  # the chunk's range of ids
            )
        ):
            if case_id not in wanted:  # a closed file within the range
                continue
            members[case_id].append(index)
            hashes[id_hash].append((case_id, index))
        matches = _matches(session, tenant.code, rosters, hashes) if rosters else {}
        settled = _settled(session, tenant.code, ids)
        found_by_case: dict[int, list[dict[str, Any]]] = {}
        households: dict[int, dict[str, Any]] = {}
        for case_id, household, _entitlements, _eligible, _grounds in batch:
            if isinstance(household, str):
                household = json.loads(household)
            own = {
                i: matches[(case_id, i)]
                for i in members.get(case_id, ())
                if (case_id, i) in matches
            }
            diffs = differences_of(
                household, members.get(case_id, ()), own, rosters, fields_of, tolerance
            )
            diffs = [d for d in diffs if _key(d) not in settled.get(case_id, set())]
            if diffs:
                found_by_case[case_id] = diffs
                households[case_id] = household
        session.execute(
            delete(Difference).where(
                Difference.tenant == tenant.code,
                Difference.case_id.between(ids[0], ids[-1]),
                Difference.case_id.in_(ids) if case_ids is not None else true(),
                Difference.state == OPEN,
            )
        )
        if not found_by_case:
            continue
        money = _money_at_stake(tenant, on, batch, found_by_case, households)
        rows = []
        for case_id, diffs in found_by_case.items():
            effect, at_stake = money[case_id]
            for d in diffs:
                rows.append(
                    {
                        "tenant": tenant.code,
                        "case_id": case_id,
                        "roster_id": d["roster_id"],
                        "source": d["source"],
                        "source_date": d["source_date"],
                        "reference": d["reference"],
                        "member_index": d["member_index"],
                        "fact": d["fact"],
                        "declared": d["declared"][:100],
                        "found": d["found"][:100],
                        "found_on": on,
                        "blocking": d["fact"] in blocking,
                        "effect": effect,
                        "at_stake": at_stake,
                        "state": OPEN,
                    }
                )
        session.execute(insert(Difference), rows)
        with_differences += len(found_by_case)
        count += len(rows)
    return Compared(files, with_differences, count)


def _key(d: dict[str, Any]) -> tuple[Any, ...]:
    return (d["fact"], d["member_index"], d["found"])


def _settled(session: Session, tenant: str, ids: Sequence[int]) -> dict[int, set[tuple[Any, ...]]]:
    """The differences already decided on (accepted, or kept), per file: found again with
    the same value, they are not raised again."""
    out: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    d = Difference.__table__
    for case_id, fact, member, found in session.connection().execute(
        select(d.c.case_id, d.c.fact, d.c.member_index, d.c.found).where(
            d.c.tenant == tenant, d.c.case_id.between(min(ids), max(ids)), d.c.state != OPEN
        )
    ):
        out[case_id].add((fact, member, found))
    return out


def _money_at_stake(
    tenant: Tenant,
    on: date,
    batch: Sequence[Any],
    found: dict[int, list[dict[str, Any]]],
    households: dict[int, dict[str, Any]],
) -> dict[int, tuple[str, int]]:
    """(effect, fen a year) of accepting every found value, per file."""
    now = {r[0]: (r[2], r[3]) for r in batch if r[0] in found}
    #: the grounds a person recorded on each file (Hebei's g): kept when its facts change
    grounds = {r[0]: r[4] for r in batch if r[0] in found}
    ids = list(found)
    parsed: list[Household | None] = []
    for case_id in ids:
        try:
            parsed.append(parse_household(accepted_household(households[case_id], found[case_id])))
        except BangfuError:
            parsed.append(None)
    evaluable = [h for h in parsed if h is not None]
    recorded = [grounds[i] for i, h in zip(ids, parsed, strict=True) if h is not None]
    results = iter(
        evaluate_each(tenant, evaluable, on, explain=False, recorded=recorded) if evaluable else []
    )
    out: dict[int, tuple[str, int]] = {}
    for case_id, household in zip(ids, parsed, strict=True):
        entitlements, eligible = now[case_id]
        before = yearly_fen(tenant, entitlements)
        result = next(results) if household is not None else None
        if result is None or isinstance(result, BangfuError):
            out[case_id] = ("same", 0)
            continue
        after = yearly_fen(tenant, evaluation_entitlements(result))
        if eligible and not result.eligible:
            effect = "ends"
        elif after < before:
            effect = "falls"
        elif after > before:
            effect = "rises"
        else:
            effect = "same"
        out[case_id] = (effect, abs(before - after))
    return out
