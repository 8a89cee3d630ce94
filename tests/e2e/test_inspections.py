"""An inspection record filled, photographed, confirmed and submitted in a real browser."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from core import accounts
from core import db as dbmod
from core import demo, inspections
from core.access import INSPECTOR, System
from core.labels import AREAS
from tests.e2e.browser import DEMO_PASSWORD, App, assert_all_local, choose, login, wait_for_app
from tests.e2e.conftest import ARTIFACTS, start_app, stop
from tests.e2e.test_pages import query
from tests.e2e.test_sampling import click, eventually
from tests.photos import make_photo


@pytest.fixture(scope="module")
def drawn_app(tmp_path_factory: pytest.TempPathFactory):
    """The app with a campaign whose mines and teams are drawn."""
    server, running = start_app(tmp_path_factory.mktemp("e2e-records"))
    database = dbmod.connect(running.data_dir / "greenmine.db")
    campaign = demo.start_campaign(database)
    first = inspections.campaign_records(database, campaign).iloc[0]
    running.mine = dict(first)
    running.team = inspections.team_of(database, inspections.open_record(database, campaign, int(first["id"]), System("组织者")))
    for member in running.team:  # each member confirms from their own account
        accounts.create_user(database, f"m{member['inspector_id']}", member["name"], INSPECTOR, DEMO_PASSWORD, System("测试"),
                             inspector_id=member["inspector_id"], must_change=False)
    database.close()
    yield running
    stop(server)


def saved(app: App, field: str) -> str:
    """A field of the record as stored on the server."""
    return json.loads(query(app, "SELECT content FROM records")[0][0]).get(field, "")


def confirm_as(browser, app: App, member: dict, proxy_for: dict | None = None, reason: str = "") -> None:
    """``member`` logs in on a device of their own and confirms the record, or confirms it for ``proxy_for``
    (代签) with ``reason``."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, app, f"m{member['inspector_id']}")
        pick_record(page, app, app.mine["name"])
        page.get_by_role("tab", name="签字与提交").click()
        wait_for_app(page)
        if proxy_for is None:
            click(page, "本人组长签字" if member["role"] == "组长" else "本人确认")
            expect(page.get_by_text(f"{member['name']}已确认核查记录")).to_be_visible()
        else:
            page.get_by_text(f"为{proxy_for['name']}代签").click()
            page.get_by_label("代签原因（必填）").fill(reason)
            page.get_by_label("代签原因（必填）").press("Enter")
            wait_for_app(page)
            click(page, "代签（组长签字）" if proxy_for["role"] == "组长" else "代签（确认）")
            expect(page.get_by_text(f"已为{proxy_for['name']}代签")).to_be_visible()
    finally:
        context.close()


