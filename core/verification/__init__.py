"""Verification (核对): comparing what households declare with what other registers hold.

- :mod:`core.verification.facts`: what a roster can say, which declared facts it checks
- :mod:`core.verification.sources`: the sources a tenant declares (the hook)
- :mod:`core.verification.standard`: the 低保 roster and social-security records, ready-made
- :mod:`core.verification.adapters`: how rosters arrive (files; a service, as an example)
- :mod:`core.verification.roster`: importing a roster (IDs hashed on the way in), retention
- :mod:`core.verification.models`: the tables (migration 0019)
"""
