"""An inspection record filled, photographed, confirmed and submitted in a real browser."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from core import db as dbmod
from core import demo, inspections
from core.labels import AREAS
from tests.e2e.browser import App, assert_all_local, login, wait_for_app
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
    running.team = inspections.team_of(database, inspections.open_record(database, campaign, int(first["id"]), "组织者"))
    database.close()
    yield running
    stop(server)


def saved(app: App, field: str) -> str:
    """A field of the record as stored on the server."""
    return json.loads(query(app, "SELECT content FROM records")[0][0]).get(field, "")


def test_fill_photograph_sign_and_submit(page: Page, drawn_app: App, requests_seen: list[str], tmp_path) -> None:
    app = drawn_app
    login(page, app)
    page.goto(app.url("inspections"))
    wait_for_app(page)
    page.get_by_role("combobox", name="选择矿山，填写或查看核查记录").click()
    page.get_by_role("option", name=app.mine["name"], exact=False).first.click()
    wait_for_app(page)
    expect(page.get_by_text("草稿 · 每项修改即时保存")).to_be_visible()

    page.get_by_role("spinbutton", name="year, 核查开始日期").click()
    page.keyboard.type("20231102")
    page.keyboard.press("Escape")
    page.locator("[data-testid='stMain'] h1").first.click()
    wait_for_app(page)
    assert eventually(lambda: saved(app, "date_from") == "2023-11-02")

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
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(make_photo(seed=11, taken_at="2023-11-02T10:30:00"))
    # The browser sends the file to the server as soon as it is chosen; the form is submitted after that.
    with page.expect_response(lambda response: "upload_file" in response.url and response.ok):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(photo))
    expect(page.get_by_test_id("stFileChipName").filter(has_text="IMG_0001.jpg")).to_be_visible()
    page.get_by_role("button", name="上传").click()
    wait_for_app(page)
    assert eventually(lambda: query(app, "SELECT COUNT(*) FROM evidence")[0][0] == 1)
    expect(page.get_by_text("无GPS位置").first).to_be_visible()

    page.get_by_role("tab", name="签字与提交").click()
    wait_for_app(page)
    members = [m for m in app.team if m["role"] != "组长"] + [m for m in app.team if m["role"] == "组长"]
    for member in members:
        box = page.get_by_placeholder(f"输入“{member['name']}”确认")
        box.fill(member["name"])
        box.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="组长签字" if member["role"] == "组长" else "确认", exact=True).first.click()
        wait_for_app(page)
        expect(page.get_by_text(f"{member['name']}已确认核查记录")).to_be_visible()
    click(page, "提交核查记录")
    click(page, "确认提交")
    expect(page.get_by_text("核查记录已提交并锁定")).to_be_visible()
    assert eventually(lambda: query(app, "SELECT status FROM records")[0][0] == "已提交")
    with page.expect_download() as caught:
        page.get_by_role("button", name="下载核查记录（PDF）").click()
    assert caught.value.suggested_filename == f"{app.mine['name']}国家级绿色矿山核查记录表.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inspection-submitted.png"), full_page=True)
    assert_all_local(requests_seen)


def test_a_new_record_stays_open_after_its_first_save(page: Page, drawn_app: App, requests_seen: list[str]) -> None:
    """The first save moves the mine from 待核查 to 核查中: the chosen mine must stay chosen."""
    app = drawn_app
    name, mine_id = query(app, "SELECT m.name, m.id FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
                               "WHERE c.mine_id NOT IN (SELECT mine_id FROM records) ORDER BY c.ticket LIMIT 1")[0]
    login(page, app)
    page.goto(app.url("inspections"))
    wait_for_app(page)
    page.get_by_role("combobox", name="选择矿山，填写或查看核查记录").click()
    page.keyboard.type(name)  # the list is long: typing filters it
    page.get_by_role("option", name=name, exact=False).first.click()
    wait_for_app(page)
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