def test_fill_photograph_sign_and_submit(page: Page, browser, drawn_app: App, requests_seen: list[str], tmp_path) -> None:
    app = drawn_app
    login(page, app)
    page.goto(app.url("inspections"))
    wait_for_app(page)
    page.get_by_role("combobox", name="选择矿山，填写或查看核查记录").click()
    page.get_by_role("option", name=app.mine["name"], exact=False).first.click()
    wait_for_app(page)
    expect(page.get_by_text("草稿 · 每项修改即时保存")).to_be_visible()

    page.get_by_role("spinbutton", name="年，核查开始日期").click()  # ui/zh.js translates "year, …"
    page.keyboard.type("20231102")
    page.keyboard.press("Escape")
    page.locator("[data-testid='stMain'] h1").first.click()
    wait_for_app(page)
    assert eventually(lambda: saved(app, "date_from") == "2023-11-02")
    for question in ("证照合法有效", "未越界开采", "无未整改的行政处罚"):
        page.get_by_role("radiogroup", name=question).get_by_text("是", exact=True).click()
        wait_for_app(page)
    assert eventually(lambda: saved(app, "legal_penalty") == "是")

    page.get_by_role("tab", name="六个方面核查情况").click()
    wait_for_app(page)
    for index in range(len(AREAS)):
        page.get_by_role("radiogroup").nth(index).get_by_text("未发现问题", exact=True).click()
        wait_for_app(page)
        # Each choice is on the server before the next: the test does not race the page's reruns.
        assert eventually(lambda: saved(app, f"area{index}_finding") == "未发现问题")
    checked = page.get_by_label("核查方式（资料、地点、人员）").first
    checked.fill("查阅土地复垦方案；现场查看排土场")
    checked.press("Enter")
    wait_for_app(page)
    assert eventually(lambda: saved(app, "area0_checked") == "查阅土地复垦方案；现场查看排土场")

    page.get_by_role("tab", name="结论与处理").click()
    wait_for_app(page)
    page.get_by_label("核查结论：是否符合绿色矿山标准").get_by_text("是", exact=True).click()
    wait_for_app(page)
    assert eventually(lambda: saved(app, "compliant") == "是")
    page.get_by_label("处理结论").get_by_text("保留", exact=True).click()
    wait_for_app(page)
    assert eventually(lambda: saved(app, "conclusion") == "保留")

    page.get_by_role("tab", name="核查影像").click()
    wait_for_app(page)
    expect(page.get_by_text("还缺少以下重点区域的照片：矿容矿貌、开采区、生态修复区")).to_be_visible()
    for number, area in enumerate(("矿容矿貌", "开采区", "生态修复区"), start=1):
        choose(page, "所属区域或方面", area)
        photo = tmp_path / f"IMG_000{number}.jpg"
        photo.write_bytes(make_photo(seed=10 + number, taken_at="2023-11-02T10:30:00"))
        # The browser sends the file to the server as soon as it is chosen; the form is submitted after that.
        with page.expect_response(lambda response: "upload_file" in response.url and response.ok):
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(photo))
        expect(page.get_by_test_id("stFileChipName").filter(has_text=photo.name)).to_be_visible()
        page.get_by_role("button", name="上传", exact=True).click()
        wait_for_app(page)
        assert eventually(lambda: query(app, "SELECT COUNT(*) FROM evidence WHERE area = ?", (area,))[0][0] == 1)
    expect(page.get_by_text("无GPS位置").first).to_be_visible()
    expect(page.get_by_text("还缺少以下重点区域的照片")).to_have_count(0)

    page.get_by_role("tab", name="签字与提交").click()
    wait_for_app(page)
    expect(page.get_by_text("签字确认须由核查组成员本人登录后进行。")).to_be_visible()  # the organizer
    members = [m for m in app.team if m["role"] != "组长"]
    leader = next(m for m in app.team if m["role"] == "组长")
    confirm_as(browser, app, members[0])
    confirm_as(browser, app, members[0], proxy_for=members[1], reason="现场共用一台平板")
    for member in members[2:]:
        confirm_as(browser, app, member)
    confirm_as(browser, app, leader)
    pick_record(page, app, app.mine["name"])  # the organizer's page again, with the confirmations
    page.get_by_role("tab", name="签字与提交").click()
    wait_for_app(page)
    expect(page.get_by_text(f"代签：{members[1]['name']}（由{members[0]['name']}代签，原因：现场共用一台平板）")).to_be_visible()
    click(page, "提交核查记录")
    click(page, "确认提交")
    expect(page.get_by_text("核查记录已提交并锁定")).to_be_visible()
    assert eventually(lambda: query(app, "SELECT status FROM records")[0][0] == "已提交")
    with page.expect_download() as caught:
        page.get_by_role("button", name="下载核查记录（PDF）").click()
    assert caught.value.suggested_filename == f"{app.mine['name']}国家级绿色矿山核查记录表.pdf"
    with page.expect_download() as caught:
        page.get_by_role("button", name="下载打印签字版（PDF）").click()
    assert caught.value.suggested_filename == f"{app.mine['name']}国家级绿色矿山核查记录表（打印签字版）.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inspection-submitted.png"), full_page=True)
    assert_all_local(requests_seen)


