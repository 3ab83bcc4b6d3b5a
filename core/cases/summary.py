"""A determination summarised in a few columns of the case row.

Lists, quotas, statistics and the periodic review read these instead of the full record:
the grounds (criteria codes), the national target groups, and the entitlements as one
canonical string (``living_relief=790.00;medical_relief=2400.00``, ``*`` for in kind)
that the review compares to decide whether entitlements changed. The single and batch
paths produce the same string for the same household.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import numpy as np

from core.evaluation import BatchEvaluation, Evaluation

IN_KIND = "*"


def _amount(fen: int | None) -> str:
    if fen is None:
        return IN_KIND
    return f"{fen // 100}.{fen % 100:02d}"


def entitlement_key(pairs: Iterable[tuple[str, Decimal | None]]) -> str:
    """The canonical string of ``(programme, amount in yuan or None)`` pairs."""
    items = sorted((code, None if amount is None else int(amount * 100)) for code, amount in pairs)
    return ";".join(f"{code}={_amount(fen)}" for code, fen in items)


def evaluation_entitlements(evaluation: Evaluation) -> str:
    return entitlement_key((e.programme, e.amount) for e in evaluation.entitlements)


def batch_entitlements(batch: BatchEvaluation) -> list[str]:
    """The canonical strings of every household of a batch, in order."""
    parts: list[list[str]] = [[] for _ in range(batch.size)]
    for code in sorted(batch.grants):
        grant = batch.grants[code]
        granted = np.flatnonzero(np.asarray(grant.granted, dtype=bool))
        if grant.amount is None:
            for index in granted.tolist():
                parts[index].append(f"{code}={IN_KIND}")
            continue
        amounts = np.broadcast_to(np.asarray(grant.amount, dtype=np.int64), (batch.size,))
        for i, fen in zip(granted.tolist(), amounts[granted].tolist(), strict=True):
            parts[i].append(f"{code}={_amount(fen)}")
    return [";".join(p) for p in parts]


def grounds(evaluation: Evaluation, notes: dict[str, str] | None = None) -> str:
    """The criteria a file rests on: the evaluation's reasons (a ground a reviewer recorded
    on the file, Hebei's (g), is among them when the file is evaluated with it)."""
    return ",".join(sorted(r.code for r in evaluation.reasons))
