"""Batch throughput: 1,000,000 synthetic households under Hebei, in interleaved rounds
against a plain numpy pass of the same rules and against OpenFisca-core.

Four contestants, each from the same columns (money in int64 fen, enums as codes) to
eligibility and medical relief, each once a round, :data:`RUNS` rounds after a warm-up
round that is not counted (the order turns each round, so none always runs first or after
the same one):

* **ours**: :meth:`HouseholdFacts.from_columns` + :func:`evaluate_batch`, which computes
  *everything* Hebei's stack says (target groups, measures, eligibility, every programme,
  checklist, budget);
* **the numpy pass** (:mod:`tests.benchmarks.numpy_pass`): the same rules for eligibility,
  the two populations and medical relief, written by hand in vectorised numpy, exact in
  int64 fen, no framework, in this process. It computes less than ours: the ratio to it is
  what our framework, and everything else ours answers, costs;
* **OpenFisca, builder** (:mod:`tests.benchmarks.openfisca_system` in ``.venv-bench``, a
  process that stays up and runs one build when told): build the simulation with
  ``SimulationBuilder`` (entities, group membership and roles, ``set_input``) and calculate
  eligibility (the national 困难职工 or Hebei's 特困) and medical relief (特困 only), with
  Hebei's parameters as resolved on :data:`ON`;
* **OpenFisca, lean**: the same with OpenFisca's populations set directly (its internals),
  what is left once its input builder is out of the way.

OpenFisca's timings are taken inside its process (no import, no loading). Every ratio is
the median of the per-round ratios (the two figures of a ratio come from the same round,
under the same load), with their min and max: ours / the numpy pass in CPU time and in wall
time, and OpenFisca's time / ours for each build (the target, at least
:data:`TARGET_RATIO` times OpenFisca's builder, is judged on those). Rates (households/s)
are kept as context; the regression gate reads the ratios.

Exactness: the numpy pass must equal ours on every household (eligibility, both
populations, medical relief to the fen), and OpenFisca's eligibility and populations too (a
row NOT MET otherwise: they would compute different rules); OpenFisca's float32 medical
relief is compared with ours to the fen. Our medical relief is also checked against an
independent ``Decimal`` computation of the tiers on :data:`SAMPLE` households.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np

from core.conformance.generate import columns
from core.evaluation import evaluate_batch
from core.facts import (
    BEYOND_COMPULSORY,
    EMPLOYED_KINDS,
    EMPLOYMENT_CODES,
    RELATION_CODES,
    SEEKING_KINDS,
    STAGE_CODES,
    HouseholdFacts,
)
from core.model import Employment, Relation
from core.registry import load_registry
from tests.benchmarks import MIN_ROUNDS, ROOT, median, numpy_pass, ratio_row, row

HOUSEHOLDS = int(os.environ.get("BANGFU_BENCH_HOUSEHOLDS", 1_000_000))
RUNS = max(MIN_ROUNDS, int(os.environ.get("BANGFU_BENCH_BATCH_ROUNDS", 9)))
WARM_UP = 1  #: rounds run first and not counted
TARGET_RATIO = 4.0
SAMPLE = 20_000
SEED = 2026
ON = date(2026, 6, 1)
OPENFISCA_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
OPENFISCA_SCRIPT = Path(__file__).with_name("openfisca_system.py")
OPENFISCA_TIMEOUT_S = 900
CONTESTANTS = ("ours", "numpy", "builder", "lean")
#: Hebei's parameters the OpenFisca system and the numpy pass read, passed as resolved
PARAMETERS = numpy_pass.PARAMETERS

CENT = Decimal("0.01")
#: Hebei 003 五.10 as written, for the independent check: (from, rate) and the fixed top.
TIERS = ((Decimal(5000), Decimal("0.10")), (Decimal(20000), Decimal("0.08")))
TIERS += ((Decimal(50000), Decimal("0.06")),)
TOP_FROM, TOP_AMOUNT = Decimal(100000), Decimal(8000)


def exact_medical_relief(cost: Decimal, income: Decimal, ill: bool, in_catalog: bool) -> Decimal:
    """Hebei's medical relief for one household, in Decimal yuan (0 when not granted)."""
    if cost >= TOP_FROM:
        amount = TOP_AMOUNT
    else:
        rate = Decimal(0)
        for start, r in TIERS:
            if cost >= start:
                rate = r
        amount = (cost * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    granted = ill and cost > income and in_catalog and amount > 0
    return amount if granted else Decimal(0)


def decimal_differences(
    household: dict[str, np.ndarray],
    member: dict[str, np.ndarray],
    ours_fen: np.ndarray,
    tekun: np.ndarray,
) -> tuple[int, int]:
    """(households checked, households where ours differs from the Decimal computation).

    The check is of the programme: its tiers and its conditions, on the 特困 population
    ``tekun`` (who is 特困 is checked on every household against the numpy pass and
    OpenFisca)."""
    n = len(ours_fen)
    rng = np.random.default_rng(SEED + 1)
    sample = np.sort(rng.choice(n, size=min(SAMPLE, n), replace=False))
    owner = member["household"]
    starts = np.searchsorted(owner, sample, side="left")
    ends = np.searchsorted(owner, sample, side="right")
    wages, ill = member["monthly_income"], member["serious_illness"]
    differences = 0
    for i, lo, hi in zip(sample.tolist(), starts.tolist(), ends.tolist(), strict=True):
        monthly = sum(Decimal(int(w)) for w in wages[lo:hi]) / 100
        income = monthly * 12 + Decimal(int(household["other_annual_income"][i])) / 100
        if household["dibao_recipient"][i]:  # Hebei's 全部收入 counts the 低保 top-up
            top_up = int(household["dibao_subsidy_per_capita"][i]) * (hi - lo) * 12
            income += Decimal(top_up) / 100
        cost = Decimal(int(household["medical_out_of_pocket"][i])) / 100
        expected = exact_medical_relief(
            cost, income, bool(ill[lo:hi].any()), bool(household["medical_in_catalog"][i])
        )
        if not tekun[i]:
            expected = Decimal(0)  # medical relief is for 特困 only
        if Decimal(int(ours_fen[i])) / 100 != expected:
            differences += 1
    return len(sample), differences


class OpenFisca:
    """The OpenFisca process: loaded once, then one build a command (see
    :func:`tests.benchmarks.openfisca_system.serve`)."""

    def __init__(self, process: subprocess.Popen, errors: IO[str]) -> None:
        self.process, self.errors = process, errors

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=OPENFISCA_TIMEOUT_S)
            self.errors.seek(0)
            raise RuntimeError(f"OpenFisca stopped: {self.errors.read().strip()[-2000:]}")
        return line.strip()

    def _send(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def run(self, build: str) -> dict[str, float]:
        """One ``build`` ("builder" or "lean"): its build, calculate and CPU seconds."""
        return json.loads(self._send(build))

    def results(self, target: Path) -> dict[str, np.ndarray]:
        if self._send("save") != "saved":
            raise RuntimeError("OpenFisca did not save its results")
        with np.load(target) as f:
            return {k: f[k] for k in f.files}


def _openfisca_input(tenant, household, member) -> dict[str, np.ndarray]:
    data = {f"h_{k}": v for k, v in household.items()}
    data |= {f"m_{k}": v for k, v in member.items()}
    data["code_child"] = np.array(RELATION_CODES[Relation.CHILD])
    data["codes_employed"] = np.array([EMPLOYMENT_CODES[k] for k in EMPLOYED_KINDS])
    data["code_flexible"] = np.array(EMPLOYMENT_CODES[Employment.FLEXIBLE])
    data["code_laid_off"] = np.array(EMPLOYMENT_CODES[Employment.LAID_OFF])
    data["codes_seeking"] = np.array([EMPLOYMENT_CODES[k] for k in SEEKING_KINDS])
    data["codes_beyond_compulsory"] = np.array([STAGE_CODES[s] for s in BEYOND_COMPULSORY])
    data["parameters"] = np.array(json.dumps(_resolved(tenant)))
    return data


def _resolved(tenant) -> dict[str, Any]:
    table = tenant.parameter_table
    return {name: table.resolve(name, ON).json_value() for name in PARAMETERS}


@contextmanager
def openfisca(tenant, household, member) -> Iterator[tuple[OpenFisca | None, str, Path]]:
    """The OpenFisca process, loaded and ready (None, and why, when it cannot run)."""
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as tmp:
        source, target = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        if not OPENFISCA_PYTHON.exists():
            why = f"{OPENFISCA_PYTHON.relative_to(ROOT)} is missing (make bench creates it)"
            yield None, why, target
            return
        np.savez(source, **_openfisca_input(tenant, household, member))
        with open(Path(tmp) / "stderr", "w+", encoding="utf-8") as errors:
            process = subprocess.Popen(
                [str(OPENFISCA_PYTHON), str(OPENFISCA_SCRIPT), str(source), str(target)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
            side = OpenFisca(process, errors)
            try:
                ready = side._answer()
                if ready != "ready":
                    raise RuntimeError(f"OpenFisca answered {ready!r} instead of ready")
            except RuntimeError as exc:
                yield None, f"OpenFisca run failed: {exc}", target
                return
            try:
                yield side, "", target
            finally:
                if process.poll() is None:
                    process.stdin.close()  # type: ignore[union-attr]
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()


def _timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of ``work()``."""
    cpu = time.process_time()
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, time.process_time() - cpu, result


def _ours_answers(batch) -> dict[str, np.ndarray]:
    return {
        "eligible": batch.eligible.copy(),
        "kunnan": batch.populations["kunnan"].copy(),
        "tekun": batch.populations["tekun"].copy(),
        "medical_relief": batch.amount("medical_relief").copy(),
    }


def _differing(theirs: dict[str, np.ndarray], ours: dict[str, np.ndarray]) -> dict[str, int]:
    """Households where their answer differs from ours, by answer."""
    return {k: int(np.count_nonzero(theirs[k] != mine)) for k, mine in ours.items()}


def rounds(tenant, household, member, side: OpenFisca | None) -> dict[str, Any]:
    """:data:`RUNS` interleaved rounds after :data:`WARM_UP` (each contestant's first run
    pays for first touches: pages of fresh arrays, caches; kept out of the figures): each
    contestant's wall and CPU seconds a round, and the answers of ours and of the numpy
    pass (from their first run)."""
    rules = numpy_pass.Rules.of(_resolved(tenant))
    wall: dict[str, list[float]] = {c: [] for c in CONTESTANTS}
    cpu: dict[str, list[float]] = {c: [] for c in CONTESTANTS}
    parts: dict[str, list[float]] = {"facts": [], "evaluate": [], "of_build": [], "of_calc": []}
    answers: dict[str, dict[str, np.ndarray]] = {}
    programmes = ""
    present = CONTESTANTS if side is not None else ("ours", "numpy")
    for r in range(WARM_UP + RUNS):
        turn = r % len(present)
        for contestant in present[turn:] + present[:turn]:
            if contestant == "ours":
                cpu0, start = time.process_time(), time.perf_counter()
                facts = HouseholdFacts.from_columns(household, member)
                built = time.perf_counter()
                batch = evaluate_batch(tenant, facts, ON)
                done = time.perf_counter()
                cpu["ours"].append(time.process_time() - cpu0)
                wall["ours"].append(done - start)
                parts["facts"].append(built - start)
                parts["evaluate"].append(done - built)
                if "ours" not in answers:
                    answers["ours"] = _ours_answers(batch)
                    programmes = ", ".join(batch.grants)
                # let this run's facts and results go before the next contestant runs
                del batch, facts
            elif contestant == "numpy":
                s, c, found = _timed(lambda: numpy_pass.evaluate(household, member, rules))
                wall["numpy"].append(s)
                cpu["numpy"].append(c)
                answers.setdefault("numpy", found)
                del found
            else:
                assert side is not None
                t = side.run(contestant)
                wall[contestant].append(t["build_s"] + t["calculate_s"])
                cpu[contestant].append(t["cpu_s"])
                if contestant == "builder":
                    parts["of_build"].append(t["build_s"])
                    parts["of_calc"].append(t["calculate_s"])
    for measured in (wall, cpu, parts):
        for values in measured.values():
            del values[:WARM_UP]
    return {
        "wall": wall,
        "cpu": cpu,
        "parts": parts,
        "answers": answers,
        "programmes": programmes,
    }


def run() -> list[dict[str, Any]]:
    n = HOUSEHOLDS
    household, member = columns(n, SEED)
    persons = len(member["household"])
    tenant = load_registry(only=["hebei"]).get("hebei")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with openfisca(tenant, household, member) as (side, why_not, target):
        measured = rounds(tenant, household, member, side)
        of = side.results(target) if side is not None else None
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu, parts, answers = (measured[k] for k in ("wall", "cpu", "parts", "answers"))
    programmes = measured["programmes"]
    ours = answers["ours"]
    ours_fen = ours["medical_relief"]
    checked, decimal_diff = decimal_differences(household, member, ours_fen, ours["tekun"])
    numpy_diff = _differing(answers["numpy"], ours)
    scope = (
        f"{n:,} households, {persons:,} members, {RUNS} interleaved rounds after one warm-up "
        "(ours, the numpy pass, OpenFisca's builder, OpenFisca lean: once each a round, the "
        "order turning). "
        "Ours = facts from columns + evaluate_batch of everything Hebei's stack says (target "
        "groups, measures, eligibility, every programme, checklist, budget); the others = "
        "eligible (困难职工 or 特困), the two populations and medical_relief (特困 only), "
        f"Hebei's parameters on {ON.isoformat()}"
    )
    ours_rates = [n / s for s in wall["ours"]]
    rows = [
        ratio_row(
            "ours / numpy pass, CPU time, same round",
            cpu["ours"],
            cpu["numpy"],
            better="lower",
            note=(
                "what the framework costs over the same rules written by hand in numpy "
                "(tests/benchmarks/numpy_pass.py: int64 fen, exact, no framework). The numpy "
                "pass computes less than ours: eligibility, the two populations and medical "
                "relief only; ours also computes the measures, living relief, the checklist, "
                "the budget, each criterion with its label, the parameter reads. "
                f"Numpy pass: {median(cpu['numpy']):.3f} s CPU a round (ours "
                f"{median(cpu['ours']):.3f} s). {scope}"
            ),
        ),
        ratio_row(
            "ours / numpy pass, wall time, same round",
            wall["ours"],
            wall["numpy"],
            better="lower",
        ),
        row(
            "numpy pass differing from ours",
            sum(numpy_diff.values()),
            "households x answers",
            target="0",
            met=sum(numpy_diff.values()) == 0,
            better=None,
            note=(
                f"eligible {numpy_diff['eligible']:,}, 困难职工 {numpy_diff['kunnan']:,}, "
                f"特困 {numpy_diff['tekun']:,}, medical relief (to the fen) "
                f"{numpy_diff['medical_relief']:,}. Not 0 means the numpy pass computes other "
                "rules: its ratio is then meaningless"
            ),
        ),
    ]
    if of is None:
        rows.append(
            row(
                "ours vs OpenFisca, builder",
                None,
                "x",
                target=f">= {TARGET_RATIO:g}x OpenFisca (median of same-round ratios)",
                met=False,
                note=f"OpenFisca not measured: {why_not}",
            )
        )
    else:
        rows += _openfisca_rows(of, wall, cpu, parts, ours, n, persons)
    rows += [
        row(
            "ours, end to end",
            None,
            "households/s",
            rounds=ours_rates,
            note=f"every programme of Hebei's stack: {programmes}",
        ),
        row("numpy pass, end to end", None, "households/s", rounds=[n / s for s in wall["numpy"]]),
        row("ours, facts from columns", None, "s", rounds=parts["facts"]),
        row("ours, evaluate_batch", None, "s", rounds=parts["evaluate"]),
        row("ours, CPU time a run", None, "s", rounds=cpu["ours"]),
        row("numpy pass, CPU time a run", None, "s", rounds=cpu["numpy"]),
        row(
            f"ours vs exact Decimal tiers ({checked:,} households)",
            decimal_diff,
            "households differing",
            target="0",
            met=decimal_diff == 0,
            better=None,
        ),
        row(
            "peak RSS of the benchmark process",
            rss_peak,
            "MiB",
            note=f"{rss_before:.0f} MiB after generating the columns, before evaluating",
        ),
    ]
    return rows


def _openfisca_rows(of, wall, cpu, parts, ours, n: int, persons: int) -> list[dict[str, Any]]:
    ours_fen = ours["medical_relief"]
    of_fen = np.rint(of["medical_relief"].astype(np.float64) * 100).astype(np.int64)
    off = np.abs(of_fen - ours_fen) >= 1
    drift = int(np.count_nonzero(off))
    granted = int(np.count_nonzero((ours_fen > 0) | (of_fen > 0)))
    both = int(np.count_nonzero(off & (ours_fen > 0) & (of_fen > 0)))
    masks = {k: v for k, v in ours.items() if k != "medical_relief"}
    differing = _differing(of, masks)
    target = f">= {TARGET_RATIO:g}x"
    builder = ratio_row(
        "ours vs OpenFisca, builder: its time / ours, same round",
        wall["builder"],
        wall["ours"],
        target=target,
        note=(
            "OpenFisca's SimulationBuilder (entities, ids, join_with_persons, set_input x 21) "
            "+ calculate eligible and medical_relief, timed in its own process; ours end to "
            f"end. OpenFisca: {median([n / s for s in wall['builder']]):,.0f} households/s, "
            f"build {median(parts['of_build']):.2f} s + calculate "
            f"{median(parts['of_calc']):.2f} s"
        ),
    )
    builder["met"] = builder["figure"] >= TARGET_RATIO
    return [
        builder,
        ratio_row(
            "ours vs OpenFisca, builder, CPU time, same round",
            cpu["builder"],
            cpu["ours"],
            note="process CPU time of each side (user + system)",
        ),
        ratio_row(
            "ours vs OpenFisca, lean build: its time / ours, same round",
            wall["lean"],
            wall["ours"],
            note=(
                "OpenFisca's populations set directly (its internals, no roles) instead of "
                "through SimulationBuilder, which passes the ids and roles of the "
                f"{persons:,} members through Python lists; same results. Lean OpenFisca: "
                f"{median([n / s for s in wall['lean']]):,.0f} households/s"
            ),
        ),
        ratio_row(
            "ours vs OpenFisca, lean build, CPU time, same round",
            cpu["lean"],
            cpu["ours"],
        ),
        row(
            "OpenFisca builder, end to end",
            None,
            "households/s",
            rounds=[n / s for s in wall["builder"]],
        ),
        row(
            "OpenFisca lean, end to end", None, "households/s", rounds=[n / s for s in wall["lean"]]
        ),
        row("OpenFisca builder, CPU time a run", None, "s", rounds=cpu["builder"]),
        row("OpenFisca lean, CPU time a run", None, "s", rounds=cpu["lean"]),
        row(
            "OpenFisca medical relief off by >= 1 fen",
            drift,
            f"households ({drift / n:.3%})",
            target="(ours: exact)",
            better=None,
            note=(
                f"{drift / max(granted, 1):.2%} of the {granted:,} households granted "
                f"medical relief by either side: {both:,} granted by both with amounts "
                f"rounded differently, {drift - both:,} granted by one side only. "
                "OpenFisca: float32 yuan, round_(x, 2) of the float32 product (5,000.05 "
                "x 10% is 500.00497 in float32, so 500.00; exact half-up gives 500.01); "
                "ours: int64 fen, half-up"
            ),
        ),
        row(
            "OpenFisca eligibility differing from ours",
            differing["eligible"],
            "households",
            target="0",
            met=differing["eligible"] == 0,
            better=None,
            note=(
                "may open a file (困难职工 or 特困); by population: 困难职工 "
                f"{differing['kunnan']:,}, 特困 {differing['tekun']:,} differing. Not 0 "
                "means the two systems compute different rules: the ratio is then unfair"
            ),
        ),
        row(
            "OpenFisca 特困 differing from ours",
            differing["tekun"],
            "households",
            target="0",
            met=differing["tekun"] == 0,
            better=None,
            note="the population medical relief serves",
        ),
    ]
