"""``/``: a person who opens the server's address finds its three entrances, and each
one opens."""

from __future__ import annotations

import re

from core.web.presenters import brand_of, staff_tenants
from tests.web.conftest import check_page


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"#]+)"', html)


def test_the_front_page_names_every_entrance_in_chinese_first(browser, app):
    response = check_page(browser.get("/"))
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    for words in ("困难职工帮扶", "工作人员页面", "全国对比", "数据接口"):
        assert words in response.text
    hrefs = links(response.text)
    assert "/national/" in hrefs
    assert "/graphql" in hrefs
    served = staff_tenants(app.state.registry)
    assert served, "the test application serves no region"
    for tenant in served:
        brand = brand_of(tenant)
        assert f"{brand.base}/" in hrefs
        assert brand.display_name in response.text


def test_every_entrance_on_the_front_page_opens(browser):
    for href in links(check_page(browser.get("/")).text):
        if href.startswith("/staff/static") or not href.startswith("/"):
            continue
        opened = check_page(browser.get(href))
        assert opened.status_code == 200, href
