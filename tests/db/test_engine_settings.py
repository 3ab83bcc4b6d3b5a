"""Every PostgreSQL connection of the application has a statement_timeout (a setting)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.db.session import make_engine


@pytest.mark.postgres
def test_postgres_connections_have_a_statement_timeout(postgres_url, monkeypatch):
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("show statement_timeout")) == "30s"
    finally:
        engine.dispose()
    monkeypatch.setenv("BANGFU_STATEMENT_TIMEOUT_MS", "1500")
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("show statement_timeout")) == "1500ms"
            with pytest.raises(Exception, match="statement timeout"):
                connection.execute(text("select pg_sleep(3)"))
    finally:
        engine.dispose()
