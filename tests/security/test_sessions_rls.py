"""Staff sessions through the serving role on PostgreSQL: it may start, resolve, touch and
end them, a session is read only under its own tenant, and it may not delete them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.auth.accounts import authenticate, create_user
from core.auth.principal import Principal
from core.auth.sessions import end_session, end_sessions_of, resolve_session, start_session
from core.db.session import session_factory, tenant_scope

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"


def test_the_serving_role_keeps_sessions_behind_the_tenant_wall(app_url, database_url):
    zhao = Principal("zhao", "hebei", "approver")
    with session_factory(database_url)() as owner:  # accounts are the owner's to make
        for p in (zhao, Principal("liu", "gansu", "caseworker")):
            create_user(owner, p.tenant, p.user, p.role, PASSWORD, {"hebei", "gansu"})
    with session_factory(app_url)() as db:
        # the serving role starts a session only for an account that just signed in
        authenticate(db, "hebei", "zhao", PASSWORD)
        authenticate(db, "gansu", "liu", PASSWORD)
        start = datetime.now(UTC) - timedelta(minutes=5)
        sid = start_session(db, zhao, via="password", now=start)
        gansu = start_session(db, Principal("liu", "gansu", "caseworker"), via="password")
        assert resolve_session(db, sid) == zhao  # touched: five minutes idle
        assert db.scalar(text("select count(*) from staff_sessions")) == 0  # no tenant: none
        db.rollback()
        with tenant_scope(db, "gansu"):
            assert db.scalars(text('select "user" from staff_sessions')).all() == ["liu"]
            with pytest.raises(DBAPIError):
                db.execute(text("delete from staff_sessions"))
            db.rollback()
        end_session(db, sid)
        assert resolve_session(db, sid) is None
        assert end_sessions_of(db, "gansu", "liu") == 1
        assert resolve_session(db, gansu) is None
