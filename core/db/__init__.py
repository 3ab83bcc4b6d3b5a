"""Persistence: SQLAlchemy 2 models, engines and sessions, migrations and repositories.

- :mod:`core.db.models`       the schema (Alembic owns the DDL, ``migrations/``)
- :mod:`core.db.session`      engines for SQLite and PostgreSQL, tenant-bound sessions
- :mod:`core.db.migrate`      ``upgrade(url)``: Alembic from code
- :mod:`core.db.setup`        ``prepare_database(url, demo=True)`` for ``bangfu serve``
- :mod:`core.db.facts_row`    a household's derived facts as one row, for batch review
- :mod:`core.db.repositories` the queries the case service and the review need
- :mod:`core.db.testing`      isolated databases for tests (SQLite file, PostgreSQL db)
"""
