"""Alembic migrations of the Bangfu database (run with ``bangfu db upgrade``).

Installed with the project so that ``bangfu`` finds them wherever it runs; see
:mod:`core.db.migrate` for the programmatic configuration (no ``alembic.ini``).
"""
