"""A kind of job for the tests: steps of a pause each, reporting progress, cheap on CPU
(the real kinds, simulations and payment runs, are tested through GraphQL)."""

from __future__ import annotations

import os
import time
from typing import Any

from core.jobs.kinds import JobContext, register

STEPS = "test.steps"


def steps(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    for _ in range(params["steps"]):
        time.sleep(params["pause"])
        context.progress(1)
    return {"steps": params["steps"], "pid": os.getpid()}


register(STEPS, steps)
