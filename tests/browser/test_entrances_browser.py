"""The server's front page in a real browser: accessible, and its links lead on."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_accessible, shot


def test_from_the_front_page_to_a_regions_sign_in_and_to_the_national_comparison(page):
    page.goto("/")
    assert "困难职工帮扶" in page.title()
    assert page.get_by_role("heading", name=re.compile("^工作人员页面")).is_visible()
    assert_accessible(page, "entrances")
    shot(page, "entrances")

    page.get_by_role("link", name=re.compile("^河北省总工会")).click()
    page.wait_for_url("**/staff/hebei/")
    assert page.get_by_label("用户名").is_visible()

    page.goto("/")
    page.get_by_role("link", name=re.compile("^进入全国对比")).click()
    page.wait_for_url(re.compile(r".*/national/?$"))
    assert page.get_by_role("heading", name=re.compile("^全国对比")).is_visible()
