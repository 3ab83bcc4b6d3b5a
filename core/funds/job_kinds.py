"""A payment run (清册) as a job (:mod:`core.jobs`): ``startPaymentRun`` queues it, a worker
makes it, with the rights of the member of staff who asked (checked again when it runs).

``payment_run``: ``{period, source}``; the result is the run's id, the payments this run
added, the run's payments and their total in fen. Running a period again adds only what
is missing, so a run tried again after its worker died pays nobody twice.
"""

from __future__ import annotations

from typing import Any

from core.jobs.kinds import JobContext


def payment_run(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    from core.funds.service import FundsService

    with context.session() as session:
        service = FundsService(session, context.registry)
        made = service.run(context.principal, params["period"], params["source"], context.of)
        return {
            "run": made.run.id,
            "created": made.created,
            "payments": made.total,
            "totalFen": made.total_fen,
        }