def test_a_new_record_stays_open_after_its_first_save(page: Page, drawn_app: App, requests_seen: list[str]) -> None:
    """The first save moves the mine from 待核查 to 核查中: the chosen mine must stay chosen."""
    app = drawn_app
    name, mine_id = query(app, "SELECT m.name, m.id FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
                               "WHERE c.mine_id NOT IN (SELECT mine_id FROM records) ORDER BY c.ticket LIMIT 1")[0]
    login(page, app)
    pick_record(page, app, name)
    page.get_by_role("tab", name="结论与处理").click()
    wait_for_app(page)
    page.get_by_label("处理结论").get_by_text("保留", exact=True).click()
    wait_for_app(page)
    assert eventually(lambda: query(app, "SELECT json_extract(content, '$.conclusion') FROM records WHERE mine_id = ?",
                                    (mine_id,)) == [("保留",)])
    page.get_by_label("核查结论：是否符合绿色矿山标准").get_by_text("是", exact=True).click()
    wait_for_app(page)
    assert eventually(lambda: query(app, "SELECT json_extract(content, '$.compliant') FROM records WHERE mine_id = ?",
                                    (mine_id,)) == [("是",)])
    expect(page.get_by_text("草稿 · 每项修改即时保存")).to_be_visible()
    assert_all_local(requests_seen)


def test_every_section_of_the_record_is_in_sight_on_a_tablet(browser, drawn_app: App) -> None:
    """1024 × 768 with the tablet's text at 125 %: the seven sections' labels fit, none behind an arrow."""
    app = drawn_app
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, has_touch=True)
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, app)
        open_new_record(page, app, "基本信息")
        page.add_style_tag(content="html { font-size: 125% !important; }")
        bar = page.get_by_role("tablist").first
        bar.scroll_into_view_if_needed()
        area = bar.bounding_box()
        labels = ["基本信息", "六个方面核查情况", "评价指标（可选）", "结论与处理", "核查影像", "签字与提交", "版本与更正"]
        for label in labels:
            box = page.get_by_role("tab", name=label).bounding_box()
            assert box is not None, label
            assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"], label
            assert 0 <= box["x"] and box["x"] + box["width"] <= 1024, label
            assert 0 <= box["y"] and box["y"] + box["height"] <= 768, label
        assert page.locator("[data-testid='stTabsScrollRight'], [data-testid='stTabsScrollLeft']").count() == 0
        page.get_by_role("tab", name="签字与提交").click()
        wait_for_app(page)
        expect(page.get_by_text("全组成员逐一登录本人账号确认记录内容")).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inspection-tablet.png"))
    finally:
        context.close()
    assert_all_local(seen)


def open_new_record(page: Page, app: App, tab: str) -> tuple[int, int]:
    """Open the record of a drawn mine nobody has opened yet, on ``tab``; returns (mine id, record id)."""
    name, mine_id = query(app, "SELECT m.name, m.id FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
                               "WHERE c.mine_id NOT IN (SELECT mine_id FROM records) ORDER BY c.ticket LIMIT 1")[0]
    pick_record(page, app, name)
    page.get_by_role("tab", name=tab).click()
    wait_for_app(page)
    return mine_id, query(app, "SELECT id FROM records WHERE mine_id = ?", (mine_id,))[0][0]


def pick_record(page: Page, app: App, name: str) -> None:
    page.goto(app.url("inspections"))
    wait_for_app(page)
    page.get_by_role("combobox", name="选择矿山，填写或查看核查记录").click()
    page.keyboard.type(name)  # the list is long: typing filters it
    page.get_by_role("option", name=name, exact=False).first.click()
    wait_for_app(page)


class Cable:
    """The page's connection to the server, which a test can pull out and plug in again: the websocket
    goes through Playwright, and the browser is set offline (as when a tablet loses the wireless)."""

    def __init__(self, page: Page):
        self.page, self.sockets, self.cut = page, [], False
        page.route_web_socket("**/_stcore/stream", self._connect)

    def _connect(self, socket) -> None:
        if self.cut:
            socket.close()
            return
        socket.connect_to_server()
        self.sockets.append(socket)

    def pull(self) -> None:
        self.cut = True
        self.page.context.set_offline(True)
        for socket in self.sockets:
            socket.close()
        self.sockets.clear()

    def plug(self) -> None:
        self.cut = False
        self.page.context.set_offline(False)


