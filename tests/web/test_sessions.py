"""Staff sign-in makes a server-side session: the cookie holds its id, never the bearer
token; signing out (or revoking the token) ends it on the server; the form token is bound
to the session; a form from another origin is refused."""

from __future__ import annotations

from litestar.testing import TestClient

from core.auth.tokens import find_token, revoke_tokens
from core.db.request import STATE_KEY
from core.db.session import session_factory
from tests.web.conftest import Browser, household_form


def _session_cookie(response) -> str:
    cookie = next(c for c in response.headers.get_list("set-cookie") if "bangfu_staff=" in c)
    return cookie.split("bangfu_staff=", 1)[1].split(";", 1)[0].strip('"')


def _replay(app, cookie: str):
    """Another browser that copied the cookie."""
    with TestClient(app) as thief:
        thief.cookies.set("bangfu_staff", cookie, path="/staff")
        return thief.get("/staff/hebei/cases", follow_redirects=False)


def test_the_cookie_holds_a_session_id_never_the_token(browser, tokens):
    token = tokens["hebei", "caseworker"]
    response = browser.sign_in("hebei", token)
    cookie = _session_cookie(response)
    assert cookie and token not in cookie and not cookie.startswith("bf_")
    assert token.removeprefix("bf_") not in cookie
    assert browser.get("/staff/hebei/cases").status_code == 200


def test_signing_out_ends_the_session_on_the_server(app, browser, tokens):
    response = browser.sign_in("hebei", tokens["hebei", "reviewer"])
    cookie = _session_cookie(response)
    assert _replay(app, cookie).status_code == 200  # a copy works while signed in ...
    assert browser.post("/staff/hebei/sign-out", {}).status_code == 303
    assert _replay(app, cookie).status_code == 401  # ... and not after signing out


def test_revoking_the_token_ends_its_sessions(app, browser, tokens):
    token = tokens["hebei", "approver"]
    browser.sign_in("hebei", token)
    assert browser.get("/staff/hebei/cases").status_code == 200
    with session_factory(app.state[STATE_KEY])() as session:
        revoke_tokens(session, ids=[find_token(session, token).id])
    assert browser.get("/staff/hebei/cases").status_code == 401


def test_signing_in_again_ends_the_previous_session(app, browser, tokens):
    first = _session_cookie(browser.sign_in("hebei", tokens["hebei", "caseworker"]))
    browser.get("/staff/hebei")
    again = browser.post("/staff/hebei/sign-in", {"token": tokens["hebei", "reviewer"]})
    assert again.status_code == 303
    assert _session_cookie(again) != first
    assert _replay(app, first).status_code == 401


def test_the_form_token_is_bound_to_the_session(app, browser, tokens, web_client):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    browser.get("/staff/hebei/cases/new")
    mine = browser.form_token
    # another member of staff's own, valid form token does not work in my session
    with TestClient(app) as other_client:
        other = Browser(other_client)
        other.sign_in("hebei", tokens["hebei", "reviewer"])
        other.get("/staff/hebei/cases/new")
        theirs = other.form_token
    assert theirs != mine
    form = {**household_form(), "on": "2026-09-24", "csrf": theirs}
    assert browser.post("/staff/hebei/cases/new", form, form_token=False).status_code == 403
    # the form token of before signing in does not carry over either
    browser.forget()
    browser.get("/staff/hebei")
    anonymous = browser.form_token
    browser.post("/staff/hebei/sign-in", {"token": tokens["hebei", "caseworker"]})
    form["csrf"] = anonymous
    assert browser.post("/staff/hebei/cases/new", form, form_token=False).status_code == 403
    browser.get("/staff/hebei/cases")
    listing = browser.get("/staff/hebei/cases")
    assert "张三" not in listing.text  # nothing was opened


def test_a_form_from_another_origin_is_refused(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    browser.get("/staff/hebei/cases/new")
    form = {"csrf": browser.form_token, **household_form(), "on": "2026-09-24"}
    for headers in ({"origin": "https://evil.example"}, {"origin": "null"}):
        refused = browser.client.post(
            "/staff/hebei/cases/new", data=form, headers=headers, follow_redirects=False
        )
        assert refused.status_code == 403
        assert "其他网站" in refused.text and "another site" in refused.text
    cross = browser.client.post(
        "/staff/hebei/cases/new",
        data=form,
        headers={"sec-fetch-site": "cross-site"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    assert "张三" not in browser.get("/staff/hebei/cases").text
    same = browser.client.post(
        "/staff/hebei/cases/new",
        data=form,
        headers={"origin": "http://testserver.local"},
        follow_redirects=False,
    )
    assert same.status_code == 303, same.text


def test_cookies_are_secure_over_https(app, tokens):
    with TestClient(app, base_url="https://testserver.local") as client:
        browser = Browser(client)
        response = browser.sign_in("hebei", tokens["hebei", "caseworker"])
        cookies = response.headers.get_list("set-cookie")
        assert all("Secure" in c for c in cookies if "bangfu_" in c), cookies
