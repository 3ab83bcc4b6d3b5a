"""Relief is given once per period, in one form: a bank payment or a distribution line
(goods, vouchers), never both.

The service looks first and refuses with a clear error (:func:`given_in_kind` in
:mod:`core.funds.in_kind`, and the line's own check there); the database is the last
wall (migration 0016f: triggers on both tables, whatever path writes). When two writers
race past the service's look, the database's refusal is told apart from the other unique
keys by :func:`given_in_another_form` and answered with the same clear error.
"""

from __future__ import annotations

#: The marker in the database's refusal (migration 0016f).
MARKER = "relief_once_across_forms"


def given_in_another_form(error: BaseException) -> bool:
    """Whether a database error (SQLAlchemy's or the driver's) is 0016f's refusal."""
    original = getattr(error, "orig", None) or error
    diag = getattr(original, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None) == MARKER:
        return True
    return MARKER in str(original)
