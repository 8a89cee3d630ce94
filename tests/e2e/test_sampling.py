"""The draw in a real browser: create the campaign, freeze, witnesses' input, draw, see the result."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from core import campaigns, sampling
from core import db as dbmod
from core.access import System
from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.conftest import start_app, stop
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


@pytest.fixture(scope="module")
def twins_app(tmp_path_factory: pytest.TempPathFactory):
    """The app with two campaigns of the same title, as a database from before titles were unique holds."""
    server, running = start_app(tmp_path_factory.mktemp("e2e-twins"))
    database = dbmod.connect(running.data_dir / "greenmine.db")
    running.first = campaigns.create(database, date.today().year, "湖北省核查",
                                     campaigns.default_deadline(date.today().year), sampling.Rules(), [], System("组织者"))
    database.execute("INSERT INTO campaigns (year, title, deadline, rules, ministry_direct, created_at, updated_at) "
                     "SELECT year, title, deadline, rules, ministry_direct, created_at, updated_at FROM campaigns")
    running.second = running.first + 1
    database.close()
    yield running
    stop(server)


def ratios(app: App) -> dict[int, float]:
    return {row[0]: json.loads(row[1])["ratio"] for row in query(app, "SELECT id, rules FROM campaigns")}


def chooser(page: Page):
    return page.get_by_role("combobox", name="核查任务")


def save_ratio(page: Page, percent: int) -> None:
    field = page.get_by_role("spinbutton", name="抽查比例（%）").first
    field.fill(str(percent))
    field.press("Enter")
    wait_for_app(page)
    click(page, "保存任务设置")


def test_the_chosen_campaign_stays_chosen_across_edits(page: Page, twins_app: App) -> None:
    """Choose the first of two campaigns of the same title, then edit it several times, renaming it too:
    every save goes to the first, never to the other one."""
    app = twins_app
    login(page, app)
    page.goto(app.url("sampling"))
    wait_for_app(page)
    page.get_by_role("combobox", name="核查任务").click()
    page.get_by_role("option", name=f"湖北省核查（编号 {app.first}，未抽取）").click()
    wait_for_app(page)
    expect(chooser(page)).to_have_value(f"湖北省核查（编号 {app.first}，未抽取）")
    expect(page.locator(f".st-key-rules_{app.first}_ratio")).to_be_visible()  # its form is drawn
    save_ratio(page, 30)
    assert eventually(lambda: ratios(app)[app.first] == 0.3)
    save_ratio(page, 40)
    assert eventually(lambda: ratios(app)[app.first] == 0.4)
    title = page.get_by_role("textbox", name="任务名称").first
    title.fill("湖北省核查（第一批）")
    title.press("Enter")
    wait_for_app(page)
    click(page, "保存任务设置")
    assert eventually(lambda: query(app, f"SELECT title FROM campaigns WHERE id = {app.first}")[0][0]
                      == "湖北省核查（第一批）")
    save_ratio(page, 50)
    assert eventually(lambda: ratios(app)[app.first] == 0.5)
    assert ratios(app)[app.second] == 0.2
    expect(chooser(page)).to_have_value("湖北省核查（第一批）（未抽取）")