def stored_soon(page: Page, read, expected: str) -> None:
    """Wait until ``read()`` gives ``expected``, letting Playwright serve the page meanwhile (the websocket
    goes through the test: a bare sleep would hold up the reconnection)."""
    for _ in range(150):
        if read() == expected:
            return
        page.wait_for_timeout(200)
    assert read() == expected


def remarks(app: App, record_id: int) -> str:
    return query(app, "SELECT json_extract(content, '$.remarks') FROM records WHERE id = ?", (record_id,))[0][0]


OFFLINE = "与服务器的连接已断开，刚才的输入尚未保存，请勿关闭页面"


def test_each_field_shows_its_save_state_and_a_lost_connection_loses_nothing(
        page: Page, drawn_app: App, requests_seen: list[str]) -> None:
    app = drawn_app
    cable = Cable(page)
    login(page, app)
    _, record_id = open_new_record(page, app, "结论与处理")
    box = page.get_by_label("备注")
    state = page.locator(f".st-key-r{record_id}g0_remarks .gm-save-state")

    box.fill("东侧边坡已复绿")
    expect(state).to_have_text("未保存")  # typed, not yet sent
    assert remarks(app, record_id) == ""
    box.press("Tab")
    expect(state).to_have_text("已保存")
    assert remarks(app, record_id) == "东侧边坡已复绿"

    box.fill("东侧边坡已复绿，西侧尚未复绿")
    cable.pull()
    banner = page.locator("#gm-connection-banner")
    expect(banner).to_be_visible(timeout=2000)
    expect(banner).to_contain_text(OFFLINE)
    expect(state).to_have_text("未保存")
    page.wait_for_timeout(1500)  # Streamlit has noticed too and disabled the fields
    expect(box).to_have_value("东侧边坡已复绿，西侧尚未复绿")
    assert remarks(app, record_id) == "东侧边坡已复绿"
    kept = page.evaluate(f"() => JSON.parse(localStorage.getItem('lvkuang:record:{record_id}:remarks'))")
    assert kept["text"] == "东侧边坡已复绿，西侧尚未复绿" and kept["was"] == "东侧边坡已复绿"

    cable.plug()
    stored_soon(page, lambda: remarks(app, record_id), "东侧边坡已复绿，西侧尚未复绿")
    expect(state).to_have_text("已保存")
    expect(banner).to_be_hidden()
    assert page.evaluate(f"() => localStorage.getItem('lvkuang:record:{record_id}:remarks')") is None
    assert_all_local(requests_seen)


def test_text_typed_before_a_reload_is_put_back_and_saved(page: Page, drawn_app: App, requests_seen: list[str]) -> None:
    app = drawn_app
    cable = Cable(page)
    login(page, app)
    mine_id, record_id = open_new_record(page, app, "结论与处理")
    name = query(app, "SELECT name FROM mines WHERE id = ?", (mine_id,))[0][0]
    page.get_by_label("意见建议").fill("建议完善矿区绿化管护制度")
    cable.pull()  # nothing typed can reach the server now
    expect(page.locator("#gm-connection-banner")).to_contain_text(OFFLINE, timeout=2000)
    page.context.set_offline(False)
    page.reload()  # the page was reloaded before the connection came back: only the browser has the text
    cable.plug()
    pick_record(page, app, name)
    page.get_by_role("tab", name="结论与处理").click()
    wait_for_app(page)
    stored_soon(page, lambda: query(app, "SELECT json_extract(content, '$.opinions') FROM records WHERE id = ?",
                                    (record_id,))[0][0], "建议完善矿区绿化管护制度")
    expect(page.get_by_label("意见建议")).to_have_value("建议完善矿区绿化管护制度")
    expect(page.locator(f".st-key-r{record_id}g0_opinions .gm-save-state")).to_have_text("已保存")
    assert_all_local(requests_seen)
