"""No resident ID number is written to a log in full.

Every log record made in a process that imports :mod:`core` has anything shaped like a
resident ID number (17 digits and a digit or X, or the old 15 digits, standing alone)
masked the way the case files show it: ``**************002X`` (the last four only). That
covers the message with its arguments, the traceback and the stack of the record, for
every logger (ours, strawberry's, Litestar's, uvicorn's, SQLAlchemy's echo), because the
masking is done where records are made (:func:`logging.setLogRecordFactory`), before any
handler or filter sees them. :class:`IdNumberFilter` does the same as a filter, for
handlers configured elsewhere; it is also put on the root and ``bangfu`` loggers.

Written with spaces or dashes between its groups, in full-width or other digits, or
glued to Latin letters, it is masked all the same. Other numbers of that shape (an
18-digit serial, say) are masked too: better too much than too little. Request bodies and GraphQL variables are never logged by the
application (see the README, Security); this is the net under that rule.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: a digit of any script (ASCII, full-width ``１``...), and the check character X
_D = r"\d"
_X = r"[\dXxＸｘ]"
#: one separator a person puts between the groups: a space (also full-width), a hyphen
#: or dash of any kind
_SEP = r"[ \t\u00a0\u3000\-\u2010-\u2015\u2212\uff0d]?"
#: 6 digits of region, 8 of birth date, 3 of sequence and a check character (or the first
#: generation's 15 digits: 6, 6, 3), written together or in the groups people write them
#: in (``110105 19751226 2325``, ``110105-1975-1226-2325``), in any script's digits, not
#: inside a longer run of digits. Letters around it do not hide it (``ID110105...X``).
ID_PATTERN = re.compile(
    rf"(?<!\d)(?:{_D}{{6}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}{_SEP}{_D}{{3}}{_X}"
    rf"|{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}})(?!\d)"
)
_FORMATTER = logging.Formatter()


def _mask(found: re.Match[str]) -> str:
    """Everything but the last four characters starred (separators too)."""
    text = found.group(0)
    return "*" * (len(text) - 4) + text[-4:]


def mask_ids(text: str) -> str:
    """``text`` with every resident-ID-shaped number masked (the last four kept)."""
    if len(text) < 15:
        return text
    return ID_PATTERN.sub(_mask, text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record`` in place: message and arguments (formatted now), traceback, stack."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: let logging report it as it always does
        return record
    masked = mask_ids(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_ids(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_ids(record.stack_info)
    return record


class IdNumberFilter(logging.Filter):
    """A logging filter that masks resident ID numbers and lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install() -> None:
    """Mask every record made from now on in this process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_id_numbers", False):

        def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return mask_record(factory(*args, **kwargs))

        masking_factory.masks_id_numbers = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(masking_factory)
    for logger in (logging.getLogger(), logging.getLogger("bangfu")):
        if not any(isinstance(f, IdNumberFilter) for f in logger.filters):
            logger.addFilter(IdNumberFilter())
