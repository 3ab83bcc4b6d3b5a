"""Case files move through a tenant's procedure; this package enforces it.

- :mod:`core.workflow.procedure`  what a tenant declares: statuses, actions, deadlines,
  the review schedule (``bangfu_procedure``, ``bangfu_review_schedule``)
- :mod:`core.workflow.guards`     the library of guards, with bilingual refusals
- :mod:`core.workflow.state`      what the engine knows of a file (no database)
- :mod:`core.workflow.engine`     :class:`Workflow`: decides a step or refuses it
- :mod:`core.workflow.deadlines`  deadlines in working days (:mod:`core.calendar`)
- :mod:`core.workflow.determination`  on what facts and rules a step was decided
- :mod:`core.workflow.conformance`    reachability, dead ends, library guards
"""
