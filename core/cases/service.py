"""The case service: opening a file, taking a step, reading files, for a principal.

Every function takes the principal who asks and enforces tenant scoping: a file of another
tenant answers exactly like a missing one (``NOT_FOUND``); anonymous callers are
``UNAUTHENTICATED``; the national level sees statistics, never a file. A refused request
changes nothing: each mutation is one transaction, committed only when every check passed
and rolled back on any refusal.

Each step stores its determination record (:mod:`core.workflow.determination`): the facts
(ID numbers masked), the outcome, the parameter values with their effective dates, the
rule set and plugin versions.

The service is made of one module per concept, each a part of :class:`CaseService`:

- :mod:`core.cases.access`: the principal a call is made for, tenant walls, the call's
  transaction, quota counts
- :mod:`core.cases.steps`: a step's record (paper date, history entry, summary columns)
- :mod:`core.cases.opening`: opening files (``openCase``)
- :mod:`core.cases.stepping`: taking a step (``transition``)
- :mod:`core.cases.new_facts` and :mod:`core.cases.four_eyes`: new facts on a decided file
  wait for a second person (``decideFacts``)
- :mod:`core.cases.duplicates`: 不重复建档
- :mod:`core.cases.viewing` and :mod:`core.cases.reading`: files as a principal may see
  them (``case``, ``cases``, ``overdueCases``, by ID number)
- :mod:`core.cases.worklist`: the staff pages' worklist
- :mod:`core.cases.statistics`: counts per tenant, small ones suppressed
"""

from __future__ import annotations

from core.cases.opening import Opening
from core.cases.reading import Reading
from core.cases.statistics import SMALLEST_SHOWN, Statistics, suppress
from core.cases.stepping import Stepping, carried_identities
from core.cases.steps import case_state
from core.cases.worklist import Worklist

__all__ = ["SMALLEST_SHOWN", "CaseService", "carried_identities", "case_state", "suppress"]


class CaseService(Opening, Stepping, Reading, Worklist, Statistics):
    """Case files of every tenant, read and changed on behalf of a principal.

    :param session: the request's database session (the service commits its mutations)
    :param registry: the loaded tenants
    :param calendar: working days (default: :func:`core.calendar.default_calendar`)
    :param today: the date "today" means: the server's clock (:func:`core.clock.today`,
        pinned by ``$BANGFU_TODAY``); tests may pass their own
    """
