"""Logging in, staying logged in across a reload, the pages of a role, and logging out, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.test_pages import query


def test_login_reload_and_logout(page: Page, app: App, requests_seen: list[str]) -> None:
    page.goto(app.url("register"))
    wait_for_app(page)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_role("link", name="绿色矿山名录")).to_have_count(0)  # nothing shown before the login

    page.get_by_label("账号", exact=True).fill("zuzhi")
    page.get_by_label("密码", exact=True).fill("wrong-1234")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("账号或密码不正确")).to_be_visible()
    assert query(app, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1") == [("登录失败",)]

    login(page, app, "zuzhi", DEMO_PASSWORD)
    expect(page.get_by_text("当前用户：组织者（组织者）")).to_be_visible()
    page.goto(app.url("register"))  # a reload: a new Streamlit session, still logged in
    wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("绿色矿山名录库")

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto(app.url("register"))  # the ended session does not come back with the cookie
    wait_for_app(page)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    actions = [a for (a,) in query(app, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 2")]
    assert actions == ["退出登录", "登录"]
    assert_all_local(requests_seen)


def test_a_viewer_sees_the_overview_and_the_map_only(page: Page, app: App, requests_seen: list[str]) -> None:
    login(page, app, "chakan")
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="矿山分布图")).to_be_visible()
    for hidden in ("绿色矿山名录", "抽取核查矿山与核查组", "现场核查记录", "设置", "账号管理"):
        expect(page.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    assert_all_local(requests_seen)


@pytest.mark.parametrize("path,title,user", [("inspections", "现场核查记录", "hecha1"), ("overview", "湖北省绿色矿山实地抽查核查", "chakan")])
def test_a_link_sent_to_a_colleague_opens_its_page(page: Page, campaign_app: App, requests_seen: list[str],
                                                   path: str, title: str, user: str) -> None:
    """The links people send: opened before logging in, the page itself comes after the login, and opened again
    (a new browser session with the cookie), it opens at once; never Streamlit's English 'Page not found'."""
    app = campaign_app
    page.goto(app.url(path))
    page.get_by_label("账号", exact=True).fill(user)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title)
    page.goto(app.url(path))
    wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title)
    page.wait_for_timeout(500)  # the modal comes after the page has run
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.url.endswith(f"/{path}")
    assert_all_local(requests_seen)


def test_a_page_the_role_may_not_open_says_so(page: Page, app: App, requests_seen: list[str]) -> None:
    login(page, app, "chakan")
    page.goto(app.url("register"))
    wait_for_app(page)
    expect(page.get_by_text("无权打开“绿色矿山名录”")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)  # nothing of the register is shown
    expect(page.get_by_test_id("stMain").get_by_role("link", name="总览")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert_all_local(requests_seen)
