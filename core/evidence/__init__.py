"""Evidence documents on a file (材料): the 低保 certificate, hospital bills, income
statements, the signed application, scanned or photographed at the survey.

- :mod:`core.evidence.kinds`: the kinds of document
- :mod:`core.evidence.checks`: what is accepted: PDF, JPEG, PNG by content, size limits
- :mod:`core.evidence.storage`: where the bytes live (database or folder), by content hash
- :mod:`core.evidence.documents`: upload (hash into the event chain), list, read (audited),
  and the check ``bangfu audit verify`` makes
- :mod:`core.evidence.models`: the tables (migration 0019b)
"""
