"""The draw in a real browser: create the campaign, freeze, witnesses' input, draw, see the result."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.test_pages import query


def eventually(read, timeout: float = 15.0):
    """The first truthy value ``read()`` returns: the page writes after the click, not before."""
    deadline = time.monotonic() + timeout
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert value, "the expected write did not happen"
    return value


def click(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    wait_for_app(page)


def test_the_draw_flow(page: Page, app: App, requests_seen: list[str]) -> None:
    login(page, app)
    page.goto(app.url("sampling"))
    wait_for_app(page)
    empty = page.get_by_text("还没有核查任务")
    expect(empty.or_(page.get_by_text("一、抽取范围与分层")).first).to_be_visible()
    if empty.count():
        click(page, "创建核查任务")
    expect(page.get_by_text("一、抽取范围与分层")).to_be_visible()
    click(page, "冻结名录并生成承诺值")
    click(page, "确认冻结")
    commitment = eventually(lambda: query(app, "SELECT commitment FROM draws WHERE status = '已冻结'"))[0][0]
    expect(page.get_by_text(commitment)).to_be_visible()
    page.get_by_label("见证人现场提供的输入").fill("现场宣读 83721 45129")
    page.get_by_label("见证人现场提供的输入").press("Control+Enter")
    wait_for_app(page)
    click(page, "执行抽取")
    click(page, "确认抽取")
    expect(page.get_by_text("抽取完成，结果已锁定。")).to_be_visible()
    drawn = eventually(lambda: query(app, "SELECT COUNT(*) FROM campaign_mines")[0][0])
    expect(page.get_by_test_id("stMetric").filter(has_text="抽取矿山")).to_contain_text(f"{drawn} 座")
    expect(page.get_by_role("button", name="下载抽签记录（JSON，可复核）")).to_be_visible()
    with page.expect_download() as caught:
        page.get_by_role("button", name="下载抽签记录（PDF）").click()
    assert caught.value.suggested_filename.endswith("抽签记录（第1次）.pdf")
    click(page, "抽取核查组")
    click(page, "确认抽取核查组")
    expect(page.get_by_text("核查组已抽取。")).to_be_visible()
    assert eventually(lambda: query(app, "SELECT COUNT(DISTINCT team_no) FROM team_members")[0][0]) >= 1
    assert_all_local(requests_seen)
